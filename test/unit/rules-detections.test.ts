/**
 * The detections of #12 item 6 on inline fixtures: remote-dynamic-dependency,
 * unknown-package, and typosquat's affix imitations judged by registry evidence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFiles } from '../../server/src/engine/scan';
import { defaultSettings, type Finding, type Settings, type SourceFile } from '../../server/src/engine/model';
import { reducePackument, revivePackument } from '../../server/src/engine/data/registry-client';
import { emptyRemoteData, type PackumentLookup, type RemoteData } from '../../server/src/engine/data/remote-data';
import { buildPackument, type FakePackage } from '../support/fake-registry';

const NOW = new Date('2026-11-28T12:00:00Z');
const PUBLIC = 'https://registry.npmjs.org/';
const OLD = { created: '2019-01-01T00:00:00.000Z' };
const PHANTOM_URL = 'http://packages.storeartifact.com/npm/unused-imports';

type Entry = FakePackage | { gone: 'not-found' | 'empty' | 'forbidden' };

function remoteData(entries: Record<string, Entry>): RemoteData {
  const remote = emptyRemoteData();
  for (const [name, e] of Object.entries(entries)) {
    const lookup: PackumentLookup =
      'gone' in e
        ? { status: 'gone', how: e.gone, registry: PUBLIC, fromCache: false }
        : { status: 'ok', packument: reducePackument(buildPackument(PUBLIC, name, e), name)!, registry: PUBLIC, fromCache: false };
    remote.packuments.set(name, lookup);
  }
  return remote;
}

function scan(files: SourceFile[], remote: RemoteData | undefined, settings: Partial<Settings> = {}) {
  return scanFiles(files, { remote, now: NOW, settings: { ...defaultSettings(), advisories: null, ...settings } });
}

function only(findings: Finding[], rule: string): Finding[] {
  return findings.filter((f) => f.rule === rule);
}

function textAt(files: SourceFile[], f: Finding): string {
  return files.find((x) => x.path === f.file)!.text.slice(f.span.start, f.span.end);
}

function manifest(deps: Record<string, string>): SourceFile {
  return { path: 'package.json', text: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: deps }, null, 2) };
}

/** A package-lock.json v3: each entry `name -> { version, ...fields }`, at the top level. */
function npmLock(entries: Record<string, Record<string, unknown>>, rootDeps: Record<string, string>): SourceFile {
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies: rootDeps } };
  for (const [name, e] of Object.entries(entries)) {
    packages[`node_modules/${name}`] = { resolved: `${PUBLIC}${name}/-/${name}-${e.version}.tgz`, integrity: 'sha512-AAAA', ...e };
  }
  return { path: 'package-lock.json', text: JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2) };
}

test('remote-dynamic-dependency: a URL dependency in the published manifest is an error on the lockfile entry, with the URL', () => {
  const files = [manifest({ 'eslint-comments': '^1.0.0' }), npmLock({ 'eslint-comments': { version: '1.0.0' } }, { 'eslint-comments': '^1.0.0' })];
  const remote = remoteData({ 'eslint-comments': { created: '2025-10-01T00:00:00.000Z', versions: { '1.0.0': { dependencies: { 'ui-styles-pkg': PHANTOM_URL } } } } });
  const f = only(scan(files, remote).findings, 'remote-dynamic-dependency');
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'error');
  assert.equal(textAt(files, f[0]), '"node_modules/eslint-comments"');
  assert.ok(f[0].message.includes(PHANTOM_URL), f[0].message);
  assert.match(f[0].message, /"ui-styles-pkg" from URL .* \(in its published manifest\)/);
  assert.deepEqual(f[0].evidence, [`depends on "ui-styles-pkg" from URL ${PHANTOM_URL}`]);
});

