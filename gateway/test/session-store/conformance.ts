/**
 * aedes-persistence's own conformance suite (its `abstract.js`, written for node:test) run against the gateway's
 * session store. Started by session-store.test.ts with `node --test`.
 */
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { createSessionStore } from '../../src/session-store.ts';

const require = createRequire(import.meta.url);
const abstractPersistence = require('aedes-persistence/abstract.js') as (options: Record<string, unknown>) => void;

abstractPersistence({ test, persistence: () => createSessionStore().persistence, testAsync: true });
