import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProject, type Project } from '../../server/src/engine/project';
import { buildGraph } from '../../server/src/engine/graph';
import { attachYarnImporters } from '../../server/src/engine/lockfile/yarn-importers';
import { defaultSettings, type Finding, type Importer, type LockedPackage, type Lockfile, type Settings } from '../../server/src/engine/model';
import type { Rule } from '../../server/src/engine/rules/context';
import { lockfileHost, parseRegistryTarball } from '../../server/src/engine/rules/lockfile-host';
import { insecureUrl } from '../../server/src/engine/rules/insecure-url';
import { lockfileIntegrity } from '../../server/src/engine/rules/lockfile-integrity';
import { lockfileNameMismatch } from '../../server/src/engine/rules/lockfile-name-mismatch';
import { lockfileDrift } from '../../server/src/engine/rules/lockfile-drift';
import { installScript } from '../../server/src/engine/rules/install-script';
import { nonRegistrySource } from '../../server/src/engine/rules/non-registry-source';
import { RULES } from '../../server/src/engine/rules';
import { scanFiles } from '../../server/src/engine/scan';
import { emptyRemoteData } from '../../server/src/engine/data/remote-data';
import { fixEdits } from '../../server/src/engine/fixes/fix-edits';
import { packumentFromRecords } from '../../server/src/engine/data/packument';

// ------------------------------------------------------------ helpers

let nextOffset = 0;
/** A locked package with distinct spans, so a test can tell which entry a finding sits on. */
function pkg(p: Partial<LockedPackage> & { name: string; version: string }): LockedPackage {
  const start = (nextOffset += 100);
  return {
    id: p.id ?? `node_modules/${p.name}`,
    source: 'registry',
    resolved: registryUrl(p.realName ?? p.name, p.version),
    integrity: 'sha512-AAAA',
    span: { start, end: start + 90 },
    keySpan: { start, end: start + 10 },
    dependencies: [],
    ...p,
  };
}

function registryUrl(name: string, version: string, base = 'https://registry.npmjs.org/'): string {
  const file = name.slice(name.indexOf('/') + 1);
  return `${base}${name}/-/${file}-${version}.tgz`;
}

function lock(packages: LockedPackage[], importers?: Importer[], extra: Partial<Lockfile> = {}): Lockfile {
  return {
    path: 'package-lock.json',
    format: 'npm',
    lockfileVersion: 3,
    parsed: true,
    parseErrors: [],
    packages,
    importers: importers ?? [{ path: '', dependencies: packages.map((p) => ({ name: p.name, spec: p.version, id: p.id })) }],
    ...extra,
  };
}

/** A project from real package.json/.npmrc/config texts plus hand-built lockfiles. */
function projectWith(files: Record<string, string>, lockfiles: Lockfile[]): Project {
  const project = buildProject(Object.entries(files).map(([path, text]) => ({ path, text })));
  for (const l of lockfiles) {
    project.lockfiles.push(l);
    project.graphs.set(l.path, buildGraph(l));
  }
  return project;
}

function run(rule: Rule, project: Project, settings: Partial<Settings> = {}): Finding[] {
  return rule.run({ project, settings: { ...defaultSettings(), ...settings }, now: new Date('2026-11-28T00:00:00Z') });
}

const manifest = (deps: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'app', version: '1.0.0', dependencies: deps, ...extra }, null, 2);

// ------------------------------------------------------------ lockfile-host

test('parseRegistryTarball reads names and versions from registry-shaped URLs', () => {
  assert.deepEqual(parseRegistryTarball('https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz'), {
    host: 'registry.npmjs.org',
    base: 'https://registry.npmjs.org/',
    name: 'lodash',
    file: 'lodash-4.17.21',
    version: '4.17.21',
  });
  const scoped = parseRegistryTarball('https://registry.yarnpkg.com/@babel/core/-/core-7.0.0-beta.4.tgz#0123456789abcdef0123456789abcdef01234567');
  assert.equal(scoped?.name, '@babel/core');
  assert.equal(scoped?.version, '7.0.0-beta.4');
  const encoded = parseRegistryTarball('https://npm.corp.example/artifactory/api/npm/npm/@corp%2fui/-/ui-2.0.0.tgz');
  assert.equal(encoded?.name, '@corp/ui');
  assert.equal(encoded?.base, 'https://npm.corp.example/artifactory/api/npm/npm/');
  assert.equal(encoded?.version, '2.0.0');
  assert.equal(parseRegistryTarball('https://codeload.github.com/user/repo/tar.gz/abc123'), undefined);
  assert.equal(parseRegistryTarball('git+ssh://git@github.com/user/repo.git#abc'), undefined);
  assert.equal(parseRegistryTarball('https://x.example/-/x-1.tgz'), undefined, 'no name segment');
  assert.equal(parseRegistryTarball('https://x.example/@scope/-/x-1.tgz'), undefined, 'a scope alone is no name');
  const query = parseRegistryTarball('https://x.example/a/b/-/b-1.0.0.tgz?token=1');
  assert.deepEqual([query?.base, query?.name, query?.version], ['https://x.example/a/', 'b', '1.0.0']);
});

