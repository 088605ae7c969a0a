/**
 * One `.depwarden.json`, the same findings in the editor and in CI: for every setting the
 * file can hold, the language server (dist/server.js, real LSP) publishes exactly the
 * findings that `depwarden scan` (dist/cli.js, a child process) reports, and the setting
 * visibly changes them. Then a VS Code setting overrides the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { npmLockText } from '../support/fixtures';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const DAY = 86_400_000;
const SEVERITY_NAMES = ['', 'error', 'warning', 'info', 'hint'];

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
interface CliFinding {
  rule: string;
  severity: string;
  package: string | null;
  file: string;
  range: Range;
  also?: { file: string; range: Range }[];
  via?: string[];
  suppressed?: unknown;
}

const at = (file: string, r: Range) => `${file}:${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;

/**
 * What the CLI reports as diagnostics would show it: unsuppressed, once, at the place
 * depwarden.lockfileFindings' default picks among its file and `also`: the package.json
 * line for a direct dependency, the lockfile entry for a package another one pulls in.
 */
function cliView(findings: CliFinding[]): string[] {
  const out: string[] = [];
  for (const f of findings) {
    if (f.suppressed) continue;
    const places = [{ file: f.file, range: f.range }, ...(f.also ?? [])];
    const direct = (f.via?.length ?? 0) <= 1;
    const shown = places.find((p) => p.file.endsWith('package.json') === direct) ?? places[0];
    out.push(`${at(shown.file, shown.range)} ${f.rule} ${f.severity}`);
  }
  return out.sort();
}

function lspView(client: LspTestClient, root: string): string[] {
  const out: string[] = [];
  for (const [uri, diags] of client.diagnostics) {
    const file = path.relative(root, fileURLToPath(uri)).split(path.sep).join('/');
    for (const d of diags) out.push(`${at(file, d.range)} ${d.code} ${SEVERITY_NAMES[d.severity ?? 1]}`);
  }
  return out.sort();
}

