import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fetchRemoteData } from '../../server/src/engine/data/fetch-remote';
import { createCache } from '../../server/src/engine/data/cache';
import { buildProject } from '../../server/src/engine/project';
import { scanFiles } from '../../server/src/engine/scan';
import { defaultSettings, type Settings, type SourceFile } from '../../server/src/engine/model';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { startFakeOsv, type FakeOsv } from '../support/fake-osv';

let reg: FakeRegistry;
let priv: FakeRegistry;
let osv: FakeOsv;
const NOW = new Date('2026-11-28T12:00:00Z');

before(async () => {
  [reg, priv, osv] = await Promise.all([startFakeRegistry(), startFakeRegistry(), startFakeOsv()]);
  reg.addPackage('left-pad', { versions: { '1.0.0': { repository: 'github:a/b' }, '1.3.0': { repository: 'github:a/b' } } });
  reg.addPackage('chalk', { versions: { '5.0.0': { repository: 'github:c/c' }, '5.6.1': { repository: 'github:c/c' } } });
  reg.addPackage('ranged', { versions: { '1.0.0': {}, '1.4.0': {}, '2.0.0': {} }, distTags: { latest: '2.0.0' } });
  reg.addPackage('@acme/secret', { versions: { '1.0.0': {} } });
  priv.addPackage('@acme/secret', { versions: { '1.0.0': { repository: 'git+https://git.acme.example/secret.git' } } });
  osv.addRecord({ id: 'MAL-2025-0042', name: 'chalk', versions: ['5.6.1'] });
  osv.addRecord({ id: 'GHSA-ranged', name: 'ranged', introduced: '1.0.0', fixed: '1.5.0', severity: 'MODERATE' });
});
after(async () => {
  await Promise.all([reg.close(), priv.close(), osv.close()]);
});

function lockfileText(packages: Record<string, { version: string; resolved: string }>): string {
  const root: Record<string, unknown> = { name: 'app', version: '1.0.0', dependencies: Object.fromEntries(Object.keys(packages).map((n) => [n, '*'])) };
  const entries: Record<string, unknown> = { '': root };
  for (const [name, p] of Object.entries(packages)) entries[`node_modules/${name}`] = { version: p.version, resolved: p.resolved, integrity: 'sha512-AAAA' };
  return JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: entries }, null, 2);
}

/** A project with a lockfile at the root and a workspace-less package.json in tools/ (no lockfile of its own). */
function projectFiles(): SourceFile[] {
  const privHost = new URL(priv.url).host;
  const tarball = (base: string, name: string, v: string) => `${base}${name}/-/${name.split('/').pop()}-${v}.tgz`;
  return [
    { path: 'package.json', text: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'left-pad': '*', chalk: '*', '@acme/secret': '*' } }, null, 2) },
    {
      path: 'package-lock.json',
      text: lockfileText({
        'left-pad': { version: '1.3.0', resolved: tarball(reg.url, 'left-pad', '1.3.0') },
        chalk: { version: '5.6.1', resolved: tarball(reg.url, 'chalk', '5.6.1') },
        '@acme/secret': { version: '1.0.0', resolved: tarball(priv.url, '@acme/secret', '1.0.0') },
      }),
    },
    { path: '.npmrc', text: `@acme:registry=${priv.url}\n` },
  ];
}

/** The token lives in the user's own .npmrc: a project .npmrc supplies no credentials (issue #10). */
function userNpmrc(): string[] {
  return [`//${new URL(priv.url).host}/:_authToken=\${ACME_TOKEN}\n`];
}

function settingsFor(overrides: Partial<Settings> = {}): Settings {
  // The loopback registry stands in for the public one: say so (nothing is public by assumption).
  return { ...defaultSettings(), registry: reg.url, publicRegistries: [reg.url], advisories: osv.url, ...overrides };
}

function counts() {
  return { registry: reg.requests.length, private: priv.requests.length, osv: osv.requests.length };
}