test('lockfile-host: npm registry and its yarn alias are fine, another host is an error on the entry', () => {
  const good = pkg({ name: 'lodash', version: '4.17.21' });
  const yarnHost = pkg({ name: 'chalk', version: '5.0.0', resolved: registryUrl('chalk', '5.0.0', 'https://registry.yarnpkg.com/') });
  const evil = pkg({ name: 'debug', version: '4.3.4', resolved: registryUrl('debug', '4.3.4', 'https://evil.example.com/') });
  const l = lock([good, yarnHost, evil]);
  const findings = run(lockfileHost, projectWith({ 'package.json': manifest() }, [l]));
  assert.equal(findings.length, 1);
  const f = findings[0];
  assert.equal(f.rule, 'lockfile-host');
  assert.equal(f.severity, 'error');
  assert.equal(f.package, 'debug');
  assert.equal(f.version, '4.3.4');
  assert.equal(f.file, 'package-lock.json');
  assert.deepEqual(f.span, evil.keySpan);
  assert.deepEqual(f.via, ['debug']);
  assert.match(f.message, /evil\.example\.com/);
  assert.match(f.message, /registry\.npmjs\.org/);
});

test('lockfile-host: the registry .npmrc maps to a scope is the only one allowed for that scope', () => {
  const npmrc = '@corp:registry=https://npm.corp.example/\n';
  const scopedPublic = pkg({ name: '@corp/ui', version: '1.0.0' }); // from registry.npmjs.org: confusion
  const scopedPrivate = pkg({ name: '@corp/api', version: '1.0.0', resolved: registryUrl('@corp/api', '1.0.0', 'https://npm.corp.example/') });
  const unscopedPrivate = pkg({ name: 'left-pad', version: '1.3.0', resolved: registryUrl('left-pad', '1.3.0', 'https://npm.corp.example/') });
  const findings = run(lockfileHost, projectWith({ 'package.json': manifest(), '.npmrc': npmrc }, [lock([scopedPublic, scopedPrivate, unscopedPrivate])]));
  assert.deepEqual(findings.map((f) => f.package).sort(), ['@corp/ui', 'left-pad']);
  const ui = findings.find((f) => f.package === '@corp/ui')!;
  assert.match(ui.message, /registry\.npmjs\.org, which is not the registry configured for it \(npm\.corp\.example\)/);
});

test('lockfile-host: an .npmrc registry that cannot be read (unset variable) names no host, so nothing is reported', () => {
  const l = lock([pkg({ name: 'a', version: '1.0.0', resolved: registryUrl('a', '1.0.0', 'https://npm.internal.example/') })]);
  const project = projectWith({ 'package.json': manifest(), '.npmrc': 'registry=${NPM_REGISTRY_URL}\n' }, [l]);
  assert.equal(project.npmrc.registry, '${NPM_REGISTRY_URL}/');
  assert.deepEqual(run(lockfileHost, project), []);
});

test('lockfile-host: settings.allowedHosts and the registry setting widen the allowed set', () => {
  const mirror = pkg({ name: 'a', version: '1.0.0', resolved: registryUrl('a', '1.0.0', 'https://mirror.example/npm/') });
  const other = pkg({ name: 'b', version: '1.0.0', resolved: registryUrl('b', '1.0.0', 'https://proxy.example:8443/') });
  const project = projectWith({ 'package.json': manifest() }, [lock([mirror, other])]);
  assert.equal(run(lockfileHost, project).length, 2);
  assert.deepEqual(run(lockfileHost, project, { allowedHosts: ['mirror.example'] }).map((f) => f.package), ['b']);
  assert.deepEqual(run(lockfileHost, project, { allowedHosts: ['https://mirror.example/'], registry: 'https://proxy.example:8443/' }), []);
});

test('lockfile-host: git sources are left to non-registry-source, but a registry-shaped tarball on a git host is not', () => {
  const git = pkg({ name: 'g', version: '1.0.0', source: 'git', resolved: 'git+ssh://git@github.com/u/g.git#abc' });
  const snapshot = pkg({ name: 's', version: '1.0.0', source: 'tarball', resolved: 'https://codeload.github.com/u/s/tar.gz/0123abc' });
  const disguised = pkg({ name: 'd', version: '1.0.0', resolved: 'https://codeload.github.com/d/-/d-1.0.0.tgz' });
  const findings = run(lockfileHost, projectWith({ 'package.json': manifest() }, [lock([git, snapshot, disguised])]));
  assert.deepEqual(findings.map((f) => f.package), ['d']);
});

test('lockfile-host: a tarball URL that package.json declares is intended; an undeclared one is not', () => {
  const declared = pkg({ name: 'x', version: '1.0.0', source: 'tarball', resolved: 'https://example.com/x.tgz' });
  const sneaky = pkg({ name: 'y', version: '1.0.0', source: 'tarball', resolved: 'https://example.com/y.tgz' });
  const project = projectWith({ 'package.json': manifest({ x: 'https://example.com/x.tgz' }) }, [lock([declared, sneaky])]);
  assert.deepEqual(run(lockfileHost, project).map((f) => f.package), ['y']);
});

// ------------------------------------------------------------ insecure-url (lockfile half)