test('remote-dynamic-dependency: offline, the specs the lockfile records are enough; one finding when both say it', () => {
  const lock = npmLock(
    {
      evil: { version: '2.0.0', dependencies: { 'ui-styles-pkg': PHANTOM_URL, chalk: '^5.0.0' } },
      'ui-styles-pkg': { version: '1.0.0', resolved: PHANTOM_URL },
      chalk: { version: '5.0.0' },
    },
    { evil: '2.0.0' },
  );
  const files = [manifest({ evil: '2.0.0' }), lock];
  const offline = only(scan(files, undefined).findings, 'remote-dynamic-dependency');
  assert.equal(offline.length, 1);
  assert.equal(offline[0].package, 'evil');
  assert.match(offline[0].message, /\(in the lockfile\)/);
  const remote = remoteData({ evil: { ...OLD, versions: { '2.0.0': { dependencies: { 'ui-styles-pkg': PHANTOM_URL } } } }, chalk: { ...OLD, versions: { '5.0.0': {} } } });
  const online = only(scan(files, remote).findings, 'remote-dynamic-dependency');
  assert.equal(online.length, 1);
  assert.equal(online[0].evidence?.length, 1);
});

test('remote-dynamic-dependency: a second copy of name@version that records a remote source is reported, though the first copy records none', () => {
  // A lockfile edited by hand: the same name@version twice, only the nested copy pulling a URL.
  const lock = npmLock(
    {
      evil: { version: '2.0.0', dependencies: { chalk: '^5.0.0' } },
      x: { version: '1.0.0', dependencies: { evil: '2.0.0' } },
      'x/node_modules/evil': { version: '2.0.0', resolved: `${PUBLIC}evil/-/evil-2.0.0.tgz`, dependencies: { 'ui-styles-pkg': PHANTOM_URL } },
      chalk: { version: '5.0.0' },
    },
    { evil: '2.0.0', x: '1.0.0' },
  );
  const files = [manifest({ evil: '2.0.0', x: '1.0.0' }), lock];
  const f = only(scan(files, undefined).findings, 'remote-dynamic-dependency');
  assert.equal(f.length, 1);
  assert.equal(textAt(files, f[0]), '"node_modules/x/node_modules/evil"');
});

test('remote-dynamic-dependency: git, optional and peer sources count; registry ranges, aliases and registry tarballs do not', () => {
  const files = [manifest({ a: '1.0.0', b: '1.0.0', c: '1.0.0', clean: '1.0.0' })];
  const remote = remoteData({
    a: { ...OLD, versions: { '1.0.0': { dependencies: { fork: 'github:someone/fork' } } } },
    b: { ...OLD, versions: { '1.0.0': { optionalDependencies: { blob: 'https://cdn.example.com/blob.tgz' } } } },
    c: { ...OLD, versions: { '1.0.0': { peerDependencies: { react: '^18.0.0', theme: 'git+https://git.example.com/theme.git' } } } },
    clean: {
      ...OLD,
      versions: { '1.0.0': { dependencies: { x: '^1.0.0', y: 'npm:z@^2.0.0', w: 'latest', t: `${PUBLIC}t/-/t-1.0.0.tgz` }, peerDependencies: { react: '>=16' } } },
    },
  });
  const f = only(scan(files, remote).findings, 'remote-dynamic-dependency');
  assert.deepEqual(f.map((x) => x.package).sort(), ['a', 'b', 'c']);
  assert.match(f.find((x) => x.package === 'a')!.message, /"fork" from git /);
  assert.match(f.find((x) => x.package === 'c')!.message, /"theme" from git git\+https:\/\/git\.example\.com\/theme\.git/);
  // Without a lockfile the finding sits on the spec the version was chosen by.
  assert.equal(textAt(files, f[0]), '"1.0.0"');
});

test('remote-dynamic-dependency: the URL is attacker text, capped in the message', () => {
  const long = `https://evil.example.com/${'a'.repeat(10_000)}`;
  const files = [manifest({ a: '1.0.0' })];
  const remote = remoteData({ a: { ...OLD, versions: { '1.0.0': { dependencies: { payload: long } } } } });
  const [f] = only(scan(files, remote).findings, 'remote-dynamic-dependency');
  assert.ok(f.message.length < 1200, String(f.message.length));
  assert.match(f.message, /https:\/\/evil\.example\.com\/a+…/);
});

