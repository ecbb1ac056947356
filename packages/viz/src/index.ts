export * from './event-summary.js';
export * from './statechart-export.js';
export * from './statechart-model.js';
export * from './statechart-svg.js';
export * from './timeline.js';
export * from './timeline-layout.js';
export * from './timeline-state.js';
export * from './viz-loader.js';
