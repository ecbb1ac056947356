import { watch as watchFile } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { ConfigDocument, ConfigSource, Unsubscribe, Values } from '@converge/core';
import { configMapDataOf, withConfigSection } from '@converge/runtime';
import { stringify } from 'yaml';
import { readConfigFile } from './config-file.js';

/**
 * `--config FILE` as a ConfigSource: loads the file, reloads it when it changes on disk, and
 * writes hook config patches back into it (a ConfigMap manifest keeps its shape).
 */
export class FileConfigSource implements ConfigSource {
  private current: ConfigDocument = {};
  constructor(private readonly path: string | undefined) {}

  async load(): Promise<ConfigDocument> {
    this.current = this.path ? await readConfigFile(this.path) : {};
    return this.current;
  }

  watch(onChange: (config: ConfigDocument) => void, onInvalid?: (error: Error) => void): Unsubscribe {
    if (!this.path) return () => {};
    const path = this.path;
    let timer: NodeJS.Timeout | undefined;
    const watcher = watchFile(path, () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        try {
          this.current = await readConfigFile(path);
          onChange(this.current);
        } catch (e) {
          onInvalid?.(e as Error);
        }
      }, 100);
    });
    return () => {
      clearTimeout(timer);
      watcher.close();
    };
  }

  async save(section: string, values: Values | undefined): Promise<void> {
    const next = withConfigSection(this.current, section, values);
    this.current = next;
    if (!this.path) return;
    const text = await readFile(this.path, 'utf8');
    if (/^kind:\s*ConfigMap\s*$/m.test(text)) {
      await writeFile(
        this.path,
        stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'addon-operator' },
          data: configMapDataOf(next),
        }),
      );
    } else {
      await writeFile(this.path, stringify(next));
    }
  }
}
