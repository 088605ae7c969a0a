/**
 * `npm run bench`: speed and memory as ratios against a floor and against peer tools on
 * the same input in the same run. Never used as a pass/fail test.
 */
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { medianMs, fmt } from './stats';
import { benchProcess } from './process';
import { benchFixes } from './fixes';
import { describeParts, measureServerMemory } from './server-memory';
import { benchPipeline } from './lsp-pipeline';
import { benchAudit } from './audit';
import { scanFiles } from '../server/src/engine/scan';
import { defaultSettings } from '../server/src/engine/model';

const CORPUS = path.resolve(__dirname, '../../shared/corpus/lockfiles');
const only = process.argv.slice(2);
const want = (section: string) => only.length === 0 || only.includes(section);

interface Row {
  target: string;
  ms?: number;
  /** JSON.parse of the same data, timed in the same process as `ms`. */
  floorMs?: number;
  /** For the full analysis: JSON.parse of the lockfile data and of the project's package.json files. */
  dataFloorMs?: number;
  maxRssMb?: number;
  error?: string;
}

/**
 * The worker runs as an esbuild bundle, like the shipped server and CLI: through tsx every
 * closure would carry tsx's keep-names wrapper, which costs real time in hot loops.
 */
let workerBundle: string | undefined;
function bundledWorker(): string {
  if (workerBundle) return workerBundle;
  const out = path.resolve(__dirname, '../.bench-peers/lockfile-worker.js');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  require('esbuild').buildSync({
    entryPoints: [path.join(__dirname, 'lockfile-worker.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  workerBundle = out;
  return out;
}

function runWorker(target: string, file: string): Row {
  const r = spawnSync(process.execPath, [bundledWorker(), target, file], {
    encoding: 'utf8',
    cwd: path.resolve(__dirname, '..'),
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { target, ...JSON.parse(line) };
  } catch {
    return { target, error: (r.stderr || r.stdout).trim().split('\n').pop()?.slice(0, 120) ?? 'no output' };
  }
}

function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log('  (x floor: against JSON.parse of the same data timed in the same process; x ours: against depwarden-parse)');
  console.log(`  ${'target'.padEnd(20)}${'median ms'.padStart(11)}${'x floor'.padStart(9)}${'x ours'.padStart(9)}${'maxRSS MB'.padStart(11)}`);
  const ours = rows.find((r) => r.target === 'depwarden-parse');
  // Peers are compared with our parser by their ratios to the floor, which cancels out
  // the load the machine was under while each process ran.
  const oursRatio = ours?.ms && ours.floorMs ? ours.ms / ours.floorMs : undefined;
  for (const r of rows) {
    if (r.error || r.ms === undefined) {
      console.log(`  ${r.target.padEnd(20)}  (not measured: ${r.error})`);
      continue;
    }
    const ratio = r.floorMs ? r.ms / r.floorMs : undefined;
    const xf = ratio !== undefined ? ratio.toFixed(1) : '-';
    const xo = ratio !== undefined && oursRatio ? (ratio / oursRatio).toFixed(1) : '-';
    console.log(`  ${r.target.padEnd(20)}${fmt(r.ms).padStart(11)}${xf.padStart(9)}${xo.padStart(9)}${(r.maxRssMb ?? 0).toFixed(0).padStart(11)}`);
  }
}

function benchLockfiles(): void {
  spawnSync(process.execPath, [path.join(__dirname, 'setup-peers.mjs')], { stdio: 'inherit', cwd: path.resolve(__dirname, '..') });
  const cases: Array<{ title: string; file: string; peers: string[] }> = [
    { title: 'npm v3: theia package-lock.json (1.2 MB)', file: 'theia-npm-v3/package-lock.json', peers: ['arborist', 'snyk', 'lockfile-lint'] },
    { title: 'yarn classic: sentry yarn.lock (1.4 MB)', file: 'sentry-javascript-yarn-v1/yarn.lock', peers: ['yarnpkg-lockfile', 'yarnpkg-parsers', 'lockfile-lint', 'snyk'] },
    { title: 'yarn berry: babel yarn.lock (0.7 MB)', file: 'babel-yarn-berry/yarn.lock', peers: ['yarnpkg-parsers', 'yaml', 'lockfile-lint'] },
    { title: 'pnpm v9: vite pnpm-lock.yaml (0.5 MB)', file: 'vite-pnpm-v9/pnpm-lock.yaml', peers: ['yaml', 'snyk'] },
  ];
  for (const c of cases) {
    const file = path.join(CORPUS, c.file);
    if (!existsSync(file)) {
      console.log(`\n${c.title}: corpus file missing (${file})`);
      continue;
    }
    const rows = ['floor', 'depwarden-parse', 'depwarden-analyse', ...c.peers].map((t) => runWorker(t, file));
    printTable(c.title, rows);
  }
}

/**
 * Issue #13's in-process target: full offline analysis (parse + every rule) of each corpus
 * project, against JSON.parse of the same lockfile data, on every corpus lockfile (the
 * lockfiles section covers four of them, with the peers).
 */
function benchAnalysis(): void {
  spawnSync(process.execPath, [path.join(__dirname, 'setup-peers.mjs')], { stdio: 'inherit', cwd: path.resolve(__dirname, '..') });
  const lockfiles = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock'];
  const files = readdirSync(CORPUS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => lockfiles.filter((l) => existsSync(path.join(CORPUS, d.name, l))).map((l) => `${d.name}/${l}`));
  console.log('\nfull offline analysis in process, every corpus project (x floor: JSON.parse of the lockfile data in the same process;');
  console.log('  x data: JSON.parse of the lockfile data and of the project\'s package.json files, which the analysis reads too)');
  for (const f of files) {
    const r = runWorker('depwarden-analyse', path.join(CORPUS, f));
    const ratio = r.ms !== undefined && r.floorMs ? `${(r.ms / r.floorMs).toFixed(1)}x floor` : `not measured: ${r.error}`;
    const dataRatio = r.ms !== undefined && r.dataFloorMs ? `  ${(r.ms / r.dataFloorMs).toFixed(1)}x data` : '';
    console.log(`  ${f.padEnd(44)} ${r.ms !== undefined ? fmt(r.ms).padStart(7) : ''} ms  ${ratio}${dataRatio}`);
  }
}

function manifestWith(n: number): string {
  const deps: Record<string, string> = {};
  for (let i = 0; i < n; i++) deps[`package-${i}`] = i % 10 === 0 ? '*' : `^${i % 7}.${i % 5}.0`;
  return JSON.stringify({ name: 'big', version: '1.0.0', dependencies: deps }, null, 2);
}

function benchManifest(): void {
  const text = manifestWith(200);
  const files = [{ path: 'package.json', text }];
  const settings = { ...defaultSettings(), offline: true };
  const floor = medianMs(() => JSON.parse(text), 50);
  const ours = medianMs(() => scanFiles(files, { settings }), 50);
  console.log('\npackage.json with 200 dependencies (offline analysis, in process)');
  console.log(`  floor JSON.parse ${fmt(floor)} ms; depwarden scan ${fmt(ours)} ms (${(ours / floor).toFixed(1)}x floor)`);
}

/** Time from spawning dist/server.js to its first publishDiagnostics for a 200-dependency project. */
async function benchServerStartup(): Promise<void> {
  const server = path.resolve(__dirname, '../dist/server.js');
  if (!existsSync(server)) {
    console.log('\nserver start-up: dist/server.js missing (run npm run build)');
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-bench-'));
  writeFileSync(path.join(dir, 'package.json'), manifestWith(200));
  const once = (args: string[], untilDiagnostics: boolean) =>
    new Promise<number>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'ignore'] });
      const done = () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        child.kill();
        resolve(ms);
      };
      if (!untilDiagnostics) {
        child.on('exit', done);
        return;
      }
      let buf = '';
      child.stdout!.on('data', (d) => {
        buf += String(d);
        if (buf.includes('workspace/configuration')) {
          // Answer the settings request (offline, no debounce) like an editor would.
          const idMatch = /"id":(\d+),"method":"workspace\/configuration"/.exec(buf);
          if (idMatch) send({ jsonrpc: '2.0', id: Number(idMatch[1]), result: [{ offline: true, debounceMs: 0 }] });
          buf = buf.replace('workspace/configuration', 'answered');
        }
        if (buf.includes('textDocument/publishDiagnostics')) done();
      });
      child.on('error', reject);
      const send = (msg: unknown) => {
        const body = JSON.stringify(msg);
        child.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      };
      const uri = pathToFileURL(dir).toString();
      send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: uri, workspaceFolders: [{ uri, name: 'b' }], capabilities: { workspace: { configuration: true } } } });
      send({ jsonrpc: '2.0', method: 'initialized', params: {} });
    });
  const runs: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < 7; i++) {
    floors.push(await once(['-e', '0'], false));
    runs.push(await once([server, '--stdio'], true));
  }
  rmSync(dir, { recursive: true, force: true });
  const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log('\nserver start-up to first diagnostics (200-dependency package.json, 7 runs)');
  console.log(`  floor (node -e 0 start and exit) ${fmt(med(floors))} ms; depwarden ${fmt(med(runs))} ms (${(med(runs) / med(floors)).toFixed(1)}x floor)`);
}

