/**
 * Issue 10, rows 7 and 14 (engine and editor half): registry- and file-chosen strings
 * are bounded and inert where they reach the user, and a version the registry or an
 * advisory chooses is offered as a fix only when it is a plain semver version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver';
import { scanFiles, type ScanResult } from '../../server/src/engine/scan';
import { buildProject } from '../../server/src/engine/project';
import { defaultSettings, type Finding, type SourceFile } from '../../server/src/engine/model';
import { reducePackument } from '../../server/src/engine/data/registry-client';
import { emptyRemoteData, type Advisory, type RemoteData } from '../../server/src/engine/data/remote-data';
import { attachStandardFixes } from '../../server/src/engine/fixes/standard-fixes';
import { findingsToDiagnostics } from '../../server/src/lsp/diagnostics';
import { codeActionsFor } from '../../server/src/lsp/code-actions';
import { PositionMapper } from '../../server/src/lsp/positions';
import { cleanText, isPlainVersion, LIMITS, stripControl, truncate } from '../../server/src/engine/text/untrusted';
import { buildPackument, type FakePackage } from '../support/fake-registry';

const NOW = new Date('2026-11-28T12:00:00Z');
const PUBLIC = 'https://registry.npmjs.org/';
const OLD = '2019-01-01T00:00:00.000Z';
const URL_VERSION = 'https://evil.example/payload.tgz';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function remote(packages: Record<string, FakePackage>, advisories: Record<string, Advisory[]> = {}): RemoteData {
  const r = emptyRemoteData();
  for (const [name, p] of Object.entries(packages)) {
    r.packuments.set(name, { status: 'ok', packument: reducePackument(buildPackument(PUBLIC, name, p), name)!, registry: PUBLIC, fromCache: false });
  }
  r.advisoriesEnabled = true;
  for (const [key, list] of Object.entries(advisories)) r.advisories.set(key, { status: 'ok', advisories: list });
  return r;
}

/** package.json + package-lock.json installing each name at its version. */
function locked(pkgs: Record<string, string>, spec = (v: string) => `^${v}`): SourceFile[] {
  const deps = Object.fromEntries(Object.entries(pkgs).map(([n, v]) => [n, spec(v)]));
  const entries: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies: deps } };
  for (const [n, v] of Object.entries(pkgs)) entries[`node_modules/${n}`] = { version: v, resolved: `${PUBLIC}${n}/-/${n}-${v}.tgz`, integrity: 'sha512-AAAA' };
  return [
    { path: 'package.json', text: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: deps }, null, 2) },
    { path: 'package-lock.json', text: JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages: entries }, null, 2) },
  ];
}

function scan(files: SourceFile[], data: RemoteData): ScanResult {
  return scanFiles(files, { remote: data, now: NOW, settings: { ...defaultSettings() } });
}

const versionFixes = (fs: Finding[]) => fs.flatMap((f) => f.fixes).filter((x) => x.kind === 'pin' || x.kind === 'upgrade');

test('stripControl makes C0, DEL, C1, line breaks and bidi controls visible escapes; plain text and other Unicode pass', () => {
  assert.equal(stripControl('a\x1b[31mb\x07c'), 'a\\x1b[31mb\\x07c');
  assert.equal(stripControl('x\ny\r\tz\x7f\x9b\x85'), 'x\\ny\\r\\tz\\x7f\\x9b\\x85');
  assert.equal(stripControl('l\u202eR\u2066i\u2069\u2028'), 'l\\u202eR\\u2066i\\u2069\\u2028');
  assert.equal(stripControl('héllo → 日本 🎉 "quoted" \\ back'), 'héllo → 日本 🎉 "quoted" \\ back');
});

test('truncate caps with an ellipsis and never splits a surrogate pair; cleanText is bounded even for escape-heavy input', () => {
  assert.equal(truncate('abcdef', 6), 'abcdef');
  assert.equal(truncate('abcdefg', 6), 'abcde…');
  assert.equal(truncate('abcd🎉x', 6), 'abcd…');
  assert.equal(truncate('abcd🎉xy', 7), 'abcd🎉…');
  const hostile = '\x1b'.repeat(5_000_000);
  const out = cleanText(hostile, 100);
  assert.equal(out.length, 100);
  assert.ok(out.endsWith('…'));
  assert.ok(!CONTROL.test(out));
  assert.equal(cleanText('short', 100), 'short');
});

test('isPlainVersion: semver versions as npm writes them, nothing else', () => {
  for (const v of ['1.0.0', '0.0.1-security', '2.0.0-rc.1', '1.2.3+build.7', '10.20.30-alpha-1.x']) assert.ok(isPlainVersion(v), v);
  for (const v of [URL_VERSION, 'v1.0.0', '=1.0.0', ' 1.0.0', '1.0.0 ', '1.0.0 || http://x', '^1.0.0', 'latest', '1.0', '', `1.0.0-${'a'.repeat(300)}`, '1.0.0\n']) {
    assert.ok(!isPlainVersion(v), JSON.stringify(v));
  }
  assert.ok(!isPlainVersion(undefined));
});