test('cold scan: one request per name; warm re-scan from the disk cache: none at all', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'depwarden-fetch-'));
  try {
    const files = projectFiles();
    const project = buildProject(files, { outerNpmrc: userNpmrc(), env: { ACME_TOKEN: 'tok-123' } });
    const start = counts();
    const remote = await fetchRemoteData(project, settingsFor(), { cache: createCache(dir) });
    const cold = counts();
    assert.equal(cold.registry - start.registry, 2, 'left-pad and chalk from the public registry');
    assert.equal(cold.private - start.private, 1, '@acme/secret from its own registry');
    assert.equal(new Set(reg.requests.slice(start.registry).map((r) => r.name)).size, 2);
    assert.equal(remote.requests, cold.registry - start.registry + cold.private - start.private + cold.osv - start.osv);

    const result = scanFiles(files, { settings: settingsFor(), remote, now: NOW, env: { ACME_TOKEN: 'tok-123' } });
    const malware = result.findings.filter((f) => f.rule === 'known-malware');
    assert.deepEqual(malware.map((f) => [f.file, f.package, f.version]), [['package-lock.json', 'chalk', '5.6.1']]);
    assert.equal(result.findings.filter((f) => f.rule === 'lookup-incomplete').length, 0);

    // A new process: new cache object on the same folder, new project object.
    const warmProject = buildProject(files, { outerNpmrc: userNpmrc(), env: { ACME_TOKEN: 'tok-123' } });
    const warm = await fetchRemoteData(warmProject, settingsFor(), { cache: createCache(dir) });
    assert.deepEqual(counts(), cold);
    assert.equal(warm.requests, 0);
    const again = scanFiles(files, { settings: settingsFor(), remote: warm, now: NOW, env: { ACME_TOKEN: 'tok-123' } });
    assert.deepEqual(
      again.findings.map((f) => `${f.rule} ${f.file} ${f.package}`),
      result.findings.map((f) => `${f.rule} ${f.file} ${f.package}`),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a private-scope name never reaches the advisory API nor the public registry; its token only its own host', async () => {
  const files = projectFiles();
  const project = buildProject(files, { outerNpmrc: userNpmrc(), env: { ACME_TOKEN: 'tok-123' } });
  const start = counts();
  await fetchRemoteData(project, settingsFor(), {});
  const publicNames = reg.requests.slice(start.registry).map((r) => r.name);
  assert.ok(publicNames.length > 0);
  assert.ok(!publicNames.some((n) => n.includes('acme')), publicNames.join());
  assert.ok(reg.requests.slice(start.registry).every((r) => r.headers.authorization === undefined));
  const osvBodies = osv.requests.slice(start.osv).map((r) => r.body).join('\n');
  assert.ok(osvBodies.includes('chalk'), 'the advisory API was asked about public names');
  assert.ok(!osvBodies.includes('acme'), 'the private name was sent to the advisory API');
  const privReqs = priv.requests.slice(start.private);
  assert.deepEqual(privReqs.map((r) => [r.path, r.headers.authorization]), [['/@acme%2fsecret', 'Bearer tok-123']]);
});

test('package.json without a lockfile is judged at the version its range resolves to', async () => {
  const files: SourceFile[] = [{ path: 'package.json', text: JSON.stringify({ name: 'lib', dependencies: { ranged: '^1.0.0' } }, null, 2) }];
  const project = buildProject(files);
  const remote = await fetchRemoteData(project, settingsFor(), {});
  const result = scanFiles(files, { settings: settingsFor(), remote, now: NOW });
  const vuln = result.findings.find((f) => f.rule === 'known-vulnerability');
  assert.ok(vuln, JSON.stringify(result.findings.map((f) => f.rule)));
  assert.equal(vuln.version, '1.4.0');
  assert.equal(vuln.file, 'package.json');
  const text = files[0].text;
  assert.equal(text.slice(vuln.span.start, vuln.span.end), '"^1.0.0"');
  assert.match(vuln.message, /fixed in 1\.5\.0/i);
});

