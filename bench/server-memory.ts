/**
 * The language server's memory with big monorepos open (issue #15 item 2, #13 item 5):
 * starts dist/server.js over stdio like an editor (with the client's Node options and
 * environment, SERVER_ENV in protocol.ts), with corpus folders as workspace folders, online, and samples the process's RSS (/proc/<pid>/status) until the lookups
 * settle (status `lookingUp` false and no publish for --settle-ms, default 5 s). Prints the settled RSS,
 * the peak (VmHWM), the time to settle and the CPU time used meanwhile; with --edits N it then opens the last folder's
 * package.json and types a dependency line into it and deletes it again, one character per
 * didChange, N changes in all (the issue's "after an hour of edits"), waits for the server
 * to settle again and prints the RSS after.
 *
 *   node --import tsx bench/server-memory.ts [--registry URL] [--cache-dir DIR] [--offline] [--server FILE]
 *        [--edits N] [--edit-interval MS] [--heap-snapshots DIR] [--log FILE] [--settle-ms MS] [folder...]
 *
 * --heap-snapshots DIR writes a V8 heap snapshot of the server into DIR at each settled
 * point (--heapsnapshot-signal): what holds the memory, for diagnosis (it costs time and
 * memory itself, so the RSS printed is sampled before it).
 *
 * Default folders: theia and sentry from the corpus. Without --registry it asks the live
 * registry (and OSV): a benchmark, never a test. --cache-dir DIR is the editor's storage
 * folder (the disk cache is DIR/cache), kept between runs so that a warm run reads it
 * instead of the network; without it a fresh temporary one is used.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER_ENV, SERVER_EXEC_ARGV } from '../server/src/lsp/protocol';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.resolve(ROOT, '../shared/corpus/lockfiles');

/** What the server's RSS is made of when it settled (bench/memory-probe.cjs), in MB. */
export interface MemoryParts {
  heapUsedMb: number;
  heapCommittedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /**
   * Resident MB of glibc malloc's main heap (the `[heap]` mapping, Linux): blocks freed
   * after a cold lookup that malloc keeps (SERVER_ENV's MALLOC_MMAP_THRESHOLD_).
   */
  mallocHeapMb?: number;
  /** Committed (physical) MB of each V8 heap space: where used and committed part. */
  spacesMb?: Record<string, { used: number; committed: number }>;
}

export interface ServerMemory {
  settledMb: number;
  parts?: MemoryParts;
  peakMb: number;
  settleMs: number;
  /** CPU seconds (user + system) the server used until it settled. */
  cpuSeconds: number;
  /** From initialize to the first publish that carries a diagnostic (what a user sees first), or null. */
  firstProblemMs: number | null;
  publishes: number;
  /** Diagnostics shown once settled, by rule (diagnostic code). */
  byRule?: Record<string, number>;
  timedOut: boolean;
  /** With `edits`: RSS once settled again after the edits, the peak meanwhile, how long they took. */
  afterEdits?: { edits: number; settledMb: number; parts?: MemoryParts; peakMb: number; ms: number; timedOut: boolean };
}

export interface MemoryOptions {
  folders: string[];
  registry?: string;
  cacheDir?: string;
  offline?: boolean;
  timeoutMs?: number;
  server?: string;
  /** didChange edits to a package.json once settled (0: none). */
  edits?: number;
  /** Milliseconds between edits (default 50: a fast typist, so scans coalesce as they do in the editor). */
  editIntervalMs?: number;
  /** Appends the server's log messages to this file. */
  log?: string;
  /** Writes a heap snapshot of the server here at each settled point. */
  heapSnapshots?: string;
  /** Quiet time (no lookup, no publish) after which the server counts as settled (default 5000 ms). */
  quietMs?: number;
  /** Opens the first folder's root package.json right after `initialized`, as a user looking at it does (its direct dependencies are looked up first). */
  openManifest?: boolean;
}

/** The line typed and deleted by the simulated edits: a real package, so lookups of its prefixes and of it happen as they would. */
const TYPED = '"left-pad": "^1.3.0",\n    ';

