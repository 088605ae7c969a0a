// The GitHub Action (action.yml), the pre-commit hook (.pre-commit-hooks.yaml) and the CLI
// npm package (scripts/pack-cli.mjs), driven as CI would drive them but without GitHub:
// the CLI is packed into a real tarball, the action's shell steps are read from action.yml
// and run with bash as the runner runs them (`bash --noprofile --norc -eo pipefail`), with
// the action's own `npx --package=…` line installing that tarball. npm is kept offline
// (and pointed at a closed port) so nothing leaves the machine.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const ROOT_PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const TMP = mkdtempSync(path.join(tmpdir(), 'depwarden-ci-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

const NPM_ENV = {
  ...process.env,
  npm_config_offline: 'true',
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_cache: path.join(TMP, 'npm-cache'),
  npm_config_update_notifier: 'false',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  NO_COLOR: '1',
};

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd ?? ROOT, env: opts.env ?? NPM_ENV, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tarball: string | undefined;
/** The CLI package as `npm publish` would upload it: scripts/pack-cli.mjs, then `npm pack`. */
function packCli(): string {
  if (tarball) return tarball;
  const folder = path.join(TMP, 'cli-package');
  const w = sh(process.execPath, [path.join(ROOT, 'scripts/pack-cli.mjs'), '--out', folder]);
  assert.equal(w.code, 0, w.stderr);
  const p = sh('npm', ['pack', '--json', '--pack-destination', TMP], { cwd: folder });
  assert.equal(p.code, 0, p.stderr);
  const [info] = JSON.parse(p.stdout) as { filename: string; files: { path: string }[] }[];
  packed = info.files.map((f) => f.path).sort();
  tarball = path.join(TMP, info.filename);
  return tarball;
}
let packed: string[] = [];

test('the CLI package: its own bin, a files list, no dependencies, nothing of VS Code, --version', () => {
  const tgz = packCli();
  const manifest = JSON.parse(readFileSync(path.join(TMP, 'cli-package', 'package.json'), 'utf8'));
  assert.equal(manifest.name, 'depwarden');
  assert.equal(manifest.version, ROOT_PKG.version);
  assert.deepEqual(manifest.bin, { depwarden: 'cli.js' });
  assert.ok(Array.isArray(manifest.files));
  assert.equal(manifest.dependencies, undefined, 'the bundles carry everything');
  assert.equal(JSON.stringify(manifest).includes('vscode'), false, JSON.stringify(manifest));
  assert.deepEqual(packed, ['LICENSE', 'README.md', 'cli-main.js', 'cli.js', 'package.json', 'typosquat-index.bin', 'undici.js', 'yaml.js', 'yarnpkg-parsers.js']);
  // Installed and run the way `npx depwarden` runs it, far from this repository's node_modules.
  const away = mkdtempSync(path.join(TMP, 'away-'));
  const r = sh('npx', ['--yes', `--package=${tgz}`, '--', 'depwarden', '--version'], { cwd: away });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${ROOT_PKG.version}\n`);
  // The typosquat tables ship beside the bundles (typosquat-index.bin) and are found there.
  writeFileSync(path.join(away, 'package.json'), JSON.stringify({ name: 'app', dependencies: { expresss: '1.0.0' } }));
  const scan = sh('npx', ['--yes', `--package=${tgz}`, '--', 'depwarden', 'scan', away, '--offline', '--format', 'json', '--fail-on', 'never'], { cwd: away });
  assert.equal(scan.code, 0, scan.stderr);
  assert.ok(JSON.parse(scan.stdout).findings.some((f: { rule: string; message: string }) => f.rule === 'typosquat' && f.message.includes('"express"')), scan.stdout);
  // After a command too, as CI logs often ask.
  assert.equal(sh(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'scan', '--version']).stdout, `${ROOT_PKG.version}\n`);
});

// ---- action.yml, run without GitHub -------------------------------------------------------

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
}
const action = parseYaml(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as Action;

type Context = { inputs: Record<string, string>; steps: Record<string, { outputs: Record<string, string> }> };

/** The value of a `${{ }}` operand: a quoted literal or a dotted context path (inputs.x, steps.id.outputs.y). */
function operand(s: string, ctx: Context): string {
  s = s.trim();
  if (/^'.*'$/.test(s)) return s.slice(1, -1);
  const parts = s.split('.');
  if (parts[0] === 'inputs') return ctx.inputs[parts[1]] ?? '';
  if (parts[0] === 'steps' && parts[2] === 'outputs') return ctx.steps[parts[1]]?.outputs[parts[3]] ?? '';
  throw new Error(`the test does not know the expression "${s}": teach it, or keep action.yml's expressions simple`);
}
/** Enough of GitHub's expression language for action.yml: operands, == / !=, joined by &&. */
function evaluate(expr: string, ctx: Context): string | boolean {
  const e = expr.trim().replace(/^\$\{\{(.*)\}\}$/s, '$1').trim();
  if (e.includes('||') || e.includes('(')) throw new Error(`unsupported expression: ${e}`);
  const terms = e.split('&&').map((t) => {
    const m = /^(.*?)(==|!=)(.*)$/.exec(t);
    if (!m) return operand(t, ctx);
    const eq = operand(m[1], ctx) === operand(m[3], ctx);
    return m[2] === '==' ? eq : !eq;
  });
  return terms.length === 1 ? terms[0] : terms.every((t) => t === true);
}
const interpolate = (s: string, ctx: Context) => s.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => String(evaluate(e, ctx)));

