export * from './commands/debug.js';
export * from './commands/events.js';
export * from './commands/replay.js';
export * from './commands/run.js';
export * from './commands/validate.js';
export * from './commands/viz.js';
export * from './config-file.js';
export { main } from './main.js';
export * from './operator-server.js';
