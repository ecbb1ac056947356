/** Test driver of the recording fake helm in fixtures/fake-helm: canned answers in, recorded calls out. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, tempDir } from './helpers.js';

export const FAKE_HELM = join(FIXTURES, 'fake-helm', 'helm');

export interface CannedAnswer {
  stdout?: string;
  stderr?: string;
  exit?: number;
  sleepSeconds?: number;
}

export interface RecordedCall {
  key: string;
  argv: string[];
  env: Record<string, string>;
  values?: string;
  valuesMode?: string;
  valuesDirMode?: string;
}

function splitNul(text: string): string[] {
  const parts = text.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** A fake helm with its own state directory. */
export class FakeHelm {
  readonly dir = tempDir('converge-fake-helm-');
  readonly bin = FAKE_HELM;

  constructor(version = 'v3.17.2') {
    this.answer('version', { stdout: version });
  }

  /** The environment to run it with: FAKE_HELM_DIR plus `extra`. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { FAKE_HELM_DIR: this.dir, ...extra };
  }

  /** Answer calls with this key (`upgrade`, `get-metadata`, …); `nth` answers only that call. */
  answer(key: string, answer: CannedAnswer, nth?: number): this {
    const dir = join(this.dir, 'responses', key, nth === undefined ? '' : String(nth));
    mkdirSync(dir, { recursive: true });
    if (answer.stdout !== undefined) writeFileSync(join(dir, 'stdout'), answer.stdout);
    if (answer.stderr !== undefined) writeFileSync(join(dir, 'stderr'), answer.stderr);
    if (answer.exit !== undefined) writeFileSync(join(dir, 'exit'), String(answer.exit));
    if (answer.sleepSeconds !== undefined) writeFileSync(join(dir, 'sleep'), String(answer.sleepSeconds));
    return this;
  }

  /** Every call so far, in order. */
  calls(): RecordedCall[] {
    const root = join(this.dir, 'calls');
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .sort()
      .map((name) => {
        const dir = join(root, name);
        const read = (file: string) =>
          existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : undefined;
        const env: Record<string, string> = {};
        for (const entry of splitNul(read('env') ?? '')) {
          const eq = entry.indexOf('=');
          env[entry.slice(0, eq)] = entry.slice(eq + 1);
        }
        return {
          key: read('key') ?? '',
          argv: splitNul(read('argv') ?? ''),
          env,
          values: read('values'),
          valuesMode: read('values.mode')?.trim(),
          valuesDirMode: read('values.dir-mode')?.trim(),
        };
      });
  }

  /** Calls other than `version` (which the executor makes once per binary). */
  commands(): RecordedCall[] {
    return this.calls().filter((c) => c.key !== 'version');
  }
}

export const NOT_FOUND = 'Error: release: not found\n';

/** `helm get metadata -o json` as Helm 3.17 and 4.1 print it. */
export function metadataJson(fields: {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  labels?: Record<string, string>;
}): string {
  return `${JSON.stringify({
    name: fields.name,
    chart: fields.name,
    version: '0.1.0',
    appVersion: '',
    ...(fields.labels ? { labels: fields.labels } : {}),
    namespace: fields.namespace,
    revision: fields.revision,
    status: fields.status,
    deployedAt: '2026-01-01T00:00:00Z',
  })}\n`;
}

/** `helm history -o json`. */
export function historyJson(statuses: string[]): string {
  return `${JSON.stringify(
    statuses.map((status, i) => ({
      revision: i + 1,
      updated: '2026-01-01T00:00:00Z',
      status,
      chart: 'basic-0.1.0',
      app_version: '',
      description: status === 'deployed' ? 'Upgrade complete' : status,
    })),
  )}\n`;
}

/** `helm upgrade -o json` (the release, trimmed). */
export function releaseJson(name: string, namespace: string, version: number, status = 'deployed'): string {
  return `${JSON.stringify({
    name,
    info: { first_deployed: '2026-01-01T00:00:00Z', last_deployed: '2026-01-01T00:00:00Z', status },
    config: {},
    manifest: '',
    version,
    namespace,
  })}\n`;
}
