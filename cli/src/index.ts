export { main } from './main.ts';
export { startIoc, selectServices, type StartIocOptions, type RunningIoc } from './start-ioc.ts';
export { SERVICES, SERVICE_NAMES, type Need, type ServiceEntry } from './services.ts';
export type { Io } from './io.ts';
