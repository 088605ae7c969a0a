import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../../server/src/engine/manifest/parse-manifest';
import { classifySpec, isBoundedSimpleSpec } from '../../server/src/engine/manifest/spec';
import fc from 'fast-check';
import semver from 'semver';

const slice = (text: string, span: { start: number; end: number }) => text.slice(span.start, span.end);

test('reads every dependency section with exact spans', () => {
  const text = `{
  "name": "app",
  "dependencies": { "a": "^1.0.0", "@s/b": "npm:real@2" },
  "devDependencies": { "c": "1.2.3" },
  "optionalDependencies": { "d": "git+https://github.com/x/d.git" },
  "peerDependencies": { "e": ">=1" },
  "bundleDependencies": ["a"],
  "overrides": { "f": "1.0.0", "g": { ".": "2.0.0", "h": "3.0.0" } },
  "resolutions": { "**/i": "1.0.0", "x/@s/j": "2.0.0" },
  "pnpm": { "overrides": { "k@<2": "2.1.0", "l>m": "1.0.0" } }
}`;
  const m = parseManifest('package.json', text);
  assert.equal(m.parseErrors.length, 0);
  assert.equal(m.name, 'app');
  const got = m.dependencies.map((d) => `${d.section}:${d.name}=${d.spec}:${d.kind}`);
  assert.deepEqual(got, [
    'dependencies:a=^1.0.0:range',
    'dependencies:@s/b=npm:real@2:alias',
    'devDependencies:c=1.2.3:version',
    'optionalDependencies:d=git+https://github.com/x/d.git:git',
    'peerDependencies:e=>=1:range',
    'overrides:f=1.0.0:version',
    'overrides:h=3.0.0:version',
    'overrides:g=2.0.0:version',
    'resolutions:i=1.0.0:version',
    'resolutions:@s/j=2.0.0:version',
    'pnpm.overrides:k=2.1.0:version',
    'pnpm.overrides:m=1.0.0:version',
    'bundleDependencies:a=:range',
  ]);
  const a = m.dependencies[0];
  assert.equal(slice(text, a.nameSpan), '"a"');
  assert.equal(slice(text, a.specSpan!), '"^1.0.0"');
  assert.equal(slice(text, a.propertySpan), '"a": "^1.0.0"');
  assert.deepEqual(m.dependencies[1].aliasOf, { name: 'real', spec: '2' });
});

test('tolerates half-typed properties, syntax errors and duplicate keys', () => {
  const text = `{
  "dependencies": {
    "a": "1.0.0",
    "a": "2.0.0",
    "b":
  }
}`;
  const m = parseManifest('package.json', text);
  assert.ok(m.parseErrors.length > 0);
  assert.match(m.parseErrors[0].message, /^line 6: expected a value/);
  const names = m.dependencies.map((d) => `${d.name}=${d.spec}${d.duplicate ? ' (dup)' : ''}`);
  assert.deepEqual(names, ['a=1.0.0 (dup)', 'a=2.0.0', 'b=']);
});

test('UTF-16 offsets: spans after astral characters are string indices', () => {
  const text = `{"description": "🦄🦄", "dependencies": {"x": "*"}}`;
  const m = parseManifest('package.json', text);
  assert.equal(slice(text, m.dependencies[0].specSpan!), '"*"');
});

test('comments, trailing commas and non-objects are errors (npm uses JSON.parse)', () => {
  assert.ok(parseManifest('p', '{"a": 1,}').parseErrors.length > 0);
  assert.ok(parseManifest('p', '// x\n{}').parseErrors.length > 0);
  assert.match(parseManifest('p', '[]').parseErrors[0].message, /object/);
  assert.ok(parseManifest('p', '').parseErrors.length > 0);
});

test('classifies specs the way npm does, plus other package managers protocols', () => {
  const cases: Array<[string, string]> = [
    ['^1.2.3', 'range'],
    ['1.2.3', 'version'],
    ['latest', 'tag'],
    ['npm:lodash@^4', 'alias'],
    ['github:user/repo', 'git'],
    ['user/repo#v1', 'git'],
    ['git://github.com/u/r.git', 'git'],
    ['https://example.com/x.tgz', 'remote'],
    ['file:../x.tgz', 'file'],
    ['file:../x', 'directory'],
    ['link:../x', 'link'],
    ['workspace:*', 'workspace'],
    ['catalog:', 'catalog'],
    ['', 'range'],
  ];
  for (const [spec, kind] of cases) assert.equal(classifySpec('x', spec).kind, kind, spec);
  assert.equal(classifySpec('x', 'git://github.com/u/r.git').url, 'git://github.com/u/r.git');
});

