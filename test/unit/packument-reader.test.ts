import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePackument } from '../../server/src/engine/data/packument-reader';
import { reducePackument } from '../../server/src/engine/data/registry-client';
import { buildPackument } from '../support/fake-registry';
import { packumentTexts } from '../support/packument-texts';

const read = (text: string) => decodePackument(Buffer.from(text), 'x');
/** The stored form (packument-store.ts): every field the rules read, in a comparable shape. */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
/** What decoding the bytes must give: reducePackument of the document JSON.parse gives. */
const expected = (text: string) => plain(reducePackument(JSON.parse(text), 'x'));

test('reader: the reduced packument is the one JSON.parse gives, without building what no rule reads', () => {
  const doc = buildPackument('http://r/', 'p', {
    versions: {
      '1.0.0': { scripts: { postinstall: 'node x.js' }, dependencies: { a: '^1.0.0' }, npmUser: 'alice', attestations: true, repository: { type: 'git', url: 'git+https://github.com/o/p.git' } },
      '1.0.1': { deprecated: 'use 2', bin: { p: 'cli.js' }, gypfile: true },
    },
    maintainers: ['alice'],
  }) as Record<string, unknown>;
  // What the real registry adds around the fields the rules read.
  doc.readme = '# p\n'.repeat(100_000) + '"quoted" \\ \u2028 ü';
  for (const v of Object.values(doc.versions as Record<string, Record<string, unknown>>)) {
    v.description = 'a "package" \\o/';
    v.readme = 'x'.repeat(10_000);
    v.files = Array.from({ length: 500 }, (_, i) => ({ path: `f${i}`, size: i, nested: [[{ deep: '}]' }]] }));
  }
  const text = JSON.stringify(doc, null, 2);
  const p = read(text)!;
  assert.ok(p, 'read');
  assert.equal(p.version('1.0.0')?.publisher, 'alice');
  assert.deepEqual(plain(p), expected(text));
});

test('reader: truncated, trailing garbage, not an object, broken kept values: malformed (undefined)', () => {
  const whole = JSON.stringify(buildPackument('http://r/', 'p', { versions: { '1.0.0': {} } }));
  for (let cut = 1; cut < whole.length; cut += 7) assert.equal(read(whole.slice(0, cut)), undefined, `cut at ${cut}`);
  assert.equal(read(whole + 'x'), undefined);
  assert.equal(read('[1]'), undefined);
  assert.equal(read(''), undefined);
  assert.equal(read('{"name": tru}'), undefined);
  assert.equal(read('{"versions":{"1.0.0":{"dependencies":{"a":}}}}'), undefined);
  assert.equal(read('{"_id": "p", "versions": {'), undefined);
  assert.deepEqual(plain(read(' {} ')), expected('{}'));
});

test('reader: escaped keys decode as in JSON.parse; "__proto__" stays a version', () => {
  const text = '{"\\u0076ersions":{"__proto__":{"scripts":{"install":"x"}},"1.0.0":{"d\\u0065precated":"old"}},"__proto__":{"polluted":true}}';
  const p = read(text)!;
  assert.deepEqual(p.versionNames, ['__proto__', '1.0.0']);
  assert.equal(p.version('1.0.0')!.deprecated, 'old');
  assert.deepEqual({ ...p.version('__proto__')!.scripts }, { install: 'x' });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(plain(p), expected(text));
});

test('reader: deep nesting in a skipped field is stepped over without recursion', () => {
  const deep = '['.repeat(200_000) + ']'.repeat(200_000);
  const p = read(`{"versions":{"1.0.0":{"files":${deep},"gitHead":"abcdef1"}},"readme":${deep}}`)!;
  assert.equal(p.version('1.0.0')!.gitHead, 'abcdef1');
});

test('reader: agrees with JSON.parse on which texts are objects, for random JSON values', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = JSON.stringify(value);
      const p = read(text);
      const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
      assert.equal(p !== undefined, isObject, text.slice(0, 200));
      if (isObject) assert.deepEqual(plain(p), expected(text));
    }),
    { numRuns: 500, seed: 13 },
  );
});

test('reader: packument-shaped documents decode as reducePackument of JSON.parse', () => {
  const doc = packumentTexts();
  fc.assert(
    fc.property(doc, (text) => {
      const p = read(text);
      assert.ok(p, text);
      assert.deepEqual(plain(p), expected(text), text);
      // The versions, checked without the builder both sides share: JSON.parse's last value
      // per name, in Object.entries order, object values only.
      const versions = (JSON.parse(text) as { versions: object }).versions;
      assert.deepEqual(
        p.versionNames,
        Object.entries(versions)
          .filter(([, v]) => v && typeof v === 'object')
          .map(([k]) => k),
        text,
      );
    }),
    { numRuns: 2000, seed: 13 },
  );
});
