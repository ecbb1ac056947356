/**
 * The config of a beforeDeleteHelm hook (order 10) that sees every ConfigMap through a
 * kubernetes binding `markers`, and runs neither on their events nor on Synchronization.
 */
export const beforeDeleteWithMarkers = {
  configVersion: 'v1',
  beforeDeleteHelm: 10,
  kubernetes: [
    {
      name: 'markers',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      executeHookOnEvent: [],
      executeHookOnSynchronization: false,
    },
  ],
};
