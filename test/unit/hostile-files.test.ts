// Hostile files in the scanned folder (issue 10, rows 2, 8 and 11): symlinks, FIFOs,
// devices, huge files and deep nesting are reported as unparsed-file, never skipped and
// never allowed to block or exhaust the scanner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { discoverProjectFiles, readWorkspaceFile } from '../../server/src/engine/discover';
import { findDeepNesting, MAX_JSON_DEPTH } from '../../server/src/engine/json-depth';
import { parseManifest } from '../../server/src/engine/manifest/parse-manifest';
import { parseSuppressions } from '../../server/src/engine/policy/suppressions';
import { scanFiles } from '../../server/src/engine/scan';
import { ParseCache } from '../../server/src/engine/project';
import type { Manifest, SourceFile } from '../../server/src/engine/model';
import { npmLockText } from '../support/fixtures';

const POSIX = process.platform !== 'win32';

function tempDir(t: { after(fn: () => void): void }, prefix = 'depwarden-hostile-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(root: string, rel: string, text: string): string {
  const abs = path.join(root, rel);
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, text);
  return abs;
}

function link(root: string, rel: string, target: string): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  symlinkSync(target, path.join(root, rel));
}

function fifo(root: string, rel: string): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  execFileSync('mkfifo', [path.join(root, rel)]);
}

const deepObjects = (n: number) => '{"a":'.repeat(n) + '"1"' + '}'.repeat(n);
const deepArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);

test('discovery reads a symlinked lockfile whose target is a regular file inside the workspace', { skip: !POSIX }, async (t) => {
  const root = tempDir(t);
  const lock = npmLockText({ 'left-pad': '1.3.0' });
  write(root, 'package.json', '{"dependencies":{"left-pad":"^1.3.0"}}');
  write(root, 'lock.real.json', lock);
  link(root, 'package-lock.json', 'lock.real.json');
  // A chain of links and a link into another folder of the workspace.
  write(root, 'shared/package.json', '{"name":"shared"}');
  link(root, 'app/package.json', '../shared/package.json');
  link(root, 'app/chain.json', '../package-lock.json');
  link(root, 'app/package-lock.json', 'chain.json');
  const { files } = await discoverProjectFiles(root, { indexSources: false });
  const byPath = new Map(files.map((f) => [f.path, f]));
  assert.equal(byPath.get('package-lock.json')?.text, lock);
  assert.equal(byPath.get('package-lock.json')?.readError, undefined);
  assert.equal(byPath.get('app/package.json')?.text, '{"name":"shared"}');
  assert.equal(byPath.get('app/package-lock.json')?.text, lock);
});

test('discovery reports links out of the workspace, FIFOs, devices, directories and broken links as unreadable, without opening them', { skip: !POSIX }, async (t) => {
  const root = tempDir(t);
  const outside = tempDir(t, 'depwarden-outside-');
  write(outside, 'package-lock.json', npmLockText({ 'left-pad': '1.3.0' }));
  write(root, 'package.json', '{"name":"app"}');
  link(root, 'package-lock.json', path.join(outside, 'package-lock.json'));
  link(root, 'a/package.json', '/etc/passwd');
  link(root, 'b/package.json', '/dev/zero');
  link(root, 'b/yarn.lock', '../../' + path.basename(outside) + '/package-lock.json'); // relative, still outside
  fifo(root, 'c/yarn.lock');
  fifo(root, 'c/fifo-target');
  link(root, 'c/pnpm-lock.yaml', 'fifo-target'); // a link inside the workspace to a FIFO
  link(root, 'd/package.json', '../a'); // a directory
  link(root, 'e/package.json', 'missing.json'); // dangling
  link(root, 'f/package.json', 'package.json'); // a loop
  link(root, '.npmrc', path.join(outside, 'package-lock.json'));
  link(root, '.depwarden.json', '/dev/zero');
  const started = Date.now();
  const { files } = await discoverProjectFiles(root, { indexSources: false });
  assert.ok(Date.now() - started < 5000, 'nothing blocked');
  const errors = Object.fromEntries(files.map((f) => [f.path, f.readError]));
  assert.equal(errors['package.json'], undefined);
  for (const p of ['package-lock.json', 'a/package.json', 'b/package.json', 'b/yarn.lock', '.npmrc', '.depwarden.json']) {
    assert.match(errors[p] ?? '', /symlink to a path outside the workspace/, p);
  }
  for (const p of ['c/yarn.lock', 'c/pnpm-lock.yaml', 'd/package.json']) assert.match(errors[p] ?? '', /not a regular file/, p);
  assert.match(errors['c/yarn.lock']!, /named pipe/);
  assert.match(errors['d/package.json']!, /directory/);
  for (const p of ['e/package.json', 'f/package.json']) assert.match(errors[p] ?? '', /broken symlink/, p);
  for (const f of files) if (f.readError) assert.equal(f.text, '', `${f.path}: nothing of the target is kept`);
});

