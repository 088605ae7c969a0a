/**
 * #12 "Done when": lockfiles freshly written by npm 11, pnpm 8/9/10, yarn 1 and 4 and bun
 * for ordinary projects give no error or warning that is not about a genuinely risky
 * package. test/fixtures/fresh-lockfiles/<manager>/<project> holds what each package
 * manager wrote (see its README); the CLI scans each against a loopback registry serving
 * the packuments recorded for them (packuments.json, pruned to what the rules read).
 *
 * What other rules still raise there is listed in KNOWN_NOISE with the item of #12 that
 * owns it: a finding not in the list fails the test, and a listed one that no longer
 * appears is printed, so that the list only shrinks.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { startFakeRegistry, type FakePackage, type FakeRegistry } from '../support/fake-registry';

const FIXTURES = path.resolve(__dirname, '../fixtures/fresh-lockfiles');

/**
 * `<manager>/<project> <rule> <package>@<version>`, or `... <rule> *` for every package of
 * that rule in that project.
 */
const KNOWN_NOISE: Record<string, string> = {
  // Empty since #12 items 1 and 3 (trust-change and install-script verdicts) landed; until
  // then it held their warnings here (pnpm 8's requiresBuild on ~50 platform packages,
  // esbuild's and sharp's install scripts, dependencies added in patch releases).
};

interface Finding {
  rule: string;
  severity: string;
  package?: string;
  version?: string | null;
  file: string;
  message: string;
}

let registry: FakeRegistry;
let cacheDir: string;

before(async () => {
  registry = await startFakeRegistry();
  const recorded = JSON.parse(readFileSync(path.join(FIXTURES, 'packuments.json'), 'utf8')) as Record<string, FakePackage>;
  for (const [name, pkg] of Object.entries(recorded)) registry.addPackage(name, pkg);
  cacheDir = mkdtempSync(path.join(tmpdir(), 'depwarden-fresh-'));
});

after(async () => {
  await registry.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

function scan(dir: string) {
  return runCli([
    'scan', dir, '--format', 'json', '--registry', registry.url, '--no-advisories', '--cache-dir', cacheDir,
    // The corpus copies hold no source code: "never imported" would be about the copy.
    '--rule', 'unused-dependency=off',
    // The recording is from one day; whether a release is younger than N days depends on
    // the day the test runs, not on the lockfile (release-cooldown has tests of its own).
    '--cooldown-days', '0',
  ]);
}

const projects = readdirSync(FIXTURES)
  .filter((m) => statSync(path.join(FIXTURES, m)).isDirectory())
  .flatMap((m) => readdirSync(path.join(FIXTURES, m)).map((p) => `${m}/${p}`))
  .sort();

test('every package manager and project is there', () => {
  const managers = new Set(projects.map((p) => p.split('/')[0]));
  assert.deepEqual([...managers].sort(), ['bun', 'npm11', 'pnpm10', 'pnpm8', 'pnpm9', 'yarn1', 'yarn4']);
  assert.equal(projects.length, 14);
});

for (const project of projects) {
  test(`${project}: no error or warning beyond the known noise`, async (t) => {
    const r = await scan(path.join(FIXTURES, project));
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { findings: Finding[]; files: { parsed: boolean; path: string }[] };
    for (const f of out.files) assert.ok(f.parsed, `${f.path} did not parse`);
    const shown = out.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
    const unexpected = shown.filter((f) => knownAs(project, f) === undefined);
    assert.deepEqual(
      unexpected.map((f) => `${f.severity} ${f.rule} ${f.package ?? ''}@${f.version ?? ''}: ${f.message}`),
      [],
      'findings on freshly written lockfiles of ordinary projects',
    );
    // The registry was asked, and answered: the remote rules judged these packages.
    assert.ok(!out.findings.some((f) => f.rule === 'lookup-incomplete'), 'every lookup answered');
    const gone = Object.keys(KNOWN_NOISE).filter((k) => k.startsWith(`${project} `) && !shown.some((f) => knownAs(project, f) === k));
    if (gone.length) t.diagnostic(`known noise no longer seen (remove it from KNOWN_NOISE): ${gone.join('; ')}`);
  });
}

/** The KNOWN_NOISE key a finding matches, if any. */
function knownAs(project: string, f: Finding): string | undefined {
  const exact = `${project} ${f.rule} ${f.package ?? ''}@${f.version ?? ''}`;
  if (exact in KNOWN_NOISE) return exact;
  const anyPackage = `${project} ${f.rule} *`;
  return anyPackage in KNOWN_NOISE ? anyPackage : undefined;
}
