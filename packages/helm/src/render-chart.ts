/**
 * Renders a chart to the exact text `helm template <release> <chart> --namespace <ns>` prints.
 * Plain-YAML charts are rendered in-process (byte-identical to helm 3 and helm 4); every other
 * chart runs the real helm with an argv array and a private values file.
 */
import { createHash } from 'node:crypto';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { AbortSignalLike, RenderResult, Values } from '@converge/core';
import { makePrivateTempDir } from '@converge/runtime';
import { type ChartPlan, plainHeadKind, planChart } from './chart-source.js';
import { goCompare, goTrimSpace } from './go-text.js';
import { HelmCommandError, runHelm } from './helm-process.js';
import {
  type HelmMajor,
  installOrder,
  joinManifest,
  type ManifestDocument,
  sortByKind,
  splitManifests,
} from './manifest-order.js';
import { type HelmEnv, helmMajorVersion, resolveHelm } from './resolve-helm.js';
import { parseManifestObjects } from './yaml-docs.js';

export interface RenderChartOptions {
  chartDir: string;
  release: string;
  namespace: string;
  /** Chart values (`{global, <valuesKey>}` for a module). */
  values?: Values;
  /** Chart name when Chart.yaml is missing (addon-operator pkg/module_manager/models/modules/helm.go (release name)); defaults to the release name. */
  module?: string;
  /** Explicit helm binary; see resolveHelm for the search order. */
  helm?: string;
  env?: HelmEnv;
  /** Whose ordering the in-process renderer reproduces; defaults to the resolved helm's, else 3. */
  helmMajor?: HelmMajor;
  /** Parent of the private temp directory; defaults to the OS temp dir. */
  tmpDir?: string;
  /** Where to look for the extracted helm (tests); see resolveHelm. */
  searchFrom?: string;
  /** Aborting ends a running `helm template` (SIGTERM to its group, SIGKILL 5 s later). */
  signal?: AbortSignalLike;
}

/** Top-level directories left out of a chart synthesised for a module without Chart.yaml. */
const SYNTHESIS_EXCLUDED = new Set(['crds', 'docs', 'hooks', 'images', 'lib']);

/** MD5 hex of the manifest text (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall) `moduleChecksum`). */
export function manifestChecksum(manifest: string): string {
  return createHash('md5').update(manifest, 'utf8').digest('hex');
}

/** Sorted-but-unjoined documents of a plain chart, or undefined when a document needs helm. */
function plainDocuments(plan: Extract<ChartPlan, { kind: 'plain' }>): ManifestDocument[] | undefined {
  const templates = [...plan.templates].sort((a, b) => goCompare(a.name, b.name));
  const docs: ManifestDocument[] = [];
  for (const template of templates) {
    if (basename(template.name).startsWith('_') || template.name.endsWith('NOTES.txt')) continue;
    const content = template.content.replaceAll('<no value>', '');
    if (goTrimSpace(content) === '') continue;
    for (const doc of splitManifests(content)) {
      const kind = plainHeadKind(doc);
      if (kind === undefined) return undefined;
      docs.push({ source: template.name, content: doc, kind });
    }
  }
  return docs;
}

/**
 * The manifest of a plain chart as the given helm major prints it, or undefined when the chart
 * needs the real helm (template directives, hooks, unusual YAML).
 */
export function renderPlainChart(
  chartDir: string,
  release: string,
  module: string,
  helmMajor: HelmMajor,
): string | undefined {
  const plan = planChart(chartDir, module, release);
  if (plan.kind !== 'plain') return undefined;
  const docs = plainDocuments(plan);
  return docs && joinManifest(sortByKind(docs, helmMajor));
}

function result(manifest: string): RenderResult {
  return { manifest, checksum: manifestChecksum(manifest), objects: parseManifestObjects(manifest) };
}

/** Kinds whose position depends on the helm major version. */
const VERSION_DEPENDENT_KINDS = new Set(installOrder(4).filter((kind) => !installOrder(3).includes(kind)));

async function majorFor(options: RenderChartOptions): Promise<HelmMajor> {
  if (options.helmMajor) return options.helmMajor;
  let helmPath: string;
  try {
    helmPath = resolveHelm({ helm: options.helm, env: options.env, searchFrom: options.searchFrom });
  } catch {
    return 3;
  }
  return helmMajorVersion(helmPath, options.env).catch(() => 3 as const);
}

/**
 * Renders the chart at `chartDir`. Rejects with HelmNotFoundError when helm is needed and absent,
 * and with helm's error text when helm fails.
 */
export async function renderChart(options: RenderChartOptions): Promise<RenderResult> {
  const module = options.module ?? options.release;
  const plan = planChart(options.chartDir, module, options.release);
  if (plan.kind === 'plain') {
    const docs = plainDocuments(plan);
    if (docs) {
      const major = docs.some((d) => VERSION_DEPENDENT_KINDS.has(d.kind)) ? await majorFor(options) : 3;
      return result(joinManifest(sortByKind(docs, major)));
    }
  }
  const helmPath = resolveHelm({ helm: options.helm, env: options.env, searchFrom: options.searchFrom });
  const hasChartYaml = plan.kind === 'helm' ? plan.hasChartYaml : true;
  return result(await helmTemplate(helmPath, { ...options, module, hasChartYaml }));
}

interface HelmTemplateOptions extends RenderChartOptions {
  module: string;
  hasChartYaml: boolean;
}

/** Runs `helm template` in a private 0700 temp dir (values file 0600), removed afterwards. */
async function helmTemplate(helmPath: string, options: HelmTemplateOptions): Promise<string> {
  const dir = makePrivateTempDir('helm', options.tmpDir);
  try {
    const valuesFile = join(dir, 'values.yaml');
    writeFileSync(valuesFile, `${JSON.stringify(options.values ?? {})}\n`, { mode: 0o600 });
    let chartPath = options.chartDir;
    if (!options.hasChartYaml) {
      chartPath = join(dir, 'chart');
      cpSync(options.chartDir, chartPath, {
        recursive: true,
        filter: (source) => {
          const top = relative(options.chartDir, source).split(/[\\/]/)[0];
          return !SYNTHESIS_EXCLUDED.has(top);
        },
      });
      writeFileSync(
        join(chartPath, 'Chart.yaml'),
        `apiVersion: v2\nname: ${options.module}\nversion: 0.2.0\n`,
      );
    }
    const argv = [
      'template',
      options.release,
      chartPath,
      '--namespace',
      options.namespace,
      '--values',
      valuesFile,
    ];
    try {
      const out = await runHelm(helmPath, 'template', argv, {
        env: options.env ?? process.env,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return out.stdout;
    } catch (error) {
      const text = error instanceof HelmCommandError ? error.stderr : (error as Error).message;
      throw new Error(`helm template ${options.release} failed: ${text}`, { cause: error });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
