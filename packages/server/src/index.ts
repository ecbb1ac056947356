// The public API of @converge/server, by name (docs/api.md lists each one; `npm run lint` checks both).
export { PastStateError, PastStates } from './inspector/past-states.js';
export {
  DEFAULT_LISTEN,
  ListenAddressError,
  ListenError,
  parseListenAddress,
  resolveListenAddress,
} from './listen-address.js';
export { type EngineServer, type ServeEngineOptions, serveEngine } from './serve-engine.js';
