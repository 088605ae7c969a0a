/**
 * Issue 12, items 1 and 3 in the editor: the language server publishes the event-stream
 * and hijacked-release shapes as warnings, an established package's install script as
 * information, and nothing for pnpm's requiresBuild on a package whose registry manifest
 * has no install script. Real server over stdio, loopback registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeRegistry } from '../support/fake-registry';
import { tempProject } from '../support/fixtures';
import { openProject } from '../support/lsp-project';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const repo = { type: 'git', url: 'git+https://github.com/acme/x.git' };
const WARNING = 2;
const INFORMATION = 3;

const PNPM_LOCK = `lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

dependencies:
  event-stream:
    specifier: 3.3.6
    version: 3.3.6
  fastbuild:
    specifier: 0.20.14
    version: 0.20.14
  fsevents:
    specifier: ^2.3.3
    version: 2.3.3
  left-widget:
    specifier: 2.4.2
    version: 2.4.2

packages:

  /event-stream@3.3.6:
    resolution: {integrity: sha512-AAAA}
    dependencies:
      flatmap-stream: 0.1.1
    dev: false

  /fastbuild@0.20.14:
    resolution: {integrity: sha512-AAAA}
    requiresBuild: true
    dev: false

  /flatmap-stream@0.1.1:
    resolution: {integrity: sha512-AAAA}
    dev: false

  /fsevents@2.3.3:
    resolution: {integrity: sha512-AAAA}
    os: [darwin]
    requiresBuild: true
    dev: false
    optional: true

  /left-widget@2.4.2:
    resolution: {integrity: sha512-AAAA}
    requiresBuild: true
    dev: false
`;

test('the editor shows the event-stream and hijacked-release shapes as warnings, an established install script as information, no requiresBuild noise', async (t) => {
  const reg = await startFakeRegistry();
  reg.addPackage('event-stream', {
    created: ago(3000),
    versions: {
      '3.3.5': { npmUser: 'dominictarr', repository: repo, time: ago(400) },
      '3.3.6': { npmUser: 'right9ctrl', repository: repo, time: ago(20), dependencies: { 'flatmap-stream': '^0.1.0' } },
    },
  });
  reg.addPackage('flatmap-stream', { created: ago(22), versions: { '0.1.1': { npmUser: 'hugeglass', time: ago(22) } } });
  reg.addPackage('left-widget', {
    created: ago(2000),
    versions: {
      '2.4.1': { npmUser: 'alice', repository: repo, time: ago(200) },
      '2.4.2': { npmUser: 'mallory', repository: repo, time: ago(2), scripts: { postinstall: 'node setup.js' } },
    },
  });
  reg.addPackage('fastbuild', {
    created: ago(2000),
    versions: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`0.20.${i}`, { repository: repo, time: ago(2000 - i * 100), scripts: { postinstall: 'node install.js' } }])),
  });
  reg.addPackage('fsevents', { created: ago(3000), versions: { '2.3.2': { repository: repo, time: ago(1500) }, '2.3.3': { repository: repo, time: ago(1000) } } });
  const dir = tempProject(
    {
      'package.json': JSON.stringify({ name: 'app', packageManager: 'pnpm@8.15.8', dependencies: { 'event-stream': '3.3.6', fastbuild: '0.20.14', fsevents: '^2.3.3', 'left-widget': '2.4.2' } }, null, 2),
      'pnpm-lock.yaml': PNPM_LOCK,
    },
    'depwarden-lsp-verdicts-',
  );
  const { client } = await openProject(t, dir, { settings: { offline: false, registry: reg.url, advisories: { enabled: false }, debounceMs: 20 }, servers: [reg] });
  type Diag = { code?: string | number; severity?: number; message: string };
  // Every file's: these are direct dependencies, so their lockfile findings are shown on
  // their package.json lines (depwarden.lockfileFindings: auto), the lockfile entry related.
  const diags = () => [...client.diagnostics.values()].flat() as Diag[];
  const about = (rule: string, name: string) => diags().find((d) => d.code === rule && d.message.startsWith(`${name}@`));
  // Registry findings arrive after the lookups: wait for the last of them.
  await client.waitFor(() => about('trust-change', 'event-stream') && about('install-script', 'fastbuild'), 'the registry-based findings');

  const es = about('trust-change', 'event-stream')!;
  assert.equal(es.severity, WARNING, es.message);
  assert.match(es.message, /A warning because the added dependency "flatmap-stream" is risky/);
  const hijack = about('trust-change', 'left-widget')!;
  assert.equal(hijack.severity, WARNING, hijack.message);
  assert.match(hijack.message, /the shape of a hijacked release/);
  assert.equal(about('install-script', 'left-widget')?.severity, WARNING);
  const fast = about('install-script', 'fastbuild')!;
  assert.equal(fast.severity, INFORMATION, fast.message);
  assert.match(fast.message, /pnpm would run it/);
  assert.equal(about('install-script', 'fsevents'), undefined, JSON.stringify(diags(), null, 1));
});
