export * from './converge-status.js';
export * from './inspector/index.js';
export * from './listen-address.js';
export * from './operator-routes.js';
export * from './route-table.js';
export * from './serve-engine.js';
