import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createCache, DataCache } from '../../server/src/engine/data/cache';
import { HttpClient, parseRetryAfter, type HttpPolicy } from '../../server/src/engine/data/http';
import { authHeaderFor, packumentUrl, privateRegistryOf, reducePackument, RegistryClient, registryForName } from '../../server/src/engine/data/registry-client';
import { parseNpmrc, type NpmConfig } from '../../server/src/engine/policy/npmrc';
import { startFakeRegistry, buildPackument, type FakeRegistry } from '../support/fake-registry';
import { inThreadDecoder } from '../../server/src/engine/data/packument-decoder';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

let reg: FakeRegistry;
before(async () => {
  reg = await startFakeRegistry();
});
after(async () => {
  await reg.close();
});

function client(options: { npmrc?: NpmConfig; cache?: DataCache; http?: Partial<HttpPolicy>; offline?: boolean } = {}) {
  const npmrc = options.npmrc ?? parseNpmrc([`registry=${reg.url}`]);
  const http = new HttpClient({ timeoutMs: 2000, backoffMs: 1, ...options.http, authFor: (url) => authHeaderFor(npmrc, url) });
  return { http, registry: new RegistryClient({ npmrc, http, cache: options.cache ?? createCache(), offline: options.offline ?? false }) };
}

test('a packument is reduced to what the rules read, with the real registry fields when present', async () => {
  reg.addPackage('shapes', {
    versions: {
      '1.0.0': { repository: { type: 'git', url: 'git+https://github.com/a/b.git' }, npmUser: 'alice', attestations: true, bin: { s: 'cli.js' } },
      '1.0.1': { scripts: { postinstall: 'node x.js', test: 'jest' }, deprecated: 'use 2.x', dependencies: { a: '^1.0.0' } },
    },
    maintainers: ['alice'],
  });
  const { registry } = client();
  const r = await registry.lookup('shapes');
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const v0 = r.packument.version('1.0.0')!;
  const v1 = r.packument.version('1.0.1')!;
  assert.equal(v0.hasRepository, true);
  assert.equal(v0.publisher, 'alice');
  assert.equal(v0.hasProvenance, true);
  assert.equal(v0.hasBin, true);
  // Records are null-prototype objects (indexed by registry-supplied keys): compare own entries.
  assert.deepEqual({ ...v1.scripts }, { postinstall: 'node x.js' });
  assert.equal(v1.deprecated, 'use 2.x');
  assert.deepEqual({ ...v1.dependencies }, { a: '^1.0.0' });
  assert.equal(v1.hasRepository, false);
  assert.equal(v1.publisher, undefined);
  assert.equal(r.packument.distTags.latest, '1.0.1');
  assert.ok(r.packument.time('1.0.1'));
  assert.deepEqual(r.packument.maintainers, ['alice']);
});

test('reducePackument tolerates the fields the local registry lacks and reads time.unpublished', () => {
  const p = reducePackument({ name: 'gone', time: { created: '2020-01-01T00:00:00Z', unpublished: { time: '2024-01-01T00:00:00Z', versions: ['1.0.0'] } } }, 'gone');
  assert.deepEqual(p?.versionNames, []);
  assert.deepEqual(p?.unpublished, { time: '2024-01-01T00:00:00Z', versions: ['1.0.0'] });
  assert.equal(reducePackument('nope', 'x'), undefined);
  const gyp = reducePackument(buildPackument('http://r/', 'native', { versions: { '1.0.0': { gypfile: true } } }), 'native');
  assert.deepEqual({ ...gyp?.version('1.0.0')!.scripts }, { install: 'node-gyp rebuild' });
});

test('scoped names are requested as @scope%2fname', async () => {
  reg.addPackage('@scope/pkg', { versions: { '1.0.0': {} } });
  const { registry } = client();
  const r = await registry.lookup('@scope/pkg');
  assert.equal(r.status, 'ok');
  assert.deepEqual(reg.requestsFor('@scope/pkg').map((q) => q.path), ['/@scope%2fpkg']);
  assert.equal(packumentUrl('https://r.example/npm', '@a/b'), 'https://r.example/npm/@a%2fb');
});

