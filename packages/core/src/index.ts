export * from './engine-state.js';
export * from './machines/converge-machine.js';
export * from './machines/hook-plan.js';
export * from './machines/module-machine.js';
export * from './machines/startup-machine.js';
export * from './machines/steps.js';
export * from './ports.js';
