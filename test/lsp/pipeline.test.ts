/**
 * The pipeline at work (issue #15 items 1, 8 and the deleted-lockfile bug; #13 item 4):
 * local findings never wait for the network, opening and closing files costs nothing,
 * direct dependencies of open package.json files are looked up first, progress is shown
 * and can be cancelled, and a lockfile deleted under its open tab loses its findings.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { npmLockText, tempProject } from '../support/fixtures';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { openProject } from '../support/lsp-project';

const OLD = '2021-01-01T00:00:00.000Z';
const established = { created: OLD, versions: { '1.0.0': { time: OLD, repository: 'https://github.com/x/y' } } };

type Status = { lookingUp: boolean };
type Progress = { token: string; value: { kind: string; title?: string; message?: string; cancellable?: boolean } };

function online(reg: FakeRegistry): Record<string, unknown> {
  return { offline: false, debounceMs: 20, registry: reg.url, advisories: { enabled: false } };
}

async function open(client: LspTestClient, file: string, version = 1): Promise<string> {
  const uri = uriOf(file);
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version, text: readFileSync(file, 'utf8') } });
  return uri;
}

function progressOf(client: LspTestClient): Progress[] {
  return client.notifications.filter((n) => n.method === '$/progress').map((n) => n.params as Progress);
}

/** Resolves once nothing was published and no status was sent for `ms` (to assert that nothing happens). */
async function quiet(client: LspTestClient, ms: number): Promise<void> {
  for (;;) {
    const before = client.publishes.length + client.statuses.length;
    await new Promise((r) => setTimeout(r, ms));
    if (client.publishes.length + client.statuses.length === before) return;
  }
}

/** A client of a fresh server reading `reg`, shut down with the registry and the folder when the test ends. */
function onlineClient(t: TestContext, reg: FakeRegistry, dir: string): LspTestClient {
  const client = new LspTestClient();
  client.settings = online(reg);
  t.after(async () => {
    await client.shutdown();
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return client;
}

test('a typosquat typed during a cold lookup is published before any registry answer', async (t) => {
  const reg = await startFakeRegistry();
  reg.fault('*', { kind: 'slow' }); // every registry answer is held: the lookup never lands
  const text = JSON.stringify({ name: 'app', dependencies: { alpha: '1.0.0', beta: '1.0.0' } }, null, 2);
  const { client, dir } = await openProject(t, { 'package.json': text }, { prefix: 'depwarden-local-first-', settings: online(reg), servers: [reg] });
  const uri = await open(client, path.join(dir, 'package.json'));
  await client.waitFor(() => client.statuses.some((s) => (s as Status).lookingUp), 'a lookup in flight');
  const typed = text.replace('"alpha": "1.0.0"', '"expresss": "^4.18.2",\n    "alpha": "1.0.0"');
  const start = Date.now();
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: typed }] });
  const squiggle = await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'typosquat' && d.message.includes('expresss')), 'the typosquat squiggle');
  assert.ok(Date.now() - start < 2000, `published ${Date.now() - start} ms after the edit`);
  assert.equal(squiggle.range.start.line, 3);
  // Nothing is reported missing while the lookups are still under way (they are pending, not failed).
  assert.ok(!client.diagnostics.get(uri)!.some((d) => d.code === 'lookup-incomplete'));
});

