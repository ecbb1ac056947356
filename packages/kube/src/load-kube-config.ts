import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeConfigError, messageOf } from './errors.js';

export interface LoadKubeConfigOptions {
  /** A kubeconfig file; default: $KUBECONFIG (a path list), else ~/.kube/config, else in-cluster. */
  kubeconfig?: string;
  /** The context to use instead of the file's current-context. */
  context?: string;
  /** Environment to read KUBECONFIG and the in-cluster variables from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * A client-node KubeConfig from `kubeconfig` (or $KUBECONFIG, ~/.kube/config, or the in-cluster
 * service account), switched to `context`. Throws KubeConfigError naming the file when it is
 * missing, unreadable or invalid, and naming the context and the available ones when the context
 * is unknown or none is selected.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): KubeConfig {
  const env = options.env ?? process.env;
  const config = new KubeConfig();
  let where: string;
  if (options.kubeconfig) {
    where = options.kubeconfig;
    loadFile(config, options.kubeconfig);
  } else if (env.KUBECONFIG) {
    const paths = env.KUBECONFIG.split(delimiter).filter(Boolean);
    const present = paths.filter(readable);
    if (present.length === 0) {
      throw new KubeConfigError(
        `no kubeconfig found: KUBECONFIG names ${paths.join(', ')}, none of them readable`,
        env.KUBECONFIG,
      );
    }
    where = present.join(delimiter);
    loadFile(config, present[0]);
    for (const path of present.slice(1)) {
      const more = new KubeConfig();
      loadFile(more, path);
      config.mergeConfig(more, true);
    }
  } else {
    const home = join(env.HOME ?? homedir(), '.kube', 'config');
    if (readable(home)) {
      where = home;
      loadFile(config, home);
    } else if (env.KUBERNETES_SERVICE_HOST && readable(SERVICE_ACCOUNT_TOKEN)) {
      config.loadFromCluster();
      return config;
    } else {
      throw new KubeConfigError(
        `no kubeconfig found: looked at ${home} (KUBECONFIG is not set) and for an in-cluster service account`,
        home,
      );
    }
  }
  const contexts = config.getContexts().map((c) => c.name);
  const available = contexts.length ? contexts.join(', ') : '(none)';
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      throw new KubeConfigError(
        `kubeconfig ${where}: no context "${options.context}"; available contexts: ${available}`,
        where,
        options.context,
      );
    }
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentContext() || !config.getContextObject(config.getCurrentContext())) {
    throw new KubeConfigError(
      `kubeconfig ${where}: no current context is set; pass a context (available contexts: ${available})`,
      where,
    );
  }
  if (!config.getCurrentCluster()) {
    throw new KubeConfigError(
      `kubeconfig ${where}: context "${config.getCurrentContext()}" names cluster "${
        config.getContextObject(config.getCurrentContext())?.cluster
      }", which the file does not define`,
      where,
      config.getCurrentContext(),
    );
  }
  return config;
}

/** The namespace of the current context, if it names one. */
export function contextNamespace(config: KubeConfig): string | undefined {
  return config.getContextObject(config.getCurrentContext())?.namespace || undefined;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function loadFile(config: KubeConfig, path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : messageOf(error);
    throw new KubeConfigError(`cannot read kubeconfig ${path}: ${why}`, path, undefined, { cause: error });
  }
  try {
    config.loadFromString(text);
    config.makePathsAbsolute(dirname(path));
  } catch (error) {
    throw new KubeConfigError(`invalid kubeconfig ${path}: ${messageOf(error)}`, path, undefined, {
      cause: error,
    });
  }
}
