/**
 * dist/cli.js and dist/server.js: a small launcher that makes later starts skip compiling
 * the program itself (dist/cli-main.js or dist/server-main.js, 3 MB each), then runs it as
 * the main module. Node >= 22.1 has a module compile cache of its own; older Node (20)
 * gets a V8 code cache (code-cache.ts). esbuild builds this file once per program, with
 * DEPWARDEN_MAIN naming the bundle to run.
 *
 * For the language server the cache also holds the functions its first scans compiled
 * (written 10 s after the start, or at exit if that comes first).
 *
 * Both caches go to the user's own cache folder (as defaultCacheDir() in
 * engine/data/cache.ts, which this file does not import to stay small), never to Node's
 * default under the shared os.tmpdir(), where another local user could plant entries.
 */
import * as path from 'node:path';
import * as os from 'node:os';
import Module from 'node:module';
import { useCodeCacheFor } from './code-cache';

/** The bundle this launcher runs, beside it (esbuild.mjs defines it per program). */
declare const DEPWARDEN_MAIN: string;
/**
 * For a long-lived program (the language server, which an editor may kill rather than
 * stop): the caches are also written this long after the start, its first scans done.
 */
declare const DEPWARDEN_SAVE_CACHE_AFTER_MS: number | undefined;

function userCacheDir(): string {
  const env = process.env;
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'depwarden', 'Cache');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'depwarden');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'depwarden');
}

const main = path.join(__dirname, DEPWARDEN_MAIN);
const mod = Module as typeof Module & {
  enableCompileCache?: (dir: string) => unknown;
  /** Node >= 22.10: writes the compile cache now rather than at exit. */
  flushCompileCache?: () => void;
  runMain(main?: string): void;
};
try {
  if (mod.enableCompileCache) {
    mod.enableCompileCache(path.join(userCacheDir(), 'compile-cache'));
    const flush = mod.flushCompileCache;
    if (flush && DEPWARDEN_SAVE_CACHE_AFTER_MS !== undefined) setTimeout(() => flush(), DEPWARDEN_SAVE_CACHE_AFTER_MS).unref();
  } else useCodeCacheFor(main, path.join(userCacheDir(), 'code-cache'), DEPWARDEN_SAVE_CACHE_AFTER_MS);
} catch {
  // No cache is only slower.
}
mod.runMain(main);
