export * from './jsonl-event-log.js';
export * from './memory-event-store.js';
