// A notifier in a process of its own, for the tests that kill one: the pipeline as the alerting service runs it, on
// the database and providers named in the environment. Prints "notifier started" once running; SIGTERM stops it.
import { createLogger, openDb, systemClock } from '@ioc/core';
import { loadNotifyConfig } from '../src/notify/config.ts';
import { createNotifier } from '../src/notify/notifier.ts';

const db = await openDb({ databaseUrl: process.env.DATABASE_URL, dataDir: '/nonexistent' });
const notifier = createNotifier({ db, config: loadNotifyConfig(process.env), logger: createLogger({ level: 'warn' }), clock: systemClock, tickMs: 100, pollMs: 50 });
await notifier.start();
console.log('notifier started');
process.once('SIGTERM', () => {
  void notifier.stop().then(() => db.close()).then(() => process.exit(0));
});
