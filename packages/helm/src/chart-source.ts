/**
 * Reads a module's chart directory and decides whether it can be rendered without helm: a chart
 * whose template files are plain YAML (no `{{`) and that uses no feature whose effect helm alone
 * knows (subcharts, .helmignore, values schema, kubeVersion, hooks, unusual Chart.yaml). Anything
 * else is handed to the real `helm template`, so the two paths never disagree.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseGoYaml } from '@converge/kube-model';
import { parseYamlDocument } from './yaml-docs.js';

/** A template file as helm names it (`<chart>/templates/<path>`) with its content. */
export interface TemplateFile {
  name: string;
  content: string;
}

export type ChartPlan =
  | { kind: 'plain'; chartName: string; templates: TemplateFile[] }
  | { kind: 'helm'; reason: string; hasChartYaml: boolean };

/** Chart.yaml keys the plain path understands, with the JSON type each must have. */
const CHART_KEYS: Record<string, 'string' | 'strings' | 'boolean' | 'stringMap' | 'maintainers' | 'empty'> = {
  apiVersion: 'string',
  name: 'string',
  version: 'string',
  description: 'string',
  home: 'string',
  icon: 'string',
  condition: 'string',
  tags: 'string',
  appVersion: 'string',
  sources: 'strings',
  keywords: 'strings',
  deprecated: 'boolean',
  annotations: 'stringMap',
  maintainers: 'maintainers',
  dependencies: 'empty',
  kubeVersion: 'empty',
  type: 'string',
};

const STRICT_SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const CHART_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const BOM = '\uFEFF';

/** Whether helm accepts `name` as a release name (DNS-1123 subdomain-like, at most 53 chars). */
export function isValidReleaseName(name: string): boolean {
  return name.length <= 53 && RELEASE_NAME.test(name);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function typeOk(kind: (typeof CHART_KEYS)[string], value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'boolean':
      return typeof value === 'boolean';
    case 'stringMap':
      return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string');
    case 'maintainers':
      return (
        Array.isArray(value) &&
        value.every(
          (m) =>
            isPlainObject(m) &&
            Object.entries(m).every(
              ([k, v]) => ['name', 'email', 'url'].includes(k) && typeof v === 'string',
            ),
        )
      );
    case 'empty':
      return value === '' || (Array.isArray(value) && value.length === 0);
  }
}

/** Why Chart.yaml needs helm, or its chart name when the plain path can use it. */
function readChartYaml(path: string): { name: string } | { reason: string } {
  let meta: unknown;
  try {
    meta = parseGoYaml(stripBom(readFileSync(path, 'utf8')));
  } catch (error) {
    return { reason: `Chart.yaml does not parse: ${(error as Error).message}` };
  }
  if (!isPlainObject(meta)) return { reason: 'Chart.yaml is not a mapping' };
  for (const [key, value] of Object.entries(meta)) {
    const kind = CHART_KEYS[key];
    if (!kind) return { reason: `Chart.yaml field ${key} is not handled without helm` };
    if (value !== null && !typeOk(kind, value)) return { reason: `Chart.yaml field ${key} needs helm` };
  }
  const { apiVersion, name, version, type } = meta;
  if (apiVersion !== 'v1' && apiVersion !== 'v2') return { reason: 'Chart.yaml apiVersion is not v1 or v2' };
  if (typeof name !== 'string' || !CHART_NAME.test(name) || name === '..') {
    return { reason: 'Chart.yaml name is missing or unusual' };
  }
  if (typeof version !== 'string' || !STRICT_SEMVER.test(version)) {
    return { reason: 'Chart.yaml version is missing or not strict SemVer' };
  }
  if (type !== undefined && type !== null && type !== '' && type !== 'application') {
    return { reason: `chart type ${String(type)}` };
  }
  return { name };
}

function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Lists regular files under `dir` as `/`-joined relative paths; undefined on anything unusual. */
function listFiles(dir: string, prefix: string, out: { path: string; abs: string }[]): string | undefined {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) return `hidden entry ${prefix}${entry}`;
    const abs = join(dir, entry);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(abs);
    } catch {
      return `unreadable entry ${prefix}${entry}`;
    }
    if (st.isDirectory()) {
      const reason = listFiles(abs, `${prefix}${entry}/`, out);
      if (reason) return reason;
    } else if (st.isFile()) {
      out.push({ path: `${prefix}${entry}`, abs });
    } else {
      return `irregular file ${prefix}${entry}`;
    }
  }
  return undefined;
}

