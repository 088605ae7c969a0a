import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import semver from 'semver';
import { parseNpmLock } from '../../server/src/engine/lockfile/npm';
import { countInstalledPackages } from '../../server/src/engine/scan';
import type { LockedPackage, Lockfile } from '../../server/src/engine/model';

const FIXTURES = join(__dirname, '../fixtures/lockfiles');
const CORPUS = join(__dirname, '../../../shared/corpus/lockfiles');

function load(dir: string): { text: string; lock: Lockfile } {
  const path = join(FIXTURES, dir, 'package-lock.json');
  const text = readFileSync(path, 'utf8');
  return { text, lock: parseNpmLock(`${dir}/package-lock.json`, text) };
}

function byId(lock: Lockfile, id: string): LockedPackage {
  const p = lock.packages.find((q) => q.id === id);
  assert.ok(p, `no package ${id}`);
  return p;
}

/** The span holds `"key": {...}` exactly: slicing and parsing it gives back the entry. */
function assertSpan(text: string, pkg: LockedPackage, key: string, entry: unknown): void {
  assert.ok(pkg.keySpan, `${pkg.id} has a keySpan`);
  assert.equal(text.slice(pkg.keySpan.start, pkg.keySpan.end), JSON.stringify(key));
  assert.equal(pkg.span.start, pkg.keySpan.start);
  const slice = text.slice(pkg.span.start, pkg.span.end);
  assert.deepEqual(JSON.parse(`{${slice}}`), { [key]: entry }, `span of ${pkg.id}`);
}

