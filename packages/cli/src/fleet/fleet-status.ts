import type { FleetStatusRow } from './fleet-backend.js';

/**
 * `converge fleet status` as a table: one row per target with its owner (`-` when no replica holds
 * an unexpired lease), lease epoch, lease expiry, last seq of its stream and readiness.
 */
export function formatFleetStatus(rows: readonly FleetStatusRow[]): string {
  const header = ['TARGET', 'OWNER', 'EPOCH', 'LEASE EXPIRES', 'LAST SEQ', 'READY'];
  const cells = rows.map((r) => [
    r.target,
    r.owner ?? '-',
    String(r.epoch),
    r.leaseExpiresAt ?? '-',
    String(r.lastSeq),
    r.ready ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[header, ...cells].map(line).join('\n')}\n`;
}
