import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyRemoteData, sameRemoteData, type Packument, type RemoteData } from '../../server/src/engine/data/remote-data';
import { packumentFromRecords } from '../../server/src/engine/data/packument';

const packument: Packument = packumentFromRecords({ name: 'a' });

function data(): RemoteData {
  const d = emptyRemoteData();
  d.packuments.set('a', { status: 'ok', packument, registry: 'https://r/', fromCache: true });
  d.advisories.set('a@1.0.0', { status: 'ok', advisories: [] });
  return d;
}

test('sameRemoteData: equal only when every answer is the same', () => {
  const base = data();
  const iocs = base.iocs;
  const again = () => Object.assign(data(), { iocs });
  assert.equal(sameRemoteData(undefined, base), false);
  assert.equal(sameRemoteData(base, again()), true, 'cache hits: same packument objects');

  const refetched = again();
  refetched.packuments.set('a', { status: 'ok', packument: packumentFromRecords({ name: 'a' }), registry: 'https://r/', fromCache: false });
  assert.equal(sameRemoteData(base, refetched), false, 'a new packument object');

  const gone = again();
  gone.packuments.set('a', { status: 'gone', how: 'not-found', registry: 'https://r/', fromCache: false });
  assert.equal(sameRemoteData(base, gone), false);

  const advised = again();
  advised.advisories.set('a@1.0.0', { status: 'ok', advisories: [{ id: 'MAL-1', aliases: [], summary: 'x', malware: true, severity: 'critical' }] });
  assert.equal(sameRemoteData(base, advised), false, 'a new advisory');

  const more = again();
  more.packuments.set('b', { status: 'error', reason: 'offline', registry: 'https://r/' });
  assert.equal(sameRemoteData(base, more), false, 'a new lookup');

  assert.equal(sameRemoteData(base, data()), false, 'another IOC list');
  assert.equal(sameRemoteData(base, Object.assign(again(), { malwareFeeds: [{ url: 'https://f/', status: 'error', reason: 'offline' }] })), false);
});
