/**
 * dist/cli.js: a small launcher that makes later runs skip compiling the CLI itself
 * (dist/cli-main.js, 3 MB), then runs it as the main module. Node >= 22.1 has a module
 * compile cache of its own; older Node (20) gets a V8 code cache (code-cache.ts).
 *
 * Both caches go to the user's own cache folder (as defaultCacheDir() in
 * engine/data/cache.ts, which this file does not import to stay small), never to Node's
 * default under the shared os.tmpdir(), where another local user could plant entries.
 */
import * as path from 'node:path';
import * as os from 'node:os';
import Module from 'node:module';
import { useCodeCacheFor } from './code-cache';

function userCacheDir(): string {
  const env = process.env;
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'depwarden', 'Cache');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'depwarden');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'depwarden');
}

const main = path.join(__dirname, 'cli-main.js');
const mod = Module as typeof Module & { enableCompileCache?: (dir: string) => unknown; runMain(main?: string): void };
try {
  if (mod.enableCompileCache) mod.enableCompileCache(path.join(userCacheDir(), 'compile-cache'));
  else useCodeCacheFor(main, path.join(userCacheDir(), 'code-cache'));
} catch {
  // No cache is only slower.
}
mod.runMain(main);
