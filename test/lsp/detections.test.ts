/**
 * #12's attack scenarios in the editor: the language server, with the loopback registry,
 * shows each as an error or warning on the package.json line (see
 * test/support/attack-scenarios.ts for the shapes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LspTestClient, uriOf, type PublishedDiagnostics } from '../support/lsp-client';
import { startFakeRegistry } from '../support/fake-registry';
import { PHANTOM_URL, SCENARIO_DEPENDENCIES, serveScenarios } from '../support/attack-scenarios';
import { openProject } from '../support/lsp-project';

type Diagnostic = PublishedDiagnostics['diagnostics'][number];
const ERROR = 1;
const WARNING = 2;

test('the editor shows PhantomRaven, crossenv, an unknown name and an affix imitation on their package.json lines, and nothing on react-dom', async (t) => {
  const reg = await startFakeRegistry();
  serveScenarios(reg);
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-lsp-detections-'));
  const manifest = JSON.stringify({ name: 'app', dependencies: SCENARIO_DEPENDENCIES }, null, 2);
  writeFileSync(path.join(dir, 'package.json'), manifest);
  const { client } = await openProject(t, dir, { settings: { offline: false, debounceMs: 20, registry: reg.url, advisories: { enabled: false } }, servers: [reg] });
  const uri = uriOf(path.join(dir, 'package.json'));
  const lines = manifest.split('\n');
  const lineOf = (name: string) => lines.findIndex((l) => l.includes(`"${name}"`));
  const on = (code: string, name: string) => (client.diagnostics.get(uri) ?? []).find((d: Diagnostic) => d.code === code && d.range.start.line === lineOf(name));

  const phantom = await client.waitFor(() => on('remote-dynamic-dependency', 'eslint-comments'), 'remote-dynamic-dependency on eslint-comments', 30000);
  assert.equal(phantom.severity, ERROR);
  assert.ok(phantom.message.includes(PHANTOM_URL), phantom.message);

  const squat = await client.waitFor(() => on('typosquat', 'crossenv'), 'typosquat on crossenv', 30000);
  assert.ok(squat.severity === WARNING || squat.severity === ERROR, String(squat.severity));
  assert.match(squat.message, /"cross-env"/);
  const script = on('install-script', 'crossenv');
  assert.ok(script && (script.severity === WARNING || script.severity === ERROR), JSON.stringify(client.diagnostics.get(uri)));

  const unknown = await client.waitFor(() => on('unknown-package', 'acme-billing-internal'), 'unknown-package on acme-billing-internal', 30000);
  assert.equal(unknown.severity, ERROR);
  assert.match(unknown.message, /taken down/);
  assert.match(unknown.message, /dependency confusion/);
  assert.ok(!on('removed-from-registry', 'acme-billing-internal'), 'one problem, not two');

  const affix = await client.waitFor(() => on('typosquat', 'axios-proxy'), 'typosquat on axios-proxy', 30000);
  assert.equal(affix.severity, WARNING);
  assert.match(affix.message, /"axios".*the registry agrees: first published 4 days before today, 1 version on the registry, no repository field in 1\.0\.0, runs an install script/);
  const reactDom = (client.diagnostics.get(uri) ?? []).filter((d: Diagnostic) => d.range.start.line === lineOf('react-dom') && (d.severity === ERROR || d.severity === WARNING));
  assert.deepEqual(reactDom, []);
});
