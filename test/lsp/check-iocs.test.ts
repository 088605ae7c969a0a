// Run `npm run build` first: this test starts dist/server.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { uriOf } from '../support/lsp-client';
import { startFakeRegistry } from '../support/fake-registry';
import { startFakeOsv } from '../support/fake-osv';
import { openProject } from '../support/lsp-project';

const integrity = (c: string) => `sha512-${c.repeat(86)}==`;

test('depwarden/checkIocs counts the locked packages on the list (aliases by their real name), not advisories that merely say "indicator"', async (t) => {
  const registry = await startFakeRegistry();
  const osv = await startFakeOsv();
  for (const [name, version] of [
    ['evil', '1.0.0'],
    ['left-pad', '1.3.0'],
    ['other', '2.0.0'],
  ]) {
    registry.addPackage(name, { versions: { [version]: { repository: `https://github.com/acme/${name}` } } });
  }
  // Malware by advisory, whose summary speaks of indicators: a finding, but not one the list made.
  osv.addRecord({ id: 'MAL-2026-0001', name: 'other', versions: ['2.0.0'], summary: 'Indicator of compromise (IOC): malicious code in other' });
  const tarball = (name: string, version: string) => `${registry.url}${name}/-/${name}-${version}.tgz`;
  const dependencies = { evil: '1.0.0', lp: 'npm:left-pad@1.3.0', other: '2.0.0' };
  const lock = {
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', dependencies },
      'node_modules/evil': { version: '1.0.0', resolved: tarball('evil', '1.0.0'), integrity: integrity('a') },
      'node_modules/lp': { name: 'left-pad', version: '1.3.0', resolved: tarball('left-pad', '1.3.0'), integrity: integrity('b') },
      'node_modules/other': { version: '2.0.0', resolved: tarball('other', '2.0.0'), integrity: integrity('c') },
    },
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-iocs-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies }, null, 2));
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));

  const { client } = await openProject(t, dir, { settings: { offline: false, debounceMs: 20, registry: registry.url, publicRegistries: [registry.url], advisories: { url: osv.url }, alerts: { intervalMinutes: 0 } }, servers: [registry, osv] });
  // Direct dependencies: their findings are shown on the package.json lines (depwarden.lockfileFindings: auto).
  const manifestUri = uriOf(path.join(dir, 'package.json'));
  await client.waitFor(() => client.diagnostics.get(manifestUri)?.some((d) => d.code === 'known-malware' && d.message.includes('MAL-2026-0001')), 'the advisory finding', 20000);

  const answer = (await client.connection.sendRequest('depwarden/checkIocs', { text: 'evil@1.0.0\nleft-pad@1.3.0, nothere@9.9.9 $$$' })) as { accepted: number; rejected: string[]; matches: number; message: string };
  assert.equal(answer.accepted, 3);
  assert.deepEqual(answer.rejected, ['$$$']);
  assert.equal(answer.matches, 2, 'evil and the alias lp (left-pad) match; other is malware by advisory only');
  const malware = client.diagnostics.get(manifestUri)!.filter((d) => d.code === 'known-malware');
  assert.ok(malware.some((d) => /evil@1\.0\.0/.test(d.message)), JSON.stringify(malware));
  assert.equal(answer.message, '2 locked packages match the 3 indicators. 1 entry was not name@version and was ignored.');

  // A bare name is not an indicator: pasted prose ("other was compromised") would otherwise
  // flag every version of every package it happens to name as malware.
  const bare = (await client.connection.sendRequest('depwarden/checkIocs', { text: 'other was compromised\n# see the advisory' })) as typeof answer & { bareNames: string[]; message: string };
  assert.equal(bare.accepted, 0);
  assert.deepEqual(bare.bareNames, ['other', 'was', 'compromised']);
  assert.equal(bare.matches, 2, 'evil and lp from the first list; "other" alone flags nothing');
  assert.equal(bare.message, 'The list has no name@version entry. 3 names without a version (other, was, compromised) were not used: an indicator is name@version, or name@* for every version.');
  const otherMalware = client.diagnostics.get(manifestUri)!.filter((d) => d.code === 'known-malware' && /other/.test(d.message));
  assert.equal(otherMalware.length, 1, 'only the advisory finding for other');
});
