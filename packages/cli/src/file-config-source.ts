import { watch as watchDir } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ConfigDocument, ConfigSource, Unsubscribe, Values } from '@converge/core';
import { configMapDataOf, withConfigSection } from '@converge/kube-model';
import { stringify } from 'yaml';
import { readConfigFile } from './config-file.js';

/**
 * `--config FILE` as a ConfigSource: loads the file, reloads it when it changes on disk, and
 * writes hook config patches back into it (a ConfigMap manifest keeps its shape).
 */
export class FileConfigSource implements ConfigSource {
  private current: ConfigDocument = {};
  /** The file's text when last read or written: a directory event with the same text is no change. */
  private lastText: string | undefined;
  constructor(private readonly path: string | undefined) {}

  async load(): Promise<ConfigDocument> {
    if (!this.path) {
      this.current = {};
      return this.current;
    }
    this.lastText = await readFile(this.path, 'utf8').catch(() => undefined);
    this.current = await readConfigFile(this.path);
    return this.current;
  }

  /**
   * Watches the file's directory, not the file: `sed -i`, editors and a mounted ConfigMap (whose
   * `..data` symlink Kubernetes swaps) replace the file, and a watch on the old inode would never
   * fire again. Any change in the directory re-reads the file; `onChange` gets the new config only
   * when its text changed. A file that is briefly missing mid-replace is read again on the next change.
   */
  watch(onChange: (config: ConfigDocument) => void, onInvalid?: (error: Error) => void): Unsubscribe {
    if (!this.path) return () => {};
    const path = this.path;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const reread = async () => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') onInvalid?.(e as Error);
        return;
      }
      if (closed || text === this.lastText) return;
      this.lastText = text;
      try {
        this.current = await readConfigFile(path);
      } catch (e) {
        onInvalid?.(e as Error);
        return;
      }
      if (!closed) onChange(this.current);
    };
    const watcher = watchDir(dirname(path), () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reread(), 100);
    });
    return () => {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    };
  }

  async save(section: string, values: Values | undefined): Promise<void> {
    const next = withConfigSection(this.current, section, values);
    this.current = next;
    if (!this.path) return;
    const text = await readFile(this.path, 'utf8');
    const written = /^kind:\s*ConfigMap\s*$/m.test(text)
      ? stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'addon-operator' },
          data: configMapDataOf(next),
        })
      : stringify(next);
    // Our own write is no change to report back.
    this.lastText = written;
    await writeFile(this.path, written);
  }
}
