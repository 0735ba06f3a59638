#!/usr/bin/env node
// `npm test`: system test dependencies, typecheck, web build, then every vitest suite.
// The last line printed is always "N passed, N failed" (", N skipped" when some were skipped);
// the exit code is non-zero when anything failed. Extra arguments go to vitest (`npm test -- core/test`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingPackages } from './system-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ci = process.env.CI === 'true';
const vitestArgs = process.argv.slice(2);
const reportPath = join(root, '.vitest-results.json');

function step(title) {
  console.log(`\n▶ ${title}`);
}

/** Runs a command in the repository root with the terminal attached; returns its exit code (null if killed). */
function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error) console.error(`${command}: ${result.error.message}`);
  return result.status;
}

function canUseApt() {
  return process.getuid?.() === 0 && run('sh', ['-c', 'command -v apt-get >/dev/null']) === 0;
}

function aptInstall(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], env);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', '-o', 'Dpkg::Use-Pty=0', ...packages], env);
}

/** Installs missing Debian packages when possible. False when some are still missing under CI=true. */
function ensureSystemDeps() {
  step('system test dependencies');
  let missing = missingPackages();
  if (missing.length > 0 && canUseApt()) {
    console.log(`installing with apt-get: ${missing.join(' ')}`);
    aptInstall(missing);
    missing = missingPackages();
  }
  if (missing.length === 0) {
    console.log('all present');
    return true;
  }
  const install = `apt-get install -y ${missing.join(' ')}`;
  if (ci) {
    console.error(`MISSING Debian packages: ${missing.join(', ')}. CI=true forbids skipping their suites; run as root: ${install}`);
    return false;
  }
  console.warn(`MISSING Debian packages: ${missing.join(', ')}. The suites that need them will be SKIPPED (install as root: ${install}).`);
  return true;
}

function typecheck() {
  step('typecheck (tsc --noEmit: the server side, then the web app against the server\'s shapes)');
  const tsc = (project) => run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project, '--noEmit']) === 0;
  const ok = [tsc('tsconfig.json'), tsc('ioc-dashboard/web/tsconfig.json')].every(Boolean);
  console.log(ok ? 'typecheck passed' : 'typecheck FAILED');
  return ok;
}

function buildWebApp() {
  step('build the web app (the browser suite serves it)');
  const ok = run('npm', ['run', 'build', '-w', '@ioc/dashboard']) === 0;
  if (!ok) console.error('web app build FAILED');
  return ok;
}

/** Test counts from vitest's JSON report; a file that failed outside its tests (import error, hook) counts once. */
function countReport(report) {
  let failed = report.numFailedTests;
  for (const file of report.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed').length;
    if (file.status === 'failed' && failedTests === 0) {
      const reason = (file.message ?? '').split('\n')[0] || 'an error in a hook or the suite, shown above';
      console.error(`FAILED outside its tests: ${file.name}: ${reason}`);
      failed += 1;
    }
  }
  return { passed: report.numPassedTests, failed, skipped: report.numPendingTests + report.numTodoTests };
}

function runVitest() {
  step(`vitest run ${vitestArgs.join(' ')}`);
  rmSync(reportPath, { force: true });
  const code = run(process.execPath, [
    join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reportPath}`,
    ...vitestArgs,
  ]);
  if (!existsSync(reportPath)) {
    console.error(`vitest crashed (exit code ${code}) without writing its report: counted as 1 failure`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const counts = countReport(JSON.parse(readFileSync(reportPath, 'utf8')));
  if (code !== 0 && counts.failed === 0) {
    console.error(`vitest exited with code ${code} (errors outside the tests, see above): counted as 1 failure`);
    counts.failed = 1;
  }
  return counts;
}

function summary({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : '');
}

function main() {
  if (!ensureSystemDeps()) {
    console.log(summary({ passed: 0, failed: 1, skipped: 0 }));
    return 1;
  }
  const typecheckPassed = typecheck();
  const buildPassed = buildWebApp();
  const counts = runVitest();
  counts[typecheckPassed ? 'passed' : 'failed'] += 1;
  if (!buildPassed) counts.failed += 1;
  console.log();
  console.log(summary(counts));
  return counts.failed > 0 ? 1 : 0;
}

process.exitCode = main();