test('caret and tilde ranges (classified without semver) are what semver.validRange says: ranges, and close misses are not', () => {
  const number = fc.oneof(fc.nat(20).map(String), fc.stringMatching(/^\d{1,12}$/));
  const ident = fc.stringMatching(/^[0-9A-Za-z-]{1,6}$/);
  const spec = fc
    .tuple(fc.constantFrom('^', '~', '', '>=', '^^', 'v', '~>'), number, number, number, fc.option(fc.array(ident, { minLength: 1, maxLength: 3 })), fc.constantFrom('', ' ', '.x', '-', '.'))
    .map(([op, a, b, c, pre, tail]) => `${op}${a}.${b}.${c}${pre ? `-${pre.join('.')}` : ''}${tail}`);
  fc.assert(
    fc.property(spec, (s) => {
      const kind = classifySpec('x', s).kind;
      // Past the exact-version check (unchanged): a range when semver reads one, else a tag.
      if (kind === 'version') return;
      const expected = semver.validRange(s, true) !== null ? 'range' : encodeURIComponent(s) === s ? 'tag' : 'invalid';
      assert.equal(kind, expected, s);
    }),
    { numRuns: 3000 },
  );
});

test('specs taken as bounded without semver are ranges whose every comparator set has an upper bound', () => {
  const number = fc.oneof(fc.nat(20).map(String), fc.stringMatching(/^\d{1,12}$/));
  const ident = fc.stringMatching(/^[0-9A-Za-z-]{1,6}$/);
  const spec = fc
    .tuple(fc.constantFrom('^', '~', '', '>=', 'v', '<'), number, number, number, fc.option(fc.array(ident, { minLength: 1, maxLength: 3 })), fc.constantFrom('', ' ', '.x', '-'))
    .map(([op, a, b, c, pre, tail]) => `${op}${a}.${b}.${c}${pre ? `-${pre.join('.')}` : ''}${tail}`);
  let bounded = 0;
  fc.assert(
    fc.property(spec, (s) => {
      if (!isBoundedSimpleSpec(s)) return;
      bounded++;
      assert.notEqual(semver.validRange(s, { loose: true }), null, s);
      for (const set of new semver.Range(s, { loose: true }).set) assert.ok(set.some((c) => c.operator === '<' || c.operator === '<=' || c.operator === ''), s);
    }),
    { numRuns: 3000 },
  );
  assert.ok(bounded > 100, 'the generator reaches the fast path');
  assert.equal(isBoundedSimpleSpec('>=1.2.3'), false);
  assert.equal(isBoundedSimpleSpec('*'), false);
});

test('the fast path (JSON.parse + outline) reads every corpus package.json exactly as the tolerant tree does', async () => {
  const { parseManifestTolerantly } = await import('../../server/src/engine/manifest/parse-manifest');
  const { readdirSync, readFileSync, statSync, existsSync } = await import('node:fs');
  const path = await import('node:path');
  const corpus = path.resolve(__dirname, '../../../shared/corpus/lockfiles');
  const files: string[] = [path.resolve(__dirname, '../../package.json')];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'package.json') files.push(p);
    }
  };
  if (existsSync(corpus)) walk(corpus);
  assert.ok(files.length > 500, `${files.length} manifests`);
  let deps = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const fast = parseManifest('package.json', text);
    const slow = parseManifestTolerantly('package.json', text);
    assert.deepEqual(fast, slow, file);
    deps += fast.dependencies.length;
  }
  assert.ok(deps > 4000, `${deps} dependencies compared`);
  // Half-typed and duplicate-key documents go the tolerant way and still agree with it.
  const dup = '{"dependencies": {"a": "1", "a": "2", "b": {"nested": true}}, "overrides": {"x": {".": "1", "y": "2"}}}';
  assert.deepEqual(parseManifest('p', dup), parseManifestTolerantly('p', dup));
  // bundleDependencies arrays are read from the outline too, element by element.
  for (const bundled of [
    '{"bundleDependencies": ["a", "@s/b"], "dependencies": {"a": "1"}}',
    '{"bundledDependencies": [ "a" ,\n  "b\\"c", 1, null, {"x": ["y"]}, ["z"], "d" ] , "bundleDependencies": []}',
    '{"bundleDependencies": true, "bundledDependencies": ["a"]}',
    '{"bundleDependencies": ["a"], "bundleDependencies": ["b", "c"]}',
  ]) {
    assert.deepEqual(parseManifest('p', bundled), parseManifestTolerantly('p', bundled), bundled);
  }
  assert.deepEqual(parseManifest('p', '{"bundledDependencies": ["b\\"c"]}').dependencies.map((d) => d.name), ['b"c']);
});

test('a package.json with tens of thousands of syntax errors is described in linear time (each error no longer re-splits the text before it)', () => {
  const text = '{\n' + '#\n'.repeat(40_000) + '}';
  const started = performance.now();
  const m = parseManifest('package.json', text);
  const ms = performance.now() - started;
  assert.ok(m.parseErrors.length > 0);
  assert.match(m.parseErrors[m.parseErrors.length - 1].message, /^line 40001: /);
  // Quadratic, this took minutes (20,000 lines: 50 s); linear, well under a second.
  assert.ok(ms < 5_000, `${Math.round(ms)} ms`);
});