test('an edit publishes its own file\'s findings first, moved findings in place; cross-file findings follow with the full scan; a hover waits for it', async (t) => {
  const reg = await startFakeRegistry();
  reg.fault('*', { kind: 'slow' }); // the lookup is held open for the whole test
  const text = JSON.stringify({ name: 'app', dependencies: { alpha: '1.0.0', beta: '*' } }, null, 2);
  const { client, dir } = await openProject(t, { 'package.json': text, 'package-lock.json': npmLockText({ alpha: '1.0.0', beta: '1.0.0' }) }, { prefix: 'depwarden-edit-first-', settings: online(reg), servers: [reg] });
  const uri = await open(client, path.join(dir, 'package.json'));
  await client.waitFor(() => client.statuses.some((s) => (s as Status).lookingUp), 'a lookup in flight');
  const before = await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'unpinned-range'), 'the unpinned range');
  assert.equal(before.range.start.line, 4);

  // A new line above beta: a typosquat that is not in the lockfile either (lockfile-drift, a finding across two files).
  const typed = text.replace('"alpha": "1.0.0",', '"alpha": "1.0.0",\n    "expresss": "^4.18.2",');
  const publishes = client.publishes.length;
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: typed }] });
  await client.waitFor(() => client.publishes.slice(publishes).some((p) => p.uri === uri), 'the first publish after the edit');
  const first = client.publishes.slice(publishes).find((p) => p.uri === uri)!;
  // The edit's own findings, and the unpinned range moved a line down with its text ...
  assert.ok(first.diagnostics.some((d) => d.code === 'typosquat' && d.message.includes('expresss') && d.range.start.line === 4), JSON.stringify(first.diagnostics));
  assert.deepEqual(
    first.diagnostics.filter((d) => d.code === 'unpinned-range').map((d) => d.range.start.line),
    [5],
  );
  // ... while the drift between package.json and its lockfile waits for the full scan of the folder.
  assert.ok(!first.diagnostics.some((d) => d.code === 'lockfile-drift'), JSON.stringify(first.diagnostics));
  await client.waitFor(() => client.diagnostics.get(uri)?.some((d) => d.code === 'lockfile-drift' && d.message.includes('expresss')), 'the drift finding');

  // A hover right after an edit answers from the full scan of the edited text.
  const retyped = typed.replace('"expresss"', '"lodahs"');
  const again = client.publishes.length;
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: retyped }] });
  await client.waitFor(() => client.publishes.slice(again).some((p) => p.uri === uri && p.diagnostics.some((d) => d.message.includes('lodahs'))), 'the new typosquat');
  const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 7 } })) as { contents: { value: string } } | null;
  assert.ok(hover, 'a hover card');
  assert.match(hover.contents.value, /lodahs/);
  // Nothing is reported missing while the lookups are still under way.
  assert.ok(!client.diagnostics.get(uri)!.some((d) => d.code === 'lookup-incomplete'));
});

test('typing a typosquat and undoing it at once takes the squiggle away (the full scan of the unchanged text is skipped)', async (t) => {
  const text = JSON.stringify({ name: 'app', dependencies: { alpha: '1.0.0' } }, null, 2);
  const { client, dir } = await openProject(t, { 'package.json': text }, { prefix: 'depwarden-undo-' });
  const uri = await open(client, path.join(dir, 'package.json'));
  await client.waitFor(() => client.diagnostics.has(uri), 'the first publish');
  const typed = text.replace('"alpha": "1.0.0"', '"alpha": "1.0.0",\n    "expresss": "^4.18.2"');
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: typed }] });
  await client.waitFor(() => client.diagnostics.get(uri)?.some((d) => d.code === 'typosquat'), 'the typosquat squiggle');
  // Undo before typing pauses long enough for the full scan (600 ms): back to the text last scanned.
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text }] });
  await client.waitFor(() => !client.diagnostics.get(uri)?.some((d) => d.code === 'typosquat'), 'the squiggle to go', 3000);
  // And it stays gone once the folder's scans are done.
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(!client.diagnostics.get(uri)?.some((d) => d.code === 'typosquat'), JSON.stringify(client.diagnostics.get(uri)));
});

