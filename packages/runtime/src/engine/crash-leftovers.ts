import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { EventStore, Logger } from '@converge/core';
import { removeStaleTempDirs } from '../process/private-temp-dir.js';
import type { EngineOptions } from './engine-options.js';

/** Temp roots already swept by this process: a crashed run's dirs do not come back. */
const swept = new Set<string>();

/**
 * The first step of `engine.start()`, before any hook, enabled script or helm process: the
 * process groups a crashed run recorded in this store are ended (ProcessGroupRegistry.reapStale),
 * then stale private temp dirs under `tmpDir` are removed (removeStaleTempDirs), once per process.
 */
export async function endCrashLeftovers(
  options: Pick<EngineOptions, 'processGroups' | 'tmpDir'>,
  store: EventStore,
  logger: Logger,
): Promise<void> {
  if (options.processGroups) {
    options.processGroups.attach(store.records);
    await options.processGroups.reapStale(logger);
  }
  const root = resolve(options.tmpDir ?? tmpdir());
  if (swept.has(root)) return;
  swept.add(root);
  removeStaleTempDirs(root, logger);
}
