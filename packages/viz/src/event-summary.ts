import type { ConvergeEvent } from '@converge/protocol';
import { formatDuration } from './timeline-layout.js';

/** Whether the event records a failure (an allowed hook failure does not count). */
export function isFailure(e: ConvergeEvent): boolean {
  switch (e.type) {
    case 'HookFailed':
      return !e.allowed;
    case 'ModuleFailed':
    case 'HelmOperationFailed':
    case 'DiscoveryFailed':
      return true;
    case 'HelmReleaseChecked':
      return e.error !== undefined;
    default:
      return false;
  }
}

/** One line saying what the event records, without its type, seq or time. */
export function describeEvent(e: ConvergeEvent): string {
  switch (e.type) {
    case 'EngineStarted':
      return `run ${e.runId}, namespace ${e.namespace}, modules ${e.modules.map((m) => m.name).join(', ') || '(none)'}`;
    case 'EngineStopped':
      return `run ${e.runId}`;
    case 'GlobalHooksRegistered':
      return `${e.hooks.length} global hooks`;
    case 'ModuleHooksRegistered':
      return `${e.module}: ${e.hooks.map((h) => h.name).join(', ') || 'no hooks'}`;
    case 'ConvergeStarted':
      return `${e.convergeId} (${e.reason}${e.trigger ? `, ${e.trigger}` : ''})`;
    case 'ModulesPlanned':
      return `enabled [${e.enabled.join(', ')}], to disable [${e.toDisable.join(', ')}], groups ${JSON.stringify(e.groups)}`;
    case 'DiscoveryFailed':
      return `${e.module ? `${e.module}: ` : ''}${e.error}`;
    case 'ConvergeCompleted':
      return e.convergeId;
    case 'ModuleEnabled':
    case 'ModuleDisabled':
    case 'ModuleRunSkipped':
    case 'ModuleNotEnabled':
      return `${e.module}: ${e.reason}`;
    case 'ModuleRunStarted':
      return `${e.module}: attempt ${e.attempt}, ${e.trigger}${e.doStartup ? ', with onStartup' : ''}, queue ${e.queue}`;
    case 'ModuleDeleteStarted':
      return `${e.module}: attempt ${e.attempt}`;
    case 'HookStarted':
    case 'HookSucceeded':
    case 'HookFailed': {
      const where = e.module ? `${e.module}/` : '';
      const names =
        e.bindingNames.length > 0 && e.bindingNames[0] !== e.binding ? ` (${e.bindingNames.join(', ')})` : '';
      const error = e.type === 'HookFailed' ? `: ${e.allowed ? 'allowed failure: ' : ''}${e.error}` : '';
      return `${where}${e.hook} ${e.binding}${names}, attempt ${e.attempt}${error}`;
    }
    case 'SynchronizationCompleted':
      return `${e.module ? `${e.module}/` : ''}${e.hook} ${e.bindingName}${e.executed ? '' : ' (not executed)'}`;
    case 'HelmReleaseChecked':
      return `${e.release}: ${e.exists ? 'exists' : 'absent'}${e.error ? `, error: ${e.error}` : ''}`;
    case 'HelmReleaseUpgraded':
      return `${e.release} revision ${e.revision}${e.reason ? ` (${e.reason})` : ''}`;
    case 'HelmUpgradeSkipped':
      return `${e.release}: ${e.reason}`;
    case 'HelmReleaseUninstalled':
      return `${e.release}${e.purge ? ' (purge)' : ''}`;
    case 'HelmOperationFailed':
      return `${e.module} ${e.operation}: ${e.error}`;
    case 'HelmDriftDetected':
      return `${e.release}: ${e.reason}${e.resources ? ` ${e.resources.join(', ')}` : ''}`;
    case 'ModuleCrdsEnsured':
      return `${e.module}: ${e.crds.join(', ')}`;
    case 'ModuleReady':
    case 'ModuleDeleted':
      return e.module;
    case 'ModuleFailed':
      return `${e.module} in ${e.phase}: ${e.error}`;
    case 'RetryScheduled':
      return `${e.module ? `${e.module} ` : ''}${e.task} attempt ${e.attempt} in ${formatDuration(e.delayMs)}${e.error ? ` after: ${e.error}` : ''}`;
    case 'ValuesChanged':
    case 'ConfigValuesChanged':
      return `${e.scope}: ${e.patch.map((op) => `${op.op} ${op.path}`).join(', ')}`;
    case 'ConfigReceived':
      return `sections ${Object.keys(e.config).join(', ') || '(none)'}`;
    case 'ModuleDynamicEnabledChanged':
      return `${e.module}: ${e.enabled ? 'enabled' : 'disabled'} by a global hook`;
    case 'EnabledModulesRecalculated':
      return `${e.changed ? 'changed' : 'unchanged'}: ${e.enabled.join(', ') || '(none)'}`;
    case 'ScheduleFired':
      return e.crontab;
    case 'KubeEventObserved':
      return `${e.module ? `${e.module}/` : ''}${e.hook} ${e.bindingName}: ${e.watchEvent} ${e.objectRef}`;
    default: {
      // A type this version does not know (a newer log): show its payload.
      const { seq: _seq, at: _at, v: _v, type: _type, ...rest } = e as Record<string, unknown>;
      return JSON.stringify(rest);
    }
  }
}
