// The public API of converge, by name (docs/api.md lists each one; `npm run lint` checks both).
export { type DebugCommandOptions, debugCommand } from './commands/debug.js';
export { main } from './main.js';
export { resolveDebugSocket } from './operator-server.js';