test('opening and closing files with unchanged text costs no scan, publish, status or lookup', async (t) => {
  const reg = await startFakeRegistry();
  for (const name of ['alpha', 'beta', 'gamma']) reg.addPackage(name, established);
  const root = JSON.stringify({ name: 'app', workspaces: ['packages/*'], dependencies: { alpha: '1.0.0', lodahs: '1.0.0' } }, null, 2);
  const dir = tempProject({ 'package.json': root }, 'depwarden-churn-');
  for (const [sub, dep] of [['a', 'beta'], ['b', 'gamma']]) {
    mkdirSync(path.join(dir, 'packages', sub), { recursive: true });
    writeFileSync(path.join(dir, 'packages', sub, 'package.json'), JSON.stringify({ name: sub, dependencies: { [dep]: '1.0.0' } }, null, 2));
  }
  const client = onlineClient(t, reg, dir);
  await client.initialize(dir);
  const rootUri = uriOf(path.join(dir, 'package.json'));
  await client.waitFor(() => client.diagnostics.get(rootUri)?.some((d) => d.code === 'typosquat'), 'the first publish');
  await client.waitFor(() => reg.requestsFor('gamma').length > 0 && (client.statuses.at(-1) as Status | undefined)?.lookingUp === false, 'the lookups to land');
  await quiet(client, 300);
  const requests = reg.requests.length;
  const publishes = client.publishes.length;
  const statuses = client.statuses.length;

  const files = [path.join(dir, 'package.json'), path.join(dir, 'packages/a/package.json'), path.join(dir, 'packages/b/package.json')];
  for (let round = 0; round < 3; round++) {
    for (const file of files) {
      const uri = await open(client, file, round + 1);
      await quiet(client, 100); // VS Code spreads these out: each must be judged on its own
      await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      await quiet(client, 100);
    }
  }
  assert.equal(client.publishes.length - publishes, 0, 'no publish');
  assert.equal(client.statuses.length - statuses, 0, 'no status (no "looking up…" flicker)');
  assert.equal(reg.requests.length - requests, 0, 'no registry request');

  // A real edit still goes through (and looks up only the name that is new).
  const a = path.join(dir, 'packages/a/package.json');
  const aUri = await open(client, a, 9);
  const edited = readFileSync(a, 'utf8').replace('"beta": "1.0.0"', '"beta": "1.0.0",\n    "delta": "1.0.0"');
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: aUri, version: 10 }, contentChanges: [{ text: edited }] });
  await client.waitFor(() => reg.requestsFor('delta').length > 0, 'the lookup of the new name');
  // A declared name the registry does not have (unknown-package).
  await client.waitFor(() => client.diagnostics.get(aUri)?.some((d) => d.message.includes('delta') && d.code !== 'lookup-incomplete'), 'its finding');
  assert.deepEqual(
    reg.requests.slice(requests).map((r) => r.name),
    ['delta'],
  );
});