test('the packument keeps peer dependencies only where they leave the registry, also through the disk cache', () => {
  const raw = buildPackument(PUBLIC, 'c', { versions: { '1.0.0': { peerDependencies: { react: '^18', theme: 'user/theme' } } } });
  const p = reducePackument(raw, 'c')!;
  assert.deepEqual({ ...p.version('1.0.0')!.nonRegistryPeerDependencies }, { theme: 'user/theme' });
  const revived = revivePackument(JSON.parse(JSON.stringify(p)))!;
  assert.equal(Object.getPrototypeOf(revived.version('1.0.0')!.nonRegistryPeerDependencies), null);
});

test('unknown-package: a declared name the registry does not have says both stories, once, on the package.json name', () => {
  const files = [
    manifest({ 'corp-utils': '^1.0.0', 'was-removed': '1.0.0', 'taken-down': '1.0.0', 'real-one': '1.0.0', alias: 'npm:aliased-gone@^2.0.0' }),
    npmLock(
      { 'corp-utils': { version: '1.2.0' }, 'was-removed': { version: '1.0.0' }, 'taken-down': { version: '1.0.0' }, 'real-one': { version: '1.0.0' } },
      { 'corp-utils': '^1.0.0', 'was-removed': '1.0.0', 'taken-down': '1.0.0', 'real-one': '1.0.0' },
    ),
  ];
  const remote = remoteData({
    'corp-utils': { gone: 'not-found' },
    'was-removed': { gone: 'empty' },
    'taken-down': { gone: 'forbidden' },
    'aliased-gone': { gone: 'not-found' },
    'real-one': { ...OLD, versions: { '1.0.0': {} } },
  });
  const findings = scan(files, remote).findings;
  const unknown = only(findings, 'unknown-package');
  assert.deepEqual(unknown.map((f) => f.package).sort(), ['aliased-gone', 'corp-utils', 'was-removed']);
  for (const f of unknown) {
    assert.equal(f.severity, 'error');
    assert.equal(f.file, 'package.json');
    assert.match(f.message, /taken down/);
    assert.match(f.message, /anyone can publish a package of that name/);
    assert.match(f.message, /dependency confusion/);
  }
  assert.equal(textAt(files, unknown.find((f) => f.package === 'corp-utils')!), '"corp-utils"');
  assert.equal(textAt(files, unknown.find((f) => f.package === 'aliased-gone')!), '"npm:aliased-gone@^2.0.0"');
  assert.match(unknown.find((f) => f.package === 'corp-utils')!.message, /404/);
  // Not also a removal on the lockfile entry; a 403 takedown stays a removal.
  assert.deepEqual(only(findings, 'removed-from-registry').map((f) => f.package), ['taken-down']);
});

test('unknown-package: names a scoped registry claims, and the workspace\'s own scope, are not reported here', () => {
  const files = [
    manifest({ '@corp/private': '1.0.0', '@yarnco/lib': '1.0.0', '@mine/missing': '1.0.0', '@other/gone': '1.0.0' }),
    { path: 'packages/a/package.json', text: JSON.stringify({ name: '@mine/a', version: '1.0.0' }) },
    { path: '.npmrc', text: '@corp:registry=https://npm.corp.example/\n' },
    { path: '.yarnrc.yml', text: 'npmScopes:\n  yarnco:\n    npmRegistryServer: "https://yarn.corp.example"\n' },
  ];
  const remote = remoteData({ '@corp/private': { gone: 'not-found' }, '@yarnco/lib': { gone: 'not-found' }, '@mine/missing': { gone: 'not-found' }, '@other/gone': { gone: 'not-found' } });
  const findings = scan(files, remote).findings;
  assert.deepEqual(only(findings, 'unknown-package').map((f) => f.package), ['@other/gone']);
  assert.match(only(findings, 'unknown-package')[0].message, /map @other to your registry in \.npmrc/);
  // The own scope is dependency-confusion's, once.
  assert.deepEqual(only(findings, 'dependency-confusion').map((f) => f.package), ['@mine/missing']);
  assert.ok(!findings.some((f) => f.rule === 'unknown-package' && f.package === '@mine/missing'));
});

