import type { ConvergeEvent } from '@converge/protocol';
import { describeEvent, isFailure } from './event-summary.js';
import { escapeXml as esc } from './html.js';
import { formatDuration, laneOf, type TimelineLayout } from './timeline-layout.js';

const BAND_Y = 3;
const BAND_H = 13;
const TRACK_Y = 20;
const TRACK_H = 22;
const MARKER_GAP = 14;
const RETRY_H = 20;

const helmEvents = new Set<ConvergeEvent['type']>([
  'HelmReleaseChecked',
  'HelmReleaseUpgraded',
  'HelmUpgradeSkipped',
  'HelmReleaseUninstalled',
  'HelmOperationFailed',
  'HelmDriftDetected',
]);

function markerShape(e: ConvergeEvent, x: number, y: number): string {
  if (e.type === 'RetryScheduled')
    return `<circle cx="${x}" cy="${y}" r="5"/><path d="M${x},${y - 3} V${y} H${x + 3}"/>`;
  if (helmEvents.has(e.type))
    return `<rect x="${x - 4}" y="${y - 4}" width="8" height="8" transform="rotate(45 ${x} ${y})"/>`;
  if (isFailure(e))
    return `<path d="M${x - 4},${y - 4} L${x + 4},${y + 4} M${x + 4},${y - 4} L${x - 4},${y + 4}"/>`;
  return `<circle cx="${x}" cy="${y}" r="3.5"/>`;
}

const markerClass = (e: ConvergeEvent) =>
  [
    'marker',
    `type-${e.type}`,
    isFailure(e) ? 'failure' : '',
    helmEvents.has(e.type) ? 'helm' : '',
    e.type === 'RetryScheduled' ? 'retry' : '',
  ]
    .filter(Boolean)
    .join(' ');

/** Height of a lane in pixels. */
function laneHeight(layout: TimelineLayout, lane: string): number {
  const tracks = Math.max(1, layout.tracks.get(lane) ?? 0);
  const retries = layout.retries.some((r) => r.lane === lane) ? RETRY_H : 0;
  return TRACK_Y + tracks * TRACK_H + MARKER_GAP + 8 + retries;
}

/** The time axis: a tick and a label where the clock moved on (`+5s`), the absolute time in a tooltip. */
export function renderAxis(layout: TimelineLayout): string {
  const ticks = layout.ticks
    .map(
      (t) =>
        `<g class="tick"><title>${esc(t.at)}</title><line x1="${t.x}" y1="14" x2="${t.x}" y2="22"/>` +
        `<text x="${t.x + 2}" y="11">${t.offsetMs === 0 ? esc(t.at) : `+${esc(formatDuration(t.offsetMs))}`}</text></g>`,
    )
    .join('');
  return (
    `<div class="lane axis"><div class="lane-label">time</div>` +
    `<svg class="lane-svg" width="${layout.width}" height="24">${ticks}</svg></div>`
  );
}

/**
 * One swimlane per module and one for global hooks and engine events: phase bands (runs, deletes,
 * converges) on top, hook runs as spans by binding, a marker per event, retries as arcs to their due time.
 */