test('insecure-url: http and git: resolved URLs in the lockfile are errors; localhost and https are not', () => {
  const http = pkg({ name: 'h', version: '1.0.0', resolved: registryUrl('h', '1.0.0', 'http://registry.npmjs.org/') });
  const git = pkg({ name: 'g', version: '1.0.0', source: 'git', resolved: 'git://github.com/u/g.git#abc' });
  const local = pkg({ name: 'l', version: '1.0.0', resolved: registryUrl('l', '1.0.0', 'http://localhost:4873/') });
  const ok = pkg({ name: 'ok', version: '1.0.0' });
  const findings = run(insecureUrl, projectWith({ 'package.json': manifest() }, [lock([http, git, local, ok])]));
  assert.deepEqual(findings.map((f) => `${f.package}:${f.severity}`).sort(), ['g:error', 'h:error']);
  assert.deepEqual(findings.find((f) => f.package === 'h')!.span, http.keySpan);
  assert.match(findings.find((f) => f.package === 'g')!.message, /git:/);
});

// ------------------------------------------------------------ lockfile-integrity

test('lockfile-integrity: a missing hash is a warning on its entry; SHA-1-only entries are one info per lockfile', () => {
  const missing = pkg({ name: 'missing', version: '1.0.0', integrity: undefined });
  const sha1 = pkg({ name: 'sha1', version: '1.0.0', integrity: 'sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=' });
  const yarnSha1 = pkg({ name: 'yarn-sha1', version: '1.0.0', integrity: undefined, resolved: registryUrl('yarn-sha1', '1.0.0') + '#da39a3ee5e6b4b0d3255bfef95601890afd80709' });
  const both = pkg({ name: 'both', version: '1.0.0', integrity: 'sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk= sha512-AAAA' });
  const berry = pkg({ name: 'berry', version: '1.0.0', integrity: '10c0/4f5b0e7c1d' });
  const tarball = pkg({ name: 'tarball', version: '1.0.0', source: 'tarball', resolved: 'https://example.com/t.tgz', integrity: undefined });
  const skipped = [
    pkg({ name: 'link', version: '1.0.0', source: 'link', integrity: undefined }),
    pkg({ name: 'ws', version: '1.0.0', source: 'workspace', integrity: undefined }),
    pkg({ name: 'dir', version: '1.0.0', source: 'directory', integrity: undefined }),
    pkg({ name: 'git', version: '1.0.0', source: 'git', integrity: undefined, resolved: 'git+https://github.com/u/g.git#abc' }),
    pkg({ name: 'bundled', version: '1.0.0', inBundle: true, integrity: undefined }),
  ];
  const findings = run(lockfileIntegrity, projectWith({ 'package.json': manifest() }, [lock([missing, sha1, yarnSha1, both, berry, tarball, ...skipped])]));
  const warnings = findings.filter((f) => f.severity === 'warning');
  assert.deepEqual(warnings.map((f) => f.package).sort(), ['missing', 'tarball']);
  assert.match(warnings.find((f) => f.package === 'missing')!.message, /no integrity hash.*npm records one for every registry package/);
  assert.match(warnings.find((f) => f.package === 'tarball')!.message, /every URL dependency/);
  assert.deepEqual(warnings.find((f) => f.package === 'missing')!.span, missing.keySpan);
  const infos = findings.filter((f) => f.severity === 'info');
  assert.equal(infos.length, 1, 'one finding for every SHA-1-only entry of the lockfile');
  const [weak] = infos;
  assert.match(weak.message, /^2 entries in package-lock\.json are checked only with SHA-1, which can be forged \(sha1@1\.0\.0, yarn-sha1@1\.0\.0\)/);
  assert.match(weak.message, /Re-lock to get sha512/);
  // Not looked up on the registry: both causes are named.
  assert.match(weak.message, /Either npm keeps the integrity an entry already has.*or the registry has only SHA-1/);
  assert.deepEqual(weak.span, sha1.keySpan, 'shown on the first such entry');
  assert.equal(weak.package, undefined, 'about the lockfile, not one package: nothing to mirror onto package.json');
  assert.deepEqual(weak.evidence, ['sha1@1.0.0: sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=', `yarn-sha1@1.0.0: ${yarnSha1.resolved}`]);
});

