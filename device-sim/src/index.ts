export * from './random.ts';
export * from './placement.ts';
export * from './fleet.ts';
export * from './air-model.ts';
export * from './provision.ts';
export * from './device-connection.ts';
export * from './service.ts';
