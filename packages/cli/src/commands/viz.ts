import { writeFile } from 'node:fs/promises';
import { machines, renderTimeline, toDot, toJson, toMermaid, toSvg } from '@converge/viz';
import { readLog } from '../log-source.js';

export interface VizMachineOptions {
  machine: string;
  format: string;
  output?: string;
}

/** `converge viz machine`: exports the real machine definitions from core (mermaid, dot, svg, json). */
export async function vizMachineCommand(
  o: VizMachineOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const names = o.machine === 'all' ? Object.keys(machines) : [o.machine];
  const parts: string[] = [];
  for (const name of names) {
    const machine = machines[name as keyof typeof machines];
    if (!machine)
      throw new Error(`unknown machine ${JSON.stringify(name)}; use module, converge, startup or all`);
    switch (o.format) {
      case 'mermaid':
        parts.push(toMermaid(machine));
        break;
      case 'dot':
        parts.push(toDot(machine));
        break;
      case 'json':
        parts.push(toJson(machine));
        break;
      case 'svg':
        parts.push(await toSvg(machine));
        break;
      default:
        throw new Error(`unknown format ${JSON.stringify(o.format)}; use mermaid, dot, svg or json`);
    }
  }
  const text = parts.join('\n');
  if (o.output) await writeFile(o.output, text);
  else out.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}

/**
 * `converge viz timeline <log> -o timeline.html`: a self-contained HTML page of a log. The page
 * holds every event, so a new file is created 0600, like the log (docs/security.md).
 */
export async function vizTimelineCommand(o: {
  log: string;
  output: string;
  stream?: string;
}): Promise<number> {
  const { events, problems } = await readLog(o.log, o.stream ? { stream: o.stream } : {});
  await writeFile(o.output, await renderTimeline(events), { mode: 0o600 });
  for (const p of problems) process.stderr.write(`warning: ${p}\n`);
  return 0;
}