test('direct dependencies of an open package.json are looked up and published first; progress counts and ends', async (t) => {
  const reg = await startFakeRegistry();
  reg.latencyMs = 150;
  const lock: Record<string, string> = {};
  for (let i = 0; i < 80; i++) {
    const name = `pkg-${String(i).padStart(2, '0')}`;
    lock[name] = '1.0.0';
    reg.addPackage(name, established);
  }
  lock['zz-gone'] = '1.0.0';
  reg.takedown('zz-gone', '404');
  const manifest = JSON.stringify({ name: 'app', dependencies: { 'zz-gone': '1.0.0' } }, null, 2);
  const dir = tempProject({ 'package.json': manifest, 'package-lock.json': npmLockText(lock) }, 'depwarden-urgent-');
  const client = onlineClient(t, reg, dir);
  client.extraCapabilities = { window: { workDoneProgress: true } };
  await client.initialize(dir);
  await open(client, path.join(dir, 'package.json'));
  const lockUri = uriOf(path.join(dir, 'package-lock.json'));
  const manifestUri = uriOf(path.join(dir, 'package.json'));
  // A direct dependency's lockfile finding shows on its package.json line (depwarden.lockfileFindings: auto).
  const gone = () => [lockUri, manifestUri].some((u) => client.diagnostics.get(u)?.some((d) => d.message.includes('zz-gone') && /removed-from-registry|unknown-package/.test(String(d.code))));
  await client.waitFor(gone, 'the direct dependency\'s finding', 20000);
  const askedBefore = reg.requests.length;
  assert.ok(askedBefore < 81, `published after ${askedBefore} of 81 lookups, not at the end`);
  // First asked for after the initial scan? The open package.json may come after the first
  // scan queued everything; then it is promoted: still far ahead of its place (last).
  const at = reg.requests.findIndex((r) => r.name === 'zz-gone');
  assert.ok(at >= 0 && at < 40, `zz-gone was request #${at + 1}`);

  await client.waitFor(() => progressOf(client).some((p) => p.value.kind === 'end'), 'the progress to end', 20000);
  const progress = progressOf(client);
  const begin = progress.find((p) => p.value.kind === 'begin')!;
  assert.equal(begin.value.title, 'depwarden');
  assert.equal(begin.value.cancellable, true);
  assert.match(begin.value.message!, /^checking \d+\/\d+ packages$/);
  assert.ok(progress.some((p) => p.value.kind === 'report' && /^checking [1-9]\d*\/81 packages$/.test(p.value.message ?? '')), JSON.stringify(progress.slice(0, 5)));
  assert.ok(progress.every((p) => p.token === begin.token));
  // Nothing is missing once everything landed.
  await client.waitFor(() => (client.statuses.at(-1) as Status | undefined)?.lookingUp === false, 'the status to settle');
  for (const u of [lockUri, manifestUri]) assert.ok(!(client.diagnostics.get(u) ?? []).some((d) => d.code === 'lookup-incomplete'));
});