export function renderLanes(events: readonly ConvergeEvent[], layout: TimelineLayout): string {
  const half = layout.slot / 2;
  const byLane = new Map<string, ConvergeEvent[]>(layout.lanes.map((l) => [l, []]));
  for (const e of events) byLane.get(laneOf(e))?.push(e);
  return layout.lanes
    .map((lane) => {
      const h = laneHeight(layout, lane);
      const tracks = Math.max(1, layout.tracks.get(lane) ?? 0);
      const markerY = TRACK_Y + tracks * TRACK_H + MARKER_GAP / 2 + 2;
      const parts: string[] = [];
      for (const b of layout.bands.filter((b) => b.lane === lane)) {
        const x1 = layout.x.get(b.startSeq)! - half + 1;
        const w = Math.max(4, layout.x.get(b.endSeq)! + half - 1 - x1);
        parts.push(
          `<g class="band band-${b.kind} outcome-${b.outcome}" data-band-start="${b.startSeq}" data-band-end="${b.endSeq}">` +
            `<title>${esc(`${b.label}: ${b.outcome}, seq ${b.startSeq}–${b.endSeq}`)}</title>` +
            `<rect x="${x1}" y="${BAND_Y}" width="${w}" height="${BAND_H}" rx="3"/>` +
            `<svg x="${x1}" y="${BAND_Y}" width="${w}" height="${BAND_H}"><text x="3" y="10">${esc(b.label)}</text></svg></g>`,
        );
      }
      const laneSpans = layout.spans.filter((s) => s.lane === lane);
      // Start of the next span on the same track, for each span (one backward pass).
      const nextOnTrack: (number | undefined)[] = [];
      const upcoming = new Map<number, number>();
      for (let i = laneSpans.length - 1; i >= 0; i--) {
        nextOnTrack[i] = upcoming.get(laneSpans[i].track);
        upcoming.set(laneSpans[i].track, laneSpans[i].startSeq);
      }
      laneSpans.forEach((s, i) => {
        const x1 = layout.x.get(s.startSeq)! - half + 1;
        const w = Math.max(6, layout.x.get(s.endSeq)! + half - 1 - x1);
        // The label may run on past a short span, up to the next span on the same track.
        const next = nextOnTrack[i];
        const room = (next === undefined ? layout.width : layout.x.get(next)! - half - 3) - x1;
        const labelW = Math.max(w, Math.min(room, 240));
        const y = TRACK_Y + s.track * TRACK_H;
        const tip = `${s.hook} · ${s.binding} · attempt ${s.attempt} · ${s.outcome}${s.error ? `: ${s.error}` : ''} · seq ${s.startSeq}–${s.endSeq}`;
        parts.push(
          `<g class="span binding-${esc(s.binding)} outcome-${s.outcome}" data-span-start="${s.startSeq}" data-span-end="${s.endSeq}" ` +
            `data-hook="${esc(s.hook)}" data-binding="${esc(s.binding)}"><title>${esc(tip)}</title>` +
            `<rect x="${x1}" y="${y}" width="${w}" height="${TRACK_H - 4}" rx="3"/>` +
            `<svg x="${x1}" y="${y}" width="${labelW}" height="${TRACK_H - 4}"><text x="4" y="13">${esc(`${s.hook} ${s.binding}`)}</text></svg></g>`,
        );
      });
      for (const r of layout.retries.filter((r) => r.lane === lane)) {
        const x1 = layout.x.get(r.seq)!;
        const y = markerY + 6;
        const label = `retry in ${formatDuration(r.delayMs)} (attempt ${r.attempt})`;
        parts.push(
          `<g class="retry-arc" data-retry-seq="${r.seq}" data-delay-ms="${r.delayMs}"><title>${esc(`${r.task} ${label}`)}</title>` +
            `<path d="M${x1},${y} C${x1},${y + RETRY_H - 4} ${r.dueX},${y + RETRY_H - 4} ${r.dueX},${y}"/>` +
            `<text x="${(x1 + r.dueX) / 2}" y="${y + RETRY_H - 6}" text-anchor="middle">${esc(label)}</text></g>`,
        );
      }
      for (const e of byLane.get(lane) ?? []) {
        const x = layout.x.get(e.seq)!;
        parts.push(
          `<g class="${markerClass(e)}" data-marker-seq="${e.seq}"><title>${esc(`#${e.seq} ${e.type}: ${describeEvent(e)}`)}</title>` +
            `${markerShape(e, x, markerY)}</g>`,
        );
      }
      return (
        `<div class="lane" data-lane="${esc(lane)}"><div class="lane-label" title="${esc(lane)}">${esc(lane)}</div>` +
        `<svg class="lane-svg" width="${layout.width}" height="${h}">${parts.join('')}</svg></div>`
      );
    })
    .join('\n');
}
