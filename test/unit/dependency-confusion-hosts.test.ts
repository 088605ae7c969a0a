import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFiles } from '../../server/src/engine/scan';
import { npmLockText } from '../support/fixtures';

function project(entries: Record<string, string>) {
  return [
    { path: 'package.json', text: JSON.stringify({ name: 'app', dependencies: Object.fromEntries(Object.keys(entries).map((n) => [n, '*'])) }) },
    { path: 'package-lock.json', text: npmLockText(Object.fromEntries(Object.entries(entries).map(([name, resolved]) => [name, { version: '1.0.0', resolved }]))) },
  ];
}

test('dependency-confusion: an unscoped private-looking name from a private host, not a popular package or a tarball URL', () => {
  const files = project({
    'acme-internal-billing': 'https://npm.acme.example/acme-internal-billing/-/acme-internal-billing-1.0.0.tgz',
    chalk: 'https://registry.npmjs.org.example-mirror.net/chalk/-/chalk-1.0.0.tgz',
    'widget-tarball': 'https://downloads.example.com/widget.tgz',
  });
  const findings = scanFiles(files).findings;
  const confusion = findings.filter((f) => f.rule === 'dependency-confusion' && f.file === 'package-lock.json').map((f) => f.package);
  assert.deepEqual(confusion, ['acme-internal-billing']);
  // The popular package fetched from a look-alike host is lockfile injection instead.
  assert.ok(findings.some((f) => f.rule === 'lockfile-host' && f.package === 'chalk'));
});
