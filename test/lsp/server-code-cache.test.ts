/**
 * dist/server.js is a launcher (launch/launcher.ts): it turns on the compile cache (Node <
 * 22.1: a V8 code cache of depwarden's own, in the user's cache folder; newer Node: Node's)
 * before loading the language server from dist/server-main.js. A server started from the
 * cache publishes what one started without it published, and the cache never lands outside
 * the user's cache folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import Module from 'node:module';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { LspTestClient, uriOf } from '../support/lsp-client';

const PROJECT = path.resolve(__dirname, '../fixtures/projects/manifest-only');
const SERVER = path.resolve(__dirname, '../../dist/server.js');
const hasNodeCompileCache = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** Starts the server with HOME and XDG_CACHE_HOME in `home`, waits for the manifest's diagnostics, stops it; returns them. */
async function diagnosticsOnce(home: string): Promise<unknown> {
  const client = new LspTestClient(SERVER, { HOME: home, XDG_CACHE_HOME: path.join(home, 'xdg') });
  try {
    await client.initialize(PROJECT);
    const uri = uriOf(path.join(PROJECT, 'package.json'));
    const diagnostics = await client.waitFor(() => client.diagnostics.get(uri)?.length && client.diagnostics.get(uri), 'the manifest diagnostics', 20_000);
    return diagnostics.map((d) => ({ code: d.code, message: d.message, range: d.range, severity: d.severity }));
  } finally {
    await client.shutdown(true);
  }
}

test('the language server writes its code cache in the user cache folder and publishes the same diagnostics when started from it', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'depwarden-server-launcher-'));
  try {
    const first = await diagnosticsOnce(home);
    const folder = path.join(home, 'xdg', 'depwarden', hasNodeCompileCache ? 'compile-cache' : 'code-cache');
    assert.ok(existsSync(folder), 'the cache is in the user cache folder');
    if (!hasNodeCompileCache) assert.deepEqual(readdirSync(folder), [`server-main-${process.version}-${process.arch}.v8`]);
    assert.deepEqual(await diagnosticsOnce(home), first);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
