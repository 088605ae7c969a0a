/**
 * Package audit in the editor (#14): the light bulb's "Audit the published code of x@y"
 * reads the tarball through the server (depwarden/auditVersion) and its findings appear as
 * suspicious-code; versions that carry a risk signal are audited in the background without
 * being asked. Real server over stdio, loopback registry serving real tarballs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspTestClient } from '../support/lsp-client';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { buildPackageTarball, sriOf } from '../support/tar-writer';
import { npmLockText, tempProject } from '../support/fixtures';
import { openProject } from '../support/lsp-project';
import * as shapes from '../fixtures/audit/packages';

const repo = 'github:acme/x';

/** env-stealer 1.0.1 adds a postinstall that 1.0.0 did not have: an install-script warning, and stealing code. */
function publishStealer(registry: FakeRegistry): Buffer {
  const bytes = buildPackageTarball(shapes.envStealer.manifest, shapes.envStealer.files);
  const old = buildPackageTarball({ name: 'env-stealer', version: '1.0.0', main: 'index.js' }, [{ path: 'index.js', content: 'module.exports = 1;\n' }]);
  registry.addPackage('env-stealer', {
    // Released ten days ago: a new install script in a fresh release is what a hijacked version looks like.
    versions: { '1.0.0': { tarball: old, repository: repo }, '1.0.1': { tarball: bytes, repository: repo, scripts: { postinstall: 'node index.js' }, time: new Date(Date.now() - 10 * 86_400_000).toISOString() } },
  });
  return bytes;
}

async function open(t: { after: (fn: () => Promise<void> | void) => void }, background: boolean) {
  const registry = await startFakeRegistry();
  const stealer = publishStealer(registry);
  const plainBytes = buildPackageTarball({ name: 'plain-lib', version: '1.2.0' }, [{ path: 'index.js', content: 'module.exports = 2;\n' }]);
  registry.addPackage('plain-lib', { versions: { '1.2.0': { tarball: plainBytes, repository: repo } } });
  const tgz = (name: string, v: string) => `${registry.url}${name}/-/${name}-${v}.tgz`;
  const dir = tempProject({
    'package.json': JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'env-stealer': '1.0.1', 'plain-lib': '1.2.0', expresss: '1.0.0' } }, null, 2),
    'package-lock.json': npmLockText({
      'env-stealer': { version: '1.0.1', resolved: tgz('env-stealer', '1.0.1'), integrity: sriOf(stealer), hasInstallScript: true } as never,
      'plain-lib': { version: '1.2.0', resolved: tgz('plain-lib', '1.2.0'), integrity: sriOf(plainBytes) },
      expresss: { version: '1.0.0', resolved: tgz('expresss', '1.0.0') },
    }),
  });
  registry.addPackage('expresss', { versions: { '1.0.0': { repository: repo } } });
  const client = new LspTestClient();
  client.settings = { offline: false, registry: registry.url, advisories: { enabled: false }, debounceMs: 20, audit: { background } };
  t.after(async () => {
    await client.shutdown();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await client.initialize(dir);
  return { client, registry, dir };
}

const all = (client: LspTestClient) => [...client.diagnostics.values()].flat();
const suspicious = (client: LspTestClient) => all(client).filter((d) => d.code === 'suspicious-code');

test('background audits: a version with a new install script is read without being asked, and its stealing code is an error', async (t) => {
  const { client, registry } = await open(t, true);
  const found = await client.waitFor(() => suspicious(client).find((d) => /env-stealer/.test(JSON.stringify(d))), 'a suspicious-code diagnostic for env-stealer', 30_000);
  assert.equal(found.severity, 1, JSON.stringify(found));
  // Only the risky version was downloaded: plain-lib carries no signal.
  const tarballs = registry.requests.filter((r) => r.path.endsWith('.tgz')).map((r) => r.path);
  assert.ok(tarballs.some((p) => p.includes('env-stealer-1.0.1')), tarballs.join('\n'));
  assert.ok(!tarballs.some((p) => p.includes('plain-lib')), tarballs.join('\n'));
});

test('"Audit the published code" from the light bulb: offered on a finding, run through depwarden/auditVersion, shown as suspicious-code', async (t) => {
  const { client, registry, dir } = await open(t, false);
  const uri = pathToFileURL(path.join(dir, 'package.json')).href;
  // Background audits are off: nothing is downloaded until the user asks.
  const diag = await client.waitFor(() => all(client).find((d) => d.code === 'install-script' && d.severity === 2), 'the install-script warning on env-stealer', 20_000);
  assert.ok(!registry.requests.some((r) => r.path.endsWith('.tgz')));
  const uriOf = [...client.diagnostics.entries()].find(([, ds]) => ds.includes(diag))![0];
  const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: uriOf }, range: diag.range, context: { diagnostics: [diag] } })) as { title: string; command?: { command: string; arguments: unknown[] } }[];
  const audit = actions.find((a) => a.command?.command === 'depwarden.auditVersion');
  assert.ok(audit, actions.map((a) => a.title).join('\n'));
  assert.equal(audit.title, 'Audit the published code of env-stealer@1.0.1');
  // The client command sends this request with the action's arguments.
  const [fileUri, name, version] = audit.command!.arguments as string[];
  const result = (await client.connection.sendRequest('depwarden/auditVersion', { uri: fileUri, name, version })) as { status: string; summary: string; high?: number };
  assert.equal(result.status, 'ok', result.summary);
  assert.ok((result.high ?? 0) > 0, result.summary);
  await client.waitFor(() => suspicious(client).length > 0, 'the suspicious-code finding after the audit', 15_000);
  // Arguments from a client are checked again.
  const bad = (await client.connection.sendRequest('depwarden/auditVersion', { uri, name: '../../etc', version: '1.0.0' })) as { status: string };
  assert.equal(bad.status, 'refused');
});

