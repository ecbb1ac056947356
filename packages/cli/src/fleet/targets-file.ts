import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatIssueLines, safeParseWithRules } from '@converge/protocol';
import { parse } from 'yaml';
import { z } from 'zod';

/** One cluster a fleet converges: its API, its modules, its config, and its stream (= `name`). */
export interface FleetTarget {
  /** The target's name, also the name of its event stream. */
  name: string;
  /** Absolute path of the target's kubeconfig. */
  kubeconfig: string;
  /** The kubeconfig context (default: its current context). */
  context?: string;
  /** The namespace of the addon-operator ConfigMap and of releases (default `default`). */
  namespace: string;
  /** Absolute path of the modules directory. */
  modulesDir: string;
  /** Absolute path of the global hooks directory. */
  globalHooksDir?: string;
  /** Absolute path of a config file, watched as `converge run --config` does; absent: the ConfigMap. */
  config?: string;
}

/** A targets file that cannot be used; the message names the file, the target's index and the field. */
export class TargetsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'TargetsFileError';
  }
}

const nonEmpty = z.string().min(1);
// A stream name: what `--stream` takes, and a row key in the store.
const targetName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    error: (iss) =>
      `must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (got ${JSON.stringify(iss.input)})`,
  });

const targetSchema = z.strictObject({
  name: targetName,
  kubeconfig: nonEmpty,
  context: nonEmpty.optional(),
  namespace: nonEmpty.optional(),
  modulesDir: nonEmpty,
  globalHooksDir: nonEmpty.optional(),
  config: nonEmpty.optional(),
});

const fileSchema = z.strictObject({ targets: z.array(targetSchema).min(1) });

/**
 * Parses the text of a targets file (YAML: `targets: [{ name, kubeconfig, context?, namespace?,
 * modulesDir, globalHooksDir?, config? }]`). Paths are resolved against the file's directory;
 * names must be unique. Throws TargetsFileError naming `file`, `targets[i]` and the field.
 */
export function parseTargetsFile(text: string, file: string): FleetTarget[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new TargetsFileError(file, [e instanceof Error ? e.message : String(e)]);
  }
  const parsed = safeParseWithRules(fileSchema, doc ?? {});
  if (!parsed.success) throw new TargetsFileError(file, formatIssueLines(parsed.issues));
  const base = dirname(resolve(file));
  const at = (p: string) => resolve(base, p);
  const seen = new Map<string, number>();
  const problems: string[] = [];
  parsed.data.targets.forEach((t, i) => {
    const first = seen.get(t.name);
    if (first !== undefined)
      problems.push(`targets[${i}].name: ${JSON.stringify(t.name)} is already the name of targets[${first}]`);
    else seen.set(t.name, i);
  });
  if (problems.length > 0) throw new TargetsFileError(file, problems);
  return parsed.data.targets.map((t) => ({
    name: t.name,
    kubeconfig: at(t.kubeconfig),
    ...(t.context ? { context: t.context } : {}),
    namespace: t.namespace ?? 'default',
    modulesDir: at(t.modulesDir),
    ...(t.globalHooksDir ? { globalHooksDir: at(t.globalHooksDir) } : {}),
    ...(t.config ? { config: at(t.config) } : {}),
  }));
}

/** Reads and parses `--targets FILE` (see parseTargetsFile). */
export function readTargetsFile(file: string): FleetTarget[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TargetsFileError(file, [e instanceof Error ? e.message : String(e)]);
  }
  return parseTargetsFile(text, file);
}