test('lockfile-integrity: the registry tells which cause it is, and many entries are counted, not listed', () => {
  const entries = Array.from({ length: 12 }, (_, i) => pkg({ name: `old${i}`, version: '1.0.0', integrity: 'sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=' }));
  const l = lock(entries, undefined, { path: 'yarn.lock', format: 'yarn-classic', lockfileVersion: 1 });
  const project = projectWith({ 'package.json': manifest() }, [l]);
  const remote = emptyRemoteData();
  const version = (integrity: string | undefined) => ({ version: '1.0.0', hasRepository: true, hasBin: false, hasProvenance: false, strongIntegrity: integrity?.startsWith('sha512-') });
  entries.forEach((p, i) => {
    if (i === 11) return; // never looked up
    const integrity = i < 9 ? 'sha512-BBBB' : i < 10 ? 'sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=' : undefined;
    remote.packuments.set(p.name, { status: 'ok', registry: 'https://registry.npmjs.org/', fromCache: false, packument: packumentFromRecords({ name: p.name, distTags: { latest: '1.0.0' }, versions: { '1.0.0': version(integrity) } }) });
  });
  const findings = lockfileIntegrity.run({ project, settings: defaultSettings(), now: new Date('2026-11-28T00:00:00Z'), remote });
  assert.equal(findings.length, 1);
  const [f] = findings;
  assert.equal(f.severity, 'info');
  assert.match(f.message, /^12 entries in yarn\.lock are checked only with SHA-1, which can be forged \(old0@1\.0\.0, old1@1\.0\.0, old2@1\.0\.0 and 9 more\)/);
  assert.match(f.message, /The registry has sha512 for 9: yarn classic keeps the hash it recorded when an entry was first locked/);
  assert.match(f.message, /2 have only SHA-1 on the registry too \(versions published before npm added sha512 hashes in 2017\)/);
  assert.match(f.message, /For 1 not looked up on the registry: either/);
  assert.match(f.message, /Re-lock to get sha512: delete these entries from the lockfile and run `yarn install`/);
  assert.match(f.message, /Only a newer version/);
  assert.equal(f.evidence!.length, 9, 'eight entries and a count of the rest');
  assert.equal(f.evidence![0], 'old0@1.0.0: sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk= (the registry has sha512)');
  assert.equal(f.evidence![8], '… and 4 more');
});