test('background audits feed the verdict: the install-script warning on the stealer becomes an error, the one on an esbuild-shaped release becomes info', async (t) => {
  const registry = await startFakeRegistry();
  const stealer = publishStealer(registry);
  // esbuild as a hijacked release looks in registry data: 0.19.0 had the same files and no
  // install script, 0.20.0 (ten days old) adds `node install.js`: a warning until read.
  const esbuild = buildPackageTarball(shapes.esbuildLike.manifest, shapes.esbuildLike.files);
  const { scripts: _scripts, ...manifest } = shapes.esbuildLike.manifest;
  const before = buildPackageTarball({ ...manifest, version: '0.19.0' }, shapes.esbuildLike.files);
  registry.addPackage('esbuild', {
    versions: { '0.19.0': { tarball: before, repository: repo }, '0.20.0': { tarball: esbuild, repository: repo, scripts: { postinstall: 'node install.js' }, time: new Date(Date.now() - 10 * 86_400_000).toISOString() } },
  });
  const tgz = (name: string, v: string) => `${registry.url}${name}/-/${name}-${v}.tgz`;
  const dir = tempProject({
    'package.json': JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'env-stealer': '1.0.1', esbuild: '0.20.0' } }, null, 2),
    'package-lock.json': npmLockText({
      'env-stealer': { version: '1.0.1', resolved: tgz('env-stealer', '1.0.1'), integrity: sriOf(stealer), hasInstallScript: true } as never,
      esbuild: { version: '0.20.0', resolved: tgz('esbuild', '0.20.0'), integrity: sriOf(esbuild), hasInstallScript: true } as never,
    }),
  });
  const { client } = await openProject(t, dir, { settings: { offline: false, registry: registry.url, advisories: { enabled: false }, debounceMs: 20, audit: { background: true } }, servers: [registry] });
  // Every publish is looked at: the severities each package's install-script diagnostic went through.
  const seen = { 'env-stealer': [] as number[], esbuild: [] as number[] };
  const current = (name: keyof typeof seen) => all(client).find((d) => d.code === 'install-script' && d.message.startsWith(`${name}@`));
  const done = await client.waitFor(
    () => {
      for (const name of Object.keys(seen) as (keyof typeof seen)[]) {
        const d = current(name);
        if (d && d.severity !== seen[name].at(-1)) seen[name].push(d.severity!);
      }
      const s = current('env-stealer');
      const e = current('esbuild');
      return s?.severity === 1 && e?.severity === 3 ? { s, e } : undefined;
    },
    'the audited severities (env-stealer error, esbuild info)',
    30_000,
  );
  // (Before the registry answers, the lockfile's flag alone is info.)
  assert.deepEqual(seen['env-stealer'].slice(-2), [2, 1], `env-stealer: a warning from registry data, then an error once audited (${seen['env-stealer']})`);
  assert.deepEqual(seen.esbuild.slice(-2), [2, 3], `esbuild: a warning from registry data, then info once audited (${seen.esbuild})`);
  assert.match(done.s.message, /An error: audited: .*\(index\.js:\d+\)/);
  assert.match(done.e.message, /Not a warning: audited: nothing suspicious in what it runs at install/);
});