describe('npm lockfile v3 with workspaces', () => {
  const { text, lock } = load('npm-v3-workspaces');
  const json = JSON.parse(text);

  test('reads every entry but the root, with the version and no errors', () => {
    assert.equal(lock.parsed, true);
    assert.deepEqual(lock.parseErrors, []);
    assert.equal(lock.format, 'npm');
    assert.equal(lock.lockfileVersion, 3);
    assert.deepEqual(
      lock.packages.map((p) => p.id),
      Object.keys(json.packages).filter((k) => k !== ''),
    );
  });

  test('spans cover each whole entry and keySpans the quoted key (UTF-16 offsets after an emoji)', () => {
    assert.ok(text.indexOf('📦') < lock.packages[0].span.start);
    for (const p of lock.packages) assertSpan(text, p, p.id, json.packages[p.id]);
  });

  test('sources: registry, link, workspace, directory, git, tarball', () => {
    assert.equal(byId(lock, 'node_modules/lodash').source, 'registry');
    assert.equal(byId(lock, 'node_modules/@mono/app').source, 'link');
    assert.equal(byId(lock, 'packages/app').source, 'workspace');
    assert.equal(byId(lock, 'vendor/local-lib').source, 'directory');
    assert.equal(byId(lock, 'node_modules/local-lib').source, 'link');
    assert.equal(byId(lock, 'node_modules/left-pad').source, 'git');
    assert.equal(byId(lock, 'node_modules/tarball-dep').source, 'tarball');
    assert.equal(byId(lock, 'node_modules/tarball-dep').integrity, 'sha1-9999999999999999999999999999=');
  });

  test('names: last node_modules segment, aliases keep the real name, workspaces their own', () => {
    assert.equal(byId(lock, 'node_modules/@esbuild/linux-x64').name, '@esbuild/linux-x64');
    const alias = byId(lock, 'node_modules/string-width-cjs');
    assert.equal(alias.name, 'string-width-cjs');
    assert.equal(alias.realName, 'string-width');
    assert.equal(alias.version, '4.2.3');
    assert.equal(byId(lock, 'node_modules/lodash').realName, undefined);
    assert.equal(byId(lock, 'packages/app').name, '@mono/app');
    assert.equal(byId(lock, 'packages/app/node_modules/chalk').name, 'chalk');
    // a link takes the version of the folder it points to
    assert.equal(byId(lock, 'node_modules/@mono/util').version, '0.2.0');
  });

  test('flags: dev, optional, peer, inBundle, hasInstallScript, hasBin', () => {
    const esbuild = byId(lock, 'node_modules/esbuild');
    assert.equal(esbuild.hasInstallScript, true);
    assert.equal(esbuild.hasBin, true);
    assert.equal(byId(lock, 'node_modules/typescript').dev, true);
    assert.equal(byId(lock, 'node_modules/@esbuild/linux-x64').optional, true);
    assert.equal(byId(lock, 'node_modules/react').peer, true);
    assert.equal(byId(lock, 'node_modules/bundler/node_modules/inner').inBundle, true);
    assert.equal(byId(lock, 'node_modules/lodash').hasBin, undefined);
    assert.equal(byId(lock, 'node_modules/lodash').dev, undefined);
  });

  test('edges resolve the way node does: nested first, then each folder up', () => {
    assert.deepEqual(byId(lock, 'node_modules/@mono/app').dependencies, ['packages/app']);
    assert.deepEqual(byId(lock, 'packages/app').dependencies, [
      'node_modules/@mono/util',
      'packages/app/node_modules/chalk',
      'node_modules/string-width-cjs',
      'node_modules/react',
    ]);
    assert.deepEqual(byId(lock, 'packages/app/node_modules/chalk').dependencies, ['packages/app/node_modules/supports-color']);
    assert.deepEqual(byId(lock, 'packages/app/node_modules/supports-color').dependencies, ['node_modules/has-flag']);
    assert.deepEqual(byId(lock, 'node_modules/bundler').dependencies, ['node_modules/bundler/node_modules/inner']);
    // optional deps for other platforms are simply not there
    assert.deepEqual(byId(lock, 'node_modules/esbuild').dependencies, ['node_modules/@esbuild/linux-x64']);
    assert.deepEqual(byId(lock, 'node_modules/esbuild').dependencySpecs, { '@esbuild/darwin-arm64': '0.20.2', '@esbuild/linux-x64': '0.20.2' });
    assert.deepEqual(byId(lock, 'vendor/local-lib').dependencies, ['node_modules/left-pad', 'node_modules/tarball-dep']);
  });

  test('importers: the root and each workspace, every section, resolved to install ids', () => {
    assert.deepEqual(
      lock.importers.map((i) => i.path),
      ['', 'packages/app', 'packages/util'],
    );
    assert.deepEqual(lock.importers[0].dependencies, [
      { name: 'local-lib', spec: 'file:vendor/local-lib', section: 'dependencies', id: 'node_modules/local-lib' },
      { name: 'lodash', spec: '^4.17.21', section: 'dependencies', id: 'node_modules/lodash' },
      { name: 'typescript', spec: '^5.4.0', section: 'devDependencies', id: 'node_modules/typescript' },
    ]);
    assert.deepEqual(lock.importers[1].dependencies, [
      { name: '@mono/util', spec: '*', section: 'dependencies', id: 'node_modules/@mono/util' },
      { name: 'chalk', spec: '^4.1.0', section: 'dependencies', id: 'packages/app/node_modules/chalk' },
      { name: 'string-width-cjs', spec: 'npm:string-width@^4.2.0', section: 'dependencies', id: 'node_modules/string-width-cjs' },
      { name: 'lodash', spec: '^4.0.0', section: 'devDependencies', id: 'node_modules/lodash' },
      { name: 'react', spec: '^18.0.0', section: 'peerDependencies', id: 'node_modules/react' },
    ]);
    assert.deepEqual(lock.importers[2].dependencies, [
      { name: 'esbuild', spec: '^0.20.0', section: 'dependencies', id: 'node_modules/esbuild' },
      { name: 'fsevents', spec: '^2.3.0', section: 'optionalDependencies' },
    ]);
  });

  test('countInstalledPackages leaves out links, workspaces and directories', () => {
    assert.equal(countInstalledPackages(lock), 14);
  });
});

describe('npm lockfile v2', () => {
  const { text, lock } = load('npm-v2');
  test('reads `packages`, not the legacy `dependencies` tree', () => {
    assert.equal(lock.parsed, true);
    assert.equal(lock.lockfileVersion, 2);
    assert.deepEqual(lock.packages.map((p) => p.id), ['node_modules/debug', 'node_modules/ms', 'node_modules/wrap-ansi-cjs']);
    const alias = byId(lock, 'node_modules/wrap-ansi-cjs');
    assert.equal(alias.realName, 'wrap-ansi');
    assert.equal(alias.dev, true);
    assert.deepEqual(byId(lock, 'node_modules/debug').dependencies, ['node_modules/ms']);
    const json = JSON.parse(text);
    for (const p of lock.packages) assertSpan(text, p, p.id, json.packages[p.id]);
  });
});