function nonEmptyDir(path: string): boolean {
  try {
    return statSync(path).isDirectory() && readdirSync(path).length > 0;
  } catch {
    return false;
  }
}

/**
 * Plans the rendering of `chartDir` for `release`. A chart without Chart.yaml is named after
 * `module` (addon-operator pkg/module_manager/models/modules/helm.go (release name)). Throws when the directory has neither Chart.yaml nor templates/.
 */
export function planChart(chartDir: string, module: string, release: string): ChartPlan {
  const chartYaml = join(chartDir, 'Chart.yaml');
  const hasChartYaml = existsSync(chartYaml);
  const templatesDir = join(chartDir, 'templates');
  const hasTemplates = existsSync(templatesDir) && statSync(templatesDir).isDirectory();
  if (!hasChartYaml && !hasTemplates) {
    throw new Error(`${chartDir} is not a helm chart: neither Chart.yaml nor templates/ exists`);
  }
  const helm = (reason: string): ChartPlan => ({ kind: 'helm', reason, hasChartYaml });

  if (!isValidReleaseName(release)) return helm(`release name ${release} is invalid`);
  for (const special of ['.helmignore', 'values.schema.json', 'requirements.yaml', 'requirements.lock']) {
    if (existsSync(join(chartDir, special))) return helm(`chart has ${special}`);
  }
  if (hasChartYaml && existsSync(join(chartDir, 'Chart.lock'))) return helm('chart has Chart.lock');
  if (nonEmptyDir(join(chartDir, 'charts'))) return helm('chart has subcharts');

  let chartName = module;
  if (hasChartYaml) {
    const meta = readChartYaml(chartYaml);
    if ('reason' in meta) return helm(meta.reason);
    chartName = meta.name;
  } else if (!CHART_NAME.test(module)) {
    return helm(`module name ${module} is not a plain chart name`);
  }

  const valuesPath = join(chartDir, 'values.yaml');
  if (existsSync(valuesPath)) {
    try {
      const values = parseGoYaml(stripBom(readFileSync(valuesPath, 'utf8')));
      if (values !== null && values !== undefined && !isPlainObject(values))
        return helm('values.yaml is not a map');
    } catch {
      return helm('values.yaml does not parse');
    }
  }

  const files: { path: string; abs: string }[] = [];
  if (hasTemplates) {
    const reason = listFiles(templatesDir, '', files);
    if (reason) return helm(reason);
  }
  const templates: TemplateFile[] = [];
  for (const file of files) {
    let content: string;
    try {
      content = decoder.decode(readFileSync(file.abs));
    } catch {
      return helm(`templates/${file.path} is not UTF-8`);
    }
    content = stripBom(content);
    if (content.includes('{{')) return helm(`templates/${file.path} has template directives`);
    templates.push({ name: `${chartName}/templates/${file.path}`, content });
  }
  return { kind: 'plain', chartName, templates };
}

/** Whether a parsed document head is one the plain path renders exactly like helm. */
export function plainHeadKind(content: string): string | undefined {
  const parsed = parseYamlDocument(content);
  if (!parsed.ok) return undefined;
  const value = parsed.value;
  if (value === null || value === undefined) return '';
  if (!isPlainObject(value)) return undefined;
  const { apiVersion, kind, metadata } = value;
  if (apiVersion !== undefined && apiVersion !== null && typeof apiVersion !== 'string') return undefined;
  if (kind !== undefined && kind !== null && typeof kind !== 'string') return undefined;
  if (metadata !== undefined && metadata !== null) {
    if (!isPlainObject(metadata)) return undefined;
    const { name, annotations } = metadata;
    if (name !== undefined && name !== null && typeof name !== 'string') return undefined;
    if (annotations !== undefined && annotations !== null) {
      if (!isPlainObject(annotations)) return undefined;
      if (!Object.values(annotations).every((v) => typeof v === 'string')) return undefined;
      if ('helm.sh/hook' in annotations) return undefined;
    }
  }
  return typeof kind === 'string' ? kind : '';
}
