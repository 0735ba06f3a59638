// The Debian packages the test suites need, and the programs each provides.
// `node scripts/system-deps.mjs packages` prints the package names (used by .ci/run).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const SYSTEM_DEPS = [
  { pkg: 'influxdb', programs: [['influxd', '/usr/bin/influxd']] },
  { pkg: 'postgresql-15', programs: [['/usr/lib/postgresql/15/bin/initdb']] },
  { pkg: 'mosquitto', programs: [['mosquitto', '/usr/sbin/mosquitto']] },
  { pkg: 'mosquitto-clients', programs: [['mosquitto_pub'], ['mosquitto_sub']] },
  // With chromium, two of its recommendations the map needs: Mesa (WebGL) and fonts.
  { pkg: 'chromium', programs: [['/usr/bin/chromium']], also: ['libgl1-mesa-dri', 'fonts-liberation'] },
  { pkg: 'ffmpeg', programs: [['ffmpeg']] },
  { pkg: 'redis-server', programs: [['redis-server', '/usr/bin/redis-server']] },
  { pkg: 'openssl', programs: [['openssl']] },
];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function found(candidates) {
  return candidates.some((candidate) =>
    candidate.startsWith('/')
      ? executable(candidate)
      : (process.env.PATH ?? '').split(delimiter).some((dir) => dir && executable(join(dir, candidate))),
  );
}

const withCompanions = ({ pkg, also = [] }) => [pkg, ...also];

/** Every package to install. */
export function allPackages() {
  return SYSTEM_DEPS.flatMap(withCompanions);
}

/** The packages to install because a program of theirs is missing. */
export function missingPackages() {
  return SYSTEM_DEPS.filter(({ programs }) => !programs.every(found)).flatMap(withCompanions);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const what = process.argv[2];
  if (what === 'packages') console.log(allPackages().join(' '));
  else if (what === 'missing') console.log(missingPackages().join(' '));
  else {
    console.error('usage: node scripts/system-deps.mjs packages|missing');
    process.exitCode = 2;
  }
}
