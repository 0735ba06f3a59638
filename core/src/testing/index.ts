/** Helpers for the test suites: free ports, temporary directories, real servers started on loopback. */
export * from './system.ts';
export * from './servers.ts';
export * from './influx2-api.ts';
export * from './mosquitto.ts';
export * from './config.ts';
