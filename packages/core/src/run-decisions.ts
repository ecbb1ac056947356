import type { ConvergeEvent } from '@converge/protocol';
import { type ConvergeSnapshot, type ModuleSnapshot, moduleStateName } from './machines/steps.js';
import type { ConfigDocument } from './ports.js';
import { valuesChecksum } from './values/checksum.js';

/**
 * What the engine decides from besides the lifecycle charts, folded from the log so that a replay
 * (or a restarted engine) decides exactly as the live engine would have.
 */
export interface RunDecisions {
  /** Dynamic `<module>Enabled` flags set by global hooks (ModuleDynamicEnabledChanged). */
  dynamicEnabled: Record<string, boolean>;
  /** Enablement is recalculated at the next discover (config, flags or dynamic flags changed). */
  graphDirty: boolean;
  /** The converge in progress starts over at its next ConvergeModules task (addon-operator pkg/addon-operator/handler_module_manager.go). */
  convergeRestartPending: boolean;
  /** Global values changed while the converge's afterAll hooks ran: converge again (addon-operator pkg/task/tasks/converge-modules/task.go). */
  afterAllValuesChanged: boolean;
  /** Per module, the task whose run is in progress (ModuleRunStarted.taskId). */
  runTasks: Record<string, string>;
  /** Modules whose values changed during their afterHelm phase: the run repeats (addon-operator pkg/task/tasks/module-run/task.go). */
  afterHelmValuesChanged: Record<string, true>;
  /** Modules that have a Helm release according to the log; kept across runs. */
  releases: string[];
  /** Modules whose delete began and did not finish; kept across runs, resumed at startup. */
  pendingDeletes: string[];
}

export function initialRunDecisions(): RunDecisions {
  return {
    dynamicEnabled: {},
    graphDirty: true,
    convergeRestartPending: false,
    afterAllValuesChanged: false,
    runTasks: {},
    afterHelmValuesChanged: {},
    releases: [],
    pendingDeletes: [],
  };
}

/** The decisions a new run starts with: only releases and pending deletes outlive a run. */
export function carriedRunDecisions(previous: RunDecisions): RunDecisions {
  return {
    ...initialRunDecisions(),
    releases: [...previous.releases],
    pendingDeletes: [...previous.pendingDeletes],
  };
}

/** The parts of the engine state the decision fold reads. */
export interface DecisionInputs {
  config: ConfigDocument;
  converge: ConvergeSnapshot;
  modules: Record<string, ModuleSnapshot>;
}

const moduleState = (inputs: DecisionInputs, m: string) => {
  const snap = inputs.modules[m];
  return snap ? moduleStateName(snap) : undefined;
};

const add = (list: string[], m: string) => {
  if (!list.includes(m)) list.push(m);
};
const drop = (list: string[], m: string) => {
  const i = list.indexOf(m);
  if (i >= 0) list.splice(i, 1);
};
const isSection = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
const globalSection = (c: ConfigDocument) => (isSection(c.global) ? c.global : {});

/**
 * Folds one event into `d` in place. Called before the lifecycle charts fold the same event, so
 * `inputs` shows the state just before it.
 */
export function foldRunDecisions(d: RunDecisions, event: ConvergeEvent, inputs: DecisionInputs): void {
  switch (event.type) {
    case 'ConfigReceived': {
      if (event.source === 'hook') return;
      const standBy = inputs.converge.value === 'standBy';
      // Before the first converge any change replans it (it has not planned yet).
      if (inputs.converge.context.completed === 0 && standBy) {
        d.graphDirty = true;
        return;
      }
      const globalChanged =
        valuesChecksum(globalSection(inputs.config)) !== valuesChecksum(globalSection(event.config));
      // A change of `<module>Enabled` flags alone replans only when the enabled set changed
      // (EnabledModulesRecalculated below), as addon-operator's RecalculateGraph decides
      // (pkg/addon-operator/handler_module_manager.go).
      if (globalChanged) {
        d.graphDirty = true;
        d.convergeRestartPending = !standBy;
      }
      return;
    }
    case 'EnabledModulesRecalculated':
      if (event.changed) {
        d.graphDirty = true;
        d.convergeRestartPending = inputs.converge.value !== 'standBy';
      }
      return;
    case 'ModuleDynamicEnabledChanged':
      // The converge restarts only when the enabled set changed (EnabledModulesRecalculated).
      d.dynamicEnabled[event.module] = event.enabled;
      d.graphDirty = true;
      return;
    case 'ModulesPlanned':
      d.graphDirty = false;
      return;
    case 'ConvergeStarted':
      d.convergeRestartPending = false;
      d.afterAllValuesChanged = false;
      return;
    case 'ValuesChanged':
      if (event.scope === 'global') {
        if (inputs.converge.value === 'afterAll') d.afterAllValuesChanged = true;
      } else if (moduleState(inputs, event.scope) === 'afterHelm') {
        d.afterHelmValuesChanged[event.scope] = true;
      }
      return;
    case 'ModuleRunStarted':
      if (event.taskId !== undefined) d.runTasks[event.module] = event.taskId;
      delete d.afterHelmValuesChanged[event.module];
      drop(d.pendingDeletes, event.module);
      return;
    case 'ModuleFailed':
    case 'ModuleReady':
      delete d.runTasks[event.module];
      delete d.afterHelmValuesChanged[event.module];
      return;
    case 'ModuleDeleteStarted':
      delete d.runTasks[event.module];
      delete d.afterHelmValuesChanged[event.module];
      add(d.pendingDeletes, event.module);
      return;
    case 'ModuleDeleted':
      drop(d.pendingDeletes, event.module);
      return;
    case 'HelmReleaseUpgraded':
    case 'HelmUpgradeSkipped':
      add(d.releases, event.module);
      return;
    case 'HelmReleaseChecked':
      if (event.exists) add(d.releases, event.module);
      else drop(d.releases, event.module);
      return;
    case 'HelmReleaseUninstalled':
      drop(d.releases, event.module);
      return;
    default:
      return;
  }
}
