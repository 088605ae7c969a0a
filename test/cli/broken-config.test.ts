// `depwarden scan` on a project whose package-manager config is broken: each of .yarnrc.yml,
// pnpm-workspace.yaml, bunfig.toml and .npmrc is reported as unparsed-file (and fails the
// gate), never read as "no settings" in silence (issue #11 item 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tempProject } from '../support/fixtures';
import { runCliSync } from '../support/cli';

const CACHE = mkdtempSync(path.join(tmpdir(), 'depwarden-cli-cache-'));
const MANIFEST = JSON.stringify({ name: 'app', private: true, dependencies: {} }, null, 2);

const BROKEN: Record<string, string> = {
  '.yarnrc.yml': 'npmScopes:\n  acme:\n    npmRegistryServer: "https://npm.acme.example\n',
  'pnpm-workspace.yaml': 'packages: [a\nminimumReleaseAge: 1440\n',
  'bunfig.toml': '[install\nminimumReleaseAge = 259200\n',
  '.npmrc': 'ignore-scripts=maybe\n',
};

for (const [file, text] of Object.entries(BROKEN)) {
  test(`a broken ${file} is an unparsed-file error in depwarden scan`, (t) => {
    const dir = tempProject({ 'package.json': MANIFEST, [file]: text }, 'depwarden-broken-config-');
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = runCliSync(['scan', dir, '--format', 'json', '--offline', '--quiet', '--cache-dir', CACHE], { timeout: 30_000 });
    const out = JSON.parse(r.stdout) as { findings: { rule: string; file: string; severity: string; message: string }[] };
    const unparsed = out.findings.filter((f) => f.rule === 'unparsed-file');
    assert.deepEqual(unparsed.map((f) => [f.file, f.severity]), [[file, 'error']], r.stdout);
    assert.ok(unparsed[0].message.startsWith(`${file} could not be read (`), unparsed[0].message);
    assert.equal(r.code, 1, 'an error fails the gate');
  });
}
