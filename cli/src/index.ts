export { main } from './main.ts';
export { startIoc, selectServices, SERVICE_NAMES, type StartIocOptions, type RunningIoc, type ServiceName } from './start-ioc.ts';
export type { Io } from './io.ts';