test('offline with an empty cache: no request, local findings intact, lookup-incomplete once per file', async () => {
  const files = projectFiles();
  const project = buildProject(files, { outerNpmrc: userNpmrc(), env: { ACME_TOKEN: 'tok-123' } });
  const start = counts();
  const remote = await fetchRemoteData(project, settingsFor({ offline: true }), {});
  assert.deepEqual(counts(), start);
  const result = scanFiles(files, { settings: settingsFor({ offline: true }), remote, now: NOW, env: { ACME_TOKEN: 'tok-123' } });
  const incomplete = result.findings.filter((f) => f.rule === 'lookup-incomplete');
  assert.equal(incomplete.length, 1);
  assert.equal(incomplete[0].file, 'package-lock.json');
  assert.match(incomplete[0].message, /3 packages/);
  assert.match(incomplete[0].message, /offline/);
  // The local rules still ran (the lockfile parser reports at least the file's packages).
  assert.equal(result.files.find((f) => f.path === 'package-lock.json')?.packages, 3);
  assert.equal(result.findings.filter((f) => f.rule === 'known-malware').length, 0);
});

test('a registry that fails is reported as lookup-incomplete with the HTTP status, never as clean', async () => {
  reg.fault('chalk', { kind: 'status', status: 500 });
  osv.fault('querybatch', { kind: 'status', status: 503 });
  try {
    const files = projectFiles();
    const project = buildProject(files, { outerNpmrc: userNpmrc(), env: { ACME_TOKEN: 'tok-123' } });
    const remote = await fetchRemoteData(project, settingsFor(), { http: { retries: 0 } });
    const result = scanFiles(files, { settings: settingsFor(), remote, now: NOW, env: { ACME_TOKEN: 'tok-123' } });
    const incomplete = result.findings.filter((f) => f.rule === 'lookup-incomplete');
    assert.equal(incomplete.length, 1);
    assert.match(incomplete[0].message, /registry: HTTP 500 \(1\)/);
    assert.match(incomplete[0].message, /advisories: HTTP 503 \(2\)/);
    // The private package is not missing advisories: it is never sent there by design.
    assert.match(incomplete[0].message, /for 2 packages/);
  } finally {
    reg.clearFaults();
    osv.fault('querybatch', { kind: 'status', status: 503 }, 0);
  }
});

test('IOC entries become known-malware even with advisories off and the registry unreachable', async () => {
  const files = projectFiles();
  const project = buildProject(files, { outerNpmrc: userNpmrc(), env: { ACME_TOKEN: 'tok-123' } });
  const settings = settingsFor({ advisories: null, offline: true });
  const remote = await fetchRemoteData(project, settings, { iocs: new Map([['left-pad', new Set(['1.3.0'])]]) });
  const result = scanFiles(files, { settings, remote, now: NOW, env: { ACME_TOKEN: 'tok-123' } });
  const malware = result.findings.filter((f) => f.rule === 'known-malware');
  assert.deepEqual(malware.map((f) => `${f.package}@${f.version}`), ['left-pad@1.3.0']);
  assert.match(malware[0].message, /indicator-of-compromise/);
});

test('progress is reported per looked-up name; offline with nothing cached, all at once', async () => {
  const files = projectFiles();
  const seen: string[] = [];
  await fetchRemoteData(buildProject(files), settingsFor({ advisories: null }), { onProgress: (p) => seen.push(`${p.done}/${p.total}`) });
  assert.deepEqual(seen, ['0/3', '1/3', '2/3', '3/3']);
  seen.length = 0;
  await fetchRemoteData(buildProject(files), settingsFor({ offline: true }), { onProgress: (p) => seen.push(`${p.done}/${p.total}`) });
  assert.deepEqual(seen, ['0/3', '3/3']);
});

test('offline, a cache holding some packuments answers for those and says offline for the rest', async () => {
  const files = projectFiles();
  const project = buildProject(files, { outerNpmrc: userNpmrc(), env: { ACME_TOKEN: 'tok-123' } });
  const cache = createCache();
  // Filled online (advisories off), then read offline: the fast path for an empty cache must not apply.
  const online = await fetchRemoteData(project, settingsFor({ advisories: null }), { cache });
  const looked = [...online.packuments].filter(([, l]) => l.status === 'ok').map(([n]) => n);
  assert.ok(looked.length > 0);
  const offline = await fetchRemoteData(project, settingsFor({ offline: true }), { cache });
  for (const name of looked) assert.equal(offline.packuments.get(name)?.status, 'ok', name);
  // Advisories were never cached: each one is missing as offline, none is "no advisories".
  assert.ok(offline.advisories.size > 0);
  for (const [key, a] of offline.advisories) assert.deepEqual(a, { status: 'error', reason: 'offline' }, key);
});
