export * from './sqlite-event-store.js';
export * from './sqlite-url.js';