test('discovery does not follow symlinked directories (their targets inside the workspace are scanned where they are)', { skip: !POSIX }, async (t) => {
  const root = tempDir(t);
  const outside = tempDir(t, 'depwarden-outside-');
  write(outside, 'package.json', '{"name":"outside"}');
  write(root, 'packages/real/package.json', '{"name":"real"}');
  link(root, 'packages/alias', 'real');
  link(root, 'external', outside);
  link(root, 'loop', '.');
  const { files } = await discoverProjectFiles(root, { indexSources: false });
  assert.deepEqual(files.map((f) => f.path).sort(), ['packages/real/package.json']);
});

test('the workspace root may itself be reached through a symlink', { skip: !POSIX }, async (t) => {
  const real = tempDir(t);
  const holder = tempDir(t, 'depwarden-holder-');
  const lock = npmLockText({ a: '1.0.0' });
  write(real, 'lock.real.json', lock);
  link(real, 'package-lock.json', 'lock.real.json');
  link(holder, 'root', real);
  const { files } = await discoverProjectFiles(path.join(holder, 'root'), { indexSources: false });
  assert.deepEqual(files.find((f) => f.path === 'package-lock.json'), { path: 'package-lock.json', text: lock });
});

test('files over the size limit are reported with the reason, also behind a symlink', { skip: !POSIX }, async (t) => {
  const root = tempDir(t);
  write(root, 'big.json', '');
  truncateSync(path.join(root, 'big.json'), 4096); // sparse: nothing is written
  link(root, 'package-lock.json', 'big.json');
  write(root, 'yarn.lock', 'x'.repeat(5000));
  const { files } = await discoverProjectFiles(root, { indexSources: false, maxFileBytes: 1024 });
  for (const f of files) assert.match(f.readError ?? '', /over the 1024-byte limit/, f.path);
  assert.equal(files.length, 2);
});

test('source files: symlinks inside the workspace are indexed, FIFOs and links out mark the index incomplete', { skip: !POSIX }, async (t) => {
  const root = tempDir(t);
  const outside = tempDir(t, 'depwarden-outside-');
  write(outside, 'x.js', `require('b')`);
  write(root, 'package.json', '{"dependencies":{"a":"1.0.0","b":"1.0.0"}}');
  write(root, 'lib/a.js', `require('a')`);
  link(root, 'src/a.js', '../lib/a.js');
  link(root, 'src/out.js', path.join(outside, 'x.js'));
  fifo(root, 'src/pipe.js');
  const { usage } = await discoverProjectFiles(root);
  assert.deepEqual(usage!.files.get('src/a.js')?.names, ['a']);
  assert.equal(usage!.files.get('src/a.js')?.incomplete, undefined);
  assert.equal(usage!.files.get('src/out.js')?.incomplete, true);
  assert.equal(usage!.files.get('src/pipe.js')?.incomplete, true);
});

