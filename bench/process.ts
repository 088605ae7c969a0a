/**
 * Whole-process figures for the CLI (issue #13 item 5):
 * - an offline scan of theia as a process, against a process that only reads and
 *   JSON.parses the same lockfile (the floor), run in turn so that machine load hits both;
 *   and both above the time `node -e 0` takes in the same rounds (Node's own start and exit);
 * - the cache files each run opens, on a cold cache and on a warm one;
 * - a warm online rescan: requests made (should be 0) and cache files opened.
 *
 * The warm cache is filled by one online scan against a loopback registry and OSV API
 * that answer every name with a synthetic packument of about the corpus's median size
 * (40 versions with dependencies, scripts on some) and no advisories.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fmt } from './stats';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const THEIA = path.resolve(ROOT, '../shared/corpus/lockfiles/theia-npm-v3');
const COUNTER = path.join(__dirname, 'count-opens.cjs');

interface Run {
  ms: number;
  opens?: { opens: number; missing: number; reads: number };
  stderr: string;
  /** The exit code (null when a signal ended the process). */
  status: number | null;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('exit', (status) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const m = /DEPWARDEN_BENCH_OPENS (.*)/.exec(stderr);
      resolve({ ms, opens: m ? JSON.parse(m[1]) : undefined, stderr, status });
    });
  });
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** A packument of `versions` versions shaped like the registry's, for any name. */
function syntheticPackument(name: string, versions = 40): string {
  const doc: Record<string, unknown> = { name, 'dist-tags': { latest: `1.${versions - 1}.0` }, versions: {}, time: { created: '2020-01-01T00:00:00.000Z' }, maintainers: [{ name: 'someone' }] };
  for (let i = 0; i < versions; i++) {
    const v = `1.${i}.0`;
    (doc.versions as Record<string, unknown>)[v] = {
      name,
      version: v,
      repository: { type: 'git', url: `git+https://github.com/example/${name.replace('@', '').replace('/', '-')}.git` },
      dependencies: Object.fromEntries(Array.from({ length: 8 }, (_, j) => [`dep-${j}-${name.length}`, `^${j}.0.0`])),
      scripts: i % 10 === 0 ? { test: 'jest', postinstall: 'node setup.js' } : { test: 'jest' },
      _npmUser: { name: 'someone' },
      dist: { integrity: `sha512-${'A'.repeat(86)}==`, tarball: `https://registry.npmjs.org/${name}/-/x-${v}.tgz` },
      gitHead: 'a'.repeat(40),
    };
    (doc.time as Record<string, string>)[v] = new Date(Date.UTC(2020, 0, 1 + i)).toISOString();
  }
  return JSON.stringify(doc);
}

/** Registry and OSV API in one loopback server; counts what it is asked. */
async function loopbackData(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/querybatch') {
        const queries = (JSON.parse(body) as { queries: unknown[] }).queries;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: queries.map(() => ({})) }));
        return;
      }
      const name = decodeURIComponent((req.url ?? '/').slice(1));
      res.writeHead(200, { 'content-type': 'application/json', etag: `"${name.length}"` }).end(syntheticPackument(name));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests: () => requests, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Peer tools as whole processes on the same lockfile, in turn with the floor and our scan:
 * npm's own reader (arborist's loadVirtual, what `npm ls --package-lock-only` starts with)
 * and lockfile-lint's (parse, then its host check, which is one of our ~30 rules). Skipped
 * when .bench-peers/ is not installed (`npm run bench -- lockfiles` installs it).
 */
async function peerProcesses(tmp: string, floorScript: string, ourScan: string[], cacheDir: string, rounds: number): Promise<void> {
  const peersDir = path.join(ROOT, '.bench-peers');
  if (!existsSync(path.join(peersDir, 'node_modules/@npmcli/arborist/package.json')) || !existsSync(path.join(peersDir, 'node_modules/lockfile-lint-api/package.json'))) {
    console.log('  peer processes: not measured (.bench-peers/ is not installed: npm run bench -- lockfiles installs it)');
    return;
  }
  const req = `require('module').createRequire(${JSON.stringify(path.join(peersDir, 'package.json'))})`;
  const peers: Record<string, string> = {
    'arborist loadVirtual (npm)': `const A = ${req}('@npmcli/arborist'); new A({ path: ${JSON.stringify(THEIA)} }).loadVirtual().then(() => {});`,
    'lockfile-lint-api: parse + host check': `const L = ${req}('lockfile-lint-api'); const p = new L.ParseLockfile({ lockfilePath: ${JSON.stringify(path.join(THEIA, 'package-lock.json'))}, lockfileType: 'npm' }).parseSync(); new L.ValidateHost({ packages: p.object }).validate(['npm']);`,
  };
  for (const [i, [label, code]] of Object.entries(peers).entries()) {
    const script = path.join(tmp, `peer-${i}.js`);
    writeFileSync(script, code + '\n');
    // Its exit code, not its stderr, says whether it ran: a peer may print warnings.
    const check = await run([script]);
    if (check.status !== 0) {
      console.log(`  ${label}: not measured (exit ${check.status}: ${check.stderr.trim().split('\n')[0].slice(0, 120)})`);
      continue;
    }
    const toFloor: number[] = [];
    const oursToPeer: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const f = await run([floorScript]);
      const p = await run([script]);
      const s = await run(ourScan, { DEPWARDEN_BENCH_CACHE: cacheDir });
      times.push(p.ms);
      toFloor.push(p.ms / f.ms);
      oursToPeer.push(s.ms / p.ms);
    }
    console.log(`  peer process, ${label}: ${fmt(median(times))} ms (${median(toFloor).toFixed(1)}x floor); depwarden scan --offline is ${median(oursToPeer).toFixed(2)}x its time`);
  }
}

