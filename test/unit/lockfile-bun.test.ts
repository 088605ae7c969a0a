import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseJsonc } from 'jsonc-parser';
import { parseBunLock } from '../../server/src/engine/lockfile/bun';
import { countInstalledPackages } from '../../server/src/engine/scan';
import type { LockedPackage, Lockfile } from '../../server/src/engine/model';

const FIXTURES = join(__dirname, '../fixtures/lockfiles');

function load(dir: string): { text: string; lock: Lockfile } {
  const text = readFileSync(join(FIXTURES, dir, 'bun.lock'), 'utf8');
  return { text, lock: parseBunLock(`${dir}/bun.lock`, text) };
}

function byId(lock: Lockfile, id: string): LockedPackage {
  const p = lock.packages.find((q) => q.id === id);
  assert.ok(p, `no package ${id}`);
  return p;
}

describe('bun.lock with workspaces', () => {
  const { text, lock } = load('bun-workspaces');
  const json = parseJsonc(text, [], { allowTrailingComma: true });

  test('reads every package (trailing commas and comments allowed)', () => {
    assert.equal(lock.format, 'bun');
    assert.equal(lock.lockfileVersion, 1);
    assert.equal(lock.parsed, true);
    assert.deepEqual(lock.parseErrors, []);
    assert.deepEqual(lock.packages.map((p) => p.id), Object.keys(json.packages));
  });

  test('spans cover each whole entry, keySpans the quoted key', () => {
    for (const p of lock.packages) {
      assert.equal(text.slice(p.keySpan!.start, p.keySpan!.end), JSON.stringify(p.id));
      const slice = text.slice(p.span.start, p.span.end);
      assert.ok(slice.endsWith(']'), slice);
      assert.deepEqual(parseJsonc(`{${slice}}`), { [p.id]: json.packages[p.id] });
    }
  });

  test('names, versions, aliases and sources', () => {
    const hoisted = byId(lock, 'axios');
    assert.deepEqual([hoisted.name, hoisted.version, hoisted.source, hoisted.integrity], ['axios', '1.5.0', 'registry', 'sha512-AAAAaaaa==']);
    assert.equal(hoisted.resolved, undefined);
    const nested = byId(lock, '@mono/web/axios/follow-redirects');
    assert.deepEqual([nested.name, nested.version], ['follow-redirects', '1.14.9']);
    const custom = byId(lock, 'follow-redirects');
    assert.equal(custom.resolved, 'https://npm.internal.example/follow-redirects/-/follow-redirects-1.15.6.tgz');
    assert.equal(custom.source, 'registry');
    const alias = byId(lock, 'string-width-cjs');
    assert.deepEqual([alias.name, alias.realName, alias.version], ['string-width-cjs', 'string-width', '4.2.3']);
    const ws = byId(lock, '@mono/web');
    assert.deepEqual([ws.name, ws.version, ws.source, ws.realName], ['@mono/web', '1.0.0', 'workspace', undefined]);
    const git = byId(lock, 'left');
    assert.deepEqual([git.source, git.resolved, git.integrity, git.hasBin], ['git', 'github:acme/left#abc1234', 'sha512-EEEEeeee==', true]);
    assert.deepEqual([byId(lock, 'local-thing').source, byId(lock, 'local-thing').integrity], ['directory', undefined]);
    assert.equal(byId(lock, 'tar-thing').source, 'tarball');
    assert.equal(byId(lock, 'tar-thing').resolved, 'https://example.com/tar-thing-1.0.0.tgz');
    // bun records no version for a URL dependency: the tarball's file name tells it, never the URL itself.
    assert.equal(byId(lock, 'tar-thing').version, '1.0.0');
    assert.equal(byId(lock, 'typescript').hasBin, true);
    assert.equal(byId(lock, 'axios').hasBin, undefined);
  });

  test('edges: the nested copy first, then the hoisted one', () => {
    assert.deepEqual(byId(lock, 'axios').dependencies, ['follow-redirects']);
    assert.deepEqual(byId(lock, '@mono/web/axios').dependencies, ['@mono/web/axios/follow-redirects']);
    assert.deepEqual(byId(lock, 'string-width-cjs').dependencies, ['emoji-regex']);
    assert.deepEqual(byId(lock, '@mono/web').dependencies, ['@mono/ui', '@mono/web/axios', 'left', 'local-thing']);
    assert.deepEqual(byId(lock, '@mono/ui').dependencySpecs, { axios: '^1.5.0', 'string-width-cjs': 'npm:string-width@^4.2.0', fsevents: '^2.3.0' });
  });

  test('workspaces become importers, dependencies resolved under the workspace name first', () => {
    assert.deepEqual(lock.importers.map((i) => i.path), ['', 'packages/ui', 'packages/web']);
    assert.deepEqual(lock.importers[0].dependencies, [{ name: 'typescript', spec: '^5.4.0', section: 'devDependencies', id: 'typescript' }]);
    assert.deepEqual(lock.importers[1].dependencies, [
      { name: 'axios', spec: '^1.5.0', section: 'dependencies', id: 'axios' },
      { name: 'string-width-cjs', spec: 'npm:string-width@^4.2.0', section: 'dependencies', id: 'string-width-cjs' },
      { name: 'fsevents', spec: '^2.3.0', section: 'optionalDependencies' },
    ]);
    assert.deepEqual(lock.importers[2].dependencies.map((d) => [d.name, d.id]), [
      ['@mono/ui', '@mono/ui'],
      ['axios', '@mono/web/axios'],
      ['left', 'left'],
      ['local-thing', 'local-thing'],
    ]);
  });

  test('countInstalledPackages', () => {
    // 12 entries: 2 workspaces and 1 directory left out; both axios and both follow-redirects count
    assert.equal(countInstalledPackages(lock), 9);
  });
});