describe('npm lockfile v1', () => {
  const { text, lock } = load('npm-v1');
  const json = JSON.parse(text);

  test('ids are the install paths of the nested tree', () => {
    assert.equal(lock.parsed, true);
    assert.equal(lock.lockfileVersion, 1);
    assert.deepEqual(lock.packages.map((p) => p.id), [
      'node_modules/bundler',
      'node_modules/bundler/node_modules/inner',
      'node_modules/debug',
      'node_modules/debug/node_modules/ms',
      'node_modules/fsevents',
      'node_modules/jest-lite',
      'node_modules/left-pad',
      'node_modules/local-lib',
      'node_modules/ms',
      'node_modules/string-width-cjs',
    ]);
  });

  test('spans of nested entries', () => {
    assertSpan(text, byId(lock, 'node_modules/debug'), 'debug', json.dependencies.debug);
    assertSpan(text, byId(lock, 'node_modules/debug/node_modules/ms'), 'ms', json.dependencies.debug.dependencies.ms);
    assertSpan(text, byId(lock, 'node_modules/bundler/node_modules/inner'), 'inner', json.dependencies.bundler.dependencies.inner);
  });

  test('requires give edges, resolved nested first', () => {
    assert.deepEqual(byId(lock, 'node_modules/debug').dependencies, ['node_modules/debug/node_modules/ms']);
    assert.deepEqual(byId(lock, 'node_modules/jest-lite').dependencies, ['node_modules/debug', 'node_modules/ms']);
    assert.deepEqual(byId(lock, 'node_modules/jest-lite').dependencySpecs, { debug: '^2.6.9', ms: '^2.1.0' });
  });

  test('aliases, bundled, git and file versions, flags', () => {
    const alias = byId(lock, 'node_modules/string-width-cjs');
    assert.equal(alias.realName, 'string-width');
    assert.equal(alias.version, '4.2.3');
    assert.equal(byId(lock, 'node_modules/bundler/node_modules/inner').inBundle, true);
    const git = byId(lock, 'node_modules/left-pad');
    assert.equal(git.source, 'git');
    assert.equal(git.resolved, 'git+https://github.com/acme/left-pad.git#0123456789abcdef0123456789abcdef01234567');
    assert.equal(byId(lock, 'node_modules/local-lib').source, 'directory');
    assert.equal(byId(lock, 'node_modules/jest-lite').dev, true);
    assert.equal(byId(lock, 'node_modules/fsevents').optional, true);
  });

  test('the root importer lists the top-level entries', () => {
    assert.equal(lock.importers.length, 1);
    assert.equal(lock.importers[0].path, '');
    assert.deepEqual(
      lock.importers[0].dependencies.map((d) => [d.name, d.id]),
      Object.keys(json.dependencies).map((n) => [n, `node_modules/${n}`]),
    );
    assert.equal(lock.importers[0].dependencies.find((d) => d.name === 'debug')?.spec, '2.6.9');
  });
});