test('lockfile-integrity: a yarn classic URL dependency with only its #sha1 fragment is not blamed on its age', () => {
  // As yarn 1.22.22 writes it (test/fixtures/fresh-lockfiles/yarn1/app/yarn.lock), although the registry has sha512 for left-pad 1.3.0.
  const yarnLock = [
    '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.',
    '# yarn lockfile v1',
    '',
    '',
    '"left-pad@https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz":',
    '  version "1.3.0"',
    '  resolved "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz#5b8a3a7765dfe001261dde915589e782f8c94d1e"',
    '',
  ].join('\n');
  const files = [
    { path: 'package.json', text: manifest({ 'left-pad': 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz' }) },
    { path: 'yarn.lock', text: yarnLock },
  ];
  const remote = emptyRemoteData();
  remote.packuments.set('left-pad', { status: 'ok', registry: 'https://registry.npmjs.org/', fromCache: false, packument: packumentFromRecords({ name: 'left-pad', distTags: { latest: '1.3.0' }, versions: { '1.3.0': { hasRepository: true, strongIntegrity: true } } }) });
  const f = scanFiles(files, { remote, now: new Date('2026-11-28T00:00:00Z') }).findings.filter((x) => x.rule === 'lockfile-integrity');
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'info');
  assert.match(f[0].message, /It is a URL dependency, for which yarn classic writes only the `#sha1` fragment of `resolved`, whatever the registry has\. Depend on the registry version instead of its tarball URL\./);
  assert.doesNotMatch(f[0].message, /2017/);
});

// ------------------------------------------------------------ lockfile-name-mismatch

test('lockfile-name-mismatch: the name in the tarball URL must be the entry name (or the alias target)', () => {
  const swapped = pkg({ name: 'lodash', version: '4.17.21', resolved: registryUrl('lodash-evil', '4.17.21') });
  const alias = pkg({ name: 'my-react', realName: 'react', version: '18.2.0' });
  const aliasWrong = pkg({ name: 'my-vue', realName: 'vue', version: '3.0.0', resolved: registryUrl('my-vue', '3.0.0') });
  const scoped = pkg({ name: '@babel/core', version: '7.24.0' });
  const custom = pkg({ name: '@corp/ui', version: '2.0.0', resolved: 'https://npm.corp.example/artifactory/api/npm/npm/@corp%2fui/-/ui-2.0.0.tgz' });
  const customWrong = pkg({ name: '@corp/api', version: '2.0.0', resolved: 'https://npm.corp.example/repo/@corp/ui/-/ui-2.0.0.tgz' });
  const findings = run(lockfileNameMismatch, projectWith({ 'package.json': manifest() }, [lock([swapped, alias, aliasWrong, scoped, custom, customWrong])]));
  const byName = new Map(findings.map((f) => [f.package, f]));
  assert.deepEqual([...byName.keys()].sort(), ['@corp/api', 'lodash', 'my-vue']);
  assert.equal(byName.get('lodash')!.severity, 'error');
  assert.match(byName.get('lodash')!.message, /"lodash-evil"/);
  assert.match(byName.get('my-vue')!.message, /alias of vue/);
  assert.deepEqual(byName.get('lodash')!.span, swapped.keySpan);
});

test('lockfile-name-mismatch: the version in the tarball file name must be the entry version', () => {
  const older = pkg({ name: 'express', version: '4.19.2', resolved: registryUrl('express', '4.18.0') });
  const foreignFile = pkg({ name: 'qs', version: '6.0.0', resolved: 'https://registry.npmjs.org/qs/-/evil-6.0.0.tgz' });
  const build = pkg({ name: 'b', version: '1.0.0+build.5', resolved: registryUrl('b', '1.0.0') });
  const pre = pkg({ name: 'p', version: '2.0.0-rc.1' });
  const findings = run(lockfileNameMismatch, projectWith({ 'package.json': manifest() }, [lock([older, foreignFile, build, pre])]));
  assert.deepEqual(findings.map((f) => f.package).sort(), ['express', 'qs']);
  assert.match(findings.find((f) => f.package === 'express')!.message, /version 4\.18\.0/);
  assert.match(findings.find((f) => f.package === 'qs')!.message, /evil-6\.0\.0\.tgz/);
});

// ------------------------------------------------------------ lockfile-drift

test('lockfile-drift: a locked version outside the range, and a dependency missing from the lockfile', () => {
  const text = manifest({ lodash: '^4.17.21', chalk: '^5.0.0', missing: '^1.0.0', gitdep: 'github:u/r', alias: 'npm:react@^18.0.0' });
  const lodash = pkg({ name: 'lodash', version: '4.17.20' });
  const chalk = pkg({ name: 'chalk', version: '5.3.0' });
  const gitdep = pkg({ name: 'gitdep', version: '0.0.0-development', source: 'git' });
  const alias = pkg({ name: 'alias', realName: 'react', version: '17.0.2' });
  const l = lock([lodash, chalk, gitdep, alias]);
  const project = projectWith({ 'package.json': text }, [l]);
  const findings = run(lockfileDrift, project);
  const byName = new Map(findings.map((f) => [f.package, f]));
  assert.deepEqual([...byName.keys()].sort(), ['alias', 'lodash', 'missing']);
  for (const f of findings) {
    assert.equal(f.file, 'package.json');
    assert.equal(f.severity, 'warning');
  }
  const lo = byName.get('lodash')!;
  assert.equal(text.slice(lo.span.start, lo.span.end), '"^4.17.21"');
  assert.equal(lo.version, '4.17.20');
  assert.deepEqual(lo.also, [{ file: 'package-lock.json', span: lodash.keySpan }]);
  const mi = byName.get('missing')!;
  assert.equal(text.slice(mi.span.start, mi.span.end), '"missing"');
  assert.match(mi.message, /not in package-lock\.json/);
  assert.match(byName.get('alias')!.message, /17\.0\.2/);
});

test('lockfile-drift: an alias locked to another package, and an importer entry package.json no longer declares', () => {
  const text = JSON.stringify({ name: 'app', dependencies: { a: 'npm:real-a@^1.0.0' }, devDependencies: { t: '^1.0.0' } }, null, 2);
  const a = pkg({ name: 'a', realName: 'other-a', version: '1.0.0' });
  const t = pkg({ name: 't', version: '1.2.0' });
  const gone = pkg({ name: 'gone', version: '2.0.0' });
  const peer = pkg({ name: 'peerish', version: '1.0.0' });
  const l = lock([a, t, gone, peer], [
    {
      path: '',
      dependencies: [
        { name: 'a', spec: 'npm:real-a@^1.0.0', section: 'dependencies', id: a.id },
        { name: 't', spec: '^1.0.0', section: 'devDependencies', id: t.id },
        { name: 'gone', spec: '^2.0.0', section: 'devDependencies', id: gone.id },
        { name: 'peerish', spec: '*', section: 'peerDependencies', id: peer.id },
      ],
    },
  ]);
  const findings = run(lockfileDrift, projectWith({ 'package.json': text }, [l]));
  assert.deepEqual(findings.map((f) => f.package).sort(), ['a', 'gone']);
  assert.match(findings.find((f) => f.package === 'a')!.message, /asks for real-a.*locks other-a@1\.0\.0/);
  const g = findings.find((f) => f.package === 'gone')!;
  assert.equal(text.slice(g.span.start, g.span.end), '"devDependencies"');
  assert.equal(g.version, '2.0.0');
  assert.match(g.message, /no longer declares it/);
});

test('lockfile-drift: workspaces are checked against their own importer; npm v1 and partial lockfiles are not over-reported', () => {
  const root = JSON.stringify({ name: 'root', workspaces: ['packages/*'], dependencies: { a: '^1.0.0' } }, null, 2);
  const ws = JSON.stringify({ name: 'ws', dependencies: { b: '^2.0.0', c: '^1.0.0' } }, null, 2);
  const a = pkg({ name: 'a', version: '1.5.0' });
  const b = pkg({ name: 'b', id: 'node_modules/b', version: '1.9.0' });
  const hoisted = pkg({ name: 'hoisted', version: '1.0.0' });
  const importers: Importer[] = [
    { path: '', dependencies: [{ name: 'a', spec: '^1.0.0', id: a.id }] },
    { path: 'packages/ws', dependencies: [{ name: 'b', spec: '^2.0.0', id: b.id }] },
  ];
  const files = { 'package.json': root, 'packages/ws/package.json': ws };
  const findings = run(lockfileDrift, projectWith(files, [lock([a, b, hoisted], importers)]));
  assert.deepEqual(findings.map((f) => `${f.file}:${f.package}`).sort(), ['packages/ws/package.json:b', 'packages/ws/package.json:c']);

  // npm v1: the root importer holds every hoisted package; only manifest-side checks apply.
  const v1 = lock([a, hoisted], [{ path: '', dependencies: [{ name: 'a', spec: '1.5.0', id: a.id }, { name: 'hoisted', spec: '1.0.0', id: hoisted.id }] }], { lockfileVersion: 1 });
  assert.deepEqual(run(lockfileDrift, projectWith({ 'package.json': manifest({ a: '^1.0.0' }) }, [v1])), []);

  const partial = lock([], [{ path: '', dependencies: [] }], { parsed: false, parseErrors: [{ message: 'truncated', span: { start: 10, end: 11 } }] });
  assert.deepEqual(run(lockfileDrift, projectWith({ 'package.json': manifest({ a: '^1.0.0' }) }, [partial])), []);
});

test('lockfile-drift: yarn classic is checked through its "name@spec" descriptors', () => {
  const text = manifest({ lodash: '^4.17.0', react: '^18.0.0' });
  const lodash = pkg({ name: 'lodash', id: 'lodash@4.17.21', version: '4.17.21' });
  const react = pkg({ name: 'react', id: 'react@17.0.2', version: '17.0.2' });
  const l = lock([lodash, react], [], {
    path: 'yarn.lock',
    format: 'yarn-classic',
    lockfileVersion: 1,
    descriptors: new Map([
      ['lodash@^4.17.0', lodash.id],
      ['react@^17.0.0', react.id],
    ]),
  });
  const project = projectWith({ 'package.json': text }, [l]);
  attachYarnImporters(project); // what buildProject does for yarn classic lockfiles it parses
  const findings = run(lockfileDrift, project);
  assert.deepEqual(findings.map((f) => f.package), ['react']);
  assert.match(findings[0].message, /not in yarn\.lock/);
});

test('lockfile-drift: a yarn classic workspace depending on a sibling workspace is not missing from yarn.lock', () => {
  const root = JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }, null, 2);
  const a = JSON.stringify({ name: '@x/a', version: '1.0.0', dependencies: { '@x/b': '1.0.0', lodash: '^4.0.0' } }, null, 2);
  const b = JSON.stringify({ name: '@x/b', version: '1.0.0' }, null, 2);
  const l = lock([], [], { path: 'yarn.lock', format: 'yarn-classic', lockfileVersion: 1, descriptors: new Map() });
  const project = projectWith({ 'package.json': root, 'packages/a/package.json': a, 'packages/b/package.json': b }, [l]);
  attachYarnImporters(project);
  assert.deepEqual(run(lockfileDrift, project).map((f) => `${f.file}:${f.package}`), ['packages/a/package.json:lodash']);
});