test('while lookups land, each re-publish is what a full scan of the same data publishes', async (t) => {
  // Answers land in batches while three lookups never end: every re-publish is a rescan of
  // the landed names alone (scan.ts rescanLanded), never the final full scan.
  const reg = await startFakeRegistry();
  reg.latencyMs = 40;
  const lock: Record<string, string | { version: string; hasInstallScript: boolean }> = { both: '1.0.0', failing: '1.0.0', scripted: { version: '1.0.0', hasInstallScript: true } };
  for (let i = 0; i < 30; i++) {
    lock[`extra-${i}`] = '1.0.0';
    reg.addPackage(`extra-${i}`, established);
  }
  for (let i = 0; i < 3; i++) {
    lock[`held-${i}`] = '1.0.0';
    reg.fault(`held-${i}`, { kind: 'slow' });
  }
  // A direct dependency that is also a lockfile entry: its finding shows on the package.json line.
  reg.addPackage('both', { created: OLD, versions: { '1.0.0': { time: OLD, repository: 'https://github.com/x/y', deprecated: 'use another' } } });
  // The lockfile says it has an install script; the registry says it has none: the lockfile's hint goes away once that lands.
  reg.addPackage('scripted', established);
  reg.fault('failing', { kind: 'status', status: 500 });
  const manifest = JSON.stringify({ name: 'app', dependencies: { both: '1.0.0', failing: '1.0.0', 'held-0': '1.0.0' } }, null, 2);
  const dir = tempProject({ 'package.json': manifest, 'package-lock.json': npmLockText(lock as never) }, 'depwarden-landing-');
  const client = onlineClient(t, reg, dir);
  const lockUri = uriOf(path.join(dir, 'package-lock.json'));
  const manifestUri = uriOf(path.join(dir, 'package.json'));
  const all = () => [...(client.diagnostics.get(lockUri) ?? []), ...(client.diagnostics.get(manifestUri) ?? [])];
  await client.initialize(dir);
  await open(client, path.join(dir, 'package.json'));
  await client.waitFor(() => all().some((d) => d.code === 'install-script' && d.message.includes('scripted@1.0.0')), 'the lockfile\'s install-script hint before the registry answers');
  await client.waitFor(() => client.diagnostics.get(manifestUri)?.some((d) => d.code === 'deprecated' && d.message.includes('both@1.0.0')), 'the direct dependency\'s finding on its package.json line');
  await client.waitFor(() => reg.requests.filter((r) => r.name.startsWith('extra-')).length === 30 && !all().some((d) => d.code === 'install-script'), 'the hint to go once the registry answered');
  const incomplete = await client.waitFor(() => all().find((d) => d.code === 'lookup-incomplete'), 'the failed lookup reported');
  assert.match(incomplete.message, /HTTP 500/);
  assert.doesNotMatch(incomplete.message, /held-/, 'pending lookups are not reported missing');
  await quiet(client, 1500);
  assert.equal((client.statuses.at(-1) as Status).lookingUp, true, 'the lookups are still running (the rescans were all partial)');
  const shown = () => [lockUri, manifestUri].map((u) => (client.diagnostics.get(u) ?? []).map(({ data: _data, ...d }) => d));
  // What a full scan must show: the same, with deprecated findings as warnings (below).
  const partial = shown().map((ds) => ds.map((d) => (d.code === 'deprecated' ? { ...d, severity: 2 } : d)));

  // A settings change scans the folder in full with the same data (deprecated made a
  // warning, to see when it is done): it finds the same.
  client.settings = { ...online(reg), rules: { deprecated: 'warning' } };
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
  await client.waitFor(() => client.diagnostics.get(manifestUri)?.some((d) => d.code === 'deprecated' && d.severity === 2), 'the full scan');
  await quiet(client, 500);
  assert.deepEqual(shown(), partial);

  // Scan Workspace asks again about the failed name; it answers now, while the held ones
  // still do not: the rescan of that name alone takes lookup-incomplete away.
  reg.clearFaults();
  reg.addPackage('failing', established);
  for (let i = 0; i < 3; i++) reg.fault(`held-${i}`, { kind: 'slow' });
  await client.connection.sendRequest('depwarden/scan');
  await client.waitFor(() => !all().some((d) => d.code === 'lookup-incomplete'), 'lookup-incomplete to go');
  assert.equal((client.statuses.at(-1) as Status).lookingUp, true, 'the held lookups are still running');
});

test('cancelling the progress stops the lookups and reports them as not checked', async (t) => {
  const reg = await startFakeRegistry();
  reg.fault('*', { kind: 'slow' }); // nothing ever lands on its own
  const lock: Record<string, string> = {};
  for (let i = 0; i < 30; i++) lock[`pkg-${i}`] = '1.0.0';
  const dir = tempProject({ 'package.json': JSON.stringify({ name: 'app', dependencies: { 'pkg-0': '1.0.0' } }, null, 2), 'package-lock.json': npmLockText(lock) }, 'depwarden-cancel-');
  const client = onlineClient(t, reg, dir);
  client.extraCapabilities = { window: { workDoneProgress: true } };
  await client.initialize(dir);
  const begin = await client.waitFor(() => progressOf(client).find((p) => p.value.kind === 'begin'), 'the progress to begin');
  const lockUri = uriOf(path.join(dir, 'package-lock.json'));
  assert.ok(!client.diagnostics.get(lockUri)?.some((d) => d.code === 'lookup-incomplete'), 'not reported missing while pending');
  await client.connection.sendNotification('window/workDoneProgress/cancel', { token: begin.token });
  const note = await client.waitFor(() => client.diagnostics.get(lockUri)?.find((d) => d.code === 'lookup-incomplete'), 'lookup-incomplete after the cancel');
  assert.match(note.message, /30 packages/);
  assert.match(note.message, /lookup cancelled/);
  await client.waitFor(() => progressOf(client).some((p) => p.value.kind === 'end'), 'the progress to end');
  await client.waitFor(() => (client.statuses.at(-1) as Status | undefined)?.lookingUp === false, 'the status to stop saying "looking up"');
  // The next keystroke does not start them again (only Scan Workspace does).
  const asked = reg.requests.length;
  const uri = await open(client, path.join(dir, 'package.json'));
  const edited = readFileSync(path.join(dir, 'package.json'), 'utf8').replace('"pkg-0": "1.0.0"', '"pkg-0": "1.0.0",\n    "lodahs": "1.0.0"');
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
  await client.waitFor(() => client.diagnostics.get(uri)?.some((d) => d.code === 'typosquat'), 'the edit\'s publish');
  await quiet(client, 200);
  assert.deepEqual(reg.requests.slice(asked).map((r) => r.name).filter((n) => n.startsWith('pkg-')), []);
});

