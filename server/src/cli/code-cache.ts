/**
 * A V8 code cache for the CLI bundle, for the Node versions that have no
 * `module.enableCompileCache` (Node 20 and 22.0): compiling the 3 MB dist/cli-main.js is a
 * fixed ~80 ms of every `depwarden scan`, and V8 can skip most of it when handed the code
 * it produced last time (what v8-compile-cache does, and Node's own compile cache later).
 *
 * One file per runtime (`cli-main-v20.20.2-x64.v8`), so the folder stays bounded: a new
 * depwarden build overwrites its runtime's file. The file says which bundle it was made
 * from (SHA-256 of the source) and carries a SHA-256 of its payload: V8 checks its own
 * version and flags but not the payload in release builds, and a torn or corrupt file must
 * never reach it. Anything wrong (missing, corrupt, another bundle, V8 rejects it) means
 * compiling as usual and writing the file again; a folder we cannot write only means no
 * cache. Written atomically (temporary file, then rename), mode 0600 in a 0700 folder.
 *
 * Only the launcher (cli-launcher.ts) uses it, and it must stay small: Node built-ins only.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import Module from 'node:module';

const MAGIC = 'depwarden-v8-code-cache 1\n';
/** MAGIC, then the hex SHA-256 of the source and of the payload, each ending in '\n'. */
const HEADER_LENGTH = MAGIC.length + 2 * 65;

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

/** The cache file for a bundle under `dir` on `runtime` (characters outside [\w.-] replaced). */
export function codeCacheFile(dir: string, runtime: string): string {
  return path.join(dir, `cli-main-${runtime.replace(/[^\w.-]/g, '_')}.v8`);
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The payload of a cache file made from this source, or undefined (and why) when there is none to trust. */
function readCache(file: string, sourceHash: string): { data?: Buffer; corrupt: boolean } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return { corrupt: false };
  }
  const header = bytes.subarray(0, HEADER_LENGTH).toString('latin1');
  const data = bytes.subarray(HEADER_LENGTH);
  const ok = header === `${MAGIC}${sourceHash}\n${sha256(data)}\n`;
  return ok ? { data, corrupt: false } : { corrupt: true };
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
function writeAtomically(file: string, header: string, data: () => Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  let created = false;
  try {
    makeFolder(path.dirname(file));
    // Opened before the (costly) serialisation: a folder we cannot write costs nothing more.
    fd = fs.openSync(tmp, 'wx', 0o600);
    created = true;
    fs.writeSync(fd, header);
    fs.writeSync(fd, data());
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

/**
 * Compiles a CommonJS module's source as Node would (Module.wrap), with the code cache in
 * `dir` for `runtime` when there is a valid one.
 */
export function compileWithCodeCache(source: string, filename: string, dir: string, runtime = currentRuntime()): CompiledModule {
  const file = codeCacheFile(dir, runtime);
  const sourceHash = sha256(source);
  const cached = readCache(file, sourceHash);
  const script = new vm.Script(Module.wrap(source), { filename, cachedData: cached.data });
  const status: CodeCacheStatus = cached.data === undefined ? (cached.corrupt ? 'rejected' : 'miss') : script.cachedDataRejected ? 'rejected' : 'hit';
  return {
    wrapper: script.runInThisContext({ displayErrors: true }) as CompiledModule['wrapper'],
    status,
    save() {
      if (status !== 'hit') writeAtomically(file, `${MAGIC}${sourceHash}\n`, () => {
        const data = script.createCachedData();
        return Buffer.concat([Buffer.from(`${sha256(data)}\n`, 'latin1'), data]);
      });
    },
  };
}

/**
 * Loads `mainFile` through the code cache when Node runs it as a module: its
 * Module.prototype._compile is replaced for that one file (as v8-compile-cache does), so
 * that the module is otherwise loaded, and run as the main module, exactly as usual. The
 * cache is written when the process exits.
 */
export function useCodeCacheFor(mainFile: string, dir: string): void {
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
    process.once('exit', () => compiled.save());
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
