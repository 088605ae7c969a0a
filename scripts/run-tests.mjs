// Runs the test suites under test/<suite>/ with Node's built-in test runner.
// Node 20's runner does not pick up .ts files by itself, so we list them and load tsx.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2);
const files = [];
function collect(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p);
    else if (/\.test\.ts$/.test(name)) files.push(p);
  }
}
for (const suite of suites.length ? suites : ['unit']) {
  try {
    collect(join('test', suite));
  } catch {
    /* a suite folder may not exist yet */
  }
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