test('readWorkspaceFile (the watcher path) applies the same rules and ignores paths through symlinked directories', { skip: !POSIX }, async (t) => {
  const root = tempDir(t);
  write(root, 'real/package.json', '{"name":"real"}');
  link(root, 'alias', 'real');
  link(root, 'zero/package.json', '/dev/zero');
  fifo(root, 'pipe/package-lock.json');
  assert.deepEqual(await readWorkspaceFile(root, 'real/package.json'), { text: '{"name":"real"}' });
  assert.equal(await readWorkspaceFile(root, 'alias/package.json'), undefined, 'discovery never sees it under this path');
  assert.equal(await readWorkspaceFile(root, 'gone/package.json'), undefined);
  const zero = await readWorkspaceFile(root, 'zero/package.json');
  assert.match(zero && 'readError' in zero ? zero.readError : '', /outside the workspace/);
  const pipe = await readWorkspaceFile(root, 'pipe/package-lock.json');
  assert.match(pipe && 'readError' in pipe ? pipe.readError : '', /not a regular file/);
});

test('findDeepNesting counts brackets outside strings and comments, linearly', () => {
  assert.equal(findDeepNesting('{"a":[1,{"b":2}]}', 3), undefined);
  assert.equal(findDeepNesting('{"a":[1,{"b":2}]}', 2), 8);
  assert.equal(findDeepNesting('{"a":"[[[[[[[[[[{{{{{{{{"}', 2), undefined, 'inside a string');
  assert.equal(findDeepNesting('{"a\\"[[[[":"\\\\"}', 1), undefined, 'escaped quotes and backslashes');
  assert.equal(findDeepNesting('{/* [[[[ */ "a": 1 // {{{{\n}', 1), undefined, 'inside comments');
  // jsonc-parser ends an unterminated string at a line break and parses what follows: so do we.
  assert.equal(findDeepNesting('{"a": "oops\n[[[[', 2), 13);
  // ...but a backslash before the line break continues the string, as in jsonc-parser.
  assert.equal(findDeepNesting('{"a": "oops\\\n[[[[', 2), undefined);
  assert.equal(findDeepNesting(']]]]{', 0), 4, 'stray closers do not buy depth');
  const started = Date.now();
  assert.equal(findDeepNesting('"' + 'x'.repeat(5_000_000) + '"', 1), undefined);
  assert.equal(findDeepNesting(deepArrays(1_000_000), MAX_JSON_DEPTH), MAX_JSON_DEPTH);
  assert.ok(Date.now() - started < 2000);
});

test('a package.json nested deeper than the limit is an unparsed manifest, whichever way it is nested', () => {
  const cases = {
    overrides: `{"name":"x","overrides":${deepObjects(5000)}}`,
    'broken overrides': `{"name":"x","overrides":${deepObjects(5000)}},`,
    arrays: `{"name":"x","a":${deepArrays(50_000)}}`,
    'broken arrays': `{"name":"x","a":${deepArrays(50_000)},`,
    unterminated: `{"name":"x","a":${'['.repeat(50_000)}`,
  };
  for (const [what, text] of Object.entries(cases)) {
    const m = parseManifest('package.json', text);
    assert.equal(m.dependencies.length, 0, what);
    assert.equal(m.json, undefined, what);
    assert.equal(m.parseErrors.length, 1, what);
    assert.equal(m.parseErrors[0].message, `nested deeper than ${MAX_JSON_DEPTH} levels`, what);
    assert.equal(text[m.parseErrors[0].span.start], text.includes('overrides') ? '{' : '[', what);
  }
  // At the limit, still parsed.
  const ok = parseManifest('package.json', `{"overrides":${deepObjects(MAX_JSON_DEPTH - 1)}}`);
  assert.deepEqual(ok.parseErrors, []);
  assert.ok(ok.dependencies.length > 0);
});

