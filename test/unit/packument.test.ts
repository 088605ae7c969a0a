import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packumentFromRecords } from '../../server/src/engine/data/packument';
import { decodeStored, encodePackument } from '../../server/src/engine/data/packument-store';
import { reducePackument } from '../../server/src/engine/data/registry-client';

test('packument times: every form the registries write comes back as written, as text and as a number', () => {
  const time = {
    '1.0.0': '2024-12-09T00:35:24.531000+00:00', // the registry here (Python's isoformat)
    '1.0.1': '2026-02-24T00:59:17+00:00', // the same at a whole second
    '1.0.2': '2025-01-02T03:04:05.678Z', // npm's registry (toISOString)
    '1.0.3': '2020-01-01T00:00:00Z', // parses, but neither form gives it back
    '1.0.4': '2024-12-09T00:35:24.531234+00:00', // microseconds a number of ms cannot hold
    '1.0.5': 'not a date',
    '1.0.6': '',
    created: '2019-05-06T07:08:09.100000+00:00',
    removed: '2019-05-06T07:08:09.100Z', // a version no longer served
  };
  const versions = Object.fromEntries(['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.0.5', '1.0.6', '1.0.7'].map((v) => [v, {}]));
  const p = packumentFromRecords({ name: 'x', versions, time });
  const back = decodeStored(JSON.parse(JSON.stringify(encodePackument(p))))!;
  for (const q of [p, back]) {
    for (const [key, text] of Object.entries(time)) {
      assert.equal(q.time(key), text, key);
      const t = Date.parse(text);
      assert.equal(q.publishedAt(key), Number.isNaN(t) ? undefined : t, key);
    }
    assert.equal(q.time('1.0.7'), undefined, 'a version without a time');
    assert.equal(q.publishedAt('1.0.7'), undefined);
    assert.deepEqual(q.timeKeys().sort(), Object.keys(time).sort());
  }
});

test('packument lookups: names are the registry strings, never Object.prototype members', () => {
  const doc = JSON.parse('{"name":"x","versions":{"1.0.0":{},"__proto__":{"deprecated":"p"},"constructor":{"deprecated":"c"},"10":{}},"time":{"__proto__":"2020-01-01T00:00:00.000Z"}}');
  const p = reducePackument(doc, 'x')!;
  assert.deepEqual([...p.versionNames].sort(), ['1.0.0', '10', '__proto__', 'constructor']);
  assert.equal(p.version('__proto__')?.deprecated, 'p');
  assert.equal(p.version('constructor')?.deprecated, 'c');
  assert.equal(p.time('__proto__'), '2020-01-01T00:00:00.000Z');
  for (const name of ['toString', 'hasOwnProperty', 'valueOf', '', '1.0.1']) {
    assert.equal(p.hasVersion(name), false, name);
    assert.equal(p.version(name), undefined, name);
    assert.equal(p.time(name), undefined, name);
  }
  assert.equal(p.versionCount, 4);
});

test('packument times: random dates in both forms, and near misses of them, come back as written', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 500; round++) {
    const ms = Math.floor(random() * 4e12) - 1e12; // 1938 to 2096
    const iso = new Date(ms).toISOString();
    const python = `${iso.slice(0, 19)}${ms % 1000 === 0 ? '' : `${iso.slice(19, 23)}000`}+00:00`;
    const texts = [
      python,
      iso,
      python.replace('+00:00', 'Z'),
      `${iso.slice(0, 19)}.000000+00:00`, // isoformat never writes a zero fraction
      `${python.slice(0, 8)}31${python.slice(10)}`, // the 31st of every month
      `${python.slice(0, 5)}02-29${python.slice(10)}`, // leap years and not
      `${python.slice(0, 11)}24${python.slice(13)}`, // hour 24
    ];
    const time = Object.fromEntries(texts.map((text, i) => [`1.0.${i}`, text]));
    const p = packumentFromRecords({ name: 'x', versions: Object.fromEntries(texts.map((_, i) => [`1.0.${i}`, {}])), time });
    texts.forEach((text, i) => {
      const t = Date.parse(text);
      assert.equal(p.time(`1.0.${i}`), text);
      assert.equal(p.publishedAt(`1.0.${i}`), Number.isNaN(t) ? undefined : t, text);
    });
  }
});