export async function benchProcess(rounds = 7): Promise<void> {
  const lockfile = path.join(THEIA, 'package-lock.json');
  const tmp = mkdtempSync(path.join(tmpdir(), 'depwarden-bench-process-'));
  const floorScript = path.join(tmp, 'floor.js');
  writeFileSync(floorScript, `JSON.parse(require('fs').readFileSync(${JSON.stringify(lockfile)}, 'utf8'));\n`);
  const cold = path.join(tmp, 'cold');
  const warm = path.join(tmp, 'warm');
  const scan = (cacheDir: string, extra: string[] = []) => ['-r', COUNTER, CLI, 'scan', THEIA, '--format', 'json', '--quiet', '--cache-dir', cacheDir, ...extra];
  try {
    console.log(`\nCLI as a whole process: offline scan of theia (2,090 packages), ${rounds} runs each, in turn with the floor`);
    const floors: number[] = [];
    const scans: number[] = [];
    const ratios: number[] = [];
    // Node's own start and exit, timed in the same rounds: what both processes pay before
    // and after their own work (on Node 24 it is half of Node 20's, and the ratio moves
    // with it although the scan's own work does not).
    const starts: number[] = [];
    const ownFloor: number[] = [];
    const ownScan: number[] = [];
    let coldOpens: Run['opens'];
    await run(scan(cold, ['--offline']), { DEPWARDEN_BENCH_CACHE: cold }); // warm-up (disk cache of the OS, not ours)
    for (let i = 0; i < rounds; i++) {
      const n = await run(['-e', '0']);
      const f = await run([floorScript]);
      const s = await run(scan(cold, ['--offline']), { DEPWARDEN_BENCH_CACHE: cold });
      starts.push(n.ms);
      floors.push(f.ms);
      scans.push(s.ms);
      ratios.push(s.ms / f.ms);
      ownFloor.push(f.ms - n.ms);
      ownScan.push(s.ms - n.ms);
      coldOpens = s.opens;
    }
    console.log(`  floor (node: read + JSON.parse the lockfile) ${fmt(median(floors))} ms; depwarden scan --offline, cold cache ${fmt(median(scans))} ms (${median(ratios).toFixed(1)}x floor, median of pairs)`);
    console.log(`  above Node's own start and exit (node -e 0, ${fmt(median(starts))} ms): floor ${fmt(median(ownFloor))} ms, depwarden scan ${fmt(median(ownScan))} ms`);
    // Three rounds: arborist alone takes seconds, and it is far from the others.
    await peerProcesses(tmp, floorScript, scan(cold, ['--offline']), cold, 3);
    console.log(`  cache files opened, cold cache: ${coldOpens?.opens ?? '?'} (${coldOpens?.missing ?? '?'} missing)`);

    const data = await loopbackData();
    const online = ['--registry', data.url, '--advisories', data.url, '--public-registry', data.url];
    const fill = await run(scan(warm, online), { DEPWARDEN_BENCH_CACHE: warm });
    const filled = data.requests();
    const rescan = await run(scan(warm, online), { DEPWARDEN_BENCH_CACHE: warm });
    console.log(`  online scan against a loopback registry + OSV (cold cache): ${fmt(fill.ms)} ms, ${filled} requests`);
    console.log(`  warm online rescan: ${fmt(rescan.ms)} ms, ${data.requests() - filled} requests, ${rescan.opens?.opens ?? '?'} cache files opened, ${rescan.opens?.reads ?? '?'} reads of them`);
    await data.close();
    const warmRatios: number[] = [];
    let warmOpens: Run['opens'];
    for (let i = 0; i < rounds; i++) {
      const f = await run([floorScript]);
      // The same registry and advisory URLs as the fill (the cache is keyed by them): a scan
      // of the default registry would find none of these entries.
      const s = await run(scan(warm, ['--offline', ...online]), { DEPWARDEN_BENCH_CACHE: warm });
      warmRatios.push(s.ms / f.ms);
      warmOpens = s.opens;
    }
    console.log(`  depwarden scan --offline, warm cache: ${median(warmRatios).toFixed(1)}x floor; cache files opened: ${warmOpens?.opens ?? '?'}, ${warmOpens?.reads ?? '?'} reads of them`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
