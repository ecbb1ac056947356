import type { RenderResult, TimerHandle } from '@converge/core';
import type { EngineHost } from './engine-host.js';
import { MAIN } from './queue-names.js';

interface Watch {
  rendered: RenderResult;
  intervalMs: number;
  timer?: TimerHandle;
}

const BASE_INTERVAL_MS = 270_000;

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The Helm resources monitor (addon-operator pkg/helm_resources_manager/): per module with a release, a check every 4m30s plus a
 * fixed random 0–59 s. A release that is not `deployed`, or a rendered object missing from the
 * cluster, records HelmDriftDetected and queues a ModuleRun (unless one is pending). Ticks are
 * skipped while a task of the module runs.
 */
export class ResourcesMonitor {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly core: EngineHost) {}

  /** Starts (or restarts with fresh manifests) the monitor of `module`. */
  start(module: string, rendered: RenderResult, restart: boolean): void {
    const existing = this.watches.get(module);
    if (existing && !restart) return;
    existing?.timer?.cancel();
    const jitter = Math.floor(this.core.random.next() * 60) * 1000;
    const watch: Watch = { rendered, intervalMs: existing?.intervalMs ?? BASE_INTERVAL_MS + jitter };
    this.watches.set(module, watch);
    this.arm(module, watch);
  }

  has(module: string): boolean {
    return this.watches.has(module);
  }

  stop(module: string): void {
    this.watches.get(module)?.timer?.cancel();
    this.watches.delete(module);
  }

  /** Stops every monitor (a global hook changed global values; addon-operator pkg/task/tasks/global-hook-run/task.go step 7). */
  stopAll(): void {
    for (const w of this.watches.values()) w.timer?.cancel();
    this.watches.clear();
  }

  private arm(module: string, watch: Watch): void {
    if (this.core.stopped) return;
    watch.timer = this.core.clock.setTimer(watch.intervalMs, () => {
      watch.timer = undefined;
      if (this.watches.get(module) !== watch) return;
      void this.core
        .track(() => this.tick(module, watch))
        .finally(() => {
          if (this.watches.get(module) === watch) this.arm(module, watch);
        });
    });
  }

  private busy(module: string): boolean {
    for (const q of this.core.queues.values()) if (q.running?.module === module) return true;
    return false;
  }

  /**
   * One check, as addon-operator's ResourcesMonitor ticker does
   * (pkg/helm_resources_manager/resources_monitor.go): a release status that is not `deployed`,
   * or that cannot be read, is an unexpected status; then, in the same tick, the first absent
   * rendered object (AbsentResources reports only one) is reported too; a failing absent check is
   * logged. Each finding is recorded and counted; one ModuleRun is queued unless one is pending
   * (handler_module_manager.go).
   */
  private async tick(module: string, watch: Watch): Promise<void> {
    if (this.busy(module) || !this.core.isEnabled(module)) return;
    const releases = this.core.options.releases;
    let trigger: string | undefined;
    let status: string | undefined;
    let error: string | undefined;
    try {
      status = (await releases.status(module))?.status;
    } catch (e) {
      error = errorText(e);
      this.core.logger.warn({ module }, `cannot get helm release status: ${error}`);
    }
    if (this.core.stopped) return;
    if (status?.toLowerCase() !== 'deployed') {
      this.core.metrics.inc('modules_helm_release_redeployed_total', { module });
      this.core.emit('HelmDriftDetected', {
        module,
        release: module,
        reason: 'status',
        status: status ?? (error === undefined ? 'missing' : 'unknown'),
        ...(error === undefined ? {} : { error }),
      });
      trigger = 'HelmReleaseUnexpectedStatus';
    }
    let absent: Awaited<ReturnType<typeof releases.absentResources>> = [];
    try {
      absent = await releases.absentResources(module, watch.rendered);
    } catch (e) {
      this.core.logger.warn({ module }, `cannot list helm resources: ${errorText(e)}`);
    }
    if (this.core.stopped) return;
    if (absent.length > 0) {
      const first = absent[0];
      const resource = `${first.namespace ?? ''}/${first.kind}/${first.name}`;
      this.core.metrics.inc('modules_absent_resources_total', { module, resource });
      this.core.emit('HelmDriftDetected', {
        module,
        release: module,
        reason: 'absent',
        resources: [resource],
      });
      trigger ??= 'AbsentHelmResourcesDetected';
    }
    if (trigger && !this.core.hasPendingModuleRun(module))
      this.core.enqueue(
        this.core.newTask({ type: 'ModuleRun', queue: MAIN, module, trigger, doStartup: false }),
      );
  }
}