test('lockfile-integrity: yarn berry platform packages (conditions:) carry no checksum until fetched', () => {
  const text = `"@esbuild/aix-ppc64@npm:0.28.1":\n  version: 0.28.1\n  resolution: "@esbuild/aix-ppc64@npm:0.28.1"\n  conditions: os=aix & cpu=ppc64\n  languageName: node\n  linkType: hard\n\n"left-pad@npm:1.3.0":\n  version: 1.3.0\n  resolution: "left-pad@npm:1.3.0"\n  languageName: node\n  linkType: hard\n`;
  const split = text.indexOf('"left-pad');
  const cond = pkg({ name: '@esbuild/aix-ppc64', version: '0.28.1', integrity: undefined, resolved: undefined, span: { start: 0, end: split } });
  const plain = pkg({ name: 'left-pad', version: '1.3.0', integrity: undefined, resolved: undefined, span: { start: split, end: text.length } });
  const project = projectWith({ 'package.json': manifest() }, []);
  project.texts.set('yarn.lock', text);
  const l = lock([cond, plain], [], { path: 'yarn.lock', format: 'yarn-berry', lockfileVersion: 8 });
  project.lockfiles.push(l);
  project.graphs.set(l.path, buildGraph(l));
  assert.deepEqual(run(lockfileIntegrity, project).map((f) => f.package), ['left-pad']);
});

// ------------------------------------------------------------ non-registry-source (lockfile half)

test('non-registry-source: transitive git, foreign tarballs and paths outside the workspace, once per package', () => {
  const text = manifest({ direct: 'github:u/direct', parent: '^1.0.0' });
  const direct = pkg({ name: 'direct', version: '1.0.0', source: 'git', resolved: 'git+ssh://git@github.com/u/direct.git#abc' });
  const child = pkg({ name: 'child', id: 'node_modules/child', version: '2.0.0', source: 'git', resolved: 'git+https://github.com/u/child.git#def' });
  const parent = pkg({ name: 'parent', version: '1.0.0', dependencies: ['node_modules/child', 'node_modules/tgz', 'node_modules/outside', 'node_modules/inside', 'node_modules/regtgz'] });
  const tgz = pkg({ name: 'tgz', version: '1.0.0', source: 'tarball', resolved: 'https://example.com/tgz-1.0.0.tgz' });
  const regtgz = pkg({ name: 'regtgz', version: '1.0.0', source: 'tarball' });
  const outside = pkg({ name: 'outside', version: '1.0.0', source: 'file', resolved: 'file:../../elsewhere/outside-1.0.0.tgz' });
  const inside = pkg({ name: 'inside', version: '1.0.0', source: 'directory', resolved: 'file:vendor/inside' });
  const importers: Importer[] = [{ path: '', dependencies: [{ name: 'direct', spec: 'github:u/direct', id: direct.id }, { name: 'parent', spec: '^1.0.0', id: parent.id }] }];
  const l = lock([direct, child, parent, tgz, regtgz, outside, inside], importers);
  const findings = run(nonRegistrySource, projectWith({ 'package.json': text }, [l]));
  const got = findings.map((f) => `${f.file}:${f.package}`).sort();
  assert.deepEqual(got, ['package-lock.json:child', 'package-lock.json:outside', 'package-lock.json:tgz', 'package.json:direct']);
  const c = findings.find((f) => f.package === 'child')!;
  assert.deepEqual(c.via, ['parent', 'child']);
  assert.deepEqual(c.span, child.keySpan);
  assert.match(findings.find((f) => f.package === 'outside')!.message, /outside the workspace/);
});

