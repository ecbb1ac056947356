// The public API of @converge/server, by name (docs/api.md lists each one; `npm run lint` checks both).
export { PastStateError, PastStates } from './inspector/past-states.js';
export {
  DEFAULT_LISTEN,
  formatHostPort,
  ListenAddressError,
  ListenError,
  parseListenAddress,
  resolveListenAddress,
} from './listen-address.js';
export { operatorRoutes } from './operator-routes.js';
export { matchRoute, type Route, send, sendJson, sendText } from './route-table.js';
export { type EngineServer, type ServeEngineOptions, serveEngine } from './serve-engine.js';
