// Run `npm run build` first: this test starts dist/server.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { startFakeRegistry } from '../support/fake-registry';
import { startFakeOsv } from '../support/fake-osv';

interface Alert {
  message: string;
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

const integrity = (c: string) => `sha512-${c.repeat(86)}==`;

test('a new malware or critical advisory on a locked version is announced once; old and non-critical ones are not', async (t) => {
  const registry = await startFakeRegistry();
  const osv = await startFakeOsv();
  for (const [name, version] of [
    ['left-pad', '1.3.0'],
    ['vulnlib', '2.0.0'],
    ['modlib', '1.0.0'],
  ]) {
    registry.addPackage(name, { versions: { [version]: { repository: `https://github.com/acme/${name}` } } });
  }
  // Known before the first scan: shown as diagnostics, never as an alert.
  osv.addRecord({ id: 'GHSA-old0-crit-0001', name: 'vulnlib', versions: ['2.0.0'], severity: 'CRITICAL' });
  osv.addRecord({ id: 'GHSA-old0-mod0-0001', name: 'modlib', versions: ['1.0.0'], severity: 'MODERATE' });

  const tarball = (name: string, version: string) => `${registry.url}${name}/-/${name}-${version}.tgz`;
  const lock = JSON.stringify(
    {
      name: 'app',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'app', dependencies: { 'left-pad': '1.3.0', vulnlib: '2.0.0', modlib: '1.0.0' } },
        'node_modules/left-pad': { version: '1.3.0', resolved: tarball('left-pad', '1.3.0'), integrity: integrity('a') },
        'node_modules/modlib': { version: '1.0.0', resolved: tarball('modlib', '1.0.0'), integrity: integrity('b') },
        'node_modules/vulnlib': { version: '2.0.0', resolved: tarball('vulnlib', '2.0.0'), integrity: integrity('c') },
      },
    },
    null,
    2,
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-alerts-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { 'left-pad': '1.3.0', vulnlib: '2.0.0', modlib: '1.0.0' } }, null, 2));
  writeFileSync(path.join(dir, 'package-lock.json'), lock);

  const client = new LspTestClient();
  client.settings = {
    offline: false,
    debounceMs: 20,
    registry: registry.url,
    // The loopback registry stands in for npm's: say so (no registry is public by assumption).
    publicRegistries: [registry.url],
    advisories: { url: osv.url },
    // 300 ms: fractions of a minute are accepted for tests.
    alerts: { intervalMinutes: 0.005 },
  };
  const alerts: Alert[] = [];
  let onAlert = () => {};
  client.connection.onNotification('depwarden/alert', (a: Alert) => {
    alerts.push(a);
    onAlert();
  });
  const nextAlert = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no alert #${count}; logs: ${client.logs.join('\n').slice(-2000)}`)), 20000);
      onAlert = () => {
        if (alerts.length < count) return;
        clearTimeout(timer);
        resolve();
      };
      onAlert();
    });
  t.after(async () => {
    await client.shutdown();
    await registry.close();
    await osv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  await client.initialize(dir);
  const manifestUri = uriOf(path.join(dir, 'package.json'));
  const querybatches = () => osv.requests.filter((r) => r.path === '/v1/querybatch').length;
  // The first lookups landed: the critical advisory known from the start is a diagnostic.
  // (On the package.json line: vulnlib is a direct dependency, shown there once since depwarden.lockfileFindings.)
  await client.waitFor(() => client.diagnostics.get(manifestUri)?.some((d) => d.code === 'known-vulnerability' && d.message.includes('GHSA-old0-crit-0001')), 'the first lookups', 20000);
  // Let at least one periodic check pass with nothing new.
  const before = querybatches();
  await client.waitFor(() => querybatches() >= before + 2 && client.statuses.length > 0 && !(client.statuses.at(-1) as { lookingUp: boolean }).lookingUp, 'a quiet periodic check', 20000);
  assert.equal(alerts.length, 0, 'nothing new yet');

  // Published meanwhile: malware in left-pad 1.3.0, and a moderate issue (no alert) in modlib.
  osv.addRecord({ id: 'MAL-2026-4242', name: 'left-pad', versions: ['1.3.0'], summary: 'Malicious code in left-pad (npm)' });
  osv.addRecord({ id: 'GHSA-new0-mod0-0002', name: 'modlib', versions: ['1.0.0'], severity: 'MODERATE' });
  await nextAlert(1);
  assert.match(alerts[0].message, /malware/i);
  assert.match(alerts[0].message, /left-pad@1\.3\.0/);
  assert.match(alerts[0].message, /MAL-2026-4242/);
  // The alert opens where the diagnostic is: left-pad is a direct dependency, so its
  // package.json line (the lockfile entry is the diagnostic's related information).
  assert.equal(alerts[0].uri, manifestUri);
  const malware = await client.waitFor(() => client.diagnostics.get(manifestUri)?.find((d) => d.code === 'known-malware'), 'the known-malware diagnostic');
  assert.deepEqual(alerts[0].range, malware.range);

  // More checks come and go: the same advisory is not announced again.
  const afterAlert = querybatches();
  await client.waitFor(() => querybatches() >= afterAlert + 3, 'three more periodic checks', 20000);
  assert.equal(alerts.length, 1, JSON.stringify(alerts));

  // A new critical advisory on a package that already had one is new all the same.
  osv.addRecord({ id: 'GHSA-new0-crit-0002', name: 'vulnlib', versions: ['2.0.0'], severity: 'CRITICAL' });
  await nextAlert(2);
  assert.match(alerts[1].message, /critical vulnerability/i);
  assert.match(alerts[1].message, /GHSA-new0-crit-0002/);
  assert.ok(!alerts.some((a) => a.message.includes('modlib')), 'moderate advisories do not alert');
});
