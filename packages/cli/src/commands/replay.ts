import { moduleStateName, replay } from '@converge/core';
import { readLog } from '../log-source.js';

export interface ReplayOptions {
  log: string;
  until?: number;
  json: boolean;
  /** The stream of a PostgreSQL log (default `embedded`). */
  stream?: string;
}

/** `converge replay <log> [--until SEQ]`: folds the log (no executor runs) and prints the state table. */
export async function replayCommand(
  o: ReplayOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const { events, problems } = await readLog(o.log, o.stream ? { stream: o.stream } : {});
  const upto = o.until === undefined ? events : events.filter((e) => e.seq <= o.until!);
  const s = replay(upto, undefined, { strict: true });
  const modules = Object.entries(s.modules).map(([name, snap]) => ({
    module: name,
    state: moduleStateName(snap),
    enabled: s.enabled.includes(name),
    attempt: snap.context.attempt,
    error: s.errors[name],
  }));
  if (o.json) {
    out.write(
      `${JSON.stringify({ seq: s.seq, startup: s.startup.value, converge: s.converge.value, enabled: s.enabled, modules, configValues: s.configValues })}\n`,
    );
  } else {
    out.write(
      `state at seq ${s.seq}: startup ${String(s.startup.value)}, converge ${String(s.converge.value)}\n`,
    );
    out.write(`${'MODULE'.padEnd(28)} ${'STATE'.padEnd(18)} ${'ENABLED'.padEnd(8)} ERROR\n`);
    for (const m of modules)
      out.write(
        `${m.module.padEnd(28)} ${m.state.padEnd(18)} ${String(m.enabled).padEnd(8)} ${m.error ?? ''}\n`,
      );
  }
  for (const p of problems) process.stderr.write(`warning: ${p}\n`);
  return problems.length > 0 ? 1 : 0;
}