test('the four takedown answers', async () => {
  for (const how of ['404', 'empty', '403', 'placeholder'] as const) reg.takedown(`td-${how}`, how);
  const { registry } = client();
  const r404 = await registry.lookup('td-404');
  const rEmpty = await registry.lookup('td-empty');
  const r403 = await registry.lookup('td-403');
  const rPlaceholder = await registry.lookup('td-placeholder');
  assert.deepEqual([r404.status, r404.status === 'gone' && r404.how], ['gone', 'not-found']);
  assert.deepEqual([rEmpty.status, rEmpty.status === 'gone' && rEmpty.how], ['gone', 'empty']);
  assert.deepEqual([r403.status, r403.status === 'gone' && r403.how], ['gone', 'forbidden']);
  assert.equal(rPlaceholder.status, 'ok');
  assert.deepEqual(rPlaceholder.status === 'ok' && rPlaceholder.packument.versionNames, ['0.0.1-security']);
});

test('one request per name however many lookups are in flight', async () => {
  reg.addPackage('popular', { versions: { '1.0.0': {} } });
  const { registry, http } = client();
  const results = await Promise.all([registry.lookup('popular'), registry.lookup('popular'), registry.lookup('popular')]);
  assert.ok(results.every((r) => r.status === 'ok'));
  assert.equal(reg.requestsFor('popular').length, 1);
  assert.equal(http.requests, 1);
});

test('the concurrency limit holds', async () => {
  let active = 0;
  let peak = 0;
  const counting: typeof fetch = async (...args) => {
    active++;
    peak = Math.max(peak, active);
    try {
      const res = await fetch(...args);
      // Read the body inside the window so that the whole exchange counts as active.
      const body = await res.arrayBuffer();
      return new Response(res.status === 304 ? null : body, { status: res.status, headers: res.headers });
    } finally {
      active--;
    }
  };
  for (let i = 0; i < 12; i++) reg.addPackage(`many-${i}`, { versions: { '1.0.0': {} } });
  const { registry } = client({ http: { concurrency: 3, fetch: counting } });
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => registry.lookup(`many-${i}`)));
  assert.ok(results.every((r) => r.status === 'ok'));
  assert.ok(peak <= 3, `peak ${peak}`);
  assert.ok(peak >= 2, `peak ${peak} (requests should overlap)`);
});

test('response bodies are read within the byte budget, however many requests are in flight', async () => {
  // Counts bodies being read at once: from the client's first read to the end of the body.
  let reading = 0;
  let peak = 0;
  const counting: typeof fetch = async (...args) => {
    const res = await fetch(...args);
    if (!res.body) return res;
    const source = res.body.getReader();
    let started = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!started) {
          started = true;
          reading++;
          peak = Math.max(peak, reading);
        }
        const { done, value } = await source.read();
        if (done) {
          reading--;
          controller.close();
        } else controller.enqueue(value);
      },
    }, { highWaterMark: 0 }); // pulled only when the client reads
    return new Response(body, { status: res.status, headers: res.headers });
  };
  // The fake registry sends no Content-Length: each body reserves 1 MiB of the budget.
  for (let i = 0; i < 8; i++) reg.addPackage(`budget-${i}`, { versions: { '1.0.0': { deprecated: 'x'.repeat(200_000) } } });
  const { http, registry } = client({ http: { concurrency: 8, bodyBudget: 2.5 * 1024 * 1024, fetch: counting } });
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => registry.lookup(`budget-${i}`)));
  assert.ok(results.every((r) => r.status === 'ok'));
  assert.ok(peak <= 2, `peak ${peak} bodies read at once`);
  assert.ok(http.peakBodyBytes <= 2.5 * 1024 * 1024, `reserved ${http.peakBodyBytes}`);
  // A body larger than the whole budget is still read (alone).
  reg.addPackage('budget-big', { versions: { '1.0.0': { deprecated: 'y'.repeat(300_000) } } });
  const small = client({ http: { bodyBudget: 1000 } });
  const big = await small.registry.lookup('budget-big');
  assert.equal(big.status === 'ok' && big.packument.version('1.0.0')!.deprecated?.length, 300_000);
});

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a body held with holdBudget counts against the byte budget at its real size until released', async () => {
  // 1.5 MB, sent without Content-Length: it reserves 1 MiB while read, then its real size.
  reg.addPackage('held-big', { versions: { '1.0.0': { deprecated: 'x'.repeat(1_500_000) } } });
  reg.addPackage('held-next', { versions: { '1.0.0': {} } });
  const http = new HttpClient({ timeoutMs: 2000, bodyBudget: 2 * 1024 * 1024 });
  const held = await http.request({ url: `${reg.url}held-big`, binary: true, holdBudget: true });
  assert.ok(held.ok);
  if (!held.ok) return;
  assert.equal(http.peakBodyBytes, held.response.bytes!.length);
  // The next body (1 MiB reserved) does not fit beside it: it is not read until the release.
  let done = false;
  const next = http.request({ url: `${reg.url}held-next` }).then((r) => ((done = true), r));
  while (reg.requestsFor('held-next').length === 0) await tick(5);
  await tick(50);
  assert.equal(done, false, 'read while the held body filled the budget');
  held.response.release!();
  held.response.release!(); // twice gives back once
  assert.ok((await next).ok);
  // Given back once: two 1 MiB bodies fit together again.
  const both = await Promise.all([http.request({ url: `${reg.url}held-next` }), http.request({ url: `${reg.url}held-next` })]);
  assert.ok(both.every((r) => r.ok));
  assert.ok(http.peakBodyBytes <= held.response.bytes!.length + 1024 * 1024, `reserved ${http.peakBodyBytes}`);
  // A small held body keeps only its size: the 1 MiB it reserved while read is given back at once.
  const tight = new HttpClient({ timeoutMs: 2000, bodyBudget: 1.5 * 1024 * 1024 });
  const small = await tight.request({ url: `${reg.url}held-next`, binary: true, holdBudget: true });
  assert.ok(small.ok);
  assert.ok((await tight.request({ url: `${reg.url}held-next` })).ok, 'a 1 MiB reservation fits beside a small held body');
  if (small.ok) small.response.release!();
});

