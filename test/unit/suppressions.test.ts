import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFiles } from '../../server/src/engine/scan';
import { parseSuppressions, suppressionMatches, type Suppression } from '../../server/src/engine/policy/suppressions';
import { RULE_IDS, type Finding } from '../../server/src/engine/model';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const NOW = new Date('2025-06-15T12:00:00Z');

// unpinned-range fires on "*" with the locked version as the finding's version.
function project(suppressions: unknown, lockedVersion = '1.3.0') {
  const manifest = `{\n  "dependencies": {\n    "left-pad": "*"\n  }\n}\n`;
  const lock = JSON.stringify({
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { dependencies: { 'left-pad': '*' } },
      'node_modules/left-pad': {
        version: lockedVersion,
        resolved: `https://registry.npmjs.org/left-pad/-/left-pad-${lockedVersion}.tgz`,
        integrity: 'sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQtQiHoMqQNt/sGAfX+SvOlt7aY3ovqgM6fTKPDB2WaEnmdwY==',
      },
    },
  }, null, 2);
  const files = [
    { path: 'package.json', text: manifest },
    { path: 'package-lock.json', text: lock },
  ];
  if (suppressions !== undefined) files.push({ path: '.depwarden.json', text: typeof suppressions === 'string' ? suppressions : JSON.stringify(suppressions, null, 2) });
  return scanFiles(files, { now: NOW });
}

const unpinned = (r: ReturnType<typeof project>) => r.findings.find((f) => f.rule === 'unpinned-range' && f.file === 'package.json')!;

test('without a suppression file the finding is live', () => {
  const f = unpinned(project(undefined));
  assert.equal(f.version, '1.3.0');
  assert.equal(f.suppressed, undefined);
});

test('an exact-version suppression silences that version with its reason', () => {
  const r = project({ suppressions: [{ rule: 'unpinned-range', package: 'left-pad', version: '1.3.0', reason: 'vendored, reviewed' }] });
  assert.deepEqual(unpinned(r).suppressed, { reason: 'vendored, reviewed' });
  assert.equal(r.findings.filter((f) => f.file === '.depwarden.json').length, 0);
});

test('a suppression for one version does not silence another', () => {
  const r = project({ suppressions: [{ rule: 'unpinned-range', package: 'left-pad', version: '1.3.0', reason: 'reviewed' }] }, '1.3.1');
  assert.equal(unpinned(r).version, '1.3.1');
  assert.equal(unpinned(r).suppressed, undefined);
});

test('a semver range covers the versions it satisfies, and only those', () => {
  const s = { rule: 'unpinned-range', package: 'left-pad', version: '>=1.3.0 <1.4.0', reason: 'r' };
  assert.ok(unpinned(project({ suppressions: [s] }, '1.3.1')).suppressed);
  assert.equal(unpinned(project({ suppressions: [s] }, '1.4.0')).suppressed, undefined);
});

test('the rule and the package must both match', () => {
  const r = project({
    suppressions: [
      { rule: 'typosquat', package: 'left-pad', version: '*', reason: 'other rule' },
      { rule: 'unpinned-range', package: 'right-pad', version: '*', reason: 'other package' },
    ],
  });
  assert.equal(unpinned(r).suppressed, undefined);
});

test('an expired suppression stops applying and says so in an info finding', () => {
  const text = JSON.stringify({ suppressions: [{ rule: 'unpinned-range', package: 'left-pad', version: '1.3.0', reason: 'temporary', expires: '2025-06-14' }] }, null, 2);
  const r = project(text);
  assert.equal(unpinned(r).suppressed, undefined);
  const notice = r.findings.filter((f) => f.file === '.depwarden.json');
  assert.equal(notice.length, 1);
  assert.equal(notice[0].rule, 'unpinned-range');
  assert.equal(notice[0].severity, 'info');
  assert.match(notice[0].message, /expired on 2025-06-14: 1 finding is reported again/);
  // The notice points at the entry's object.
  assert.equal(text.slice(notice[0].span.start, notice[0].span.start + 1), '{');
  assert.equal(text.slice(notice[0].span.end - 1, notice[0].span.end), '}');
});

test('a date-only expiry lasts through that day (UTC)', () => {
  const r = project({ suppressions: [{ rule: 'unpinned-range', package: 'left-pad', version: '1.3.0', reason: 'today', expires: '2025-06-15' }] });
  assert.ok(unpinned(r).suppressed);
  assert.equal(r.findings.filter((f) => f.file === '.depwarden.json').length, 0);
});

