/**
 * A V8 code cache for the CLI and language-server bundles, for the Node versions that have
 * no `module.enableCompileCache` (Node 20 and 22.0): compiling the 3 MB dist/cli-main.js is
 * a fixed ~80 ms of every `depwarden scan` (dist/server-main.js the same of every server
 * start), and V8 can skip most of it when handed the code it produced last time (what
 * v8-compile-cache does, and Node's own compile cache later).
 *
 * One file per bundle and runtime (`cli-main-v20.20.2-x64.v8`), so the folder stays
 * bounded: a new depwarden build overwrites its runtime's file. The file says which bundle it was made
 * from (a fingerprint of the source) and carries a fingerprint of its payload: V8 checks
 * its own version and flags but not the payload in release builds, and a torn or corrupt
 * file must never reach it. Anything wrong (missing, corrupt, another bundle, V8 rejects it) means
 * compiling as usual and writing the file again; a folder we cannot write only means no
 * cache. Written atomically (temporary file, then rename), mode 0600 in a 0700 folder.
 *
 * Only the launcher (launcher.ts) uses it, and it must stay small: Node built-ins only.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as zlib from 'node:zlib';
import Module from 'node:module';

const MAGIC = 'depwarden-v8-code-cache 2';

export type CodeCacheStatus = 'hit' | 'miss' | 'rejected';

export interface CompiledModule {
  /** Node's module wrapper: (exports, require, module, __filename, __dirname). */
  wrapper: (...args: unknown[]) => unknown;
  /** hit: the cache was used; miss: there was none for this runtime; rejected: it was corrupt, stale, or V8 refused it. */
  status: CodeCacheStatus;
  /**
   * Writes the cache when it was not used. Call after the module has run: V8 then also
   * includes the functions it compiled lazily during the run. Never throws.
   */
  save(): void;
}

/** The runtime a cache file belongs to; V8's code is specific to the Node version and CPU. */
export function currentRuntime(): string {
  return `${process.version}-${process.arch}`;
}

/** The cache file for the bundle `filename` under `dir` on `runtime` (characters outside [\w.-] replaced). */
export function codeCacheFile(dir: string, runtime: string, filename: string): string {
  return path.join(dir, `${path.basename(filename, '.js')}-${runtime}`.replace(/[^\w.-]/g, '_') + '.v8');
}

const crc32 = (zlib as { crc32?: (data: string | Buffer) => number }).crc32;

/**
 * What tells a bundle or a payload from another: CRC-32 and length where Node has zlib.crc32
 * (20.15 and later: ~3 ms for the 7 MB of source and cache), else SHA-256 (~40 ms). It
 * guards against accidents (a rebuilt bundle, a damaged file), not against someone who can
 * write the user's own cache folder, who could replace the CLI itself as well.
 */
export function fingerprint(data: string | Buffer): string {
  return crc32 ? `crc32:${crc32(data).toString(16)}:${data.length}` : `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The file's header: MAGIC, the source's fingerprint, the payload's, one line each. */
function header(sourceFingerprint: string, payloadFingerprint: string): string {
  return `${MAGIC}\n${sourceFingerprint}\n${payloadFingerprint}\n`;
}

/** The payload of a cache file made from this source, or undefined (and whether the file was bad) when there is none to trust. */
function readCache(file: string, sourceFingerprint: string): { data?: Buffer; corrupt: boolean } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return { corrupt: false };
  }
  let end = -1;
  for (let line = 0; line < 3; line++) {
    end = bytes.indexOf(10, end + 1);
    if (end < 0 || end > 200) return { corrupt: true };
  }
  const data = bytes.subarray(end + 1);
  const lines = bytes.subarray(0, end + 1).toString('latin1');
  return lines === header(sourceFingerprint, fingerprint(data)) ? { data, corrupt: false } : { corrupt: true };
}

/**
 * mkdir -p, a few levels at most (the cache folder under ~/.cache). Not Node's
 * `recursive: true`: on Node 20 it never returns for a path under /proc (as an
 * XDG_CACHE_HOME pointing there), and the CLI would hang at exit.
 */
function makeFolder(dir: string, levels = 4): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || levels === 0 || path.dirname(dir) === dir) throw e;
    makeFolder(path.dirname(dir), levels - 1);
    fs.mkdirSync(dir, { mode: 0o700 });
  }
}

/** Writes through a temporary file in the same folder and a rename, so readers see the old file or the new one. */
function writeAtomically(file: string, contents: () => Buffer[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  let created = false;
  try {
    makeFolder(path.dirname(file));
    // Opened before the (costly) serialisation: a folder we cannot write costs nothing more.
    fd = fs.openSync(tmp, 'wx', 0o600);
    created = true;
    for (const part of contents()) fs.writeSync(fd, part);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
    created = false;
  } catch {
    // Only what this process created is removed; saving is best effort and never throws.
    try {
      if (fd !== undefined) fs.closeSync(fd);
      if (created) fs.rmSync(tmp, { force: true });
    } catch {
      /* nothing more to do */
    }
  }
}

/** How old another process's temporary file must be to count as abandoned (a save takes milliseconds). */
const ABANDONED_MS = 60_000;

/**
 * Removes the temporary files of `file` that other processes left: a process killed while
 * saving (an editor stopping the language server) leaves its `<file>.<pid>.tmp` behind,
 * and the folder would collect them. Run at every start, hit or not: once one save has
 * completed, later starts hit the cache and never save again. Only files older than
 * ABANDONED_MS, so that a save under way elsewhere keeps its own. Best effort, never throws.
 */
function removeAbandoned(file: string): void {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.`;
  const now = Date.now();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // no folder yet
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^\d+\.tmp$/.test(name.slice(prefix.length))) continue;
    try {
      const at = path.join(dir, name);
      if (now - fs.statSync(at).mtimeMs > ABANDONED_MS) fs.rmSync(at, { force: true });
    } catch {
      /* gone already, or not ours to remove */
    }
  }
}

