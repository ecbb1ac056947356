// The public API of @converge/viz, by name (docs/api.md lists each one; `npm run lint` checks both).
export { type InspectorPageOptions, renderInspectorPage } from './inspector-page.js';
export {
  foldStateView,
  type InspectorHello,
  type InspectorPastState,
  type InspectorQueue,
  type InspectorQueuesMessage,
  type InspectorStateMessage,
  stateViewOf,
} from './inspector-state.js';
export {
  type DotOptions,
  type ExportOptions,
  type MachineName,
  machines,
  toDot,
  toJson,
  toMermaid,
  toSvg,
} from './statechart-export.js';
export { renderTimeline, type TimelineOptions } from './timeline.js';
export { buildStateTable, stateAt } from './timeline-state.js';
export { GraphvizUnavailableError } from './viz-loader.js';
