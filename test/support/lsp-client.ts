import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { SERVER_ENV, SERVER_EXEC_ARGV } from '../../server/src/lsp/protocol';

export interface PublishedDiagnostics {
  uri: string;
  diagnostics: Array<{
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    severity?: number;
    code?: string;
    source?: string;
    message: string;
    codeDescription?: { href: string };
    data?: unknown;
  }>;
}

/**
 * Starts the bundled language server (dist/server.js) over stdio and speaks real LSP to
 * it, the way an editor does. Waits are on events (a publish that matches), never sleeps.
 */
export class LspTestClient {
  readonly connection: MessageConnection;
  private readonly child: ChildProcess;
  readonly diagnostics = new Map<string, PublishedDiagnostics['diagnostics']>();
  readonly statuses: unknown[] = [];
  /** Which of them came when: 'publish' or 'status', in the order they arrived. */
  readonly arrivals: Array<'publish' | 'status'> = [];
  /** Every publishDiagnostics, in order, with when it arrived (to count publishes). */
  readonly publishes: Array<PublishedDiagnostics & { at: number }> = [];
  /** Extra client capabilities sent with initialize (e.g. { window: { workDoneProgress: true } }). */
  extraCapabilities: Record<string, unknown> = {};
  readonly logs: string[] = [];
  /** Every other notification from the server, in order. */
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  private waiters: Array<() => void> = [];
  settings: Record<string, unknown> = { offline: true, debounceMs: 20 };

  /** `env`: variables set for the server on top of this process's and SERVER_ENV (a test's own HOME). */
  constructor(serverPath = path.resolve(__dirname, '../../dist/server.js'), env: Record<string, string> = {}) {
    // The node flags and environment the extension launches the server with
    // (client/src/extension.ts), so that tests and benchmarks run what users run; then
    // DEPWARDEN_SERVER_NODE_ARGS: extra node flags for the server (a benchmark's --cpu-prof).
    const nodeArgs = process.env.DEPWARDEN_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    this.child = spawn(process.execPath, [...SERVER_EXEC_ARGV, ...nodeArgs, serverPath, '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...SERVER_ENV, ...env },
    });
    this.child.stderr!.on('data', (d) => this.logs.push(String(d)));
    this.connection = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishedDiagnostics) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      this.publishes.push({ ...p, at: Date.now() });
      this.arrivals.push('publish');
      this.notify();
    });
    this.connection.onNotification('depwarden/status', (s: unknown) => {
      this.statuses.push(s);
      this.arrivals.push('status');
      this.notify();
    });
    this.connection.onNotification('window/logMessage', (m: { message: string }) => this.logs.push(m.message));
    this.connection.onRequest('workspace/configuration', (p: { items: Array<{ section?: string }> }) =>
      p.items.map((i) => (i.section === 'depwarden' ? this.settings : null)),
    );
    this.connection.onRequest('client/registerCapability', () => null);
    // Server-created progress (window/workDoneProgress): accepted; its $/progress lands in `notifications`.
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onUnhandledProgress((params) => {
      this.notifications.push({ method: '$/progress', params });
      this.notify();
    });
    this.connection.onNotification((method: string, params: unknown) => {
      this.notifications.push({ method, params });
      this.notify();
    });
    this.connection.listen();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Starts the server on one workspace folder, or on several (the first is the root). */
  async initialize(folder: string | string[]): Promise<unknown> {
    const folders = typeof folder === 'string' ? [folder] : folder;
    const result = await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(folders[0]).toString(),
      workspaceFolders: folders.map((f, i) => ({ uri: pathToFileURL(f).toString(), name: i === 0 ? 'test' : `test${i}` })),
      capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } }, textDocument: { hover: {}, codeAction: {} }, ...this.extraCapabilities },
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** Resolves when `predicate` holds for the published diagnostics (checked on every publish). */
  async waitFor<T>(predicate: () => T | undefined | null | false | 0 | '', what: string, timeoutMs = 10000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = predicate();
      if (v) return v as T;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}; last diagnostics: ${JSON.stringify([...this.diagnostics], null, 1).slice(0, 2000)}\nlogs: ${this.logs.join('\n').slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The server's process id (a benchmark reads its CPU time). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** `waitForExit`: resolves once the server process has ended (it writes its code cache at exit). */
  async shutdown(waitForExit = false): Promise<void> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      /* already gone */
    }
    // A profiled server writes its profile on exit, and every server its code cache: give it the time when asked.
    if ((waitForExit || process.env.DEPWARDEN_SERVER_NODE_ARGS) && this.child.exitCode === null) {
      await new Promise((resolve) => {
        this.child.once('exit', resolve);
        setTimeout(resolve, 15_000);
      });
    }
    this.connection.dispose();
    this.child.kill();
  }
}

export function uriOf(file: string): string {
  return pathToFileURL(file).toString();
}
