/** Samples of a Prometheus text exposition, keyed `name{label="v",...}` with labels sorted by name. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, k, v]) => `${k}="${v}"`)
      .sort();
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

/** The key `parseExposition` uses for `name` with `labels`. */
export function sample(name: string, labels: Record<string, string> = {}): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return `${name}{${l.join(',')}}`;
}

/** The label sets (as sorted label-name lists) of every sample of `name`. */
export function labelNamesOf(samples: Map<string, number>, name: string): string[][] {
  const out: string[][] = [];
  for (const key of samples.keys()) {
    if (!key.startsWith(`${name}{`)) continue;
    out.push([...key.slice(name.length + 1, -1).matchAll(/(\w+)="/g)].map((m) => m[1] as string));
  }
  return out;
}