test('a malformed entry is reported as unparsed-file and ignored; valid ones still apply', () => {
  const r = project({
    suppressions: [
      { rule: 'unpinned-range', package: 'left-pad', version: '1.3.0' },
      { rule: 'no-such-rule', package: 'left-pad', version: '1.3.0', reason: 'x' },
      { rule: 'unpinned-range', package: 'left-pad', version: '1.3.0', reason: 'ok', expires: 'next week' },
    ],
  });
  assert.equal(unpinned(r).suppressed, undefined);
  const problems = r.findings.filter((f) => f.file === '.depwarden.json');
  assert.deepEqual(problems.map((f) => f.rule), ['unparsed-file', 'unparsed-file', 'unparsed-file']);
  assert.match(problems[0].message, /suppression 1 is ignored: "reason" is missing/);
  assert.match(problems[1].message, /"no-such-rule" is not a depwarden rule id/);
  assert.match(problems[2].message, /"expires" is not an ISO date/);

  const mixed = project({ suppressions: [{ rule: 'x' }, { rule: 'unpinned-range', package: 'left-pad', version: '1.3.0', reason: 'ok' }] });
  assert.ok(unpinned(mixed).suppressed);
});

test('a JSON syntax error is an unparsed-file error; an empty file is no suppressions', () => {
  const broken = project('{ "suppressions": [ { "rule": "unpinned-range", ');
  const errors = broken.findings.filter((f) => f.file === '.depwarden.json');
  assert.ok(errors.length >= 1);
  assert.ok(errors.every((f) => f.rule === 'unparsed-file' && f.severity === 'error'));
  const empty = project('');
  assert.equal(empty.findings.filter((f) => f.file === '.depwarden.json').length, 0);
});

test('a suppressed finding keeps its place in the result (for the report), with the reason', () => {
  const r = project({ suppressions: [{ rule: 'unpinned-range', package: 'left-pad', version: '*', reason: 'any version is fine' }] });
  const all = r.findings.filter((f) => f.rule === 'unpinned-range');
  assert.equal(all.length, 1);
  assert.equal(all[0].suppressed?.reason, 'any version is fine');
});

test('version matching: exact, range, star, and findings without a version', () => {
  const s = (version: string): Suppression => ({ rule: 'typosquat', package: 'p', version, reason: 'r', span: { start: 0, end: 0 } });
  const f = (version: string | null): Finding => ({ rule: 'typosquat', severity: 'warning', message: '', file: 'package.json', span: { start: 0, end: 0 }, package: 'p', version, fixes: [] });
  assert.equal(suppressionMatches(s('1.0.0'), f('1.0.0')), true);
  assert.equal(suppressionMatches(s('v1.0.0'), f('1.0.0')), true);
  assert.equal(suppressionMatches(s('1.0.0'), f('1.0.1')), false);
  assert.equal(suppressionMatches(s('^1.0.0'), f('1.9.0')), true);
  assert.equal(suppressionMatches(s('^1.0.0'), f('2.0.0')), false);
  assert.equal(suppressionMatches(s('^1.0.0'), f('1.1.0-beta.1')), true);
  assert.equal(suppressionMatches(s('*'), f(null)), true);
  assert.equal(suppressionMatches(s('1.0.0'), f(null)), false);
});

test('parseSuppressions keeps entry spans and rejects a non-array', () => {
  const text = '{"suppressions": {"rule": "typosquat"}}';
  const parsed = parseSuppressions(text);
  assert.equal(parsed.suppressions.length, 0);
  assert.match(parsed.problems[0].message, /must be an array/);
});

test('a misspelt key makes the entry invalid rather than silently permanent', () => {
  const parsed = parseSuppressions(JSON.stringify({ suppressions: [{ rule: 'typosquat', package: 'p', version: '*', reason: 'r', expiry: '2020-01-01' }] }));
  assert.equal(parsed.suppressions.length, 0);
  assert.match(parsed.problems[0].message, /unknown property "expiry"/);
});

test('the contributed JSON schema lists exactly the rule ids and the keys the parser reads', () => {
  const schema = JSON.parse(readFileSync(path.join(__dirname, '../../schemas/depwarden.schema.json'), 'utf8'));
  const entry = schema.properties.suppressions.items;
  assert.deepEqual(entry.properties.rule.enum, [...RULE_IDS]);
  assert.deepEqual(Object.keys(entry.properties).sort(), ['expires', 'package', 'reason', 'rule', 'version']);
  assert.deepEqual([...entry.required].sort(), ['package', 'reason', 'rule', 'version']);
  const pattern = new RegExp(entry.properties.expires.pattern);
  assert.ok(pattern.test('2026-01-31') && pattern.test('2026-01-31T10:00:00Z') && !pattern.test('next week'));
});