test('a registry answer keeps its share of the byte budget until it is decoded', async () => {
  // ~600 KB: held beside the next body's 1 MiB reservation, over the 1.5 MiB budget.
  reg.addPackage('decode-first', { versions: { '1.0.0': { deprecated: 'x'.repeat(600_000) } } });
  reg.addPackage('decode-second', { versions: { '1.0.0': {} } });
  // A decoder that holds its first answer until told: the second body must wait for it.
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const started: string[] = [];
  const gated = {
    warm: () => undefined,
    close: async () => undefined,
    async decode(bytes: Buffer, name: string) {
      started.push(name);
      if (started.length === 1) await gate;
      return inThreadDecoder.decode(bytes, name);
    },
  };
  const npmrc = parseNpmrc([`registry=${reg.url}`]);
  const http = new HttpClient({ timeoutMs: 2000, bodyBudget: 1.5 * 1024 * 1024 });
  const registry = new RegistryClient({ npmrc, http, cache: createCache(), offline: false, decoder: gated });
  const first = registry.lookup('decode-first');
  while (started.length === 0) await tick(5);
  const second = registry.lookup('decode-second');
  while (reg.requestsFor('decode-second').length === 0) await tick(5);
  await tick(50);
  assert.deepEqual(started, ['decode-first'], 'the second body was read while the first waited for the decoder');
  open();
  const results = await Promise.all([first, second]);
  assert.ok(results.every((r) => r.status === 'ok'));
  assert.deepEqual(started, ['decode-first', 'decode-second']);
  assert.ok(http.peakBodyBytes <= 1.5 * 1024 * 1024, `reserved ${http.peakBodyBytes}`);
});

test('500 is retried a bounded number of times, then reported', async () => {
  reg.addPackage('flaky', { versions: { '1.0.0': {} } });
  reg.fault('flaky', { kind: 'status', status: 500 });
  const { registry } = client({ http: { retries: 2 } });
  const r = await registry.lookup('flaky');
  assert.deepEqual(r.status === 'error' && r.reason, 'HTTP 500');
  assert.equal(reg.requestsFor('flaky').length, 3);
});

test('a transient 500 recovers on retry', async () => {
  reg.addPackage('blip', { versions: { '1.0.0': {} } });
  reg.fault('blip', { kind: 'status', status: 503 }, 1);
  const { registry } = client();
  assert.equal((await registry.lookup('blip')).status, 'ok');
  assert.equal(reg.requestsFor('blip').length, 2);
});

test('429 waits as long as Retry-After says, then succeeds', async () => {
  reg.addPackage('limited', { versions: { '1.0.0': {} } });
  reg.fault('limited', { kind: '429', retryAfter: '2' }, 1);
  const waits: number[] = [];
  const { registry } = client({ http: { delay: async (ms) => void waits.push(ms) } });
  assert.equal((await registry.lookup('limited')).status, 'ok');
  assert.deepEqual(waits, [2000]);
  assert.equal(reg.requestsFor('limited').length, 2);
});

