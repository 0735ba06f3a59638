/**
 * The payloads on the bus, declared once with TypeBox and compiled to validators whose refusals name the field.
 * Browser-safe (no Node imports): the web app, the simulator and every service take their shapes from here.
 */
export * from './decode.ts';
export * from './common.ts';
export * from './anomaly.ts';
export * from './status.ts';
export * from './events.ts';
export * from './telemetry.ts';
export * from './device-command.ts';
export * from './health.ts';
export * from './registry.ts';
export * from './derived.ts';
export * from './alert.ts';
export * from './broadcast-request.ts';
export * from './computed.ts';
