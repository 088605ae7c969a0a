import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runCliSync } from '../support/cli';

const FIXTURES = path.resolve(__dirname, '../fixtures/projects');

// A fresh cache per run: --offline must not read whatever ~/.cache/depwarden holds.
const CACHE = mkdtempSync(path.join(tmpdir(), 'depwarden-cli-cache-'));

const run = (args: string[]) => runCliSync([...args, ...(args[0] === 'scan' ? ['--cache-dir', CACHE] : [])]);

test('scan --format json follows the CLI.md contract', () => {
  const dir = path.join(FIXTURES, 'manifest-only');
  const r = run(['scan', dir, '--format', 'json', '--offline', '--quiet']);
  assert.equal(r.stderr, '', 'quiet means nothing on stderr');
  assert.equal(r.code, 1, 'errors fail the run by default');
  const out = JSON.parse(r.stdout);
  assert.equal(out.tool, 'depwarden');
  assert.equal(out.version, '0.1.0');
  assert.equal(out.root, dir);
  assert.deepEqual(out.files, [{ path: 'package.json', kind: 'manifest', parsed: true }]);
  const lodash = out.findings.find((f: { rule: string; package: string }) => f.rule === 'unpinned-range' && f.package === 'lodash');
  assert.deepEqual(lodash, {
    rule: 'unpinned-range',
    severity: 'warning',
    package: 'lodash',
    version: null,
    file: 'package.json',
    range: { start: { line: 7, character: 14 }, end: { line: 7, character: 17 } },
    message: lodash.message,
    via: ['lodash'],
    fixes: [{ title: 'Suppress unpinned-range for lodash (any version)', kind: 'suppress', name: 'lodash', version: '*' }],
  });
  const insecure = out.findings.filter((f: { rule: string }) => f.rule === 'insecure-url').map((f: { package: string }) => f.package);
  assert.deepEqual(insecure.sort(), ['internal-utils', 'legacy-widget']);
  const s = out.summary;
  assert.equal(s.error, out.findings.filter((f: { severity: string }) => f.severity === 'error').length);
  // Offline with an empty cache: the registry rules could not run, and the report says so.
  assert.ok(s.lookupsIncomplete > 0);
  assert.ok(out.findings.some((f: { rule: string }) => f.rule === 'lookup-incomplete'));
  for (const key of ['error', 'warning', 'info', 'hint', 'lookupsIncomplete']) assert.equal(typeof s[key], 'number');
});

test('--fail-on and --rule change the exit code', () => {
  const dir = path.join(FIXTURES, 'manifest-only');
  assert.equal(run(['scan', dir, '--offline', '--quiet', '--fail-on', 'never']).code, 0);
  const quiet = run(['scan', dir, '--offline', '--quiet', '--rule', 'insecure-url=warning', '--rule', 'unparsed-file=off', '--format', 'json']);
  const out = JSON.parse(quiet.stdout);
  assert.ok(!out.findings.some((f: { severity: string }) => f.severity === 'error'), 'no error left');
  assert.equal(quiet.code, 0);
  assert.equal(run(['scan', dir, '--offline', '--quiet', '--rule', 'insecure-url=warning', '--fail-on', 'warning']).code, 1);
});

test('usage errors and a missing directory exit 2', () => {
  assert.equal(run(['scan', '--format', 'xml']).code, 2);
  assert.equal(run(['scan', '--rule', 'no-such-rule=error']).code, 2);
  assert.equal(run(['frobnicate']).code, 2);
  const missing = run(['scan', path.join(FIXTURES, 'does-not-exist')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot scan/);
});

test('a broken package.json is an unparsed-file error, not silence', () => {
  const r = run(['scan', path.join(FIXTURES, 'broken'), '--format', 'json', '--offline', '--quiet']);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  assert.equal(out.files[0].parsed, false);
  assert.match(out.files[0].error, /line 4/);
  const rules = out.findings
    .filter((f: { rule: string }) => ['unparsed-file', 'unpinned-range'].includes(f.rule))
    .map((f: { rule: string; range: { start: { line: number } } }) => `${f.rule}:${f.range.start.line}`)
    .sort();
  assert.deepEqual(rules, ['unparsed-file:3', 'unpinned-range:2', 'unpinned-range:4']);
});

test('text output names file, line and rule id; SARIF has one-based regions and rule help', () => {
  const dir = path.join(FIXTURES, 'manifest-only');
  const text = run(['scan', dir, '--offline', '--quiet']).stdout;
  assert.match(text, /^package\.json$/m);
  assert.match(text, /^ {2}8:15 +warning +"lodash": "\*" accepts any version.* unpinned-range$/m);
  const sarif = JSON.parse(run(['scan', dir, '--offline', '--quiet', '--format', 'sarif']).stdout);
  assert.equal(sarif.version, '2.1.0');
  const run0 = sarif.runs[0];
  assert.ok(run0.tool.driver.rules.some((r: { id: string; helpUri: string }) => r.id === 'typosquat' && r.helpUri.endsWith('typosquat.md')));
  const lodash = run0.results.find((r: { message: { text: string } }) => r.message.text.includes('lodash'));
  assert.equal(lodash.ruleId, 'unpinned-range');
  assert.equal(lodash.level, 'warning');
  assert.deepEqual(lodash.locations[0].physicalLocation.region, { startLine: 8, startColumn: 15, endLine: 8, endColumn: 18 });
  assert.equal(lodash.locations[0].physicalLocation.artifactLocation.uri, 'package.json');
});
