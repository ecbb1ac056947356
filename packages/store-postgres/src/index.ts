export * from './postgres-url.js';
