import { describe, expect, it } from 'vitest';
import { snapshotsOf } from '../src/snapshots.js';

describe('snapshotsOf', () => {
  it('TV-85 flattens filter results and objects, drops {} items and appends across contexts', () => {
    const contexts = [
      {
        binding: 'a',
        type: 'Group',
        groupName: 'main',
        snapshots: {
          nodes: [
            { filterResult: { name: 'n1' } },
            { filterResult: {} },
            { object: { kind: 'Node', metadata: { name: 'n3' } } },
            {},
          ],
        },
      },
      {
        binding: 'b',
        type: 'Group',
        groupName: 'main',
        snapshots: { nodes: [{ filterResult: { name: 'n1' } }] },
      },
    ];
    expect(snapshotsOf(contexts).nodes).toEqual([
      { name: 'n1' },
      { kind: 'Node', metadata: { name: 'n3' } },
      { name: 'n1' },
    ]);
  });

  it('TV-85 keeps a null filterResult, falls back to the object past an empty one, drops "{}" strings', () => {
    const object = { kind: 'Pod', metadata: { name: 'p' } };
    const snaps = snapshotsOf([
      {
        binding: 'x',
        snapshots: {
          pods: [
            { filterResult: null, object },
            { filterResult: {}, object },
            { filterResult: '{}' },
            { object: {} },
          ],
          other: [{ filterResult: 'v' }],
        },
      },
    ]);
    expect(snaps).toEqual({ pods: [null, object], other: ['v'] });
  });

  it('reads only snapshots: objects, watchEvent and contexts without snapshots are invisible', () => {
    const snaps = snapshotsOf([
      { binding: 'onStartup' },
      {
        binding: 'k',
        type: 'Event',
        watchEvent: 'Added',
        object: { kind: 'Pod' },
        objects: [{ object: {} }],
      },
    ]);
    expect(snaps).toEqual({});
  });
});
