import type { HookDefinition, TimerHandle } from '@converge/core';
import { sortModules } from '@converge/core';
import { type CrontabSchedule, parseCrontab } from '@converge/protocol';
import type { EngineCore } from './engine-core.js';

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Schedule bindings (addon-operator pkg/addon-operator/handler_manager_events.go): one timer per distinct crontab on the engine clock. A tick
 * records ScheduleFired and queues one task per matching binding — global hooks first, then
 * enabled modules whose schedules are enabled — once the first converge is done (AO-19), or
 * before it for in-process hooks with `enableSchedulesOnStartup`.
 */
export class Schedules {
  private readonly timers = new Map<string, { schedule: CrontabSchedule; timer?: TimerHandle }>();

  constructor(private readonly core: EngineCore) {}

  /** Arms a timer for each crontab not armed yet. Invalid crontabs were rejected with the hook config. */
  ensure(crontabs: Iterable<string>): void {
    for (const crontab of crontabs) {
      if (this.timers.has(crontab)) continue;
      const entry: { schedule: CrontabSchedule; timer?: TimerHandle } = { schedule: parseCrontab(crontab) };
      this.timers.set(crontab, entry);
      this.arm(crontab);
    }
  }

  private arm(crontab: string): void {
    const entry = this.timers.get(crontab);
    if (!entry || this.core.stopped) return;
    const now = this.core.clock.now();
    const next = entry.schedule.nextFireAfter(now);
    if (!Number.isFinite(next)) return;
    entry.timer = this.core.clock.setTimer(next - now, () => {
      entry.timer = undefined;
      this.fire(crontab);
      this.arm(crontab);
    });
  }

  /**
   * Handles one tick of `crontab` (also callable directly by tests and embedders). Before the
   * first converge is done only in-process hooks with `enableSchedulesOnStartup` get a task
   * (addon-operator's allowHandleScheduleEvent, pkg/addon-operator/operator.go).
   */
  fire(crontab: string): void {
    this.core.emit('ScheduleFired', { crontab });
    const startupDone = this.core.state.converge.context.completed > 0;
    const allowed = (hook: HookDefinition) => startupDone || hook.enableSchedulesOnStartup === true;
    for (const hook of [...this.core.globalHooks].sort(byName)) {
      if (!allowed(hook)) continue;
      for (const s of hook.schedule) if (s.crontab === crontab) this.queueTask(undefined, hook.name, s);
    }
    const modules = sortModules([...this.core.moduleDefs.values()]).filter((m) =>
      this.core.isEnabled(m.name),
    );
    for (const m of modules) {
      const rt = this.core.moduleRuntime.get(m.name);
      if (!rt?.schedulesEnabled) continue;
      for (const hook of [...rt.hooks].sort(byName)) {
        if (!allowed(hook)) continue;
        for (const s of hook.schedule) if (s.crontab === crontab) this.queueTask(m.name, hook.name, s);
      }
    }
  }

  private queueTask(
    module: string | undefined,
    hook: string,
    s: { name: string; queue: string; group?: string; allowFailure: boolean },
  ): void {
    const context = s.group
      ? { binding: s.name, type: 'Group', groupName: s.group }
      : { binding: s.name, type: 'Schedule' };
    this.core.enqueue(
      this.core.newTask({
        type: module ? 'ModuleHookRun' : 'GlobalHookRun',
        queue: s.queue,
        module,
        hook,
        binding: 'schedule',
        bindingNames: [s.name],
        contexts: [context],
        groups: [s.group || undefined],
        allowFailure: s.allowFailure,
        trigger: 'Schedule',
        reloadAllOnValuesChanges: module === undefined,
      }),
    );
  }

  stop(): void {
    for (const e of this.timers.values()) e.timer?.cancel();
    this.timers.clear();
  }
}