/** VmRSS and VmHWM of a process, in MB (Linux). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** CPU seconds (user + system) a process has used so far (Linux): what the memory settings cost in work, load or not. */
function cpuSecondsOf(pid: number): number {
  // Fields after the command name, which is in parentheses and may contain spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function measureServerMemory(options: MemoryOptions): Promise<ServerMemory> {
  const storage = options.cacheDir ? path.resolve(options.cacheDir) : mkdtempSync(path.join(tmpdir(), 'depwarden-bench-memory-'));
  const nodeArgs = [...SERVER_EXEC_ARGV, '--require', path.join(__dirname, 'memory-probe.cjs'), ...(options.heapSnapshots ? ['--heapsnapshot-signal=SIGUSR2'] : [])];
  const probe = path.join(storage, `memory-probe-${process.pid}.json`);
  const child = spawn(process.execPath, [...nodeArgs, options.server ?? path.join(ROOT, 'dist/server.js'), '--stdio'], {
    stdio: ['pipe', 'pipe', 'ignore'],
    cwd: options.heapSnapshots ? path.resolve(options.heapSnapshots) : undefined,
    // As the client starts it (client/src/extension.ts, protocol.ts).
    env: { ...process.env, ...SERVER_ENV, DEPWARDEN_MEMORY_PROBE: probe },
  });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const settings: Record<string, unknown> = { offline: Boolean(options.offline) };
  if (options.registry) Object.assign(settings, { registry: options.registry, advisories: options.registry, publicRegistries: [options.registry] });
  const t0 = Date.now();
  let publishes = 0;
  let firstProblemAt: number | null = null;
  let lookingUp = true;
  let lastEvent = Date.now();
  // The diagnostics now shown per file, to count them by rule once settled (a cold and a
  // warm run must end with the same).
  const shown = new Map<string, { code?: unknown }[]>();
  connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: { code?: unknown }[] }) => {
    shown.set(p.uri, p.diagnostics);
    publishes++;
    if (firstProblemAt === null && p.diagnostics.length > 0) firstProblemAt = Date.now();
    lastEvent = Date.now();
  });
  connection.onNotification('depwarden/status', (s: { lookingUp: boolean }) => {
    lookingUp = s.lookingUp;
    lastEvent = Date.now();
  });
  connection.onNotification('window/logMessage', (m: { message: string }) => {
    if (options.log) appendFileSync(options.log, `${((Date.now() - t0) / 1000).toFixed(1)}s ${m.message}\n`);
  });
  connection.onNotification(() => {});
  connection.onRequest('workspace/configuration', (p: { items: Array<{ section?: string }> }) => p.items.map((i) => (i.section === 'depwarden' ? settings : null)));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest(() => null);
  connection.listen();
  const deadline = t0 + (options.timeoutMs ?? 1_200_000);
  /** Samples RSS until nothing was published and no lookup ran for the settle time (after `since`). */
  const settle = async (since: number, publishedBefore: number) => {
    let peak = 0;
    let settled = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const m = memoryOf(child.pid!);
      peak = Math.max(peak, m.hwm);
      settled = m.rss;
      if (publishes > publishedBefore && !lookingUp && Date.now() - lastEvent > (options.quietMs ?? 5000) && lastEvent >= since) return { settled, peak, at: lastEvent, timedOut: false };
      if (Date.now() > deadline) return { settled, peak, at: Date.now(), timedOut: true };
    }
  };
  try {
    const folders = options.folders.map((f) => ({ uri: pathToFileURL(f).toString(), name: path.basename(f) }));
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: folders[0].uri,
      workspaceFolders: folders,
      // The disk cache goes to <globalStoragePath>/cache, as in VS Code.
      initializationOptions: { globalStoragePath: storage },
      capabilities: { workspace: { configuration: true, workspaceFolders: true }, textDocument: { codeAction: { dataSupport: true, resolveSupport: { properties: ['edit'] } } } },
    });
    await connection.sendNotification('initialized', {});
    if (options.openManifest) {
      const file = path.join(options.folders[0], 'package.json');
      await connection.sendNotification('textDocument/didOpen', { textDocument: { uri: pathToFileURL(file).toString(), languageId: 'json', version: 1, text: readFileSync(file, 'utf8') } });
    }
    const first = await settle(t0, 0);
    const result: ServerMemory = { settledMb: first.settled, parts: partsOf(probe, child.pid!), peakMb: first.peak, settleMs: first.at - t0, cpuSeconds: cpuSecondsOf(child.pid!), firstProblemMs: firstProblemAt === null ? null : firstProblemAt - t0, publishes, timedOut: first.timedOut, byRule: countByRule(shown) };
    if (options.heapSnapshots) await heapSnapshot(child.pid!, options.heapSnapshots);
    if (first.timedOut || !options.edits) return result;
    // An hour of edits, compressed: one package.json open, a dependency typed in and deleted again.
    const file = path.join(options.folders[options.folders.length - 1], 'package.json');
    const uri = pathToFileURL(file).toString();
    const original = readFileSync(file, 'utf8');
    const at = Math.max(original.indexOf('"dependencies": {'), original.indexOf('"devDependencies": {'));
    if (at < 0) throw new Error(`${file} has no "dependencies" or "devDependencies"`);
    const insertAt = original.indexOf('{', at) + 1;
    const head = original.slice(0, insertAt) + '\n    ';
    const tail = original.slice(insertAt).replace(/^\s*/, '');
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: original } });
    const t1 = Date.now();
    const before = publishes;
    let typed = 0;
    let growing = true;
    for (let i = 0; i < options.edits; i++) {
      typed += growing ? 1 : -1;
      if (typed === TYPED.length) growing = false;
      if (typed === 0) growing = true;
      const text = typed === 0 ? original : head + TYPED.slice(0, typed) + tail;
      await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [{ text }] });
      await new Promise((r) => setTimeout(r, options.editIntervalMs ?? 50));
    }
    const after = await settle(t1, before);
    result.afterEdits = { edits: options.edits, settledMb: after.settled, parts: partsOf(probe, child.pid!), peakMb: after.peak, ms: after.at - t1, timedOut: after.timedOut };
    if (options.heapSnapshots) await heapSnapshot(child.pid!, options.heapSnapshots);
    return result;
  } finally {
    connection.dispose();
    child.kill();
    rmSync(probe, { force: true });
    if (!options.cacheDir) rmSync(storage, { recursive: true, force: true });
  }
}

