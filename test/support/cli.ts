import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** The bundled CLI (npm run build), run the way a user or CI runs it. */
export const CLI = path.resolve(__dirname, '../../dist/cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The signal that ended the run (a timeout kills it), else null. */
  signal: NodeJS.Signals | null;
  /** Wall time of the whole process, start-up included. */
  ms: number;
}

export interface CliRunOptions {
  cwd?: string;
  /** Added to (or, with undefined, removed from) the environment. */
  env?: Record<string, string | undefined>;
  /**
   * No user or global .npmrc and no proxy from this machine: a test against a loopback
   * registry must not pick up the machine's registry, tokens or proxy.
   */
  hermetic?: boolean;
  timeout?: number;
}

/** The environment of a run: no colour (output is compared as text), optionally hermetic. */
function envOf(options: CliRunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  if (options.hermetic) Object.assign(env, { NPM_CONFIG_USERCONFIG: '/nonexistent', NPM_CONFIG_GLOBALCONFIG: '/nonexistent', HTTPS_PROXY: '', HTTP_PROXY: '', https_proxy: '', http_proxy: '' });
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * Runs dist/cli.js without blocking the event loop: a loopback registry or advisory
 * server started by the test answers from this process while the CLI runs.
 */
export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: envOf(options), timeout: options.timeout });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, stdout, stderr, signal, ms: performance.now() - started }));
  });
}

/** The same, blocking: for runs that need nothing from this process (offline scans). */
export function runCliSync(args: string[], options: CliRunOptions = {}): CliRun {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd, env: envOf(options), encoding: 'utf8', timeout: options.timeout, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal, ms: performance.now() - started };
}