test('a Retry-After beyond the limit fails the lookup instead of stalling the scan', async () => {
  reg.addPackage('very-limited', { versions: { '1.0.0': {} } });
  reg.fault('very-limited', { kind: '429', retryAfter: '3600' });
  const waits: number[] = [];
  const { registry } = client({ http: { delay: async (ms) => void waits.push(ms) } });
  const r = await registry.lookup('very-limited');
  assert.equal(r.status, 'error');
  assert.match(r.status === 'error' ? r.reason : '', /HTTP 429 \(retry after 3600 s\)/);
  assert.deepEqual(waits, []);
});

test('Retry-After as an HTTP date', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter('soon', now), undefined);
});

test('a server that never answers times out', async () => {
  reg.fault('stuck', { kind: 'slow' });
  const { registry } = client({ http: { timeoutMs: 100, retries: 1 } });
  const r = await registry.lookup('stuck');
  assert.deepEqual(r.status === 'error' && r.reason, 'timeout');
  assert.equal(reg.requestsFor('stuck').length, 2);
});

test('truncated, malformed, oversized and reset answers are errors, never data', async () => {
  for (const name of ['cut', 'bad-json', 'huge', 'reset']) reg.addPackage(name, { versions: { '1.0.0': {} } });
  reg.fault('cut', { kind: 'truncated' });
  reg.fault('bad-json', { kind: 'malformed' });
  reg.fault('huge', { kind: 'huge', bytes: 4 * 1024 * 1024 });
  reg.fault('reset', { kind: 'reset' });
  const { registry } = client({ http: { maxBytes: 1024 * 1024, retries: 1 } });
  const [cut, bad, huge, reset] = await Promise.all(['cut', 'bad-json', 'huge', 'reset'].map((n) => registry.lookup(n)));
  assert.deepEqual(cut.status === 'error' && cut.reason, 'truncated response');
  assert.deepEqual(bad.status === 'error' && bad.reason, 'malformed response');
  assert.match(huge.status === 'error' ? huge.reason : '', /response too large/);
  assert.match(reset.status === 'error' ? reset.reason : '', /connection reset|network error/);
  // Oversized answers are not retried (they would be as big again).
  assert.equal(reg.requestsFor('huge').length, 1);
});

test('the token follows neither a redirect to another host nor a request to another registry', async () => {
  const other = await startFakeRegistry();
  try {
    other.addPackage('moved', { versions: { '1.0.0': {} } });
    reg.fault('moved', { kind: 'redirect', to: other.url });
    const host = new URL(reg.url).host;
    const npmrc = parseNpmrc([`registry=${reg.url}`, `//${host}/:_authToken=s3cret`]);
    const { registry } = client({ npmrc });
    const r = await registry.lookup('moved');
    assert.equal(r.status, 'ok');
    assert.equal(reg.requestsFor('moved')[0].headers.authorization, 'Bearer s3cret');
    assert.equal(other.requestsFor('moved').length, 1);
    assert.equal(other.requestsFor('moved')[0].headers.authorization, undefined);
  } finally {
    await other.close();
  }
});

test('auth is matched on host and path, longest prefix first, in the forms npm accepts', () => {
  const npmrc = parseNpmrc(
    [
      '//npm.example.com/:_authToken=${TOKEN}',
      '//npm.example.com/deep/path/:_authToken=deeper',
      '//basic.example.com/:_auth=dXNlcjpwYXNz',
      '//pw.example.com/:username=bob',
      `//pw.example.com/:_password=${Buffer.from('hunter2').toString('base64')}`,
    ].join('\n').split('\n'),
    { TOKEN: 'from-env' },
  );
  assert.equal(authHeaderFor(npmrc, 'https://npm.example.com/pkg'), 'Bearer from-env');
  assert.equal(authHeaderFor(npmrc, 'https://npm.example.com/deep/path/pkg'), 'Bearer deeper');
  assert.equal(authHeaderFor(npmrc, 'https://basic.example.com/pkg'), 'Basic dXNlcjpwYXNz');
  assert.equal(authHeaderFor(npmrc, 'https://pw.example.com/pkg'), `Basic ${Buffer.from('bob:hunter2').toString('base64')}`);
  assert.equal(authHeaderFor(npmrc, 'https://npm.example.com.evil.test/pkg'), undefined);
  assert.equal(authHeaderFor(npmrc, 'https://registry.npmjs.org/pkg'), undefined);
});