interface StepRun {
  step: Step;
  skipped: boolean;
  code?: number | null;
  stdout?: string;
  stderr?: string;
}

/** Runs the composite action's steps in `workspace` with these inputs; `uses` steps are recorded, not run. */
function runAction(workspace: string, given: Record<string, string>): { runs: StepRun[]; ctx: Context } {
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.inputs)) inputs[k] = given[k] ?? v.default ?? '';
  const ctx: Context = { inputs, steps: {} };
  const runs: StepRun[] = [];
  for (const step of action.runs.steps) {
    if (step.if !== undefined && evaluate(step.if, ctx) !== true) {
      runs.push({ step, skipped: true });
      continue;
    }
    if (!step.run) {
      runs.push({ step, skipped: false });
      continue;
    }
    assert.equal(step.shell, 'bash', 'composite run steps name their shell');
    assert.ok(!/\$\{\{/.test(step.run), `inputs reach the script through env, not \${{ }} in the script (step "${step.name}")`);
    const outputFile = path.join(workspace, `.github-output-${runs.length}`);
    writeFileSync(outputFile, '');
    const env: NodeJS.ProcessEnv = { ...NPM_ENV, GITHUB_OUTPUT: outputFile, GITHUB_WORKSPACE: workspace };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = interpolate(String(v), ctx);
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: workspace, env, encoding: 'utf8', timeout: 120_000 });
    runs.push({ step, skipped: false, code: r.status, stdout: r.stdout, stderr: r.stderr });
    if (step.id) {
      const outputs: Record<string, string> = {};
      for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
      }
      ctx.steps[step.id] = { outputs };
    }
    if (r.status !== 0) break; // the job stops at a failed step
  }
  return { runs, ctx };
}

function riskyWorkspace(): string {
  const ws = mkdtempSync(path.join(TMP, 'workspace-'));
  cpSync(path.join(ROOT, 'examples/risky-app'), path.join(ws, 'examples/risky-app'), { recursive: true });
  return ws;
}

test('action.yml: set up Node, scan to SARIF, upload it, then fail on findings', () => {
  assert.equal(action.runs.using, 'composite');
  const setup = action.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
  assert.ok(setup, 'sets up Node');
  const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  assert.ok(upload, 'uploads to code scanning');
  assert.equal(upload.with?.sarif_file, '${{ steps.scan.outputs.report }}');
  assert.equal(action.inputs.cli.default, `depwarden@${ROOT_PKG.version}`, 'the action pins the CLI released with it');
  for (const name of ['path', 'fail-on', 'format', 'output', 'upload', 'args', 'cli', 'node-version']) assert.ok(action.inputs[name], `input ${name}`);

  const ws = riskyWorkspace();
  const cache = path.join(TMP, 'scan-cache');
  const { runs, ctx } = runAction(ws, { path: 'examples/risky-app', cli: packCli(), args: `--offline --quiet --cache-dir ${cache}` });
  const byName = (re: RegExp) => runs.find((r) => re.test(r.step.name ?? ''))!;
  assert.equal(byName(/^Scan/).code, 0, byName(/^Scan/).stderr);
  assert.equal(ctx.steps.scan.outputs['exit-code'], '1', 'risky-app has errors');
  assert.equal(ctx.steps.scan.outputs.report, 'depwarden.sarif');
  assert.equal(byName(/relative to the repository/).code, 0, byName(/relative to the repository/).stderr);
  assert.equal(byName(/^Upload/).skipped, false, 'the upload step runs before the failure');
  const fail = byName(/^Fail/);
  assert.equal(fail.code, 1, 'findings at or above fail-on fail the job, after the upload');
  assert.match(fail.stdout ?? '', /::error title=depwarden::findings at or above 'error'/);
  assert.deepEqual(runs.map((r) => r.step.name), action.runs.steps.map((s) => s.name), 'every step was reached');

  // The SARIF, checked for what code scanning needs.
  const sarif = JSON.parse(readFileSync(path.join(ws, 'depwarden.sarif'), 'utf8'));
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs.length, 1);
  const run = sarif.runs[0];
  assert.equal(run.tool.driver.name, 'depwarden');
  assert.equal(run.tool.driver.version, ROOT_PKG.version);
  const rules = run.tool.driver.rules as { id: string; helpUri: string; shortDescription: { text: string } }[];
  assert.ok(rules.length > 10);
  for (const r of rules) {
    assert.match(r.id, /^[a-z-]+$/);
    assert.match(r.helpUri, /^https:\/\//);
    assert.ok(r.shortDescription.text.length > 0);
  }
  const results = run.results as {
    ruleId: string;
    ruleIndex: number;
    level: string;
    message: { text: string };
    locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn: number } } }[];
  }[];
  assert.ok(results.length >= 10, `${results.length} results`);
  const seen = new Set(results.map((r) => r.ruleId));
  for (const id of ['typosquat', 'insecure-url', 'lockfile-host', 'unpinned-range']) assert.ok(seen.has(id), `a ${id} result`);
  for (const r of results) {
    assert.equal(rules[r.ruleIndex].id, r.ruleId);
    assert.ok(['error', 'warning', 'note', 'none'].includes(r.level));
    assert.ok(r.message.text.length > 0);
    assert.equal(r.locations.length, 1);
    const { artifactLocation, region } = r.locations[0].physicalLocation;
    // Re-rooted: the path names the file from the repository root, where code scanning looks.
    assert.match(artifactLocation.uri, /^examples\/risky-app\/(package\.json|package-lock\.json)$/);
    assert.equal(artifactLocation.uriBaseId, undefined);
    const lines = readFileSync(path.join(ws, artifactLocation.uri), 'utf8').split('\n');
    assert.ok(region.startLine >= 1 && region.startLine <= lines.length, `${artifactLocation.uri}:${region.startLine}`);
    assert.ok(region.startColumn >= 1);
  }
  const expresss = results.find((r) => r.ruleId === 'typosquat' && r.locations[0].physicalLocation.artifactLocation.uri.endsWith('package.json'))!;
  const line = readFileSync(path.join(ws, 'examples/risky-app/package.json'), 'utf8').split('\n')[expresss.locations[0].physicalLocation.region.startLine - 1];
  assert.match(line, /"expresss"|"crossenv"|"mongose"/, 'the region is on the dependency');
});

