import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { startFakeRegistry } from '../support/fake-registry';
import { startTestProxy } from '../support/test-proxy';

const MANIFEST = `{
  "name": "app",
  "dependencies": {
    "evil-lib": "2.0.0",
    "fine-lib": "1.0.0"
  }
}
`;

test('the editor proxy (http.proxy as the client passes it) carries registry and feed requests; a feed match is a diagnostic naming the feed', async (t) => {
  const [reg, proxy] = await Promise.all([startFakeRegistry(), startTestProxy()]);
  for (const name of ['evil-lib', 'fine-lib']) reg.addPackage(name, { versions: { '1.0.0': { repository: 'github:a/b' }, '2.0.0': { repository: 'github:a/b' } } });
  const feedRequests: string[] = [];
  const feed = http.createServer((req, res) => {
    feedRequests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('evil-lib@2.0.0\n');
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  const feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/npm-malware.txt`;

  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-lsp-proxy-'));
  writeFileSync(path.join(dir, 'package.json'), MANIFEST);
  const client = new LspTestClient();
  client.settings = {
    offline: false,
    registry: reg.url,
    advisories: { enabled: false },
    malwareFeeds: [feedUrl, 'not a url'],
    proxy: { url: proxy.url, strictSSL: true },
    debounceMs: 20,
  };
  t.after(async () => {
    await client.shutdown();
    feed.closeAllConnections();
    await Promise.all([reg.close(), proxy.close(), new Promise<void>((resolve) => feed.close(() => resolve()))]);
    rmSync(dir, { recursive: true, force: true });
  });
  await client.initialize(dir);
  const uri = uriOf(path.join(dir, 'package.json'));
  const malware = await client.waitFor(() => (client.diagnostics.get(uri) ?? []).find((d) => d.code === 'known-malware'), 'the feed-based known-malware diagnostic');
  assert.match(malware.message, /evil-lib@2\.0\.0 is known malware \(the malware feed http:\/\/127\.0\.0\.1:\d+\/npm-malware\.txt\)/);
  assert.deepEqual(malware.range, { start: { line: 3, character: 4 }, end: { line: 3, character: 14 } }, 'on "evil-lib"');
  const targets = proxy.log.map((e) => `${e.method} ${e.target}`);
  assert.ok(targets.includes(`GET ${reg.url}evil-lib`), targets.join('\n'));
  assert.ok(targets.includes(`GET ${feedUrl}`), targets.join('\n'));
  assert.deepEqual(feedRequests, ['/npm-malware.txt']);
  assert.equal((client.diagnostics.get(uri) ?? []).filter((d) => d.code === 'known-malware').length, 1, 'fine-lib is not listed');
});