test('private scopes keep their registry even when the public registry is overridden', () => {
  const npmrc = parseNpmrc(['@acme:registry=https://npm.acme.example/', '@pub:registry=https://registry.npmjs.org/']);
  assert.equal(privateRegistryOf(npmrc, '@acme/x'), 'https://npm.acme.example/');
  assert.equal(privateRegistryOf(npmrc, '@pub/x'), undefined);
  assert.equal(privateRegistryOf(npmrc, 'plain'), undefined);
  assert.equal(registryForName(npmrc, '@acme/x', 'http://127.0.0.1:9/'), 'https://npm.acme.example/');
  assert.equal(registryForName(npmrc, '@pub/x', 'http://127.0.0.1:9/'), 'http://127.0.0.1:9/');
  assert.equal(registryForName(npmrc, 'plain', undefined), 'https://registry.npmjs.org/');
});

test('a stale entry is revalidated with its ETag (304 keeps the data)', async () => {
  reg.addPackage('etagged', { versions: { '1.0.0': {} } });
  const cache = new DataCache(undefined, { ttlMs: { packument: 0 } });
  const { registry: first } = client({ cache });
  assert.equal((await first.lookup('etagged')).status, 'ok');
  const { registry: second } = client({ cache });
  const r = await second.lookup('etagged');
  assert.equal(r.status, 'ok');
  const reqs = reg.requestsFor('etagged');
  assert.equal(reqs.length, 2);
  assert.equal(reqs[0].headers['if-none-match'], undefined);
  assert.match(String(reqs[1].headers['if-none-match']), /^"[0-9a-f]{40}"$/);
});

test('a fresh entry missing a needed version is revalidated once, then remembered', async () => {
  reg.addPackage('growing', { versions: { '1.0.0': {} } });
  const cache = createCache();
  assert.equal((await client({ cache }).registry.lookup('growing', ['1.0.0'])).status, 'ok');
  reg.addPackage('growing', { versions: { '1.0.0': {}, '1.1.0': {} } });
  const r = await client({ cache }).registry.lookup('growing', ['1.1.0']);
  assert.ok(r.status === 'ok' && r.packument.version('1.1.0')!);
  // A version the registry really does not serve is asked about once, not on every scan.
  await client({ cache }).registry.lookup('growing', ['9.9.9']);
  const before = reg.requestsFor('growing').length;
  await client({ cache }).registry.lookup('growing', ['9.9.9']);
  assert.equal(reg.requestsFor('growing').length, before);
  assert.equal(before, 3);
});

test('offline uses the cache only, stale or not', async () => {
  reg.addPackage('cached-once', { versions: { '1.0.0': {} } });
  const cache = new DataCache(undefined, { ttlMs: { packument: 0 } });
  await client({ cache }).registry.lookup('cached-once');
  const before = reg.requests.length;
  const offline = client({ cache, offline: true }).registry;
  assert.equal((await offline.lookup('cached-once')).status, 'ok');
  const miss = await offline.lookup('never-seen');
  assert.deepEqual(miss.status === 'error' && miss.reason, 'offline');
  assert.equal(reg.requests.length, before);
});

test('the decoder is warmed only when a request goes to the network: a lookup the disk cache answers never starts a worker', async () => {
  reg.addPackage('warmed', { versions: { '1.0.0': {} } });
  const cache = createCache(mkdtempSync(path.join(tmpdir(), 'depwarden-warm-')));
  const counting = () => {
    const decoder = { warms: 0, warm() { decoder.warms++; }, decode: inThreadDecoder.decode, close: inThreadDecoder.close };
    return decoder;
  };
  const npmrc = parseNpmrc([`registry=${reg.url}`]);
  const first = counting();
  const cold = new RegistryClient({ npmrc, http: new HttpClient({ timeoutMs: 2000 }), cache, offline: false, decoder: first });
  assert.equal((await cold.lookup('warmed')).status, 'ok');
  assert.equal(first.warms, 1, 'a network lookup warms the decoder before its request');
  const second = counting();
  const warm = new RegistryClient({ npmrc, http: new HttpClient({ timeoutMs: 2000 }), cache: createCache(cache.dir!), offline: false, decoder: second });
  const again = await warm.lookup('warmed');
  assert.equal(again.status === 'ok' && again.fromCache, true, 'answered from the disk cache');
  assert.equal(second.warms, 0, 'nothing to decode: no worker started');
});
