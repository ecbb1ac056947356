import { type EngineState, moduleStateName } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';

interface ModuleLine {
  state: string;
  hook?: string;
  retryAt?: number;
  error?: string;
}

/**
 * The TTY view of `converge run`: one line per module with its lifecycle state, the hook running
 * now and a retry countdown, redrawn in place; a summary when the run ends, naming each module left
 * disabled and why.
 */
export class LiveView {
  private readonly lines = new Map<string, ModuleLine>();
  /** Modules left disabled, with the reason of their last `ModuleNotEnabled`. */
  readonly notEnabled = new Map<string, string>();
  private global = '';
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly state: () => EngineState,
    private readonly now: () => number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  onEvent(e: ConvergeEvent): void {
    const m = 'module' in e && e.module ? e.module : undefined;
    if (!m) {
      if (e.type === 'HookStarted') this.global = `${e.binding} ${e.hook}`;
      if (e.type === 'HookSucceeded' || e.type === 'HookFailed') this.global = '';
      if (e.type === 'ConvergeStarted') this.global = `converge (${e.reason})`;
      if (e.type === 'ConvergeCompleted') this.global = '';
      return;
    }
    if (e.type === 'ModuleNotEnabled') this.notEnabled.set(m, e.reason);
    if (e.type === 'ModuleEnabled') this.notEnabled.delete(m);
    const line = this.lines.get(m) ?? { state: '' };
    if (e.type === 'HookStarted') line.hook = `${e.binding} ${e.hook}`;
    if (e.type === 'HookSucceeded') line.hook = undefined;
    if (e.type === 'HookFailed') {
      line.hook = undefined;
      line.error = e.error.split('\n')[0];
    }
    if (e.type === 'RetryScheduled') line.retryAt = this.now() + e.delayMs;
    if (e.type === 'ModuleReady' || e.type === 'ModuleDeleted') {
      line.retryAt = undefined;
      line.error = undefined;
    }
    this.lines.set(m, line);
  }

  private render(): string[] {
    const s = this.state();
    const rows = [`converge: ${String(s.converge.value)}${this.global ? ` — ${this.global}` : ''}`];
    for (const [m, snap] of Object.entries(s.modules)) {
      const line = this.lines.get(m) ?? { state: '' };
      const name = moduleStateName(snap);
      const retry = line.retryAt
        ? ` retry in ${Math.max(0, Math.ceil((line.retryAt - this.now()) / 1000))}s`
        : '';
      const mark =
        name === 'ready'
          ? '✓'
          : name.endsWith('Failed')
            ? '✗'
            : name === 'deleted' || name === 'disabled'
              ? '·'
              : '…';
      rows.push(
        `  ${mark} ${m.padEnd(28)} ${name.padEnd(18)}${line.hook ? ` ${line.hook}` : ''}${retry}${line.error ? `  ${line.error}` : ''}${this.notEnabled.has(m) ? `  not enabled: ${this.notEnabled.get(m)}` : ''}`,
      );
    }
    for (const [m, reason] of this.notEnabled)
      if (!(m in s.modules)) rows.push(`  · ${m.padEnd(28)} ${'not enabled'.padEnd(18)} ${reason}`);
    return rows;
  }

  draw(): void {
    const rows = this.render();
    const width = this.out.columns ?? 120;
    let text = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const r of rows) text += `\x1b[2K${r.slice(0, width - 1)}\n`;
    this.out.write(text);
    this.drawn = rows.length;
  }

  stop(summary: string): void {
    clearInterval(this.timer);
    this.draw();
    this.out.write(`${summary}\n`);
    for (const [m, reason] of this.notEnabled) this.out.write(`module ${m} is not enabled: ${reason}\n`);
  }
}