describe('bun.lock version 0 with an npm: alias', () => {
  const { lock } = load('bun-v0-alias');
  test('alias@npm:real@version', () => {
    assert.equal(lock.parsed, true);
    assert.equal(lock.lockfileVersion, 0);
    const alias = byId(lock, 'wrap-ansi-cjs');
    assert.deepEqual([alias.name, alias.realName, alias.version], ['wrap-ansi-cjs', 'wrap-ansi', '7.0.0']);
    assert.deepEqual(alias.dependencies, ['wrap-ansi-cjs/chalk']);
    assert.deepEqual(lock.importers[0].dependencies.map((d) => d.id), ['chalk', 'wrap-ansi-cjs']);
  });
});

describe('bun.lock: damaged and odd files', () => {
  const parse = (text: string) => parseBunLock('bun.lock', text);

  test('a URL dependency whose file is not named <name>-<version>.tgz has no version', () => {
    const lock = parse('{ "lockfileVersion": 1, "packages": { "a": ["a@https://example.com/dl/latest.tgz?x=1", {}], "b": ["b@https://example.com/b-1.0.0.tgz#frag", {}], "@s/c": ["@s/c@https://example.com/@s/c/-/c-2.0.0-rc.1.tgz", {}] } }');
    assert.deepEqual(lock.packages.map((p) => [p.name, p.source, p.version]), [
      ['a', 'tarball', ''],
      ['b', 'tarball', '1.0.0'],
      ['@s/c', 'tarball', '2.0.0-rc.1'],
    ]);
  });

  test('a missing comma: error with line and column, the rest still read', () => {
    const text = [
      '{',
      '  "lockfileVersion": 1,',
      '  "packages": {',
      '    "a": ["a@1.0.0", "", {}, "sha512-a=="],',
      '    "b": ["b@2.0.0", "", {}, "sha512-b=="]',
      '    "c": ["c@3.0.0", "", {}, "sha512-c=="],',
      '  },',
      '}',
    ].join('\n');
    const lock = parse(text);
    assert.equal(lock.parsed, false);
    assert.equal(lock.parseErrors[0].message, "line 6, column 5: expected ','");
    assert.deepEqual(lock.packages.map((p) => p.id), ['a', 'b', 'c']);
    const c = byId(lock, 'c');
    assert.equal(text.slice(c.keySpan!.start, c.keySpan!.end), '"c"');
  });

  test('an unknown lockfileVersion is an error, packages still read', () => {
    const lock = parse('{ "lockfileVersion": 4, "packages": { "a": ["a@1.0.0", "", {}, "sha512-a=="], }, }');
    assert.equal(lock.parsed, false);
    assert.equal(lock.lockfileVersion, 4);
    assert.match(lock.parseErrors[0].message, /Unsupported lockfileVersion 4/);
    assert.deepEqual(lock.packages.map((p) => p.id), ['a']);
  });

  test('a missing lockfileVersion is an error', () => {
    const lock = parse('{ "packages": {} }');
    assert.equal(lock.parsed, false);
    assert.match(lock.parseErrors[0].message, /lockfileVersion is missing/);
  });

  test('empty and non-object files', () => {
    for (const text of ['', '\n\n', '[]', '"x"', '{', '// only a comment\n']) {
      const lock = parse(text);
      assert.equal(lock.parsed, false, JSON.stringify(text));
      assert.ok(lock.parseErrors.length > 0, JSON.stringify(text));
    }
  });

  test('commas inside strings are not trailing commas', () => {
    const text = '{ "lockfileVersion": 1, "packages": { "a,]": ["a,]@1.0.0", "", {}, "sha512-x=="], }, }';
    const lock = parse(text);
    assert.equal(lock.parsed, true);
    assert.equal(lock.packages[0].id, 'a,]');
  });

  test('truncations and mutations of the fixture never throw, and report a position', () => {
    const { text } = load('bun-workspaces');
    for (let cut = 0; cut < text.length; cut += 97) {
      const lock = parse(text.slice(0, cut));
      assert.equal(lock.parsed, false, `cut at ${cut}`);
      assert.ok(lock.parseErrors[0].span.start <= cut);
    }
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: text.length - 1 }), fc.nat({ max: 6 }), fc.constantFrom('', '{', '}', '[', ']', ',', '"', '/', '*', '\\', 'x', '\n')), { minLength: 1, maxLength: 3 }),
        (edits) => {
          let mutated = text;
          for (const [at, len, insert] of edits) mutated = mutated.slice(0, at) + insert + mutated.slice(at + len);
          const lock = parse(mutated);
          for (const e of lock.parseErrors) assert.ok(e.span.start >= 0 && e.span.start <= mutated.length);
          for (const p of lock.packages) assert.ok(p.span.end <= mutated.length);
        },
      ),
      { numRuns: 300, seed: 20261128 },
    );
  });
});