async function benchTyposquat(): Promise<void> {
  const file = path.join(__dirname, 'typosquat.ts');
  if (!existsSync(file)) return;
  const mod = (await import(file)) as { runTyposquatBench?: () => Promise<Record<string, number | string>> };
  if (!mod.runTyposquatBench) return;
  console.log('\ntyposquat detection');
  const r = await mod.runTyposquatBench();
  for (const [k, v] of Object.entries(r)) console.log(`  ${k}: ${typeof v === 'number' ? fmt(v) : v}`);
}

/** Language server RSS with theia and sentry open, online against the live registry (bench/server-memory.ts). */
async function benchServerMemory(): Promise<void> {
  const folders = ['theia-npm-v3', 'sentry-javascript-yarn-v1'].map((f) => path.join(CORPUS, f));
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-bench-memory-'));
  try {
    console.log('\nlanguage server memory, theia + sentry open, online (live registry)');
    for (const run of ['cold cache', 'warm cache']) {
      // The warm run then types into sentry's package.json (issue #15: "after an hour of edits").
      const r = await measureServerMemory({ folders, cacheDir: dir, edits: run === 'warm cache' ? 500 : 0 });
      console.log(`  ${run}: settled RSS ${r.settledMb.toFixed(0)} MB${describeParts(r.parts)}, peak ${r.peakMb.toFixed(0)} MB, settled after ${(r.settleMs / 1000).toFixed(1)} s${r.timedOut ? ' (timed out)' : ''}`);
      const e = r.afterEdits;
      if (e) console.log(`  after ${e.edits} edits: settled RSS ${e.settledMb.toFixed(0)} MB${describeParts(e.parts)}${e.timedOut ? ' (timed out)' : ''}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`depwarden benchmarks (node ${process.version}, ${new Date().toISOString()})`);
  if (want('manifest')) benchManifest();
  if (want('startup')) await benchServerStartup();
  if (want('process')) await benchProcess();
  if (want('fixes')) benchFixes();
  if (want('typosquat')) await benchTyposquat();
  // The live registry: only when asked for by name (`npm run bench -- memory`).
  if (only.includes('memory')) await benchServerMemory();
  // Package audits of theia's and sentry's install-script versions, live registry: by name only (`npm run bench -- audit`).
  if (only.includes('audit')) await benchAudit(['theia-npm-v3', 'sentry-javascript-yarn-v1'].map((f) => path.join(CORPUS, f)), path.resolve(__dirname, '../.bench-peers/audit-packuments'));
  if (want('lockfiles')) benchLockfiles();
  if (want('analysis')) benchAnalysis();
  if (want('pipeline')) await benchPipeline();
}

void main();
