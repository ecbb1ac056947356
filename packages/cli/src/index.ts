// The public API of converge, by name (docs/api.md lists each one; `npm run lint` checks both).
export { type DebugCommandOptions, debugCommand } from './commands/debug.js';
export { type FleetOptions, fleetStatusCommand } from './commands/fleet.js';
export { assignTargets, planFor } from './fleet/assignment.js';
export type {
  FleetBackend,
  FleetStatusRow,
  FleetStream,
  FleetView,
  TargetLease,
} from './fleet/fleet-backend.js';
export { FleetReplica, type FleetReplicaOptions } from './fleet/fleet-replica.js';
export { openFleetBackend } from './fleet/postgres-fleet-backend.js';
export { engineReady, type TargetEngine, type TargetEngineOptions } from './fleet/target-engine.js';
export {
  type FleetTarget,
  parseTargetsFile,
  readTargetsFile,
  TargetsFileError,
} from './fleet/targets-file.js';
export { main } from './main.js';
export { resolveDebugSocket } from './operator-server.js';
