import {
  type ConfigDocument,
  type ConfigSource,
  jsonEqual,
  type Logger,
  type Unsubscribe,
  type Values,
} from '@converge/core';
import { configMapEntryOf, parseConfigMapData, withConfigSection } from '@converge/kube-model';
import type { KubeObject } from '@converge/protocol';
import type { KubeConfig } from '@kubernetes/client-node';
import { type ApiResource, resourcePath } from './discovery.js';
import { KubeApiError } from './errors.js';
import { Reflector } from './reflector.js';
import { KubeTransport } from './transport.js';

export interface KubeConfigMapSourceOptions {
  /** Namespace of the ConfigMap (addon-operator's own namespace). */
  namespace: string;
  /** Default `addon-operator`. */
  name?: string;
  /** Receives watch failures (they are retried); default: `logger.warn`, else stderr. */
  onWatchError?: (error: unknown) => void;
  logger?: Logger;
  /** First delay before a failed watch is retried (doubling up to 30 s); default 500 ms. */
  watchRetryDelayMs?: number;
}

const CONFIG_MAPS: ApiResource = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name: 'configmaps',
  namespaced: true,
  subresources: [],
};

/**
 * addon-operator's ConfigMap as a ConfigSource: `data` parsed by kube-model's parseConfigMapData
 * (addon-operator pkg/kube_config_manager/backend/configmap/configmap.go); an absent ConfigMap is `{}`. `load` rejects with ConfigMapDataError (naming
 * `namespace/name` and the key) or the API error. `watch` follows the ConfigMap and reports each
 * changed valid version; an invalid one goes to `onInvalid` and the last valid config stays.
 * `save` merge-patches one data key (creating the ConfigMap when absent; undefined removes it).
 */
export class KubeConfigMapSource implements ConfigSource {
  private readonly transport: KubeTransport;
  private readonly name: string;
  private readonly namespace: string;
  private current: ConfigDocument = {};
  private readonly unsubscribes = new Set<() => void>();

  constructor(
    config: KubeConfig,
    private readonly options: KubeConfigMapSourceOptions,
  ) {
    this.transport = new KubeTransport(config);
    this.name = options.name ?? 'addon-operator';
    this.namespace = options.namespace;
  }

  private get where(): string {
    return `ConfigMap ${this.namespace}/${this.name}`;
  }

  private get path(): string {
    return resourcePath(CONFIG_MAPS, this.namespace, this.name);
  }

  async load(): Promise<ConfigDocument> {
    let configMap: KubeObject | undefined;
    try {
      configMap = await this.transport.json<KubeObject>({ method: 'GET', path: this.path });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
    this.current = parseConfigMapData(configMap?.data, this.where);
    return this.current;
  }

  watch(onChange: (config: ConfigDocument) => void, onInvalid?: (error: Error) => void): Unsubscribe {
    const seen = (configMap: KubeObject | undefined) => {
      let next: ConfigDocument;
      try {
        next = parseConfigMapData(configMap?.data, this.where);
      } catch (error) {
        onInvalid?.(error as Error);
        return;
      }
      if (jsonEqual(next, this.current)) return;
      this.current = next;
      onChange(next);
    };
    const reflector = new Reflector({
      transport: this.transport,
      resource: async () => CONFIG_MAPS,
      namespace: this.namespace,
      query: { fieldSelector: `metadata.name=${this.name}` },
      handlers: {
        onList: ({ items }) => seen(items.find((o) => o.metadata.name === this.name)),
        onEvent: (type, object) => {
          if (object.metadata.name === this.name) seen(type === 'DELETED' ? undefined : object);
        },
        onError: (error) => this.watchError(error),
      },
      retryDelayMs: this.options.watchRetryDelayMs,
    });
    void reflector.start();
    const stop = () => {
      reflector.stop();
      this.unsubscribes.delete(stop);
    };
    this.unsubscribes.add(stop);
    return stop;
  }

  async save(section: string, values: Values | undefined): Promise<void> {
    const { key, value } = configMapEntryOf(section, values);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.transport.json({
          method: 'PATCH',
          path: this.path,
          body: { data: { [key]: value } },
          contentType: 'application/merge-patch+json',
        });
        break;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      }
      if (value === null) break; // nothing to remove
      try {
        await this.transport.json({
          method: 'POST',
          path: resourcePath(CONFIG_MAPS, this.namespace),
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: this.name, namespace: this.namespace },
            data: { [key]: value },
          },
        });
        break;
      } catch (error) {
        // Created meanwhile by someone else: patch it.
        if (!(error instanceof KubeApiError && error.status === 409) || attempt >= 3) throw error;
      }
    }
    this.current = withConfigSection(this.current, section, values);
  }

  /** Ends every watch. */
  close(): void {
    for (const stop of [...this.unsubscribes]) stop();
  }

  private watchError(error: unknown): void {
    if (this.options.onWatchError) this.options.onWatchError(error);
    else if (this.options.logger)
      this.options.logger.warn({ err: error, configMap: this.where }, 'ConfigMap watch failed; retrying');
    else console.error(`converge: watch of ${this.where} failed, retrying: ${String(error)}`);
  }
}
