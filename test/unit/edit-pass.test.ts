/**
 * The edit pass (server/src/lsp/edit-pass.ts): findings of the last full scan move with
 * the text around an edit, those the edit touched are dropped, and the edit-local rules'
 * findings on the edited file are replaced by the fresh ones (keeping a lockfile twin's place).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../../server/src/engine/model';
import { mergeEditPass, spanShifter } from '../../server/src/lsp/edit-pass';

function finding(rule: Finding['rule'], file: string, start: number, end: number, extra: Partial<Finding> = {}): Finding {
  return { rule, severity: 'warning', message: rule, file, span: { start, end }, version: null, fixes: [], ...extra } as Finding;
}

test('spanShifter keeps spans before the edit, moves those after it and drops those it touched', () => {
  const before = 'aaa "x" bbb "y" ccc';
  const after = 'aaa "x" bbb NEW "y" ccc';
  const shift = spanShifter(before, after);
  assert.deepEqual(shift({ start: 4, end: 7 }), { start: 4, end: 7 });
  assert.deepEqual(shift({ start: 12, end: 15 }), { start: 16, end: 19 });
  assert.equal(spanShifter('"abc"', '"abXc"')({ start: 0, end: 5 }), undefined);
  // Nothing changed: every span stays.
  assert.deepEqual(spanShifter(before, before)({ start: 12, end: 15 }), { start: 12, end: 15 });
});

test('mergeEditPass replaces the edit-local findings of the edited file and moves the others', () => {
  const before = '{ "a": "*", "b": "1" }';
  const after = '{ "z": "1", "a": "*", "b": "1" }';
  const edited = new Map([['package.json', { before, after }]]);
  const previous = [
    finding('unpinned-range', 'package.json', 7, 10), // recomputed by the edit pass
    finding('lockfile-drift', 'package.json', 12, 15), // kept, moved by 10
    finding('typosquat', 'package-lock.json', 40, 45, { also: [{ file: 'package.json', span: { start: 12, end: 15 } }] }), // kept, its place here moved
    finding('deprecated', 'package-lock.json', 50, 55), // not on the edited file: not needed
  ];
  const fresh = [finding('unpinned-range', 'package.json', 17, 20), finding('typosquat', 'package.json', 2, 5)];
  const merged = mergeEditPass(previous, fresh, edited);
  assert.deepEqual(
    merged.map((f) => [f.rule, f.file, f.span.start, f.also?.map((a) => a.span.start)]),
    [
      ['unpinned-range', 'package.json', 17, undefined],
      ['typosquat', 'package.json', 2, undefined],
      ['lockfile-drift', 'package.json', 22, undefined],
      ['typosquat', 'package-lock.json', 40, [22]],
    ],
  );
  // The previous findings themselves are left as they were (the full result still holds them).
  assert.equal(previous[1].span.start, 12);
});

test('a recomputed finding keeps the lockfile place its previous self had', () => {
  const before = '{ "expresss": "1" }';
  const after = '{ "expresss": "1" , "b": "2" }';
  const previous = [finding('typosquat', 'package.json', 2, 12, { package: 'expresss', also: [{ file: 'package-lock.json', span: { start: 100, end: 110 } }] })];
  const fresh = [finding('typosquat', 'package.json', 2, 12, { package: 'expresss' })];
  const [merged] = mergeEditPass(previous, fresh, new Map([['package.json', { before, after }]]));
  assert.deepEqual(merged.also, [{ file: 'package-lock.json', span: { start: 100, end: 110 } }]);
});