test('deprecated: a dist-tag `latest` that is a URL is not offered as the version to upgrade to', () => {
  const files = locked({ lib: '1.0.0' });
  const data = remote(
    { lib: { distTags: { latest: URL_VERSION }, versions: { '1.0.0': { time: OLD, repository: 'x/y', deprecated: 'old' }, [URL_VERSION]: { time: OLD, repository: 'x/y' } } } },
    { 'lib@1.0.0': [] },
  );
  const r = scan(files, data);
  const dep = r.findings.filter((f) => f.rule === 'deprecated');
  assert.equal(dep.length, 1, 'the finding stays');
  assert.deepEqual(versionFixes(dep), []);
  assert.ok(!r.findings.some((f) => f.fixes.some((x) => x.title.includes('evil.example'))));

  // The same packument with a real latest does get the upgrade.
  const good = scan(files, remote({ lib: { distTags: { latest: '2.0.0' }, versions: { '1.0.0': { time: OLD, repository: 'x/y', deprecated: 'old' }, '2.0.0': { time: OLD, repository: 'x/y' } } } }, { 'lib@1.0.0': [] }));
  assert.deepEqual(versionFixes(good.findings.filter((f) => f.rule === 'deprecated')).map((x) => x.version), ['2.0.0']);
});

test('known-vulnerability: an advisory `fixed` that is not a version gives no upgrade and no "Fixed in" text', () => {
  const files = locked({ lib: '1.0.0' });
  const adv = (id: string, fixed: string): Advisory => ({ id, aliases: [], summary: 's', malware: false, severity: 'high', fixed });
  const pkgs = { lib: { versions: { '1.0.0': { time: OLD, repository: 'x/y' } } } };
  for (const list of [[adv('GHSA-1', URL_VERSION)], [adv('GHSA-1', '1.0.5'), adv('GHSA-2', URL_VERSION)], [adv('GHSA-1', URL_VERSION), adv('GHSA-2', '1.0.5')]]) {
    const r = scan(files, remote(pkgs, { 'lib@1.0.0': list }));
    const f = r.findings.filter((x) => x.rule === 'known-vulnerability');
    assert.equal(f.length, 1, `the finding stays (${r.ruleErrors.map((e) => e.message).join()})`);
    assert.deepEqual(versionFixes(f), []);
    assert.ok(!f[0].message.includes(URL_VERSION), f[0].message);
  }
  const ok = scan(files, remote(pkgs, { 'lib@1.0.0': [adv('GHSA-1', '1.0.5'), adv('GHSA-2', '1.0.7')] }));
  assert.deepEqual(versionFixes(ok.findings.filter((x) => x.rule === 'known-vulnerability')).map((x) => x.version), ['1.0.7']);
});

test('attachStandardFixes drops pin and upgrade fixes whose version is not a plain version, whichever rule made them', () => {
  const text = '{\n  "dependencies": {\n    "lib": "^1.0.0"\n  }\n}\n';
  const project = buildProject([{ path: 'package.json', text }]);
  const dep = project.manifests[0].dependencies[0];
  const finding = (version: string): Finding => ({
    rule: 'known-vulnerability',
    severity: 'warning',
    message: 'm',
    file: 'package.json',
    span: dep.specSpan!,
    package: 'lib',
    version: '1.0.0',
    fixes: [
      { title: `Upgrade lib to ${version}`, kind: 'upgrade', version },
      { title: `Pin to ${version}`, kind: 'pin', version, edits: [{ file: 'package.json', span: dep.specSpan!, newText: JSON.stringify(version) }] },
    ],
  });
  for (const bad of [URL_VERSION, '1.0.0 || http://evil.example/x.tgz', 'v1.0.1', 'file:../evil']) {
    const f = finding(bad);
    attachStandardFixes({ project, files: [], findings: [f], ruleErrors: [] });
    assert.deepEqual(versionFixes([f]), [], bad);
  }
  const f = finding('1.0.1');
  attachStandardFixes({ project, files: [], findings: [f], ruleErrors: [] });
  assert.deepEqual(versionFixes([f]).map((x) => x.kind), ['upgrade', 'pin']);
});

test('unpinned-range: a lockfile version that is not a plain version is never offered as the pin', () => {
  const files = locked({ lib: '1.0.0 || http://evil.example/x.tgz' }, () => '*');
  const r = scanFiles(files, { settings: { ...defaultSettings(), offline: true } });
  const f = r.findings.filter((x) => x.rule === 'unpinned-range');
  assert.equal(f.length, 1);
  assert.deepEqual(versionFixes(f), []);
});

