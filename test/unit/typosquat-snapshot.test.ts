import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TyposquatDetector, loadPopularPackages, type DetectorSnapshot } from '../../server/src/engine/typosquat';

/** Names near popular ones, made by every kind of slip the detector knows, plus plain ones. */
function probes(popular: string[]): string[] {
  const out = ['expresss', 'crossenv', '@types-node', 'lodahs', 'reacct', 'typescrlpt', 'coffe-script', 'load-yaml', 'node-fetch-npm', '@bable/core', '@types/nod', 'constructor', '__proto__'];
  for (const name of popular.slice(0, 3000)) {
    out.push(name, name.toUpperCase(), name.slice(1), name + 's', name.replace(/-/g, ''), name.replace('l', '1'));
    if (name.length > 3) out.push(name[1] + name[0] + name.slice(2));
  }
  return out;
}

test('a detector loaded from a JSON snapshot answers exactly as one built from the list', () => {
  const popular = loadPopularPackages();
  const built = new TyposquatDetector(popular, { memo: false });
  const snapshot = JSON.parse(JSON.stringify(built.snapshot())) as DetectorSnapshot;
  const loaded = new TyposquatDetector(popular, { memo: false }, snapshot);
  assert.equal(loaded.size, built.size);
  for (const name of probes(popular.map((p) => p.name))) {
    assert.deepEqual(loaded.check(name), built.check(name), name);
    assert.deepEqual(loaded.check(name, { unscopedCopies: true }), built.check(name, { unscopedCopies: true }), name);
  }
});

test('a snapshot of another list is ignored: the detector builds its own index', () => {
  const popular = loadPopularPackages();
  const snapshot = new TyposquatDetector(popular.slice(0, 100)).snapshot();
  const detector = new TyposquatDetector(popular, {}, snapshot);
  assert.equal(detector.check('expresss')?.target, 'express');
  assert.equal(detector.check('lodahs')?.target, 'lodash');
});
