import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runCliSync } from '../support/cli';

const FIXTURES = path.resolve(__dirname, '../fixtures/projects');
const CACHE = mkdtempSync(path.join(tmpdir(), 'depwarden-cli-cache-'));

interface JsonFinding {
  rule: string;
  file: string;
  package: string;
  severity: string;
  range: { start: { line: number } };
  fixes: { kind: string; title: string }[];
}

function unusedFindings(dir: string, extra: string[] = []): JsonFinding[] {
  const r = runCliSync(['scan', dir, '--offline', '--format', 'json', '--quiet', '--fail-on', 'never', '--cache-dir', CACHE, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout).findings as JsonFinding[]).filter((f) => f.rule === 'unused-dependency');
}

test('unused-basic: require, import, import(), type-only import, reference types, scripts and config files count; dist/ does not', () => {
  const found = unusedFindings(path.join(FIXTURES, 'unused-basic'));
  assert.deepEqual(found.map((f) => f.package).sort(), ['@scope/unused-thing', 'is-odd', 'left-pad']);
  for (const f of found) {
    assert.equal(f.severity, 'info');
    assert.equal(f.file, 'package.json');
    assert.ok(f.fixes.some((x) => x.kind === 'remove' && x.title === `Remove ${f.package} from ${f.package === 'is-odd' ? 'devDependencies' : 'dependencies'}`));
  }
  assert.equal(found.find((f) => f.package === 'left-pad')!.range.start.line, 15);
});

test('unused-monorepo: each workspace judged on its own folder, the root on everything below it, no sources no verdict', () => {
  const found = unusedFindings(path.join(FIXTURES, 'unused-monorepo'));
  assert.deepEqual(found.map((f) => `${f.file}:${f.package}`).sort(), ['package.json:root-unused', 'packages/a/package.json:a-unused']);
});

test('--rule unused-dependency=off skips the rule (and the reading of sources)', () => {
  assert.deepEqual(unusedFindings(path.join(FIXTURES, 'unused-basic'), ['--rule', 'unused-dependency=off']), []);
});

test("depwarden's own package.json: every dependency is used", () => {
  const found = unusedFindings(path.resolve(__dirname, '../..')).filter((f) => f.file === 'package.json');
  assert.deepEqual(found, []);
});