test('a lockfile deleted on disk loses its findings although its tab stays open', async (t) => {
  // lodahs is only in the lockfile (not declared), so its typosquat finding shows there.
  const lock = npmLockText({ lodahs: '4.17.21', 'left-pad': '1.3.0' });
  const dir = tempProject({ 'package.json': JSON.stringify({ name: 'app', dependencies: { 'left-pad': '1.3.0' } }, null, 2), 'package-lock.json': lock }, 'depwarden-deleted-');
  const client = new LspTestClient();
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  await client.initialize(dir);
  const lockFile = path.join(dir, 'package-lock.json');
  const lockUri = await open(client, lockFile);
  await client.waitFor(() => client.diagnostics.get(lockUri)?.some((d) => d.code === 'typosquat'), 'the lockfile\'s findings');
  unlinkSync(lockFile);
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: lockUri, type: 3 }] });
  await client.waitFor(() => client.diagnostics.get(lockUri)?.length === 0, 'the findings to disappear');
  const manifestUri = uriOf(path.join(dir, 'package.json'));
  await client.waitFor(() => client.diagnostics.get(manifestUri)?.some((d) => d.code === 'missing-lockfile'), 'package.json to say the lockfile is missing');
  // Saved again from the open tab: the file and its findings are back.
  writeFileSync(lockFile, lock);
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: lockUri, type: 1 }] });
  await client.waitFor(() => client.diagnostics.get(lockUri)?.some((d) => d.code === 'typosquat'), 'the findings to return');
});

test('answers that land while a file-open scan is pending are published by that scan', async (t) => {
  const reg = await startFakeRegistry();
  reg.addPackage('late', { created: OLD, versions: { '1.0.0': { time: OLD, repository: 'https://github.com/x/y', deprecated: 'use another' } } });
  reg.pause();
  const root = JSON.stringify({ name: 'app', dependencies: { late: '1.0.0' } }, null, 2);
  const other = JSON.stringify({ name: 'other', version: '1.0.0' }, null, 2);
  const dir = tempProject({ 'package.json': root }, 'depwarden-pending-scan-');
  mkdirSync(path.join(dir, 'tools'));
  writeFileSync(path.join(dir, 'tools', 'package.json'), other);
  t.after(() => reg.resume()); // held requests would keep the registry from closing
  const client = onlineClient(t, reg, dir);
  // A long debounce: the scan the second open schedules is still pending when the answer lands.
  client.settings = { ...online(reg), debounceMs: 1500 };
  await client.initialize(dir);
  const rootUri = await open(client, path.join(dir, 'package.json'));
  await client.waitFor(() => reg.requestsFor('late').length > 0, 'the lookup in flight');
  // The editor opens another package.json, unchanged (as VS Code does for its own features).
  await open(client, path.join(dir, 'tools', 'package.json'));
  reg.resume();
  // The lookups end while that scan waits; the rescan they would get is left to it, and it
  // must publish what landed although the files are the ones last scanned.
  await client.waitFor(() => client.diagnostics.get(rootUri)?.some((d) => d.code === 'deprecated'), 'the landed deprecation on the package.json', 8000);
});
