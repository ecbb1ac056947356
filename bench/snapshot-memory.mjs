// Runs only the snapshot-memory figure of bench/fleet-one-engine.mjs:
// `npm run build && node --expose-gc bench/snapshot-memory.mjs [N]`.
import { snapshotMemory } from './fleet-one-engine.mjs';

const n = Number(process.argv[2] ?? 10_000);
const r = await snapshotMemory(n);
const ratio = r.bytesPerObject / r.projectedJsonBytes;
console.log(
  `snapshot of ${r.n} objects: ${r.bytesPerObject.toFixed(0)} B retained per object, ` +
    `projection ${r.projectedJsonBytes.toFixed(0)} B of JSON (full object ${r.fullObjectJsonBytes.toFixed(0)} B): ` +
    `${ratio.toFixed(2)}× (goal ≤ 2)`,
);
