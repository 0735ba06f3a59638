export * from './alert-row.ts';
export * from './alert-store.ts';
export * from './bus.ts';
export * from './lifecycle.ts';
export * from './service.ts';
export * from './rules/alert-rules.ts';
export * from './rules/rule-schema.ts';
export * from './notify/index.ts';
