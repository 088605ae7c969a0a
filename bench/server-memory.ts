/**
 * The language server's memory with big monorepos open (issue #15 item 2, #13 item 5):
 * starts dist/server.js over stdio like an editor, with corpus folders as workspace
 * folders, online, and samples the process's RSS (/proc/<pid>/status) until the lookups
 * settle (status `lookingUp` false and no publish for SETTLE_MS). Prints the settled RSS,
 * the peak (VmHWM) and the time to settle.
 *
 *   node --import tsx bench/server-memory.ts [--registry URL] [--cache-dir DIR] [--offline] [--server FILE] [folder...]
 *
 * Default folders: theia and sentry from the corpus. Without --registry it asks the live
 * registry (and OSV): a benchmark, never a test. --cache-dir DIR is the editor's storage
 * folder (the disk cache is DIR/cache), kept between runs so that a warm run reads it
 * instead of the network; without it a fresh temporary one is used.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.resolve(ROOT, '../shared/corpus/lockfiles');
const SETTLE_MS = 5000;

export interface ServerMemory {
  settledMb: number;
  peakMb: number;
  settleMs: number;
  publishes: number;
  timedOut: boolean;
}

/** VmRSS and VmHWM of a process, in MB (Linux). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

export async function measureServerMemory(options: { folders: string[]; registry?: string; cacheDir?: string; offline?: boolean; timeoutMs?: number; server?: string }): Promise<ServerMemory> {
  const storage = options.cacheDir ? path.resolve(options.cacheDir) : mkdtempSync(path.join(tmpdir(), 'depwarden-bench-memory-'));
  const child = spawn(process.execPath, [options.server ?? path.join(ROOT, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const settings: Record<string, unknown> = { offline: Boolean(options.offline) };
  if (options.registry) Object.assign(settings, { registry: options.registry, advisories: options.registry, publicRegistries: [options.registry] });
  let publishes = 0;
  let lookingUp = true;
  let lastEvent = Date.now();
  connection.onNotification('textDocument/publishDiagnostics', () => {
    publishes++;
    lastEvent = Date.now();
  });
  connection.onNotification('depwarden/status', (s: { lookingUp: boolean }) => {
    lookingUp = s.lookingUp;
    lastEvent = Date.now();
  });
  connection.onNotification(() => {});
  connection.onRequest('workspace/configuration', (p: { items: Array<{ section?: string }> }) => p.items.map((i) => (i.section === 'depwarden' ? settings : null)));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest(() => null);
  connection.listen();
  const t0 = Date.now();
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
    const deadline = t0 + (options.timeoutMs ?? 600_000);
    let peak = 0;
    let settled = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const m = memoryOf(child.pid!);
      peak = Math.max(peak, m.hwm);
      settled = m.rss;
      if (publishes > 0 && !lookingUp && Date.now() - lastEvent > SETTLE_MS) break;
      if (Date.now() > deadline) return { settledMb: settled, peakMb: peak, settleMs: Date.now() - t0, publishes, timedOut: true };
    }
    return { settledMb: settled, peakMb: peak, settleMs: lastEvent - t0, publishes, timedOut: false };
  } finally {
    connection.dispose();
    child.kill();
    if (!options.cacheDir) rmSync(storage, { recursive: true, force: true });
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
  const offline = args.includes('--offline');
  const folders = args.filter((a) => !a.startsWith('--'));
  const chosen = folders.length ? folders.map((f) => path.resolve(f)) : ['theia-npm-v3', 'sentry-javascript-yarn-v1'].map((f) => path.join(CORPUS, f));
  console.log(`server memory: ${chosen.map((f) => path.basename(f)).join(' + ')}, ${offline ? 'offline' : `online (${registry ?? 'live registry'})`}, cache ${cacheDir ?? 'fresh'}`);
  const r = await measureServerMemory({ folders: chosen, registry, cacheDir, offline, server });
  console.log(`  settled RSS ${r.settledMb.toFixed(0)} MB, peak ${r.peakMb.toFixed(0)} MB, settled after ${(r.settleMs / 1000).toFixed(1)} s, ${r.publishes} publishes${r.timedOut ? ' (timed out before settling)' : ''}`);
}

if (require.main === module) void main();
