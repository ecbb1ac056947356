export * from './engine.js';
export * from './engine-core.js';
export * from './engine-options.js';
export * from './task.js';
export * from './task-queue.js';
