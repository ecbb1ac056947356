import { describe, expect, it } from 'vitest';
import { PackedStringMap } from '../src/cluster/packed-string-map.js';

/** A deterministic sequence of keys: enough to split chunks many times over. */
function keyAt(i: number): string {
  return `ns-${(i * 7919) % 13}/Pod/p-${(i * 104729) % 1000}`;
}

describe('PackedStringMap (the binding snapshot cache)', () => {
  it('iterates in key order and agrees with a Map across inserts, updates, deletes and chunk splits', () => {
    const packed = new PackedStringMap();
    const reference = new Map<string, string>();
    for (let i = 0; i < 3000; i++) {
      const key = keyAt(i);
      if (i % 5 === 4) {
        expect(packed.delete(key)).toBe(reference.delete(key));
      } else {
        packed.set(key, `{"i":${i}}`);
        reference.set(key, `{"i":${i}}`);
      }
    }
    const sorted = [...reference.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    expect([...packed.entries()]).toEqual(sorted);
    expect(packed.size).toBe(reference.size);
    for (let i = 0; i < 1000; i++) expect(packed.get(keyAt(i))).toBe(reference.get(keyAt(i)));
    expect(packed.swap(keyAt(0), 'new')).toBe(reference.get(keyAt(0)));
    expect(packed.swap('absent', 'x')).toBeUndefined();
    expect(packed.delete('absent')).toBe(true);
    expect(packed.get('absent')).toBeUndefined();
    expect(packed.delete('absent')).toBe(false);
  });

  it('load() sorts its entries, a later duplicate wins, and deleteWhere removes by key', () => {
    const packed = new PackedStringMap();
    const entries: [string, string][] = [];
    for (let i = 999; i >= 0; i--) entries.push([`k/${String(i).padStart(4, '0')}`, `v${i}`]);
    entries.push(['k/0500', 'later']);
    packed.load(entries);
    expect(packed.size).toBe(1000);
    expect([...packed.entries()][0]).toEqual(['k/0000', 'v0']);
    expect(packed.get('k/0500')).toBe('later');
    packed.deleteWhere((key) => key >= 'k/0100');
    expect([...packed.entries()].map(([key]) => key)).toEqual(
      Array.from({ length: 100 }, (_, i) => `k/${String(i).padStart(4, '0')}`),
    );
    packed.set('a', 'first');
    expect([...packed.entries()][0]).toEqual(['a', 'first']);
    packed.clear();
    expect([...packed.entries()]).toEqual([]);
  });
});
