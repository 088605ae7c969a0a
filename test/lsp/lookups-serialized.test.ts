import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { uriOf } from '../support/lsp-client';
import { startFakeRegistry } from '../support/fake-registry';
import { openProject } from '../support/lsp-project';

const OLD = '2021-01-01T00:00:00.000Z';

test('edits during a slow registry lookup do not send the same requests again', async (t) => {
  const reg = await startFakeRegistry();
  reg.latencyMs = 400;
  for (const name of ['alpha', 'beta', 'gamma']) reg.addPackage(name, { created: OLD, versions: { '1.0.0': { time: OLD, repository: 'https://github.com/x/y' } } });
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-serial-'));
  // Each edit adds a line above the dependencies, so every edit moves the diagnostics (a publish).
  const manifest = (n: number) => JSON.stringify({ name: 'app', ...Object.fromEntries([...Array(n)].map((_, i) => [`k${i}`, i])), dependencies: { alpha: '1.0.0', beta: '1.0.0', gamma: '1.0.0' } }, null, 2);
  writeFileSync(path.join(dir, 'package.json'), manifest(0));
  const { client } = await openProject(t, dir, { settings: { offline: false, debounceMs: 0, registry: reg.url, advisories: { enabled: false } }, servers: [reg] });
  const uri = uriOf(path.join(dir, 'package.json'));
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: manifest(0) } });
  // While the first lookup is in flight, type: each edit is published at once (local rules).
  await client.waitFor(() => client.statuses.some((s) => (s as { lookingUp: boolean }).lookingUp), 'a lookup in flight');
  for (let v = 2; v <= 5; v++) {
    const before = client.publishes.length;
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text: manifest(v) }] });
    await client.waitFor(() => client.publishes.length > before, `the publish after edit ${v}`);
  }
  await client.waitFor(() => {
    const last = client.statuses.at(-1) as { lookingUp: boolean } | undefined;
    return last && !last.lookingUp && reg.requestsFor('gamma').length > 0;
  }, 'lookups done', 30000);
  for (const name of ['alpha', 'beta', 'gamma']) assert.equal(reg.requestsFor(name).length, 1, `${name} was requested once`);
});
