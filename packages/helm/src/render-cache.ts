/**
 * An LRU cache of rendered charts. A result is reused only when the chart's files (by content),
 * the values (canonical JSON), the helm binary, the namespace and the release are all the same,
 * and never for a chart whose output can change between two identical runs (`lookup`, `now`,
 * `rand*`, `uuidv4`, `gen*` certificates and keys, `.Capabilities`, …: see BYPASS_FUNCTIONS).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, type RenderResult, type Values } from '@converge/core';

/**
 * Template functions whose result depends on something other than the chart and its values:
 * the cluster, the clock, randomness, DNS, or key generation. A chart that calls one is rendered
 * every time. `.Capabilities` is on the list too: a real install sees the cluster's, not helm's.
 */
export const BYPASS_FUNCTIONS: readonly string[] = [
  'lookup',
  'now',
  'ago',
  'rand*',
  'shuffle',
  'uuidv4',
  'genCA',
  'genCAWithKey',
  'genPrivateKey',
  'genSelfSignedCert',
  'genSelfSignedCertWithKey',
  'genSignedCert',
  'genSignedCertWithKey',
  'htpasswd',
  'bcrypt',
  'encryptAES',
  'getHostByName',
];

/** A bypass function called inside a template action, or `.Capabilities` anywhere in one. */
const DYNAMIC =
  /(?<![\w.$])(lookup|now|ago|rand[A-Za-z0-9]*|shuffle|uuidv4|gen(?:CA|CAWithKey|PrivateKey|SelfSignedCert|SelfSignedCertWithKey|SignedCert|SignedCertWithKey)|htpasswd|bcrypt|encryptAES|getHostByName)(?![\w])|\.Capabilities(?![\w])/;
const TPL = /(?<![\w.$])tpl(?![\w])/;
const ACTION = /\{\{[\s\S]*?\}\}/g;

/** The first bypass name used inside a `{{ … }}` action of `text`, if any. */
export function dynamicFunctionIn(text: string): string | undefined {
  for (const action of text.match(ACTION) ?? []) {
    const match = DYNAMIC.exec(action);
    if (match) return match[1] ?? '.Capabilities';
  }
  return undefined;
}

export interface RenderCacheKey {
  chartDir: string;
  release: string;
  namespace: string;
  values: Values;
  /** Identity of the helm that renders (see helmIdentity); `none` when none is used. */
  helm: string;
}

export interface RenderCacheOptions {
  /** Entries kept; the least recently used goes first (default 256). */
  maxEntries?: number;
}

export interface RenderCacheStats {
  hits: number;
  misses: number;
  bypassed: number;
}

/** What a file contributes: its content hash and, for templates, a bypass name it uses. */
interface FileFacts {
  stamp: string;
  hash: string;
  dynamic: string | undefined;
  usesTpl: boolean;
}

interface ChartFacts {
  hash: string;
  /** Why this chart is never cached. */
  bypass: string | undefined;
  usesTpl: boolean;
}

const MAX_DEPTH = 32;