// ------------------------------------------------------------ install-script

test('install-script offline: the lockfile flag is info, with a concrete allowScripts edit when npm would run it', () => {
  const text = manifest({ esbuild: '^0.19.0', sharp: '^0.33.0' }, { packageManager: 'npm@11.6.0', allowScripts: { sharp: false } });
  const esbuild = pkg({ name: 'esbuild', version: '0.19.2', hasInstallScript: true });
  const sharp = pkg({ name: 'sharp', version: '0.33.1', hasInstallScript: true });
  const plain = pkg({ name: 'plain', version: '1.0.0' });
  const findings = run(installScript, projectWith({ 'package.json': text }, [lock([esbuild, sharp, plain])]));
  const byName = new Map(findings.map((f) => [f.package, f]));
  assert.deepEqual([...byName.keys()].sort(), ['esbuild', 'sharp']);
  const e = byName.get('esbuild')!;
  // Without registry data the lockfile's flag is a hint only (#12): info, still with the fix.
  assert.equal(e.severity, 'info');
  assert.match(e.message, /hasInstallScript; not confirmed by the registry \(no registry data \(offline\)\)/);
  assert.match(e.message, /npm would run it/);
  assert.deepEqual(e.span, esbuild.keySpan);
  assert.equal(e.fixes.length, 1);
  assert.equal(e.fixes[0].kind, 'deny-scripts');
  const edited = applyEdits(text, fixEdits(e.fixes[0])!);
  assert.deepEqual(JSON.parse(edited).allowScripts, { sharp: false, esbuild: false });
  const s = byName.get('sharp')!;
  assert.equal(s.severity, 'info');
  assert.match(s.message, /would not run it: package\.json allowScripts denies it/);
  assert.deepEqual(s.fixes, []);
});

test('install-script: pnpm requiresBuild follows onlyBuiltDependencies; workspaces are not reported', () => {
  const l = lock(
    [
      pkg({ name: 'esbuild', id: '/esbuild@0.19.2', version: '0.19.2', hasInstallScript: true }),
      pkg({ name: 'core-js', id: '/core-js@3.0.0', version: '3.0.0', hasInstallScript: true }),
      pkg({ name: 'my-ws', id: 'packages/my-ws', version: '1.0.0', source: 'workspace', hasInstallScript: true }),
    ],
    undefined,
    { path: 'pnpm-lock.yaml', format: 'pnpm', lockfileVersion: '9.0' },
  );
  const files = {
    'package.json': manifest({}, { packageManager: 'pnpm@10.4.1' }),
    'pnpm-workspace.yaml': 'packages:\n  - packages/*\nonlyBuiltDependencies:\n  - esbuild\n',
  };
  const findings = run(installScript, projectWith(files, [l]));
  // Offline both are hints (info); the policy verdict still tells them apart.
  assert.deepEqual(findings.map((f) => `${f.package}:${f.severity}`).sort(), ['core-js:info', 'esbuild:info']);
  assert.match(findings.find((f) => f.package === 'esbuild')!.message, /requiresBuild; not confirmed by the registry.*pnpm would run it/);
  assert.match(findings.find((f) => f.package === 'core-js')!.message, /pnpm would not run it/);
  assert.equal(findings.find((f) => f.package === 'esbuild')!.fixes[0]?.kind, 'deny-scripts');
});

// ------------------------------------------------------------ registration and the scan pipeline

test('every lockfile rule is registered exactly once', () => {
  // install-script has a second, registry half under the same id, so count the rule objects.
  for (const rule of [lockfileHost, lockfileIntegrity, lockfileNameMismatch, lockfileDrift, installScript, nonRegistrySource, insecureUrl]) {
    assert.equal(RULES.filter((r) => r === rule).length, 1, rule.id);
  }
});

