// Local servers speaking the providers' documented protocols (eSMS, Zalo, a subscriber's webhook), for the tests and
// `ioc bench alerting`: the providers we cannot reach from a test, never used by the service itself.
export * from './http-provider.ts';
export * from './esms.ts';
export * from './webhook.ts';
export * from './zalo.ts';
