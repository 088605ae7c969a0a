// Files damaged the way people damage them (issue 15, item 7): a string left open while
// typing, and a merge left unresolved. Each should read as one clear problem, never as a
// burst of parser noise or as findings about entries that are still there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { npmLockText, tempProject } from '../support/fixtures';
import { runCliSync } from '../support/cli';

const CACHE = mkdtempSync(path.join(tmpdir(), 'depwarden-cli-cache-'));

interface JsonFinding {
  rule: string;
  file: string;
  package?: string;
  version?: string | null;
  message: string;
  range: { start: { line: number } };
}

function scan(t: { after(fn: () => void): void }, files: Record<string, string>) {
  const dir = tempProject(files, 'depwarden-damaged-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = runCliSync(['scan', dir, '--format', 'json', '--offline', '--quiet', '--cache-dir', CACHE], { timeout: 30_000 });
  assert.ok(r.stdout, r.stderr);
  return JSON.parse(r.stdout) as { findings: JsonFinding[]; files: { path: string; parsed: boolean; error?: string }[] };
}

const of = (fs: JsonFinding[], rule: string, file?: string) => fs.filter((f) => f.rule === rule && (file === undefined || f.file === file));

const MANIFEST = (deps: string) => `{
  "name": "app",
  "version": "1.0.0",
  "dependencies": {
${deps}
  }
}
`;
const LOCK = npmLockText({ 'left-pad': '1.3.0', lodash: '4.17.21', chalk: '5.3.0' });

test('an unterminated string in package.json: one parse error, and no lockfile-drift from the damaged manifest', (t) => {
  // The key's closing quote is missing: the parser's recovery swallows the next entry.
  const broken = MANIFEST(`    "left-pad: "1.3.0",\n    "lodash": "4.17.21",\n    "chalk": "5.3.0"`);
  const out = scan(t, { 'package.json': broken, 'package-lock.json': LOCK });
  const unparsed = of(out.findings, 'unparsed-file', 'package.json');
  assert.equal(unparsed.length, 1, unparsed.map((f) => f.message).join('\n'));
  assert.match(unparsed[0].message, /line 5: .*string.*not closed|line 5: unterminated string/i);
  assert.equal(unparsed[0].range.start.line, 4);
  assert.deepEqual(of(out.findings, 'lockfile-drift'), [], 'entries still declared are not "no longer declared"');

  // A value left open at the end of a line (the usual typo) is one error too.
  const open = MANIFEST(`    "left-pad": "1.3.0",\n    "lodash": "4.17.21,\n    "chalk": "5.3.0"`);
  const out2 = scan(t, { 'package.json': open, 'package-lock.json': LOCK });
  assert.equal(of(out2.findings, 'unparsed-file', 'package.json').length, 1, of(out2.findings, 'unparsed-file').map((f) => f.message).join('\n'));
  assert.deepEqual(of(out2.findings, 'lockfile-drift'), []);
});

const CONFLICTED_MANIFEST = `{
  "name": "app",
  "version": "1.0.0",
  "dependencies": {
<<<<<<< HEAD
    "left-pad": "1.3.0",
    "lodash": "4.17.21",
=======
    "left-pad": "1.3.0",
    "expresss": "4.18.2",
>>>>>>> feature/login
    "chalk": "5.3.0"
  }
}
`;

test('merge-conflict markers in package.json: one finding that names the conflict, and both sides still checked', (t) => {
  const out = scan(t, { 'package.json': CONFLICTED_MANIFEST, 'package-lock.json': LOCK });
  const unparsed = of(out.findings, 'unparsed-file', 'package.json');
  assert.equal(unparsed.length, 1, unparsed.map((f) => f.message).join('\n'));
  assert.match(unparsed[0].message, /unresolved merge conflict/);
  assert.match(unparsed[0].message, /line 5/);
  assert.equal(unparsed[0].range.start.line, 4, 'on the <<<<<<< line');
  assert.doesNotMatch(unparsed[0].message, /unexpected character/);
  // "theirs" brings a typosquat: it is flagged on its line.
  const squat = of(out.findings, 'typosquat', 'package.json').find((f) => f.package === 'expresss');
  assert.ok(squat, 'the entry on the other side of the conflict was checked');
  assert.equal(squat.range.start.line, 9);
  assert.deepEqual(of(out.findings, 'lockfile-drift'), [], 'no drift from a manifest that did not parse');
});

test('merge-conflict markers in package-lock.json and yarn.lock: named, and the entries on both sides checked', (t) => {
  const ours = npmLockText({ 'left-pad': '1.3.0', lodash: '4.17.21' });
  const theirs = npmLockText({ 'left-pad': '1.3.0', crossenv: { version: '6.1.1', hasInstallScript: true } });
  // Git's conflict over the differing tail of the file, as a real merge leaves it.
  const a = ours.split('\n');
  const b = theirs.split('\n');
  let common = 0;
  while (a[common] === b[common]) common++;
  const lock = [...a.slice(0, common), '<<<<<<< HEAD', ...a.slice(common), '=======', ...b.slice(common), '>>>>>>> feature', ''].join('\n');
  const manifest = MANIFEST(`    "left-pad": "1.3.0"`);
  const out = scan(t, { 'package.json': manifest, 'package-lock.json': lock });
  const unparsed = of(out.findings, 'unparsed-file', 'package-lock.json');
  assert.equal(unparsed.length, 1, unparsed.map((f) => f.message).join('\n'));
  assert.match(unparsed[0].message, new RegExp(`line ${common + 1}: unresolved merge conflict`));
  assert.equal(unparsed[0].range.start.line, common);
  const fromTheirs = out.findings.filter((f) => f.file === 'package-lock.json' && f.package === 'crossenv').map((f) => f.rule).sort();
  assert.deepEqual(fromTheirs, ['install-script', 'typosquat']);

  const yarn = `# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


left-pad@1.3.0:
  version "1.3.0"
  resolved "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#5b8a3a7765dfe001261dde915589e782f8c94d1e"
  integrity sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQ9+Oqnf37TpHUb6pkXl3Bh/2gfCyZqLFtIdyw0jOGC5uQYg==

<<<<<<< HEAD
lodash@4.17.21:
  version "4.17.21"
  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#679591c564c3bffaae8454cf0b3df370c3d6911c"
  integrity sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==
=======
mongose@5.0.0:
  version "5.0.0"
  resolved "http://registry.yarnpkg.com/mongose/-/mongose-5.0.0.tgz"
  integrity sha512-${'A'.repeat(86)}==
>>>>>>> feature
`;
  const out2 = scan(t, { 'package.json': MANIFEST(`    "left-pad": "1.3.0",\n    "lodash": "4.17.21"`), 'yarn.lock': yarn });
  const unparsed2 = of(out2.findings, 'unparsed-file', 'yarn.lock');
  assert.equal(unparsed2.length, 1, unparsed2.map((f) => f.message).join('\n'));
  assert.match(unparsed2[0].message, /line 10: unresolved merge conflict/);
  const mongose = out2.findings.filter((f) => f.file === 'yarn.lock' && f.package === 'mongose').map((f) => f.rule).sort();
  assert.ok(mongose.includes('insecure-url') && mongose.includes('typosquat'), mongose.join(', '));
});
