// Container health probe: `node scripts/healthcheck.mjs http://127.0.0.1:8080/api/health` (a 2xx answer)
// or `node scripts/healthcheck.mjs tcp://127.0.0.1:1883` (the port accepts a connection). Exit 0 = healthy.
import { connect } from 'node:net';

const target = new URL(process.argv[2] ?? '');
const timeoutMs = 4000;

function probeTcp(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => resolve(true));
    socket.once('timeout', () => resolve(false));
    socket.once('error', () => resolve(false));
  });
}

async function probe() {
  if (target.protocol === 'tcp:') return probeTcp(target.hostname, Number(target.port));
  const response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
  return response.ok;
}

const healthy = await probe().catch((error) => {
  console.error(`${target.href}: ${error.message}`);
  return false;
});
process.exit(healthy ? 0 : 1);
