import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { tempProject } from './fixtures';
import { LspTestClient, uriOf } from './lsp-client';

export interface OpenProject {
  client: LspTestClient;
  /** The project's folder, the workspace folder of the session. */
  dir: string;
  /** The file: uri of a path relative to the folder. */
  uri(rel: string): string;
}

/** What openProject needs of node:test's context (a test's `t`, or a helper's). */
export interface TestHooks {
  after(fn: () => void | Promise<void>): void;
}

export interface OpenProjectOptions {
  /** Prefix of the temp folder's name. */
  prefix?: string;
  /** The client's `depwarden` settings (default: offline, debounceMs 20). */
  settings?: Record<string, unknown>;
  /** Servers the test started (a loopback registry, an advisory service, a proxy): closed after the language server. */
  servers?: Array<{ close(): Promise<void> }>;
}

/**
 * The start of most LSP tests: the files in a temp folder (or a folder the test made,
 * by path), a real language server opened on it as the editor does, and, when the test
 * ends, the server shut down, the test's servers closed and the folder removed.
 */
export async function openProject(t: TestHooks, files: Record<string, string> | string, options: OpenProjectOptions = {}): Promise<OpenProject> {
  const dir = typeof files === 'string' ? files : tempProject(files, options.prefix ?? 'depwarden-lsp-');
  const client = new LspTestClient();
  if (options.settings) client.settings = options.settings;
  t.after(async () => {
    await client.shutdown();
    await Promise.all((options.servers ?? []).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  await client.initialize(dir);
  return { client, dir, uri: (rel) => uriOf(path.join(dir, rel)) };
}
