import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePackument } from '../../server/src/engine/data/packument-reader';
import { reducePackument } from '../../server/src/engine/data/registry-client';
import { buildPackument } from '../support/fake-registry';

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

/**
 * Packument-shaped texts: versions whose fields are drawn from small pools (so that
 * versions repeat each other's texts, as real ones do, and the decoder's per-text memory
 * is used), of every JSON type, with escapes, duplicate keys and versions that are not
 * objects. Written as text, since duplicate keys cannot be built with objects.
 */
test('reader: packument-shaped documents decode as reducePackument of JSON.parse', () => {
  const str = (s: string) => JSON.stringify(s);
  const pool = <T>(...xs: T[]) => fc.constantFrom(...xs);
  const fieldValues: Record<string, fc.Arbitrary<string>> = {
    repository: pool('"github:o/r"', '{"type":"git","url":"git+https://github.com/o/r.git"}', '{"url":"  "}', '""', '42', 'null', '["x"]', str('git@gitlab.com:g/p.git')),
    bin: pool('"cli.js"', '""', '{}', '{"a":"b"}', '[]', '[1]', 'true', 'null'),
    directories: pool('{"bin":"./bin"}', '{"bin":""}', '{"lib":"x"}', '"bin"', 'null', '{"bin":{"x":1}}'),
    scripts: pool('{"postinstall":"node x"}', '{"test":"t","install":"i"}', '{"preinstall":""}', '{"prepare":"p","build":"b"}', '"install"', 'null', '{"install":5}'),
    gypfile: pool('true', 'false', '"true"', 'null', '1'),
    dependencies: pool('{"a":"^1.0.0"}', '{"a":"^1.0.0","b":"2"}', '{}', '{"__proto__":"1","constructor":"2"}', '{"a":1}', '[]', '"a"', '{"a":"github:o/a"}'),
    optionalDependencies: pool('{"a":"^2.0.0"}', '{"c":"3"}', '{}', 'null'),
    peerDependencies: pool('{"p":"^1"}', '{"p":"https://x.example/p.tgz"}', '{"q":"file:../q"}', '7'),
    deprecated: pool('"use 2"', '""', '"\\u0075se \\"3\\""', 'false', '{"why":1}'),
    _npmUser: pool('{"name":"alice","email":"a@x"}', '{"name":"bob"}', '{"name":5}', '"alice"', 'null', '[]'),
    dist: pool(
      '{"integrity":"sha512-abc","tarball":"t"}',
      '{"integrity":"sha1-abc","shasum":"s"}',
      '{"attestations":{"url":"u"},"integrity":"sha256-x"}',
      '{"attestations":null}',
      '{"attestations":[],"integrity":5}',
      '{"signatures":[{"sig":"}"}],"integrity":"SHA384-y","integrity":"sha1-z"}',
      '"sha512-abc"',
      '[{"integrity":"sha512-a"}]',
      'null',
    ),
    gitHead: pool('"ABCDEF0"', '"abcdef0123456789abcdef0123456789abcdef01"', '"not a sha"', '7', 'null'),
    readme: pool('"# x \\" } ] {"', '{"nested":[[{"a":"]"}]]}', '"' + 'r'.repeat(100) + '"'),
    '\\u0064eprecated': pool('"escaped key"'),
  };
  const field = fc.constantFrom(...Object.keys(fieldValues)).chain((k) => fieldValues[k].map((v) => `${k.startsWith('\\') ? `"${k}"` : str(k)}:${v}`));
  const version = fc.oneof(
    { weight: 8, arbitrary: fc.array(field, { maxLength: 8 }).map((fs) => `{${fs.join(',')}}`) },
    { weight: 1, arbitrary: pool('null', '5', '"1.0.0"', '[]', '[{"deprecated":"x"}]') },
  );
  const versionName = pool('1.0.0', '1.0.1', '2.0.0-beta.1', '0', '10', '__proto__', 'constructor', 'x\u0031');
  const versions = fc.array(fc.tuple(versionName, version), { maxLength: 12 }).map((vs) => `{${vs.map(([n, v]) => `"${n}":${v}`).join(', ')}}`);
  const time = pool('{}', '{"1.0.0":"2024-12-09T00:35:24.531000+00:00","created":"2020-01-01T00:00:00.000Z"}', '{"1.0.1":"junk","unpublished":{"time":"t","versions":["1.0.0",5]}}');
  const doc = fc
    .tuple(versions, fc.option(versions, { nil: undefined }), time, pool('{"latest":"1.0.0"}', '{"latest":5}', '[]'), pool('"p"', '5'), pool('[{"name":"alice"},"bob",5]', '"x"'))
    .map(([v, again, t, tags, name, maintainers]) => `{"name":${name},"dist-tags":${tags},"versions":${v},"time":${t},"maintainers":${maintainers}${again ? `,"versions":${again}` : ''},"readme":"x"}`);
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