test('action.yml: fail-on never passes the job; text format prints the report; a bad format stops with exit 2', () => {
  const ws = riskyWorkspace();
  const cache = path.join(TMP, 'scan-cache');
  const never = runAction(ws, { path: 'examples/risky-app', cli: packCli(), 'fail-on': 'never', format: 'text', args: `--offline --quiet --cache-dir ${cache}` });
  const scan = never.runs.find((r) => r.step.id === 'scan')!;
  assert.equal(scan.code, 0, scan.stderr);
  assert.equal(never.ctx.steps.scan.outputs['exit-code'], '0');
  assert.match(scan.stdout ?? '', /looks like a typo of the popular package "express"/);
  assert.ok(existsSync(path.join(ws, 'depwarden.txt')));
  assert.ok(never.runs.filter((r) => /^(Upload|Fail)|relative/.test(r.step.name ?? '')).every((r) => r.skipped), 'no upload, no re-rooting, no failure');

  const bad = runAction(ws, { path: 'examples/risky-app', cli: packCli(), format: 'xml' });
  const badScan = bad.runs.find((r) => r.step.id === 'scan')!;
  assert.equal(badScan.code, 2);
  assert.match(badScan.stdout ?? '', /format must be sarif, json or text/);
});

// ---- .pre-commit-hooks.yaml ------------------------------------------------------------------

test('.pre-commit-hooks.yaml: runs the pinned CLI when a manifest or lockfile changes', () => {
  const hooks = parseYaml(readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as {
    id: string;
    entry: string;
    language: string;
    files: string;
    pass_filenames: boolean;
    args?: string[];
  }[];
  const hook = hooks.find((h) => h.id === 'depwarden')!;
  assert.ok(hook);
  assert.equal(hook.pass_filenames, false, 'the scan reads the whole project: workspaces and lockfiles go together');
  const files = new RegExp(hook.files);
  for (const f of ['package.json', 'packages/a/package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', '.depwarden.json', '.npmrc']) {
    assert.ok(files.test(f), `runs when ${f} changes`);
  }
  for (const f of ['src/index.ts', 'README.md', 'my-package.json.bak']) assert.ok(!files.test(f), `not when ${f} changes`);
  // The entry pins the CLI released with the hook's revision; the rest of the command is run
  // here with the packed CLI in its place.
  const pinned = `npx --yes depwarden@${ROOT_PKG.version} `;
  assert.ok(hook.entry.startsWith(pinned), hook.entry);
  const rest = hook.entry.slice(pinned.length).split(' ').concat(hook.args ?? []);
  assert.equal(rest[0], 'scan');
  const ws = riskyWorkspace();
  const cwd = path.join(ws, 'examples/risky-app');
  const r = sh('npx', ['--yes', `--package=${packCli()}`, '--', 'depwarden', ...rest, '--offline', '--cache-dir', path.join(TMP, 'scan-cache')], { cwd });
  assert.equal(r.code, 1, 'a commit with an error-level finding is refused');
  assert.match(r.stdout, /typosquat/);
  writeFileSync(path.join(cwd, 'package.json'), '{ "name": "clean", "version": "1.0.0" }\n');
  for (const f of readdirSync(cwd)) if (f !== 'package.json') rmSync(path.join(cwd, f));
  const clean = sh('npx', ['--yes', `--package=${packCli()}`, '--', 'depwarden', ...rest, '--offline', '--cache-dir', path.join(TMP, 'scan-cache')], { cwd });
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
});
