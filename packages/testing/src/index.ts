export * from './code-hooks.js';
export * from './code-modules.js';
export * from './kube-api/kube-api-server.js';
export * from './memory-config-source.js';
export * from './postgres-server.js';
export * from './test-engine.js';