test('a .depwarden.json nested deeper than the limit is a problem, and suppresses nothing', () => {
  for (const text of [`{"suppressions":[${deepObjects(5000)}]}`, `{"suppressions":${deepArrays(5000)}`]) {
    const file = parseSuppressions(text);
    assert.deepEqual(file.suppressions, []);
    assert.deepEqual(file.problems.map((p) => p.message), [`nested deeper than ${MAX_JSON_DEPTH} levels`]);
  }
  // In a scan: reported, and the suppress fix (which edits the file) is not offered on it.
  const result = scanFiles([
    { path: 'package.json', text: '{"dependencies":{"lodash":"*"}}' },
    { path: '.depwarden.json', text: `{"suppressions":[${deepObjects(5000)}]}` },
  ]);
  assert.deepEqual(result.ruleErrors, []);
  assert.deepEqual(result.findings.filter((f) => f.rule === 'unparsed-file').map((f) => [f.file, f.message]), [['.depwarden.json', `.depwarden.json: nested deeper than ${MAX_JSON_DEPTH} levels.`]]);
  const unpinned = result.findings.find((f) => f.rule === 'unpinned-range')!;
  assert.ok(unpinned && !unpinned.suppressed);
  assert.ok(!unpinned.fixes.some((x) => x.kind === 'suppress'));
});

test('the scan isolates a file that throws: it becomes unparsed-file and the other files are still checked', () => {
  class ThrowingCache extends ParseCache {
    override manifest(path: string, text: string): Manifest {
      if (path === 'bad/package.json') throw new RangeError('Maximum call stack size exceeded');
      return super.manifest(path, text);
    }
  }
  const files: SourceFile[] = [
    { path: 'package.json', text: '{"dependencies":{"lodash":"*"}}' },
    { path: 'bad/package.json', text: '{"dependencies":{"lodash":"*"}}' },
    { path: 'deep/package.json', text: `{"overrides":${deepObjects(5000)}},` },
    { path: 'deep/.depwarden.json', text: deepArrays(5000) },
  ];
  const result = scanFiles(files, { cache: new ThrowingCache() });
  const unparsed = result.findings.filter((f) => f.rule === 'unparsed-file');
  assert.deepEqual(unparsed.map((f) => f.file).sort(), ['bad/package.json', 'deep/package.json']);
  assert.match(unparsed.find((f) => f.file === 'bad/package.json')!.message, /Maximum call stack size exceeded/);
  assert.match(unparsed.find((f) => f.file === 'deep/package.json')!.message, /nested deeper than/);
  assert.ok(result.findings.some((f) => f.file === 'package.json' && f.rule === 'unpinned-range'), 'the other file is still checked');
  assert.ok(result.files.some((f) => f.path === 'bad/package.json' && !f.parsed));
});

test('a configuration file that could not be read is an unparsed-file finding, not an empty file', () => {
  const files: SourceFile[] = [
    { path: 'package.json', text: '{"name":"app"}' },
    { path: '.npmrc', text: '', readError: 'it is a symlink to a path outside the workspace, which depwarden does not read' },
    { path: '.depwarden.json', text: '', readError: 'it is not a regular file (a named pipe)' },
  ];
  const result = scanFiles(files);
  const unparsed = result.findings.filter((f) => f.rule === 'unparsed-file');
  assert.deepEqual(unparsed.map((f) => f.file).sort(), ['.depwarden.json', '.npmrc']);
  assert.match(unparsed.find((f) => f.file === '.npmrc')!.message, /outside the workspace/);
  assert.match(unparsed.find((f) => f.file === '.depwarden.json')!.message, /named pipe/);
});

test('should the scan itself fail, every file of the folder is reported unparsed rather than shown clean', () => {
  class FailingCache extends ParseCache {
    override retain(): void {
      throw new Error('boom');
    }
  }
  const files: SourceFile[] = [
    { path: 'package.json', text: '{"dependencies":{"lodash":"*"}}' },
    { path: 'package-lock.json', text: npmLockText({ lodash: '4.17.21' }) },
    { path: '.npmrc', text: 'registry=https://registry.npmjs.org/' },
  ];
  const result = scanFiles(files, { cache: new FailingCache() });
  assert.deepEqual(result.findings.map((f) => [f.rule, f.file]).sort(), [['unparsed-file', '.npmrc'], ['unparsed-file', 'package-lock.json'], ['unparsed-file', 'package.json']]);
  for (const f of result.findings) assert.match(f.message, /the scan failed: boom/);
  assert.deepEqual(result.ruleErrors.map((e) => e.rule), ['scan']);
  assert.equal(result.project.texts.get('package.json'), files[0].text, 'texts kept for positions');
});