// Real npm 11 entries (taken from the theia corpus lockfile), tampered with the way an
// injected lockfile would be: ws moved to another host, debug's tarball swapped for an
// older version, ms's integrity dropped; package.json adds a dependency never locked.
const REAL_LOCK = `{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "app",
      "version": "1.0.0",
      "dependencies": {
        "@google/genai": "^1.52.0",
        "debug": "^4.4.0"
      }
    },
    "node_modules/@google/genai": {
      "version": "1.52.0",
      "resolved": "https://registry.npmjs.org/@google/genai/-/genai-1.52.0.tgz",
      "integrity": "sha512-gwSvbpiN/17O9TbsqSsE/OzZcpv5Fo4RQjdngGgogtuB9RsyJ8ZHhX5KjHj1bp5N9snN2eK8LDGXSaWW2hof8Q==",
      "hasInstallScript": true,
      "license": "Apache-2.0",
      "dependencies": {
        "ws": "^8.18.0"
      },
      "engines": {
        "node": ">=20.0.0"
      }
    },
    "node_modules/debug": {
      "version": "4.4.3",
      "resolved": "https://registry.npmjs.org/debug/-/debug-4.4.2.tgz",
      "integrity": "sha512-RGwwWnwQvkVfavKVt22FGLw+xYSdzARwm0ru6DhTVA3umU5hZc28V3kO4stgYryrTlLpuvgI9GiijltAjNbcqA==",
      "license": "MIT",
      "dependencies": {
        "ms": "^2.1.3"
      }
    },
    "node_modules/ms": {
      "version": "2.1.3",
      "resolved": "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz",
      "license": "MIT"
    },
    "node_modules/ws": {
      "version": "8.21.3",
      "resolved": "https://evil.example.com/ws/-/ws-8.21.3.tgz",
      "integrity": "sha512-201TZ/kPWxoPr/OKWjquZR1SWKXcvxdH+e1xrx89b3YbmzLMFCLfnaG1HFIgWzJOEWZ7MvpK++odZufgYR50Rw==",
      "license": "MIT",
      "engines": {
        "node": ">=10.0.0"
      }
    }
  }
}
`;
const REAL_MANIFEST = `{
  "name": "app",
  "version": "1.0.0",
  "packageManager": "npm@11.6.2",
  "dependencies": {
    "@google/genai": "^1.52.0",
    "debug": "^4.4.0",
    "left-pad": "^1.3.0"
  }
}
`;

test('a real package-lock.json through the npm parser and scanFiles: each tampering found on its entry, attributed to package.json', () => {
  const { findings, files } = scanFiles(
    [
      { path: 'package.json', text: REAL_MANIFEST },
      { path: 'package-lock.json', text: REAL_LOCK },
    ],
    { now: new Date('2026-11-28T00:00:00Z') },
  );
  const lockReport = files.find((f) => f.path === 'package-lock.json')!;
  if (!lockReport.parsed) return assert.fail(`the npm parser did not read the fixture: ${lockReport.error}`);
  const mine = new Set(['lockfile-host', 'lockfile-integrity', 'lockfile-name-mismatch', 'lockfile-drift', 'install-script', 'non-registry-source', 'insecure-url']);
  const text = (f: Finding) => (f.file === 'package.json' ? REAL_MANIFEST : REAL_LOCK).slice(f.span.start, f.span.end);
  const got = findings.filter((f) => mine.has(f.rule)).map((f) => `${f.rule}|${f.severity}|${f.file}|${text(f)}|${(f.via ?? []).join('>')}`);
  assert.deepEqual(got.sort(), [
    // Offline: the lockfile's hasInstallScript is a hint the registry did not confirm (#12).
    'install-script|info|package-lock.json|"node_modules/@google/genai"|@google/genai',
    'lockfile-drift|warning|package.json|"left-pad"|left-pad',
    'lockfile-host|error|package-lock.json|"node_modules/ws"|@google/genai>ws',
    'lockfile-integrity|warning|package-lock.json|"node_modules/ms"|debug>ms',
    'lockfile-name-mismatch|error|package-lock.json|"node_modules/debug"|debug',
  ]);
  const host = findings.find((f) => f.rule === 'lockfile-host')!;
  assert.equal(host.also?.length, 1);
  assert.equal(REAL_MANIFEST.slice(host.also![0].span.start, host.also![0].span.end), '"@google/genai"');
  const script = findings.find((f) => f.rule === 'install-script')!;
  assert.match(script.message, /npm 11 runs install scripts that allowScripts does not deny/);
  const edited = JSON.parse(applyEdits(REAL_MANIFEST, fixEdits(script.fixes[0])!));
  assert.deepEqual(edited.allowScripts, { '@google/genai': false });
});

function applyEdits(text: string, edits: { span: { start: number; end: number }; newText: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.span.start - a.span.start)) out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.end);
  return out;
}


test('satisfiesRange: the fast path for plain versions agrees with semver', async () => {
  const { satisfiesRange } = await import('../../server/src/engine/rules/lockfile-drift');
  const semver = (await import('semver')).default;
  const versions = ['0.0.1', '0.0.2', '0.1.0', '0.1.5', '0.2.0', '1.0.0', '1.2.3', '1.2.4', '1.3.0', '2.0.0', '10.0.0'];
  const ranges = ['0.0.1', '^0.0.1', '~0.0.1', '^0.1.0', '~0.1.0', '^0.1.2', '^1.2.3', '~1.2.3', '1.2.3', '=1.2.3', 'v1.2.3', '^1.0.0', '~1.3.0', '^2.0.0', '^10.0.0'];
  for (const v of versions) {
    for (const r of ranges) {
      assert.equal(satisfiesRange(v, r), semver.satisfies(v, r, { loose: true, includePrerelease: true }), `${v} in ${r}`);
    }
  }
  assert.equal(satisfiesRange('1.2.3', '>=1 <2'), true);
  assert.equal(satisfiesRange('2.0.0-rc.1', '^1.0.0'), false);
  assert.equal(satisfiesRange('0.0.0-development', 'github:u/r'), true, 'not a range: nothing to compare');
});
