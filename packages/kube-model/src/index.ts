export * from './selector-query.js';
export * from './selectors.js';
