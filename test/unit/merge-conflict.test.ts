import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findMergeConflicts, mergeConflictError } from '../../server/src/engine/merge-conflict';
import { parseLockfile } from '../../server/src/engine/lockfile';

test('findMergeConflicts: each side keeps its lines in place, markers and the other side blanked', () => {
  const text = 'a\r\n<<<<<<< HEAD\r\nours\r\n||||||| base\r\nbase\r\n=======\r\ntheirs\r\n>>>>>>> b\r\nz\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> c\n';
  const c = findMergeConflicts(text)!;
  assert.equal(c.ours.length, text.length);
  assert.equal(c.theirs.length, text.length);
  assert.equal(c.ours.indexOf('ours'), text.indexOf('ours'));
  assert.equal(c.theirs.indexOf('theirs'), text.indexOf('theirs'));
  for (const side of [c.ours, c.theirs]) {
    assert.ok(!/[<|=>]{7}/.test(side), 'no marker left');
    assert.ok(!side.includes('base'), 'the diff3 ancestor belongs to neither side');
    assert.ok(side.startsWith('a\r\n') && side.includes('\r\nz\n'), 'lines outside the conflicts on both sides');
    assert.equal(side.split('\n').length, text.split('\n').length);
  }
  assert.ok(!c.ours.includes('theirs') && !c.ours.includes('y\n') && c.ours.includes('x\n'));
  assert.ok(!c.theirs.includes('ours') && c.theirs.includes('y\n'));
  assert.equal(c.line, 2);
  assert.equal(c.endLine, 8);
  assert.equal(c.count, 2);
  assert.equal(text.slice(c.span.start, c.span.end), '<<<<<<< HEAD\r');
  assert.equal(mergeConflictError(c).message, 'line 2: unresolved merge conflict (lines 2-8, and 1 more conflict below); the entries on both sides were checked');
});

test('findMergeConflicts: no markers, or marker-like text that is not at a line start, is no conflict', () => {
  assert.equal(findMergeConflicts('{ "a": "<<<<<<< x" }\n=======\n'), undefined);
  assert.equal(findMergeConflicts('<<<<<<<<<< not a marker\n'), undefined);
});

test('a conflicted pnpm-lock.yaml: one error, and packages from both sides', () => {
  const head = "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\n\npackages:\n\n";
  const pkg = (v: string) => `  a@${v}:\n    resolution: {integrity: sha512-${'A'.repeat(86)}==}\n\n`;
  const text = head + '<<<<<<< HEAD\n' + pkg('1.0.0') + '=======\n' + pkg('1.0.1') + '>>>>>>> other\n';
  const l = parseLockfile('pnpm-lock.yaml', text);
  assert.equal(l.parsed, false);
  assert.deepEqual(l.parseErrors.map((e) => e.message), ['line 12: unresolved merge conflict (lines 12-20); the entries on both sides were checked']);
  assert.deepEqual(l.packages.map((p) => `${p.name}@${p.version}`).sort(), ['a@1.0.0', 'a@1.0.1']);
  assert.equal(new Set(l.packages.map((p) => p.id)).size, 2, 'ids stay unique');
  const theirs = l.packages.find((p) => p.version === '1.0.1')!;
  assert.equal(text.slice(theirs.span.start, theirs.span.start + 8), 'a@1.0.1:', 'spans point into the file as it is');
});
