import type { FleetBackend } from './fleet-backend.js';

/** Opens the fleet's shared rows in the PostgreSQL database of `url` (placeholder until the store lands). */
export async function openFleetBackend(url: string): Promise<FleetBackend> {
  throw new Error(`fleet needs a postgres:// store, got ${JSON.stringify(url)}`);
}
