import type { ConfigDocument, ConfigSource, Unsubscribe, Values } from '@converge/core';
import { withConfigSection } from '@converge/kube-model';

/** The ConfigMap equivalent for tests: a document held in memory, watched synchronously. */
export class MemoryConfigSource implements ConfigSource {
  private readonly watchers = new Set<(c: ConfigDocument) => void>();
  private readonly invalidWatchers = new Set<(e: Error) => void>();
  /** Sections written by hooks' config patches, in order. */
  readonly saved: { section: string; values: Values | undefined }[] = [];

  constructor(private doc: ConfigDocument = {}) {}

  get current(): ConfigDocument {
    return this.doc;
  }

  async load(): Promise<ConfigDocument> {
    return JSON.parse(JSON.stringify(this.doc));
  }

  watch(onChange: (config: ConfigDocument) => void, onInvalid?: (error: Error) => void): Unsubscribe {
    this.watchers.add(onChange);
    if (onInvalid) this.invalidWatchers.add(onInvalid);
    return () => {
      this.watchers.delete(onChange);
      if (onInvalid) this.invalidWatchers.delete(onInvalid);
    };
  }

  /** Simulates a new version that cannot be parsed (e.g. bad YAML in the ConfigMap). */
  setInvalid(message: string): void {
    for (const w of this.invalidWatchers) w(new Error(message));
  }

  /** Replaces the whole document and notifies watchers. */
  set(doc: ConfigDocument): void {
    this.doc = JSON.parse(JSON.stringify(doc));
    for (const w of this.watchers) w(JSON.parse(JSON.stringify(this.doc)));
  }

  async save(section: string, values: Values | undefined): Promise<void> {
    this.saved.push({ section, values });
    // A hook's own write is not a config change event (converge suppresses it; quirk Q6 fixed).
    this.doc = withConfigSection(this.doc, section, values);
  }
}
