import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, chmodSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { spawnSync } from 'node:child_process';
import Module from 'node:module';
import { codeCacheFile, compileWithCodeCache, fingerprint } from '../../server/src/launch/code-cache';

const RUNTIME = 'v20.0.0-test';
// A module big enough that V8 has real code to cache, with a function only called at run time.
const SOURCE = `module.exports = { answer: 6 * 7, later() { return [1, 2, 3].map((x) => x * 2).join(','); } };\n// ${'x'.repeat(2000)}\n`;

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'depwarden-code-cache-'));
}

/** Runs the compiled wrapper as Node runs a module; returns its exports. */
function run(compiled: ReturnType<typeof compileWithCodeCache>, filename: string): { answer: number; later(): string } {
  const mod = { exports: {} as Record<string, unknown> };
  compiled.wrapper.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
  return mod.exports as never;
}

function load(dir: string, runtime = RUNTIME, source = SOURCE) {
  const filename = path.join(dir, 'main.js');
  const compiled = compileWithCodeCache(source, filename, path.join(dir, 'cache'), runtime);
  const exports = run(compiled, filename);
  assert.equal(exports.answer, 42);
  assert.equal(exports.later(), '2,4,6');
  compiled.save();
  return compiled.status;
}

test('the first run compiles and writes the cache; the next run uses it', () => {
  const dir = tempDir();
  try {
    assert.equal(load(dir), 'miss');
    assert.ok(existsSync(codeCacheFile(path.join(dir, 'cache'), RUNTIME, 'main.js')));
    assert.equal(load(dir), 'hit');
    assert.equal(load(dir), 'hit');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt or truncated cache file is never handed to V8: the module compiles as usual and the file is rewritten', () => {
  const dir = tempDir();
  try {
    load(dir);
    const file = codeCacheFile(path.join(dir, 'cache'), RUNTIME, 'main.js');
    const bytes = readFileSync(file);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 10] ^= 0xff;
    writeFileSync(file, flipped);
    assert.equal(load(dir), 'rejected');
    assert.equal(load(dir), 'hit');
    writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
    assert.equal(load(dir), 'rejected');
    writeFileSync(file, 'not a cache');
    assert.equal(load(dir), 'rejected');
    assert.equal(load(dir), 'hit');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('another Node version or another build of the bundle recompiles', () => {
  const dir = tempDir();
  try {
    load(dir, 'v20.0.0-test');
    // Another runtime has a file of its own: compiled afresh, the first one kept.
    assert.equal(load(dir, 'v22.0.0-test'), 'miss');
    assert.equal(load(dir, 'v20.0.0-test'), 'hit');
    assert.equal(readdirSync(path.join(dir, 'cache')).filter((f) => f.endsWith('.v8')).length, 2);
    // A new build of the bundle (other source) on the same runtime replaces its file.
    const rebuilt = SOURCE.replace('6 * 7', '7 * 6');
    assert.equal(load(dir, 'v20.0.0-test', rebuilt), 'rejected');
    assert.equal(load(dir, 'v20.0.0-test', rebuilt), 'hit');
    assert.equal(load(dir, 'v20.0.0-test'), 'rejected');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * In a fresh process: within one process V8 keeps compiled scripts in memory and reuses them
 * for the same source without looking at the cached data at all.
 */
function statusInChild(dir: string): string {
  const script = `
    const { compileWithCodeCache } = require(${JSON.stringify(path.resolve(__dirname, '../../server/src/launch/code-cache.ts'))});
    const path = require('node:path');
    const filename = path.join(${JSON.stringify(dir)}, 'main.js');
    const compiled = compileWithCodeCache(${JSON.stringify(SOURCE)}, filename, path.join(${JSON.stringify(dir)}, 'cache'), ${JSON.stringify(RUNTIME)});
    const mod = { exports: {} };
    compiled.wrapper.call(mod.exports, mod.exports, require, mod, filename, ${JSON.stringify(dir)});
    if (mod.exports.answer !== 42 || mod.exports.later() !== '2,4,6') throw new Error('wrong exports');
    compiled.save();
    process.stdout.write(compiled.status);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('in a new process V8 takes the cached code, and code it refuses (made for another script, behind a header that checks out) only costs a compile', () => {
  const dir = tempDir();
  try {
    assert.equal(statusInChild(dir), 'miss');
    assert.equal(statusInChild(dir), 'hit');
    const file = codeCacheFile(path.join(dir, 'cache'), RUNTIME, 'main.js');
    const bytes = readFileSync(file);
    const header = bytes.subarray(0, bytes.indexOf('\n', bytes.indexOf('\n') + 1) + 1);
    const other = new vm.Script(Module.wrap('module.exports = 1;')).createCachedData();
    writeFileSync(file, Buffer.concat([header, Buffer.from(`${fingerprint(other)}\n`), other]));
    assert.equal(statusInChild(dir), 'rejected');
    assert.equal(statusInChild(dir), 'hit');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cache folder that cannot be written: the module still runs, nothing is written, nothing throws', () => {
  const dir = tempDir();
  try {
    // A file where the folder should be (ENOTDIR for every write under it).
    writeFileSync(path.join(dir, 'cache'), 'in the way');
    assert.equal(load(dir), 'miss');
    assert.equal(load(dir), 'miss');
    assert.equal(readFileSync(path.join(dir, 'cache'), 'utf8'), 'in the way');
    // A read-only folder (root can write anyway, so only checked for other users).
    const readOnly = path.join(dir, 'ro');
    mkdirSync(path.join(readOnly, 'cache'), { recursive: true });
    chmodSync(path.join(readOnly, 'cache'), 0o500);
    assert.equal(load(readOnly), 'miss');
    if (process.getuid?.() !== 0) assert.deepEqual(readdirSync(path.join(readOnly, 'cache')), []);
    chmodSync(path.join(readOnly, 'cache'), 0o700);
    // Under /proc (an odd XDG_CACHE_HOME): Node's recursive mkdir never returns there.
    if (process.platform === 'linux') {
      const filename = path.join(dir, 'main.js');
      const compiled = compileWithCodeCache(SOURCE, filename, '/proc/depwarden-no-such-dir/code-cache', RUNTIME);
      assert.equal(run(compiled, filename).answer, 42);
      compiled.save();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('each bundle has its own cache file: the CLI and the language server do not overwrite each other', () => {
  assert.equal(path.basename(codeCacheFile('/c', 'v20.20.2-x64', '/x/dist/cli-main.js')), 'cli-main-v20.20.2-x64.v8');
  assert.equal(path.basename(codeCacheFile('/c', 'v20.20.2-x64', '/x/dist/server-main.js')), 'server-main-v20.20.2-x64.v8');
  // Nothing from a runtime string or a file name leaves the folder.
  assert.equal(path.dirname(codeCacheFile('/c', '../../v1/x', '/x/../a b.js')), '/c');
});

test('a start removes the temporary files a killed process left behind, not one another process is writing now', () => {
  const dir = tempDir();
  try {
    const cache = path.join(dir, 'cache');
    mkdirSync(cache, { recursive: true });
    const file = codeCacheFile(cache, RUNTIME, 'main.js');
    const abandoned = `${file}.4242.tmp`;
    const underWay = `${file}.4343.tmp`;
    const unrelated = path.join(cache, 'other.v8.4242.tmp');
    for (const f of [abandoned, underWay, unrelated]) writeFileSync(f, '');
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(abandoned, old, old);
    utimesSync(unrelated, old, old);
    assert.equal(load(dir), 'miss');
    assert.ok(existsSync(file));
    assert.ok(!existsSync(abandoned), 'an old temporary file of this cache file is removed');
    assert.ok(existsSync(underWay), 'a fresh one (a save under way) is kept');
    assert.ok(existsSync(unrelated), "another file's is not touched");
    // Later starts hit the cache and never save: they sweep too.
    writeFileSync(abandoned, '');
    utimesSync(abandoned, old, old);
    assert.equal(load(dir), 'hit');
    assert.ok(!existsSync(abandoned), 'a start that hits the cache removes it as well');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