describe('npm lockfile: damaged and odd files', () => {
  const parse = (text: string) => parseNpmLock('package-lock.json', text);

  test('a missing comma: parse error at line and column, entries before and after still read', () => {
    const lines = [
      '{',
      '  "lockfileVersion": 3,',
      '  "packages": {',
      '    "": { "name": "x" },',
      '    "node_modules/a": {',
      '      "version": "1.0.0"',
      '    }',
      '    "node_modules/b": {',
      '      "version": "2.0.0"',
      '    }',
      '  }',
      '}',
    ];
    const text = lines.join('\n');
    const lock = parse(text);
    assert.equal(lock.parsed, false);
    assert.equal(lock.parseErrors[0].message, "line 8, column 5: expected ','");
    assert.equal(lock.parseErrors[0].span.start, text.indexOf('"node_modules/b"'));
    assert.deepEqual(lock.packages.map((p) => [p.id, p.version]), [['node_modules/a', '1.0.0'], ['node_modules/b', '2.0.0']]);
    const b = byId(lock, 'node_modules/b');
    assert.equal(text.slice(b.keySpan!.start, b.keySpan!.end), '"node_modules/b"');
  });

  test('a truncated file keeps the complete entries', () => {
    const { text } = load('npm-v3-workspaces');
    const cut = text.slice(0, text.indexOf('"node_modules/lodash"') + 40);
    const lock = parse(cut);
    assert.equal(lock.parsed, false);
    assert.match(lock.parseErrors[0].message, /^line \d+, column \d+: /);
    assert.ok(lock.packages.some((p) => p.id === 'node_modules/esbuild' && p.hasInstallScript));
    assert.ok(lock.packages.some((p) => p.id === 'node_modules/lodash'));
  });

  test('an unknown lockfileVersion is an error with the reason, and the packages are still read', () => {
    const text = '{"lockfileVersion": 4, "packages": {"": {}, "node_modules/a": {"version": "1.0.0"}}}';
    const lock = parse(text);
    assert.equal(lock.parsed, false);
    assert.equal(lock.lockfileVersion, 4);
    assert.match(lock.parseErrors[0].message, /Unsupported lockfileVersion 4/);
    assert.equal(text.slice(lock.parseErrors[0].span.start, lock.parseErrors[0].span.end), '"lockfileVersion": 4');
    assert.deepEqual(lock.packages.map((p) => p.id), ['node_modules/a']);
  });

  test('a missing lockfileVersion is an error; a legacy tree is still read', () => {
    const lock = parse('{"dependencies": {"a": {"version": "1.0.0"}}}');
    assert.equal(lock.parsed, false);
    assert.match(lock.parseErrors[0].message, /lockfileVersion is missing/);
    assert.deepEqual(lock.packages.map((p) => p.id), ['node_modules/a']);
  });

  test('empty, whitespace-only, non-object and garbage files are parse errors, never exceptions', () => {
    for (const text of ['', '   \n', '[]', '42', 'null', 'not json', '{', '\uFEFF']) {
      const lock = parse(text);
      assert.equal(lock.parsed, false, JSON.stringify(text));
      assert.ok(lock.parseErrors.length > 0, JSON.stringify(text));
      assert.deepEqual(lock.packages, []);
    }
    assert.equal(parse('').parseErrors[0].message, 'The file is empty.');
  });

  test('a file that is nothing but errors gives a bounded list of them, quickly', () => {
    const text = '{' + ',]'.repeat(100_000);
    const lock = parse(text);
    assert.equal(lock.parsed, false);
    const syntaxErrors = lock.parseErrors.filter((e) => e.message.startsWith('line '));
    assert.ok(syntaxErrors.length >= 1 && syntaxErrors.length <= 20, `${syntaxErrors.length} syntax errors`);
    for (const e of lock.parseErrors) assert.ok(e.span.start <= e.span.end && e.span.end <= text.length);
  });

  test('a byte-order mark is skipped and offsets stay those of the text', () => {
    const text = '\uFEFF{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0"}}}';
    const lock = parse(text);
    assert.equal(lock.parsed, true);
    const a = byId(lock, 'node_modules/a');
    assert.equal(text.slice(a.keySpan!.start, a.keySpan!.end), '"node_modules/a"');
  });

  test('escaped keys and duplicate keys (the last wins, as in JSON.parse)', () => {
    const text = '{"lockfileVersion": 3, "packages": {"node_modules/\\u0061": {"version": "1.0.0"}, "node_modules/a": {"version": "2.0.0"}}}';
    const lock = parse(text);
    assert.deepEqual(lock.packages.map((p) => [p.id, p.version]), [['node_modules/a', '2.0.0']]);
    const a = byId(lock, 'node_modules/a');
    assert.equal(text.slice(a.span.start, a.span.end), '"node_modules/a": {"version": "2.0.0"}');
  });

  test('entries of the wrong type are skipped', () => {
    const lock = parse('{"lockfileVersion": 3, "packages": {"node_modules/a": 5, "node_modules/b": {"version": 7, "dependencies": {"a": 1}}}}');
    assert.deepEqual(lock.packages.map((p) => [p.id, p.version, p.dependencySpecs]), [['node_modules/b', '', undefined]]);
  });
});

// ---------------------------------------------------------------------------------------
// The real corpus (../shared/corpus/lockfiles, counts from its SOURCES.md).

interface Expected {
  dir: string;
  version: number;
  entries: number;
  distinct: number;
  names?: number;
  links: number;
  workspaces: number;
  hasInstallScript?: number;
  inBundle: number;
  optional: number;
  dev?: number;
  peer?: number;
  noIntegrity: number;
}