const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const YOUNG_RISKY: FakePackage = { created: daysAgo(5), versions: { '1.0.0': { time: daysAgo(5), npmUser: 'newcomer', scripts: { postinstall: 'node setup.js' } } } };

test('typosquat, affix imitations: reported only when the registry evidence agrees, and the message says which', () => {
  const files = [manifest({ 'axios-proxy': '1.0.0', 'trace-mapping': '1.0.0', lodas: '1.0.0', 'react-dom': '^18.0.0', 'react-router-extra': '^1.0.0', 'fake-axios': '1.0.0' })];
  const remote = remoteData({
    'axios-proxy': YOUNG_RISKY,
    'trace-mapping': YOUNG_RISKY,
    lodas: YOUNG_RISKY,
    // Popular itself: never an imitation.
    'react-dom': { created: daysAgo(3000), versions: { '18.0.0': { repository: 'facebook/react' } } },
    // An honest neighbour: established, with a repository.
    'react-router-extra': { created: daysAgo(2000), versions: { '1.0.0': { repository: 'x/y' }, '1.1.0': { repository: 'x/y' }, '1.2.0': { repository: 'x/y' }, '1.3.0': { repository: 'x/y' } } },
    // Young and new, but with a repository and no install script: two signals are not enough.
    'fake-axios': { created: daysAgo(5), versions: { '1.0.0': { repository: 'someone/fake-axios' } } },
  });
  const f = only(scan(files, remote).findings, 'typosquat');
  assert.deepEqual(f.map((x) => x.package).sort(), ['axios-proxy', 'lodas', 'trace-mapping']);
  const axios = f.find((x) => x.package === 'axios-proxy')!;
  assert.equal(axios.severity, 'warning');
  assert.equal(
    axios.message,
    '"axios-proxy" looks like an imitation of the popular package "axios" (added word "-proxy"), and the registry agrees: first published 5 days before today, 1 version on the registry, no repository field in 1.0.0, runs an install script (postinstall: node setup.js).',
  );
  assert.ok(axios.evidence?.includes('Registry: runs an install script (postinstall: node setup.js).'));
  assert.match(f.find((x) => x.package === 'trace-mapping')!.message, /"@jridgewell\/trace-mapping"/);
  assert.match(f.find((x) => x.package === 'lodas')!.message, /"lodash" \(last letter "h" dropped\)/);
  // Without registry data the names alone say nothing.
  assert.equal(only(scan(files, undefined).findings, 'typosquat').length, 0);
});

test('typosquat, affix imitations: a publisher who never published the popular package counts, when the scan has its data', () => {
  const files = [manifest({ 'axios-proxy': '1.0.0', axios: '^1.0.0' })];
  const axios: FakePackage = { created: daysAgo(4000), maintainers: ['jasonsaayman'], versions: { '1.0.0': { npmUser: 'jasonsaayman', repository: 'axios/axios' } } };
  const withRepo: FakePackage = { created: daysAgo(5), versions: { '1.0.0': { time: daysAgo(5), npmUser: 'newcomer', repository: 'newcomer/axios-proxy' } } };
  const [f] = only(scan(files, remoteData({ 'axios-proxy': withRepo, axios })).findings, 'typosquat');
  assert.ok(f, 'young, one version, another publisher');
  assert.match(f.message, /published by "newcomer", who never published "axios"/);
  const same: FakePackage = { ...withRepo, versions: { '1.0.0': { ...withRepo.versions['1.0.0'], npmUser: 'jasonsaayman' } } };
  assert.equal(only(scan(files, remoteData({ 'axios-proxy': same, axios })).findings, 'typosquat').length, 0);
});