/**
 * Compiles a CommonJS module's source as Node would (Module.wrap), with the code cache in
 * `dir` for `runtime` when there is a valid one.
 */
export function compileWithCodeCache(source: string, filename: string, dir: string, runtime = currentRuntime()): CompiledModule {
  const file = codeCacheFile(dir, runtime, filename);
  const sourceFingerprint = fingerprint(source);
  const cached = readCache(file, sourceFingerprint);
  removeAbandoned(file);
  const script = new vm.Script(Module.wrap(source), { filename, cachedData: cached.data });
  const status: CodeCacheStatus = cached.data === undefined ? (cached.corrupt ? 'rejected' : 'miss') : script.cachedDataRejected ? 'rejected' : 'hit';
  return {
    wrapper: script.runInThisContext({ displayErrors: true }) as CompiledModule['wrapper'],
    status,
    save() {
      if (status !== 'hit') {
        writeAtomically(file, () => {
          const data = script.createCachedData();
          return [Buffer.from(header(sourceFingerprint, fingerprint(data)), 'latin1'), data];
        });
      }
    },
  };
}

/**
 * Loads `mainFile` through the code cache when Node runs it as a module: its
 * Module.prototype._compile is replaced for that one file (as v8-compile-cache does), so
 * that the module is otherwise loaded, and run as the main module, exactly as usual. The
 * cache is written when the process exits, or `saveAfterMs` after the start if that comes
 * first (a long-lived process may be killed rather than exit).
 */
export function useCodeCacheFor(mainFile: string, dir: string, saveAfterMs?: number): void {
  type CompileFn = (this: Module, content: string, filename: string) => unknown;
  const proto = Module.prototype as unknown as { _compile: CompileFn };
  const original = proto._compile;
  proto._compile = function (this: Module, content: string, filename: string) {
    if (filename !== mainFile) return original.call(this, content, filename);
    proto._compile = original;
    let compiled: CompiledModule;
    try {
      compiled = compileWithCodeCache(content, filename, dir);
    } catch {
      // A syntax error or a V8 refusal: Node's own compile reports it as it always would.
      return original.call(this, content, filename);
    }
    let saved = false;
    const save = () => {
      if (saved) return;
      saved = true;
      compiled.save();
    };
    process.once('exit', save);
    if (saveAfterMs !== undefined) setTimeout(save, saveAfterMs).unref();
    return compiled.wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
  };
}

/** The `require` Node gives a module (require.main, resolve, cache), built from public module APIs. */
function requireFor(mod: Module): NodeJS.Require {
  const M = Module as unknown as {
    _resolveFilename(request: string, parent: Module, isMain: boolean, options?: unknown): string;
    _resolveLookupPaths(request: string, parent: Module): string[] | null;
    _extensions: NodeJS.RequireExtensions;
    _cache: NodeJS.Dict<NodeModule>;
  };
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: unknown) => M._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => M._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = M._extensions;
  require.cache = M._cache;
  return require;
}