const EXPECTED: Expected[] = [
  { dir: 'theia-npm-v3', version: 3, entries: 2636, distinct: 2093, names: 1771, links: 106, workspaces: 106, hasInstallScript: 19, inBundle: 0, optional: 98, dev: 927, peer: 0, noIntegrity: 106 },
  { dir: 'npm-cli-npm-v3', version: 3, entries: 1273, distinct: 1023, names: 816, links: 16, workspaces: 16, hasInstallScript: 2, inBundle: 356, optional: 6, dev: 1030, peer: 164, noIntegrity: 179 },
  { dir: 'insomnia-npm-v2', version: 2, entries: 1345, distinct: 969, names: 839, links: 0, workspaces: 0, hasInstallScript: 2, inBundle: 0, optional: 24, dev: 1345, peer: 21, noIntegrity: 0 },
  { dir: 'npm-cli-npm-v1', version: 1, entries: 1009, distinct: 758, links: 0, workspaces: 0, inBundle: 158, optional: 4, noIntegrity: 158 },
];

const corpusMissing = existsSync(CORPUS) ? false : `corpus not found at ${CORPUS}`;

describe('npm corpus lockfiles', { skip: corpusMissing }, () => {
  for (const e of EXPECTED) {
    test(`${e.dir}: counts match SOURCES.md`, () => {
      const text = readFileSync(join(CORPUS, e.dir, 'package-lock.json'), 'utf8');
      const lock = parseNpmLock(`${e.dir}/package-lock.json`, text);
      const count = (f: (p: LockedPackage) => boolean) => lock.packages.filter(f).length;
      assert.equal(lock.parsed, true);
      assert.deepEqual(lock.parseErrors, []);
      assert.equal(lock.lockfileVersion, e.version);
      assert.equal(lock.packages.length, e.entries);
      assert.equal(countInstalledPackages(lock), e.distinct);
      if (e.names !== undefined) {
        assert.equal(new Set(lock.packages.filter((p) => p.source !== 'link' && p.source !== 'workspace').map((p) => p.name)).size, e.names);
      }
      assert.equal(count((p) => p.source === 'link'), e.links);
      assert.equal(count((p) => p.source === 'workspace'), e.workspaces);
      assert.equal(lock.importers.length, 1 + e.workspaces);
      if (e.hasInstallScript !== undefined) assert.equal(count((p) => p.hasInstallScript === true), e.hasInstallScript);
      assert.equal(count((p) => p.inBundle === true), e.inBundle);
      assert.equal(count((p) => p.optional === true), e.optional);
      if (e.dev !== undefined) assert.equal(count((p) => p.dev === true), e.dev);
      if (e.peer !== undefined) assert.equal(count((p) => p.peer === true), e.peer);
      assert.equal(count((p) => p.source !== 'link' && !p.integrity), e.noIntegrity);
      assert.equal(new Set(lock.packages.map((p) => p.id)).size, lock.packages.length, 'ids are unique');
    });

    test(`${e.dir}: every importer dependency and edge resolves (optional peers that are not installed aside)`, () => {
      const text = readFileSync(join(CORPUS, e.dir, 'package-lock.json'), 'utf8');
      const json = JSON.parse(text);
      const lock = parseNpmLock(`${e.dir}/package-lock.json`, text);
      const ids = new Map(lock.packages.map((p) => [p.id, p]));
      const unresolvedImporterDeps = lock.importers.flatMap((i) => i.dependencies.filter((d) => !d.id || !ids.has(d.id)).map((d) => `${i.path}:${d.name}`));
      assert.deepEqual(unresolvedImporterDeps, []);

      const missing: string[] = [];
      for (const p of lock.packages) {
        for (const id of p.dependencies) assert.ok(ids.has(id), `${p.id} -> ${id}`);
        if (p.source === 'link') {
          assert.equal(p.dependencies.length, 1, `link ${p.id} points to its folder`);
          continue;
        }
        const reached = new Set(p.dependencies.map((id) => ids.get(id)!.name));
        for (const name of Object.keys(p.dependencySpecs ?? {})) {
          if (reached.has(name)) continue;
          const entry = json.packages?.[p.id] ?? {};
          const optionalPeer = entry.peerDependencies?.[name] !== undefined && entry.peerDependenciesMeta?.[name]?.optional === true;
          if (!optionalPeer) missing.push(`${p.id} -> ${name}`);
        }
      }
      assert.deepEqual(missing, []);
    });

    test(`${e.dir}: resolved versions satisfy the ranges (overrides aside)`, () => {
      const dir = join(CORPUS, e.dir);
      const lock = parseNpmLock(`${e.dir}/package-lock.json`, readFileSync(join(dir, 'package-lock.json'), 'utf8'));
      const overrides = Object.keys(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).overrides ?? {});
      const ids = new Map(lock.packages.map((p) => [p.id, p]));
      let checked = 0;
      const wrong: string[] = [];
      for (const p of lock.packages) {
        if (p.source === 'link') continue;
        for (const id of p.dependencies) {
          const target = ids.get(id)!;
          const spec = p.dependencySpecs![target.name];
          const range = spec.startsWith('npm:') ? spec.slice(spec.indexOf('@', 5) + 1) : spec;
          if (target.source !== 'registry' || !semver.validRange(range)) continue;
          checked++;
          if (semver.satisfies(target.version, range, { includePrerelease: true })) continue;
          if (overrides.includes(target.name) || overrides.includes(p.name)) continue;
          wrong.push(`${p.id} ${target.name}@${spec} -> ${target.id}@${target.version}`);
        }
      }
      assert.ok(checked > 1000, `checked ${checked} edges`);
      assert.deepEqual(wrong, []);
    });
  }

  test('every entry span of theia slices back to its entry', () => {
    const text = readFileSync(join(CORPUS, 'theia-npm-v3', 'package-lock.json'), 'utf8');
    const json = JSON.parse(text);
    const lock = parseNpmLock('package-lock.json', text);
    for (const p of lock.packages) assertSpan(text, p, p.id, json.packages[p.id]);
  });

  test('truncated copies: parse error with a position, partial packages, no exception', () => {
    for (const e of EXPECTED) {
      const text = readFileSync(join(CORPUS, e.dir, 'package-lock.json'), 'utf8');
      for (const fraction of [0, 0.0001, 0.1, 0.37, 0.5, 0.83, 0.999]) {
        const cut = text.slice(0, Math.floor(text.length * fraction));
        const lock = parseNpmLock('package-lock.json', cut);
        assert.equal(lock.parsed, false, `${e.dir} cut at ${fraction}`);
        const err = lock.parseErrors[0];
        assert.ok(err.span.start >= 0 && err.span.start <= err.span.end && err.span.end <= cut.length, `${e.dir} cut at ${fraction}: error inside the text`);
        if (cut.trim() !== '') assert.match(err.message, /^line \d+, column \d+: /);
        if (fraction >= 0.5) assert.ok(lock.packages.length > e.entries * 0.3, `${e.dir} cut at ${fraction}: ${lock.packages.length} packages read`);
        for (const p of lock.packages) assert.ok(p.span.end <= cut.length);
      }
    }
  });

  test('random byte mutations never throw; when JSON.parse rejects the text, the error has a position', { timeout: 120_000 }, () => {
    for (const [dir, runs] of [['npm-cli-npm-v1', 20], ['npm-cli-npm-v3', 10], ['insomnia-npm-v2', 8], ['theia-npm-v3', 6]] as const) {
      const text = readFileSync(join(CORPUS, dir, 'package-lock.json'), 'utf8');
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat({ max: text.length - 1 }), fc.nat({ max: 8 }), fc.constantFrom('', '{', '}', '[', ']', ',', ':', '"', '\\', 'x', '\n', '0', '\u00e9', '\ud83d')), { minLength: 1, maxLength: 4 }),
          (edits) => {
            let mutated = text;
            for (const [at, len, insert] of edits) mutated = mutated.slice(0, at) + insert + mutated.slice(at + len);
            const lock = parseNpmLock('package-lock.json', mutated);
            let valid = true;
            try {
              JSON.parse(mutated);
            } catch {
              valid = false;
            }
            if (!valid) {
              assert.equal(lock.parsed, false);
              assert.match(lock.parseErrors[0].message, /^line \d+, column \d+: /);
              assert.ok(lock.parseErrors[0].span.start <= mutated.length);
            }
            for (const p of lock.packages) assert.ok(p.span.start <= p.span.end && p.span.end <= mutated.length);
          },
        ),
        { numRuns: runs, seed: 20261128 },
      );
    }
  });
});