test('editor: diagnostics and code action titles carry no control characters and are bounded', () => {
  const hostile = `evil\x1b]52;c;Y3VybA==\x07\u202e\n${'x'.repeat(200_000)}`;
  const files: SourceFile[] = [{ path: 'package.json', text: JSON.stringify({ name: 'app', dependencies: { [hostile]: '*', expresss: '*' } }, null, 2) }];
  const result = scanFiles(files, { settings: { ...defaultSettings(), offline: true } });
  const positions = new PositionMapper(() => undefined);
  const uriOf = (f: string) => `file:///w/${f}`;
  const textOf = (f: string) => files.find((x) => x.path === f)?.text;
  const diagnostics = [...findingsToDiagnostics(result.findings, 1, uriOf, textOf, positions).values()].flat();
  assert.ok(diagnostics.some((d) => d.code === 'unpinned-range' && d.message.startsWith('"evil\\x1b]52')), 'the hostile finding is shown, escaped');
  for (const d of diagnostics) {
    assert.ok(!CONTROL.test(d.message), d.message.slice(0, 80));
    assert.ok(d.message.length <= LIMITS.message, `${d.code}: ${d.message.length}`);
    for (const r of d.relatedInformation ?? []) assert.ok(!CONTROL.test(r.message));
  }
  const actions = codeActionsFor({ result, generation: 1, currentText: textOf, uriOf, positions, capabilities: { createFiles: true } }, diagnostics as Diagnostic[]);
  assert.ok(actions.some((a) => a.title.startsWith('Suppress unpinned-range for evil\\x1b')), actions.map((a) => a.title.slice(0, 40)).join('\n'));
  assert.ok(actions.some((a) => a.title === 'Replace with "express"'), 'ordinary fixes are untouched');
  for (const a of actions) {
    assert.ok(!CONTROL.test(a.title), a.title.slice(0, 80));
    assert.ok(a.title.length <= LIMITS.title, `${a.title.length}`);
    if (a.command) assert.equal(a.command.title, a.title);
  }
});

test('code actions: a registry-chosen URL version never becomes an upgrade action', () => {
  const files = locked({ lib: '1.0.0' }, (v) => v);
  const data = remote(
    { lib: { distTags: { latest: URL_VERSION }, versions: { '1.0.0': { time: OLD, repository: 'x/y', deprecated: 'old' }, [URL_VERSION]: { time: OLD, repository: 'x/y' } } } },
    { 'lib@1.0.0': [{ id: 'GHSA-1', aliases: [], summary: 's', malware: false, severity: 'high', fixed: URL_VERSION }] },
  );
  const result = scan(files, data);
  const positions = new PositionMapper(() => undefined);
  const uriOf = (f: string) => `file:///w/${f}`;
  const textOf = (f: string) => files.find((x) => x.path === f)?.text;
  const diagnostics = [...findingsToDiagnostics(result.findings, 1, uriOf, textOf, positions).values()].flat();
  assert.ok(diagnostics.some((d) => d.code === 'deprecated') && diagnostics.some((d) => d.code === 'known-vulnerability'));
  const actions = codeActionsFor({ result, generation: 1, currentText: textOf, uriOf, positions, capabilities: { createFiles: true } }, diagnostics);
  assert.ok(actions.length > 0);
  for (const a of actions) assert.ok(!a.title.includes('evil.example') && !JSON.stringify(a.edit ?? {}).includes('evil.example'), a.title);
});

test('release-cooldown: a dist-tag naming a URL as the version neither crashes the rule nor silences it for other packages', () => {
  const fresh = new Date(NOW.getTime() - 3600_000).toISOString();
  const data = remote({
    lib: { distTags: { latest: URL_VERSION }, versions: { '1.0.0': { time: OLD, repository: 'x/y' }, [URL_VERSION]: { time: fresh, repository: 'x/y' } } },
    other: { versions: { '1.0.0': { time: OLD, repository: 'x/y' }, '1.0.1': { time: fresh, repository: 'x/y' } } },
  });
  data.advisoriesEnabled = false;
  const files: SourceFile[] = [{ path: 'package.json', text: JSON.stringify({ name: 'app', dependencies: { lib: 'latest', other: '1.0.1' } }) }];
  const r = scanFiles(files, { remote: data, now: NOW, settings: { ...defaultSettings(), advisories: null } });
  assert.deepEqual(r.ruleErrors.map((e) => e.rule), []);
  assert.deepEqual(r.findings.filter((f) => f.rule === 'release-cooldown').map((f) => f.package), ['other']);
  assert.deepEqual(versionFixes(r.findings).map((x) => x.version), ['1.0.0']);
});