/** The CLI as a child process, run asynchronously: the test registry and feed answer from this process. */
async function scan(dir: string, reg: FakeRegistry, cache: string, extra: string[] = []): Promise<{ findings: CliFinding[]; policy?: { file: string; applied: string[] } }> {
  const args = [CLI, 'scan', dir, '--registry', reg.url, '--no-advisories', '--format', 'json', '--quiet', '--fail-on', 'never', '--cache-dir', cache, ...extra];
  const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

/** For each setting: the file's content, and a check that it changed what the CLI reports. */
const SETTINGS: Array<{ name: string; config: unknown; effect: (without: string[], withIt: string[]) => void }> = [
  {
    name: 'rules',
    config: { rules: { typosquat: 'error', 'no-repository': 'off' } },
    effect: (without, withIt) => {
      assert.ok(without.some((k) => / typosquat warning$/.test(k)) && withIt.some((k) => / typosquat error$/.test(k)));
      assert.ok(without.some((k) => / no-repository /.test(k)) && !withIt.some((k) => / no-repository /.test(k)));
    },
  },
  {
    name: 'allowedHosts',
    config: { allowedHosts: ['npm.corp.example'] },
    effect: (without, withIt) => assert.ok(without.some((k) => / lockfile-host /.test(k)) && !withIt.some((k) => / lockfile-host /.test(k))),
  },
  {
    name: 'typosquat.allow',
    config: { typosquat: { allow: ['expresss'] } },
    effect: (without, withIt) => assert.ok(without.some((k) => / typosquat /.test(k)) && !withIt.some((k) => / typosquat /.test(k))),
  },
  {
    name: 'cooldownDays',
    config: { cooldownDays: 7 },
    effect: (without, withIt) => assert.ok(!without.some((k) => / release-cooldown /.test(k)) && withIt.some((k) => / release-cooldown /.test(k))),
  },
  {
    name: 'newPackageDays',
    config: { newPackageDays: 60 },
    effect: (without, withIt) => assert.ok(!without.some((k) => / new-package /.test(k)) && withIt.some((k) => / new-package /.test(k))),
  },
  {
    name: 'malwareFeeds',
    config: { malwareFeeds: ['FEED'] },
    effect: (without, withIt) => assert.ok(!without.some((k) => / known-malware /.test(k)) && withIt.some((k) => / known-malware /.test(k))),
  },
  {
    name: 'suppressions',
    config: { suppressions: [{ rule: 'typosquat', package: 'expresss', version: '*', reason: 'our own fork' }] },
    effect: (without, withIt) => assert.ok(without.some((k) => / typosquat /.test(k)) && !withIt.some((k) => / typosquat /.test(k))),
  },
  {
    name: 'a broken file',
    config: '{ "rules": { "typosquat": "loud" }, "registry": "https://evil.example/" ',
    effect: (without, withIt) => {
      // The syntax error, the bad severity and the refused key: each an error on the file.
      const onFile = withIt.filter((k) => k.startsWith('.depwarden.json:'));
      assert.ok(onFile.length >= 3 && onFile.every((k) => / unparsed-file error$/.test(k)), withIt.join('\n'));
      assert.ok(withIt.some((k) => / typosquat warning$/.test(k)), 'the bad severity was not applied');
    },
  },
];

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const now = Date.now();
  const reg = await startFakeRegistry();
  const repo = 'github:a/b';
  reg.addPackage('fresh-lib', { versions: { '1.0.0': { repository: repo, time: new Date(now - 5 * DAY).toISOString() } }, created: new Date(now - 400 * DAY).toISOString() });
  reg.addPackage('young-lib', { versions: { '1.0.0': { repository: repo, time: new Date(now - 40 * DAY).toISOString() } }, created: new Date(now - 40 * DAY).toISOString() });
  reg.addPackage('evil-lib', { versions: { '2.0.0': { repository: repo } } });
  reg.addPackage('expresss', { versions: { '1.0.0': {} } });
  reg.addPackage('corp-lib', { versions: { '1.0.0': { repository: repo } } });
  const feed = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('evil-lib@2.0.0\n');
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  const feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/npm-malware.txt`;

  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-project-config-'));
  const cache = mkdtempSync(path.join(tmpdir(), 'depwarden-project-config-cache-'));
  const deps = { 'fresh-lib': '1.0.0', 'young-lib': '1.0.0', 'evil-lib': '2.0.0', expresss: '1.0.0', 'corp-lib': '1.0.0' };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies: deps }, null, 2) + '\n');
  const tarball = (name: string, v: string, base = reg.url) => `${base}${name}/-/${name}-${v}.tgz`;
  const lock: Record<string, { version: string; resolved: string }> = {};
  for (const [name, v] of Object.entries(deps)) lock[name] = { version: v, resolved: name === 'corp-lib' ? tarball(name, v, 'https://npm.corp.example/') : tarball(name, v) };
  writeFileSync(path.join(dir, 'package-lock.json'), npmLockText(lock));

  const client = new LspTestClient();
  client.settings = { offline: false, registry: reg.url, advisories: { enabled: false }, debounceMs: 20 };
  t.after(async () => {
    await client.shutdown();
    feed.closeAllConnections();
    await Promise.all([reg.close(), new Promise<void>((resolve) => feed.close(() => resolve()))]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });
  await client.initialize(dir);
  const configPath = path.join(dir, '.depwarden.json');
  /** Writes (or, with undefined, deletes) `.depwarden.json` and tells the server, as VS Code's watcher does. */
  const writeConfig = async (config: unknown) => {
    if (config === undefined) unlinkSync(configPath);
    else writeFileSync(configPath, typeof config === 'string' ? config : JSON.stringify(config, null, 2).replace('"FEED"', JSON.stringify(feedUrl)));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(configPath), type: config === undefined ? 3 : 2 }] });
  };
  /** Waits until the editor shows exactly what the CLI reports, and returns that. */
  const sameInBoth = async (what: string, cliFlags: string[] = []) => {
    const expected = cliView((await scan(dir, reg, cache, cliFlags)).findings);
    await client.waitFor(() => JSON.stringify(lspView(client, dir)) === JSON.stringify(expected), `the editor to show what the CLI reports (${what})`, 15_000).catch((e: Error) => {
      throw new Error(`${e.message.split('; last diagnostics')[0]}\n--- CLI:\n${expected.join('\n')}\n--- editor:\n${lspView(client, dir).join('\n')}`);
    });
    return expected;
  };
  return { dir, reg, cache, client, writeConfig, sameInBoth };
}

test('every .depwarden.json setting gives the same findings in the editor and in depwarden scan, and changes them', async (t) => {
  const { writeConfig, sameInBoth } = await setup(t);
  const baseline = await sameInBoth('no .depwarden.json');
  for (const setting of SETTINGS) {
    await writeConfig(setting.config);
    const withIt = await sameInBoth(setting.name);
    setting.effect(baseline, withIt);
  }
  await writeConfig(undefined);
  assert.deepEqual(await sameInBoth('the file removed again'), baseline);
});

test('precedence: a VS Code setting overrides the file in the editor, as the matching CLI flag does in depwarden scan', async (t) => {
  const { client, dir, reg, cache, writeConfig, sameInBoth } = await setup(t);
  await writeConfig({ rules: { typosquat: 'error' }, cooldownDays: 7, newPackageDays: 60 });
  const fromFile = await sameInBoth('the file alone');
  assert.ok(fromFile.some((k) => / typosquat error$/.test(k)) && fromFile.some((k) => / release-cooldown /.test(k)) && fromFile.some((k) => / new-package /.test(k)));

  client.settings = { ...client.settings, rules: { typosquat: 'hint' }, cooldownDays: 4, newPackageDays: 10 };
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  const flags = ['--rule', 'typosquat=hint', '--cooldown-days', '4', '--new-package-days', '10'];
  const overridden = await sameInBoth('VS Code settings over the file = CLI flags over the file', flags);
  assert.ok(overridden.some((k) => / typosquat hint$/.test(k)), overridden.join('\n'));
  assert.ok(!overridden.some((k) => / release-cooldown | new-package /.test(k)), overridden.join('\n'));
  // And the CLI names the file it applied.
  assert.deepEqual((await scan(dir, reg, cache, flags)).policy, { file: '.depwarden.json', applied: ['1 rule override', 'cooldownDays 7', 'newPackageDays 60'] });
});

test('precedence: a VS Code setting equal to its default still overrides the file when the user set it', async (t) => {
  const { client, writeConfig, sameInBoth } = await setup(t);
  await writeConfig({ cooldownDays: 7 });
  assert.ok((await sameInBoth('the file alone')).some((k) => / release-cooldown /.test(k)));

  // VS Code hands over 3 (the default) whether or not the user wrote it; the client says the user did.
  client.settings = { ...client.settings, cooldownDays: 3, userSet: ['cooldownDays'] };
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  const overridden = await sameInBoth('cooldownDays 3 set by the user = --cooldown-days 3', ['--cooldown-days', '3']);
  assert.ok(!overridden.some((k) => / release-cooldown /.test(k)), overridden.join('\n'));

  // The same value not set by the user: the project's 7 applies again.
  client.settings = { ...client.settings, cooldownDays: 3, userSet: [] };
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  assert.ok((await sameInBoth('cooldownDays 3 only as the default')).some((k) => / release-cooldown /.test(k)));
});
