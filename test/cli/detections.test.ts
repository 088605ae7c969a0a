/**
 * #12's attack scenarios through the CLI against the loopback registry: each must still
 * give an error or warning (see test/support/attack-scenarios.ts for the shapes).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tempProject, FAKE_SRI } from '../support/fixtures';
import { runCli } from '../support/cli';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { PHANTOM_URL, SCENARIO_DEPENDENCIES, serveScenarios } from '../support/attack-scenarios';


interface CliFinding {
  rule: string;
  severity: string;
  message: string;
  file: string;
  package?: string;
  evidence?: string[];
}

const cli = (args: string[]) => runCli(args);

let reg: FakeRegistry;
const cleanup: string[] = [];
before(async () => {
  reg = await startFakeRegistry();
  serveScenarios(reg);
});
after(async () => {
  await reg.close();
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

async function scan(files: Record<string, string>): Promise<{ code: number | null; findings: CliFinding[] }> {
  const dir = tempProject(files, 'depwarden-detections-');
  const cache = mkdtempSync(path.join(tmpdir(), 'depwarden-detections-cache-'));
  cleanup.push(dir, cache);
  const r = await cli(['scan', dir, '--registry', reg.url, '--no-advisories', '--cache-dir', cache, '--format', 'json', '--quiet']);
  assert.ok(r.stdout, r.stderr);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: CliFinding[] }).findings };
}

const shown = (f: CliFinding) => f.severity === 'error' || f.severity === 'warning';

test('PhantomRaven, crossenv, an unknown name and an affix imitation in a lockfile: each reported as it should be, react-dom not', async () => {
  const lock = {
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', dependencies: SCENARIO_DEPENDENCIES },
      'node_modules/eslint-comments': {
        version: '1.0.0',
        resolved: 'https://registry.npmjs.org/eslint-comments/-/eslint-comments-1.0.0.tgz',
        integrity: FAKE_SRI,
        dependencies: { 'ui-styles-pkg': PHANTOM_URL },
      },
      'node_modules/ui-styles-pkg': { version: '1.0.0', resolved: PHANTOM_URL },
      'node_modules/crossenv': {
        version: '6.1.1',
        resolved: 'https://registry.npmjs.org/crossenv/-/crossenv-6.1.1.tgz',
        integrity: FAKE_SRI,
        hasInstallScript: true,
      },
      'node_modules/axios-proxy': { version: '1.0.0', resolved: 'https://registry.npmjs.org/axios-proxy/-/axios-proxy-1.0.0.tgz', integrity: FAKE_SRI, hasInstallScript: true },
      'node_modules/react-dom': { version: '18.3.1', resolved: 'https://registry.npmjs.org/react-dom/-/react-dom-18.3.1.tgz', integrity: FAKE_SRI },
      'node_modules/acme-billing-internal': {
        version: '2.3.0',
        resolved: 'https://registry.npmjs.org/acme-billing-internal/-/acme-billing-internal-2.3.0.tgz',
        integrity: FAKE_SRI,
      },
    },
  };
  const { code, findings } = await scan({
    'package.json': JSON.stringify({ name: 'app', dependencies: SCENARIO_DEPENDENCIES }, null, 2),
    'package-lock.json': JSON.stringify(lock, null, 2),
  });
  assert.equal(code, 1);
  const phantom = findings.filter((f) => f.rule === 'remote-dynamic-dependency');
  assert.equal(phantom.length, 1, JSON.stringify(findings, null, 1));
  assert.equal(phantom[0].severity, 'error');
  assert.equal(phantom[0].package, 'eslint-comments');
  assert.equal(phantom[0].file, 'package-lock.json');
  assert.ok(phantom[0].message.includes(PHANTOM_URL), phantom[0].message);
  assert.match(phantom[0].message, /in its published manifest/);

  const crossenv = findings.filter((f) => f.package === 'crossenv' && shown(f)).map((f) => f.rule);
  assert.ok(crossenv.includes('typosquat'), crossenv.join());
  assert.ok(crossenv.includes('install-script'), crossenv.join());
  const squat = findings.find((f) => f.rule === 'typosquat' && f.package === 'crossenv')!;
  assert.match(squat.message, /"cross-env"/);

  const unknown = findings.filter((f) => f.package === 'acme-billing-internal' && shown(f));
  assert.deepEqual(unknown.map((f) => `${f.rule} ${f.severity} ${f.file}`), ['unknown-package error package.json']);
  assert.match(unknown[0].message, /taken down/);
  assert.match(unknown[0].message, /anyone can publish a package of that name and it gets installed \(dependency confusion\)/);

  const affix = findings.filter((f) => f.rule === 'typosquat' && f.package === 'axios-proxy');
  // On the lockfile entry, and on the package.json line as the rule does for every name.
  assert.ok(affix.length >= 1, JSON.stringify(findings, null, 1));
  for (const f of affix) assert.equal(f.severity, 'warning');
  assert.match(affix[0].message, /imitation of the popular package "axios" \(added word "-proxy"\), and the registry agrees: first published 4 days before today, 1 version on the registry, no repository field in 1\.0\.0, runs an install script \(postinstall: node setup\.js\)/);
  assert.ok(!findings.some((f) => f.package === 'react-dom' && shown(f)), JSON.stringify(findings.filter((f) => f.package === 'react-dom')));
});

test('PhantomRaven without a lockfile: the version the spec resolves to is read from the registry', async () => {
  const { findings } = await scan({ 'package.json': JSON.stringify({ name: 'app', dependencies: { 'eslint-comments': '^1.0.0' } }, null, 2) });
  const [f] = findings.filter((x) => x.rule === 'remote-dynamic-dependency');
  assert.ok(f, JSON.stringify(findings, null, 1));
  assert.equal(f.severity, 'error');
  assert.equal(f.file, 'package.json');
  assert.ok(f.evidence?.some((e) => e.includes(PHANTOM_URL)));
});

test('a second copy of a name@version that records a remote source is reported on that copy, though the first copy records none', async () => {
  // A lockfile edited by hand: the same name@version twice, only the nested copy pulling a URL.
  const entry = (extra: Record<string, unknown>) => ({ version: '2.0.0', resolved: 'https://registry.npmjs.org/evil/-/evil-2.0.0.tgz', integrity: FAKE_SRI, ...extra });
  const lock = {
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', dependencies: { evil: '2.0.0', x: '1.0.0' } },
      'node_modules/evil': entry({}),
      'node_modules/x': { version: '1.0.0', resolved: 'https://registry.npmjs.org/x/-/x-1.0.0.tgz', integrity: FAKE_SRI, dependencies: { evil: '2.0.0' } },
      'node_modules/x/node_modules/evil': entry({ dependencies: { 'ui-styles-pkg': PHANTOM_URL } }),
    },
  };
  const dir = tempProject({ 'package.json': JSON.stringify({ name: 'app', dependencies: { evil: '2.0.0', x: '1.0.0' } }, null, 2), 'package-lock.json': JSON.stringify(lock, null, 2) }, 'depwarden-detections-');
  const cache = mkdtempSync(path.join(tmpdir(), 'depwarden-detections-cache-'));
  cleanup.push(dir, cache);
  const r = await cli(['scan', dir, '--offline', '--cache-dir', cache, '--format', 'json', '--quiet']);
  const findings = (JSON.parse(r.stdout) as { findings: (CliFinding & { range: { start: { line: number } } })[] }).findings.filter((f) => f.rule === 'remote-dynamic-dependency');
  assert.equal(findings.length, 1, JSON.stringify(findings, null, 1));
  assert.equal(findings[0].severity, 'error');
  assert.ok(findings[0].evidence?.some((e) => e.includes(PHANTOM_URL)));
  // On the nested copy's line (0-based, as LSP and the CLI's JSON count lines).
  const lines = JSON.stringify(lock, null, 2).split('\n');
  assert.equal(findings[0].range.start.line, lines.findIndex((l) => l.includes('"node_modules/x/node_modules/evil"')));
});