function stampOf(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** The helm binary's identity for cache keys: real path, size and modification time, plus `extra`. */
export function helmIdentity(helmPath: string | undefined, extra = ''): string {
  if (!helmPath) return `none${extra && `@${extra}`}`;
  try {
    const real = realpathSync(helmPath);
    const st = statSync(real);
    return `${real}:${st.size}:${st.mtimeMs}${extra && `@${extra}`}`;
  } catch {
    return `${helmPath}${extra && `@${extra}`}`;
  }
}

/** LRU of render results. One instance may serve several executors. */
export class RenderCache {
  readonly stats: RenderCacheStats = { hits: 0, misses: 0, bypassed: 0 };
  private readonly entries = new Map<string, RenderResult>();
  private readonly files = new Map<string, FileFacts>();
  private readonly maxEntries: number;

  constructor(options: RenderCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 256);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.files.clear();
  }

  /** Why the chart at `chartDir` (with these values) is rendered every time, or undefined. */
  bypassReason(chartDir: string, values: Values = {}): string | undefined {
    return this.chartFacts(chartDir, values).bypass;
  }

  /**
   * The cached result for `key`, or `produce()`'s (cached unless the chart bypasses the cache).
   * Each call returns its own copy of the objects. A rejection is not cached.
   */
  async render(key: RenderCacheKey, produce: () => Promise<RenderResult>): Promise<RenderResult> {
    const valuesJson = canonicalJson(key.values ?? {});
    const chart = this.chartFacts(key.chartDir, key.values ?? {}, valuesJson);
    if (chart.bypass) {
      this.stats.bypassed++;
      return produce();
    }
    const id = createHash('sha256')
      .update(JSON.stringify([chart.hash, key.helm, key.namespace, key.release]))
      .update('\0')
      .update(valuesJson)
      .digest('hex');
    const cached = this.entries.get(id);
    if (cached) {
      this.stats.hits++;
      this.entries.delete(id);
      this.entries.set(id, cached);
      return copy(cached);
    }
    this.stats.misses++;
    const result = await produce();
    this.entries.set(id, copy(result));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return result;
  }

  /** Content hash of every file under `chartDir`, and whether the chart must bypass the cache. */
  private chartFacts(chartDir: string, values: Values, valuesJson?: string): ChartFacts {
    const hash = createHash('sha256');
    let bypass: string | undefined;
    let usesTpl = false;
    const others: { path: string; abs: string; facts: FileFacts }[] = [];
    const walk = (dir: string, rel: string, depth: number): void => {
      if (depth > MAX_DEPTH) {
        bypass ??= `chart is nested deeper than ${MAX_DEPTH} directories`;
        return;
      }
      for (const entry of readdirSync(dir).sort()) {
        if (entry === '.git') continue;
        const abs = join(dir, entry);
        const path = rel ? `${rel}/${entry}` : entry;
        let st: Stats;
        try {
          st = statSync(abs);
        } catch {
          hash.update(`${path}\0missing\0`);
          continue;
        }
        if (st.isDirectory()) {
          hash.update(`${path}/\0`);
          walk(abs, path, depth + 1);
          continue;
        }
        if (!st.isFile()) continue;
        const facts = this.fileFacts(abs, st, isTemplate(path));
        hash.update(`${path}\0${facts.hash}\0`);
        if (/(^|\/)charts\/[^/]+\.tgz$/.test(path)) bypass ??= `packaged subchart ${path}`;
        if (facts.dynamic) bypass ??= `${path} uses ${facts.dynamic}`;
        if (facts.usesTpl) usesTpl = true;
        if (!isTemplate(path)) others.push({ path, abs, facts });
      }
    };
    walk(chartDir, '', 0);
    if (!bypass && usesTpl) {
      // `tpl` renders text from values or files: look for bypass names there too.
      const inValues = dynamicFunctionIn(valuesJson ?? canonicalJson(values));
      if (inValues) bypass = `values passed to tpl use ${inValues}`;
      for (const other of others) {
        if (bypass) break;
        const name = this.scanOther(other.abs, other.facts);
        if (name) bypass = `${other.path} (reachable through tpl) uses ${name}`;
      }
    }
    return { hash: hash.digest('hex'), bypass, usesTpl };
  }

  private fileFacts(abs: string, st: Stats, template: boolean): FileFacts {
    const stamp = stampOf(st);
    const known = this.files.get(abs);
    if (known && known.stamp === stamp) return known;
    const content = readFileSync(abs);
    const text = template ? content.toString('utf8') : undefined;
    const facts: FileFacts = {
      stamp,
      hash: createHash('sha256').update(content).digest('hex'),
      dynamic: text === undefined ? undefined : dynamicFunctionIn(text),
      usesTpl: text !== undefined && (text.match(ACTION) ?? []).some((action) => TPL.test(action)),
    };
    this.files.set(abs, facts);
    return facts;
  }

  /** Bypass names in a non-template file, scanned once per version of the file. */
  private scanOther(abs: string, facts: FileFacts): string | undefined {
    const scanned = facts as FileFacts & { scanned?: string | null };
    if (scanned.scanned === undefined) {
      scanned.scanned = dynamicFunctionIn(readFileSync(abs, 'latin1')) ?? null;
    }
    return scanned.scanned ?? undefined;
  }
}

/** Files helm renders as templates: anything under a `templates/` directory of the chart or a subchart. */
function isTemplate(path: string): boolean {
  return /(^|\/)templates\//.test(path);
}

function copy(result: RenderResult): RenderResult {
  return { manifest: result.manifest, checksum: result.checksum, objects: structuredClone(result.objects) };
}