/** Resident MB of the `[heap]` mapping of a process (Linux), undefined where there is none. */
function mallocHeapOf(pid: number): number | undefined {
  try {
    const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    const m = /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+) kB/.exec(smaps);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function partsOf(probe: string, pid: number): MemoryParts | undefined {
  try {
    const p = JSON.parse(readFileSync(probe, 'utf8')) as { heapUsed: number; committed: number; external: number; arrayBuffers: number; spacesKb?: Record<string, number>; spacesCommittedKb?: Record<string, number> };
    const mb = (x: number) => x / 1024 / 1024;
    const spacesMb: MemoryParts['spacesMb'] = {};
    for (const [space, kb] of Object.entries(p.spacesCommittedKb ?? {})) spacesMb[space] = { used: (p.spacesKb?.[space] ?? 0) / 1024, committed: kb / 1024 };
    return { heapUsedMb: mb(p.heapUsed), heapCommittedMb: mb(p.committed), externalMb: mb(p.external), arrayBuffersMb: mb(p.arrayBuffers), mallocHeapMb: mallocHeapOf(pid), spacesMb };
  } catch {
    return undefined; // not written yet
  }
}

/** `heap 120/150 MB, external 12 MB`: what the RSS is made of. */
export function describeParts(p: MemoryParts | undefined): string {
  const malloc = p?.mallocHeapMb === undefined ? '' : `, malloc heap ${p.mallocHeapMb.toFixed(0)} MB`;
  return p ? ` (V8 heap ${p.heapUsedMb.toFixed(0)} MB used / ${p.heapCommittedMb.toFixed(0)} MB committed, external ${p.externalMb.toFixed(0)} MB${malloc})` : '';
}

/** `old 90/120, new 2/16, ...`: used/committed MB of the V8 heap spaces that commit a megabyte or more. */
export function describeSpaces(p: MemoryParts | undefined): string {
  const spaces = Object.entries(p?.spacesMb ?? {}).filter(([, s]) => s.committed >= 1);
  return spaces.map(([name, s]) => `${name.replace(/_space$/, '')} ${s.used.toFixed(0)}/${s.committed.toFixed(0)}`).join(', ');
}

/** Asks the server for a heap snapshot (SIGUSR2) and waits until the file stops growing. */
async function heapSnapshot(pid: number, dir: string): Promise<void> {
  const count = () => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
  const known = new Set(count());
  process.kill(pid, 'SIGUSR2');
  let lastSize = -1;
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const fresh = count().filter((f) => !known.has(f));
    if (!fresh.length) continue;
    const size = statSync(path.join(dir, fresh[0])).size;
    if (size > 0 && size === lastSize) {
      console.log(`  heap snapshot: ${path.join(dir, fresh[0])}`);
      return;
    }
    lastSize = size;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const registry = flag('--registry');
  const cacheDir = flag('--cache-dir');
  const server = flag('--server');
  const edits = Number(flag('--edits') ?? 0);
  const editIntervalMs = Number(flag('--edit-interval') ?? 50);
  const heapSnapshots = flag('--heap-snapshots');
  const quietMs = Number(flag('--settle-ms') ?? 5000);
  const log = flag('--log');
  const offline = args.includes('--offline');
  const openManifest = args.includes('--open-manifest');
  const folders = args.filter((a) => !a.startsWith('--'));
  const chosen = folders.length ? folders.map((f) => path.resolve(f)) : ['theia-npm-v3', 'sentry-javascript-yarn-v1'].map((f) => path.join(CORPUS, f));
  console.log(`server memory: ${chosen.map((f) => path.basename(f)).join(' + ')}, ${offline ? 'offline' : `online (${registry ?? 'live registry'})`}, cache ${cacheDir ?? 'fresh'}`);
  const r = await measureServerMemory({ folders: chosen, registry, cacheDir, offline, server, edits, editIntervalMs, heapSnapshots, log, quietMs, openManifest });
  console.log(`  settled RSS ${r.settledMb.toFixed(0)} MB${describeParts(r.parts)}, peak ${r.peakMb.toFixed(0)} MB, first problem after ${r.firstProblemMs === null ? '–' : `${(r.firstProblemMs / 1000).toFixed(1)} s`}, settled after ${(r.settleMs / 1000).toFixed(1)} s (${r.cpuSeconds.toFixed(1)} s of CPU), ${r.publishes} publishes${r.timedOut ? ' (timed out before settling)' : ''}`);
  if (r.byRule) console.log(`  diagnostics shown, by rule: ${Object.entries(r.byRule).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  if (r.parts?.spacesMb) console.log(`  heap spaces, MB used/committed: ${describeSpaces(r.parts)}`);
  const e = r.afterEdits;
  if (e) console.log(`  after ${e.edits} edits: settled RSS ${e.settledMb.toFixed(0)} MB${describeParts(e.parts)}, peak ${e.peakMb.toFixed(0)} MB, settled ${(e.ms / 1000).toFixed(1)} s after the first edit${e.timedOut ? ' (timed out before settling)' : ''}`);
  if (e?.parts?.spacesMb) console.log(`  heap spaces after the edits, MB used/committed: ${describeSpaces(e.parts)}`);
}

if (require.main === module) void main();

function countByRule(shown: Map<string, { code?: unknown }[]>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const diagnostics of shown.values()) for (const d of diagnostics) counts[String(d.code ?? '?')] = (counts[String(d.code ?? '?')] ?? 0) + 1;
  return counts;
}