/** The Markdown as its reader sees the text: the escapes markdown.ts puts before names, versions and messages undone. */
const unescaped = (md: string) => md.replace(/\\([\\`*_{}[\]()#+\-.!<>|~&:$])/g, '$1');

test('an upgrade audited in the background: the hover and the lockfile review show what it changed at install time', async (t) => {
  const registry = await startFakeRegistry();
  const stealer = publishStealer(registry);
  const old = buildPackageTarball({ name: 'env-stealer', version: '1.0.0', main: 'index.js' }, [{ path: 'index.js', content: 'module.exports = 1;\n' }]);
  const tgz = (v: string) => `${registry.url}env-stealer/-/env-stealer-${v}.tgz`;
  const files = (v: string, bytes: Buffer, scripts: boolean) => ({
    'package.json': JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'env-stealer': v } }, null, 2),
    'package-lock.json': npmLockText({ 'env-stealer': { version: v, resolved: tgz(v), integrity: sriOf(bytes), ...(scripts ? { hasInstallScript: true } : {}) } as never }),
  });
  const dir = tempProject(files('1.0.0', old, false));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'base');
  const { client } = await openProject(t, dir, { settings: { offline: false, registry: registry.url, advisories: { enabled: false }, debounceMs: 20, audit: { background: true } }, servers: [registry] });
  await client.waitFor(() => client.statuses.some((s) => !(s as { lookingUp: boolean }).lookingUp && (s as { lockfiles: number }).lockfiles === 1), 'first scan with registry data', 30_000);
  // The upgrade to the release that adds the stealing postinstall lands on disk.
  for (const [name, text] of Object.entries(files('1.0.1', stealer, true))) writeFileSync(path.join(dir, name), text);
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: ['package.json', 'package-lock.json'].map((f) => ({ uri: pathToFileURL(path.join(dir, f)).href, type: 2 })) });
  await client.waitFor(() => all(client).find((d) => d.code === 'install-script' && d.severity === 1 && d.message.startsWith('env-stealer@1.0.1')), 'the audited install-script error', 30_000);

  const lockUri = pathToFileURL(path.join(dir, 'package-lock.json')).href;
  const lockText = readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: lockUri, languageId: 'json', version: 1, text: lockText } });
  const line = lockText.split('\n').findIndex((l) => l.includes('"node_modules/env-stealer"'));
  // The open document is scanned (its text is the disk's) before the card is served.
  const hoverOnce = () => client.connection.sendRequest('textDocument/hover', { textDocument: { uri: lockUri }, position: { line, character: 8 } }) as Promise<{ contents: { value: string } } | null>;
  let hover = await hoverOnce();
  for (let i = 0; i < 50 && !hover; i++) {
    await new Promise((r) => setTimeout(r, 100));
    hover = await hoverOnce();
  }
  assert.ok(hover, 'no hover on the lockfile entry');
  const card = unescaped(hover.contents.value);
  assert.match(card, /◎ \*\*Published code audited\*\*: 2 high signals \(2 files read\); the strongest: .*\(index\.js:\d+, run at install time\)/, card);
  assert.match(card, /- postinstall script new or changed since 1\.0\.0: node index\.js/, card);
  assert.match(card, /- install-time file changed since 1\.0\.0: index\.js/, card);

  const review = unescaped((await client.connection.sendRequest('depwarden/review', { base: 'HEAD' })) as string);
  assert.ok(review.includes('↑ **env-stealer 1.0.0 → 1.0.1**'), review);
  assert.match(review, /◎ audit: 2 high signals/, review);
  assert.match(review, /- install-time file changed since 1\.0\.0: index\.js/, review);
  assert.match(review, /- postinstall script new or changed since 1\.0\.0: node index\.js/, review);
});

test('"Audit this version" in the hover: the card of a version with a trust finding links the light bulb\'s command with the same arguments; a hygiene-only card does not', async (t) => {
  const { client, dir } = await open(t, false);
  const manifestPath = path.join(dir, 'package.json');
  const uri = pathToFileURL(manifestPath).href;
  const text = readFileSync(manifestPath, 'utf8');
  await client.waitFor(() => all(client).find((d) => d.code === 'install-script' && d.severity === 2), 'the install-script warning on env-stealer', 20_000);
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text } });
  const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle));
  const card = async (needle: string) => {
    const line = lineOf(needle);
    const character = text.split('\n')[line].indexOf(needle) + 1;
    // The hover answers once the server's result is for the opened text.
    for (let tries = 0; ; tries++) {
      const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } })) as { contents: { value: string } } | null;
      if (hover) return hover.contents.value;
      if (tries > 100) throw new Error(`no card for ${needle}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stealer = await card('"env-stealer"');
  const m = /\[Audit this version\]\(command:depwarden\.auditVersion\?([^)]+)\)/.exec(stealer);
  assert.ok(m, stealer);
  // Percent-encoded whole: nothing in the target can end the Markdown link.
  assert.doesNotMatch(m[1], /[()[\]"' ]/);
  assert.deepEqual(JSON.parse(decodeURIComponent(m[1])), [uri, 'env-stealer', '1.0.1']);
  // plain-lib has no finding about trust: no audit link.
  assert.doesNotMatch(await card('"plain-lib"'), /Audit this version/);
});
