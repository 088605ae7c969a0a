import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TyposquatDetector, loadPopularPackages, popularSource, popularNameDetector } from '../../server/src/engine/typosquat';
import { readPopularIndex, tablesFromList, writePopularIndex, type Lookup, type MapTables } from '../../server/src/engine/typosquat/popular-index';
import { AffixIndex } from '../../server/src/engine/typosquat/affix';

const popular = loadPopularPackages();
const maps = tablesFromList(popular, popularSource());
const bytes = writePopularIndex(maps);
const loaded = readPopularIndex(bytes);
const fromMaps = new TyposquatDetector(maps, { memo: false });
const fromIndex = new TyposquatDetector(loaded, { memo: false });

/** Names near popular ones, made by every kind of slip the detector knows, plus plain ones. */
function probes(names: string[]): string[] {
  const out = ['expresss', 'crossenv', '@types-node', 'lodahs', 'reacct', 'typescrlpt', 'coffe-script', 'load-yaml', 'node-fetch-npm', '@bable/core', '@types/nod', 'constructor', '__proto__', '', '@', '@/'];
  for (const name of names.slice(0, 3000)) {
    out.push(name, name.toUpperCase(), name.slice(1), name + 's', name.replace(/-/g, ''), name.replace('l', '1'));
    if (name.length > 3) out.push(name[1] + name[0] + name.slice(2));
  }
  return out;
}

/** A popular name changed the ways typos and imitations change one. */
const nearName = fc
  .tuple(fc.integer({ min: 0, max: popular.length - 1 }), fc.integer({ min: 0, max: 9 }), fc.nat(300), fc.constantFrom('a', 'e', 's', '-', '.', '_', '1', '0', 'rn', 'js', 'node-', '@', '/', 'x'))
  .map(([i, kind, at, s]) => {
    const name = popular[i].name;
    const p = at % (name.length + 1);
    switch (kind) {
      case 0: return name.slice(0, p) + s + name.slice(p);
      case 1: return name.slice(0, p) + name.slice(p + 1);
      case 2: return name.slice(0, p) + s + name.slice(p + 1);
      case 3: return p + 1 < name.length ? name.slice(0, p) + name[p + 1] + name[p] + name.slice(p + 2) : name + s;
      case 4: return name.replace(/[-_.]/g, '');
      case 5: return name.replace(/^@([^/]+)\//, '$1-');
      case 6: return name.replace(/^@([^/]+)\//, (_m, scope: string) => `@${scope.slice(0, p % (scope.length + 1))}${s}${scope.slice(p % (scope.length + 1))}/`);
      case 7: return s + name;
      case 8: return name + s;
      default: return name.toUpperCase();
    }
  });

test('the detector over the index file answers exactly as the detector over the Maps built from the list', () => {
  assert.equal(fromIndex.size, fromMaps.size);
  assert.equal(fromIndex.source, popularSource());
  for (const name of probes(popular.map((p) => p.name))) {
    assert.deepEqual(fromIndex.check(name), fromMaps.check(name), name);
    assert.deepEqual(fromIndex.check(name, { unscopedCopies: true }), fromMaps.check(name, { unscopedCopies: true }), name);
  }
  fc.assert(
    fc.property(nearName, (name) => {
      assert.deepEqual(fromIndex.check(name), fromMaps.check(name), name);
      assert.deepEqual(fromIndex.check(name, { unscopedCopies: true }), fromMaps.check(name, { unscopedCopies: true }), name);
      assert.equal(fromIndex.isPopular(name), fromMaps.isPopular(name), name);
    }),
    { numRuns: 5000 },
  );
});

test('every table of the index answers every key as its Map does, and knows no other key', () => {
  const names: (keyof MapTables)[] = ['byName', 'byLower', 'byUnconfused', 'bySquash', 'byShortenedSquash', 'byFlatScoped', 'byBareScoped', 'scopes', 'scopeBySquash', 'affixUnscoped', 'affixBareScoped', 'affixWithoutLast'];
  for (const field of names) {
    const map = maps[field] as Map<string, unknown>;
    const table = (loaded as unknown as Record<string, Lookup<unknown>>)[field];
    assert.ok(map.size > 0, field);
    for (const [key, value] of map) {
      assert.ok(table.has(key), `${field}: ${key}`);
      assert.deepEqual(table.get(key), value, `${field}: ${key}`);
    }
    fc.assert(
      fc.property(fc.oneof(nearName, fc.string({ maxLength: 12 })), (key) => {
        assert.equal(table.has(key), map.has(key), `${field}: ${key}`);
        assert.deepEqual(table.get(key), map.get(key), `${field}: ${key}`);
      }),
      { numRuns: 2000 },
    );
  }
  // Ambiguous bare names (several scopes use them) are null, not absent.
  assert.ok([...maps.byBareScoped.values()].includes(null));
  assert.equal(maps.unscopedList.length, loaded.unscopedIndex.names.length);
  maps.unscopedList.forEach((p, id) => assert.deepEqual(loaded.unscoped(id), p));
});

test('the affix index over the index file finds what it finds over the Maps', () => {
  const a = new AffixIndex(maps);
  const b = new AffixIndex(loaded);
  for (const name of ['axios-proxy', 'fake-axios', 'core-http', 'reac', 'chal', 'lodash-utils', 'react-dom', '@x/y']) assert.deepEqual(b.find(name), a.find(name), name);
  fc.assert(
    fc.property(nearName, (name) => assert.deepEqual(b.find(name), a.find(name), name)),
    { numRuns: 3000 },
  );
});

test('the bundled detector is the one over the index (made from the list when unbundled, as here)', () => {
  const detector = popularNameDetector();
  assert.equal(detector.size, popular.length);
  assert.equal(detector.check('expresss')?.target, 'express');
  assert.equal(detector.check('@typess/node')?.target, '@types/node');
});

test('bytes that are not a whole index of this format are refused with a reason, never misread', () => {
  assert.throws(() => readPopularIndex(bytes.subarray(0, bytes.length - 1)), /typosquat index .* damaged .*wrong length/);
  assert.throws(() => readPopularIndex(new Uint8Array(8)), /too short/);
  const other = Uint8Array.from(bytes);
  other[4] = 99; // format version
  assert.throws(() => readPopularIndex(other), /unknown format/);
  const torn = Uint8Array.from(bytes);
  new DataView(torn.buffer).setInt32(16, 1 << 30, true); // first section's length
  assert.throws(() => readPopularIndex(torn), /runs past the end/);
  // An unaligned copy (as a pooled Buffer may be) reads the same.
  const unaligned = new Uint8Array(bytes.length + 1).subarray(1);
  unaligned.set(bytes);
  assert.deepEqual(new TyposquatDetector(readPopularIndex(unaligned)).check('lodahs'), fromMaps.check('lodahs'));
});

test('a detector over a short custom list uses only that list', () => {
  const small = new TyposquatDetector(readPopularIndex(writePopularIndex(tablesFromList(popular.slice(0, 100)))));
  assert.equal(small.check('expresss'), undefined);
  assert.equal(small.check('debgu')?.target, 'debug');
});
