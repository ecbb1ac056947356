import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';

const example = join(import.meta.dirname, '..', '..', 'examples', 'before-delete-cleanup', 'modules');

describe('examples/before-delete-cleanup', () => {
  it('its beforeDeleteHelm hook removes the Widget finalizers before the chart is uninstalled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'converge-example-'));
    cpSync(example, dir, { recursive: true });
    const t = await createTestEngine({ modulesDir: dir });
    try {
      await t.start();
      const widget = {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        namespace: 'default',
        name: 'default-widget',
      };
      expect(t.cluster.get(widget)?.metadata.finalizers).toEqual(['example.com/cleanup']);
      // Watch the Widget: when the uninstall deletes it, its finalizers must already be gone.
      let finalizersAtDeletion: unknown = 'not deleted';
      const unwatch = t.clusterStore.watch({ apiVersion: 'example.com/v1', kind: 'Widget' }, (ev) => {
        if (ev.type === 'Deleted') finalizersAtDeletion = ev.object.metadata.finalizers ?? [];
      });
      await t.setConfig({ widgetsEnabled: false });
      unwatch();
      const types = t.events.map((e) => e.type);
      const hookDone = t.events.findIndex(
        (e) => e.type === 'HookSucceeded' && e.binding === 'beforeDeleteHelm',
      );
      expect(hookDone).toBeGreaterThan(0);
      expect(types.indexOf('HelmReleaseUninstalled')).toBeGreaterThan(hookDone);
      expect(finalizersAtDeletion).toEqual([]);
      expect(t.cluster.get(widget)).toBeUndefined();
      expect(t.releases()).toEqual([]);
    } finally {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
