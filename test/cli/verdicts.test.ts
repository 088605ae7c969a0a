/**
 * Issue 12, items 1 and 3 through the CLI: a weak signal alone is info, real attack
 * shapes still warn, and the registry's manifest beats a lockfile's install-script hint.
 * The registry is a loopback test server; the CLI runs as a child process, as in CI.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { startFakeRegistry, type FakeRegistry, type FakePackage } from '../support/fake-registry';
import { npmLockText, tempProject } from '../support/fixtures';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const repo = { type: 'git', url: 'git+https://github.com/acme/x.git' };

interface JsonFinding {
  rule: string;
  severity: string;
  message: string;
  package?: string;
  version?: string | null;
  evidence?: string[];
}

const cli = (args: string[]) => runCli(args);

let reg: FakeRegistry;
const cleanup: string[] = [];
before(async () => {
  reg = await startFakeRegistry();
  const add = (name: string, pkg: FakePackage) => reg.addPackage(name, pkg);
  // event-stream 3.3.6 (2018): a new maintainer added flatmap-stream in a patch release;
  // flatmap-stream was days old, had one version, and its publisher had no history with event-stream.
  add('event-stream', {
    created: ago(3000),
    versions: {
      '3.3.4': { npmUser: 'dominictarr', repository: repo, time: ago(1200), dependencies: { through: '~2.3.1' } },
      '3.3.5': { npmUser: 'dominictarr', repository: repo, time: ago(400), dependencies: { through: '~2.3.1' } },
      '3.3.6': { npmUser: 'right9ctrl', repository: repo, time: ago(20), dependencies: { through: '~2.3.1', 'flatmap-stream': '^0.1.0' } },
    },
  });
  add('flatmap-stream', { created: ago(23), versions: { '0.1.1': { npmUser: 'hugeglass', time: ago(23) } } });
  add('through', { created: ago(4000), versions: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`2.3.${i}`, { npmUser: 'dominictarr', repository: repo, time: ago(4000 - i * 100) }])) });
  // A hijacked release: another account publishes a patch that adds a postinstall.
  add('left-widget', {
    created: ago(2000),
    versions: {
      '2.4.0': { npmUser: 'alice', repository: repo, time: ago(300) },
      '2.4.1': { npmUser: 'alice', repository: repo, time: ago(200) },
      '2.4.2': { npmUser: 'mallory', repository: repo, time: ago(2), scripts: { postinstall: 'node setup.js' } },
    },
  });
  // esbuild-like: years of releases, each with the same postinstall.
  add('fastbuild', {
    created: ago(2000),
    versions: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`0.20.${i}`, { npmUser: 'evan', repository: repo, time: ago(2000 - i * 100), scripts: { postinstall: 'node install.js' } }])),
  });
  // pnpm 8 marks requiresBuild on these; their manifests have no install script.
  add('fsevents', { created: ago(3000), versions: { '2.3.2': { repository: repo, time: ago(1500) }, '2.3.3': { repository: repo, time: ago(1000) } } });
  add('node-gyp-build', { created: ago(3000), versions: { '4.8.3': { repository: repo, time: ago(800) }, '4.8.4': { repository: repo, time: ago(700) } } });
});
after(async () => {
  await reg.close();
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

async function scanJson(files: Record<string, string>): Promise<JsonFinding[]> {
  const dir = tempProject(files, 'depwarden-verdicts-');
  cleanup.push(dir);
  const r = await cli(['scan', dir, '--format', 'json', '--registry', reg.url, '--public-registry', reg.url, '--no-advisories', '--cache-dir', path.join(dir, '.cache'), '--fail-on', 'never']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
}

test('CLI: event-stream 3.3.6 + flatmap-stream and a hijacked patch release warn; an established install script is info', async () => {
  const packages = { 'event-stream': '3.3.6', 'flatmap-stream': '0.1.1', through: '2.3.11', 'left-widget': '2.4.2', fastbuild: '0.20.14' };
  const lock = JSON.parse(npmLockText(Object.fromEntries(Object.entries(packages).map(([n, v]) => [n, { version: v, resolved: `${reg.url}${n}/-/${n}-${v}.tgz` }]))));
  lock.packages['node_modules/left-widget'].hasInstallScript = true;
  lock.packages['node_modules/fastbuild'].hasInstallScript = true;
  const findings = await scanJson({
    'package.json': JSON.stringify({ name: 'app', dependencies: { 'event-stream': '3.3.6', 'left-widget': '2.4.2', fastbuild: '0.20.14' } }, null, 2),
    'package-lock.json': JSON.stringify(lock, null, 2),
  });
  const find = (rule: string, pkg: string) => findings.find((f) => f.rule === rule && f.package === pkg);

  const es = find('trust-change', 'event-stream');
  assert.ok(es, JSON.stringify(findings.map((f) => [f.rule, f.package, f.severity])));
  assert.equal(es.severity, 'warning');
  assert.match(es.message, /A warning because the added dependency "flatmap-stream" is risky: first published 3 days before event-stream@3\.3\.6, 1 version on the registry, no repository field in 0\.1\.1, published by "hugeglass", who never published event-stream before/);
  assert.ok(es.evidence?.some((e) => /^added dependency "flatmap-stream": risky:/.test(e)), es.evidence?.join('\n'));

  const hijack = find('trust-change', 'left-widget');
  assert.equal(hijack?.severity, 'warning');
  assert.match(hijack!.message, /A warning because a new publisher together with a new install script in one release \(the shape of a hijacked release\)/);
  const hijackScript = find('install-script', 'left-widget');
  assert.equal(hijackScript?.severity, 'warning');
  assert.match(hijackScript!.message, /A warning because postinstall is new since 2\.4\.1; published by "mallory" where 2\.4\.1 was published by "alice"/);
  assert.match(hijackScript!.message, /npm would run it/);

  const fast = find('install-script', 'fastbuild');
  assert.equal(fast?.severity, 'info');
  assert.match(fast!.message, /per the registry\. npm would run it: .*Nothing in the registry data marks this version as risky \(.*15 versions, a repository, the same script in 0\.20\.13\): shown as evidence, not a warning\./);
  assert.ok(fast!.evidence?.some((e) => /^package manager: npm/.test(e)));

  // Nothing else from these two rules is at warning level.
  const loud = findings.filter((f) => (f.rule === 'trust-change' || f.rule === 'install-script') && f.severity === 'warning').map((f) => `${f.rule} ${f.package}`);
  assert.deepEqual(loud.sort(), ['install-script left-widget', 'trust-change event-stream', 'trust-change left-widget']);
});

test('CLI: a pnpm 8 lockfile with requiresBuild on packages whose manifests have no install script gives no install-script finding', async () => {
  const pnpmLock = `lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

dependencies:
  fsevents:
    specifier: ^2.3.3
    version: 2.3.3
  node-gyp-build:
    specifier: ^4.8.4
    version: 4.8.4

packages:

  /fsevents@2.3.3:
    resolution: {integrity: sha512-5xoDfX+fL7faATnagmWPpbFtwh/R77WmMMqqHGS65C3vvB0YHrgF+B1YmZ3441tMj5n63k0212XNoJwzlhffQw==}
    engines: {node: ^8.16.0 || ^10.6.0 || >=11.0.0}
    os: [darwin]
    requiresBuild: true
    dev: false
    optional: true

  /node-gyp-build@4.8.4:
    resolution: {integrity: sha512-LA4ZjwlnUblHVgq0oBF3Jl/6h/Nvs5fzBLwdEF4nuxnFdsfajde4WfxtJr3CaiH+F6ewcIB/q4jQ4UzPyid+CQ==}
    hasBin: true
    requiresBuild: true
    dev: false
`;
  const files = {
    'package.json': JSON.stringify({ name: 'app', packageManager: 'pnpm@8.15.8', dependencies: { fsevents: '^2.3.3', 'node-gyp-build': '^4.8.4' } }, null, 2),
    'pnpm-lock.yaml': pnpmLock,
  };
  const online = await scanJson(files);
  assert.deepEqual(
    online.filter((f) => f.rule === 'install-script').map((f) => `${f.package} ${f.severity}`),
    [],
    'the registry manifests decide: no install script',
  );
  // Offline (an empty cache), the same flags are hints: info, and the message says why.
  const dir = tempProject(files, 'depwarden-verdicts-');
  cleanup.push(dir);
  const r = await cli(['scan', dir, '--format', 'json', '--offline', '--no-advisories', '--cache-dir', path.join(dir, '.cache'), '--fail-on', 'never']);
  const offline = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.filter((f) => f.rule === 'install-script');
  assert.deepEqual(offline.map((f) => `${f.package} ${f.severity}`).sort(), ['fsevents info', 'node-gyp-build info']);
  assert.match(offline[0].message, /per the lockfile's requiresBuild; not confirmed by the registry/);
});
