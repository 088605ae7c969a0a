import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { AdvisoryClient, toAdvisory } from '../../server/src/engine/data/advisory-client';
import { createCache, type DataCache } from '../../server/src/engine/data/cache';
import { HttpClient } from '../../server/src/engine/data/http';
import { startFakeOsv, type FakeOsv } from '../support/fake-osv';

let osv: FakeOsv;
before(async () => {
  osv = await startFakeOsv();
  osv.addRecord({ id: 'MAL-2025-0001', name: 'evil-pkg', versions: ['1.0.0'] });
  osv.addRecord({ id: 'GHSA-aaaa-bbbb-cccc', name: 'lodash', introduced: '0', fixed: '4.17.21', severity: 'HIGH', summary: 'Prototype pollution', aliases: ['CVE-2021-23337'] });
  osv.addRecord({ id: 'GHSA-dddd-eeee-ffff', name: 'lodash', introduced: '4.0.0', fixed: '4.17.12', severity: 'CRITICAL', summary: 'Command injection' });
});
after(async () => {
  await osv.close();
});

function client(cache: DataCache = createCache(), offline = false, retries = 0) {
  const http = new HttpClient({ retries, backoffMs: 1, timeoutMs: 2000 });
  return { http, advisories: new AdvisoryClient({ http, cache, baseUrl: osv.url, offline }) };
}

test('one querybatch for all versions, one record fetch per advisory id', async () => {
  const start = osv.requests.length;
  const { advisories } = client();
  const result = await advisories.lookup([
    { name: 'evil-pkg', version: '1.0.0' },
    { name: 'lodash', version: '4.17.11' },
    { name: 'lodash', version: '4.17.20' },
    { name: 'lodash', version: '4.17.20' },
    { name: 'clean', version: '1.0.0' },
  ]);
  const reqs = osv.requests.slice(start);
  assert.equal(reqs.filter((r) => r.path === '/v1/querybatch').length, 1);
  assert.deepEqual(reqs.filter((r) => r.path.startsWith('/v1/vulns/')).map((r) => r.path).sort(), [
    '/v1/vulns/GHSA-aaaa-bbbb-cccc',
    '/v1/vulns/GHSA-dddd-eeee-ffff',
    '/v1/vulns/MAL-2025-0001',
  ]);
  const evil = result.get('evil-pkg@1.0.0');
  assert.ok(evil?.status === 'ok');
  assert.deepEqual(evil.advisories.map((a) => [a.id, a.malware]), [['MAL-2025-0001', true]]);
  const old = result.get('lodash@4.17.11');
  assert.ok(old?.status === 'ok');
  assert.deepEqual(old.advisories.map((a) => [a.id, a.malware, a.severity, a.fixed]).sort(), [
    ['GHSA-aaaa-bbbb-cccc', false, 'high', '4.17.21'],
    ['GHSA-dddd-eeee-ffff', false, 'critical', '4.17.12'],
  ]);
  const newer = result.get('lodash@4.17.20');
  assert.ok(newer?.status === 'ok');
  assert.deepEqual(newer.advisories.map((a) => a.id), ['GHSA-aaaa-bbbb-cccc']);
  assert.deepEqual(result.get('clean@1.0.0'), { status: 'ok', advisories: [] });
});

test('answers are cached: a second lookup sends nothing', async () => {
  const cache = createCache();
  await client(cache).advisories.lookup([{ name: 'lodash', version: '4.17.11' }]);
  const start = osv.requests.length;
  const again = await client(cache).advisories.lookup([{ name: 'lodash', version: '4.17.11' }]);
  assert.equal(osv.requests.length, start);
  assert.equal(again.get('lodash@4.17.11')?.status, 'ok');
});

test('a failing querybatch marks every query of the batch as missing, with the reason', async () => {
  osv.fault('querybatch', { kind: 'status', status: 500 }, 1);
  const result = await client().advisories.lookup([{ name: 'a', version: '1.0.0' }, { name: 'b', version: '2.0.0' }]);
  assert.deepEqual(result.get('a@1.0.0'), { status: 'error', reason: 'HTTP 500' });
  assert.deepEqual(result.get('b@2.0.0'), { status: 'error', reason: 'HTTP 500' });
});

test('a malformed querybatch answer is an error, not "no advisories"', async () => {
  osv.fault('querybatch', { kind: 'malformed' }, 1);
  const result = await client().advisories.lookup([{ name: 'a', version: '1.0.0' }]);
  assert.deepEqual(result.get('a@1.0.0'), { status: 'error', reason: 'malformed response' });
});

test('a record that cannot be fetched still counts by its id (MAL- is malware either way)', async () => {
  osv.fault('vulns', { kind: 'status', status: 500 });
  try {
    const result = await client().advisories.lookup([{ name: 'evil-pkg', version: '1.0.0' }]);
    const r = result.get('evil-pkg@1.0.0');
    assert.ok(r?.status === 'ok');
    assert.equal(r.advisories[0].id, 'MAL-2025-0001');
    assert.equal(r.advisories[0].malware, true);
  } finally {
    osv.fault('vulns', { kind: 'status', status: 500 }, 0);
  }
});

test('offline: cached answers only, the rest missing as offline', async () => {
  const cache = createCache();
  await client(cache).advisories.lookup([{ name: 'lodash', version: '4.17.11' }]);
  const start = osv.requests.length;
  const result = await client(cache, true).advisories.lookup([
    { name: 'lodash', version: '4.17.11' },
    { name: 'lodash', version: '4.17.15' },
  ]);
  assert.equal(osv.requests.length, start);
  assert.equal(result.get('lodash@4.17.11')?.status, 'ok');
  assert.deepEqual(result.get('lodash@4.17.15'), { status: 'error', reason: 'offline' });
});

test('toAdvisory: aliases to MAL- mean malware; first fixed version above the affected one', () => {
  const a = toAdvisory('GHSA-xxxx', { id: 'GHSA-xxxx', aliases: ['MAL-2024-1'], summary: 'Malicious code' }, 'x', '1.0.0');
  assert.equal(a.malware, true);
  const b = toAdvisory(
    'GHSA-yyyy',
    {
      id: 'GHSA-yyyy',
      affected: [
        { package: { name: 'y' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.0' }, { introduced: '2.0.0' }, { fixed: '2.3.1' }] }] },
        { package: { name: 'other' }, ranges: [{ type: 'SEMVER', events: [{ fixed: '2.0.1' }] }] },
      ],
    },
    'y',
    '2.1.0',
  );
  assert.equal(b.malware, false);
  assert.equal(b.fixed, '2.3.1');
  assert.equal(b.severity, 'unknown');
});
