/**
 * HttpClient's direct requests (node:http, node-transport.ts) against a loopback server:
 * compressed bodies are decoded as fetch decodes them, the size cap counts decoded bytes,
 * broken bodies and stalls fail the attempt, and connections are kept alive.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../../server/src/engine/data/http';

const doc = JSON.stringify({ name: 'pkg', versions: { '1.0.0': { description: 'x'.repeat(5000) } } });
let server: http.Server;
let base = '';
let connections = 0;
const seen: http.IncomingHttpHeaders[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    const route = req.url ?? '/';
    if (route === '/gzip') return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync(doc));
    if (route === '/br') return void res.writeHead(200, { 'content-encoding': 'br' }).end(zlib.brotliCompressSync(doc));
    if (route === '/deflate') return void res.writeHead(200, { 'content-encoding': 'deflate' }).end(zlib.deflateSync(doc));
    // 4 MB of zeros in ~4 KB: the cap must count what it expands to.
    if (route === '/bomb') return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync(Buffer.alloc(4 * 1024 * 1024)));
    if (route === '/broken-gzip') {
      const gz = zlib.gzipSync(doc);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(gz.length) });
      return void res.write(gz.subarray(0, gz.length >> 1), () => res.socket?.destroy());
    }
    if (route === '/stall') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.write('{"name":'); // and nothing more
    }
    if (route === '/headers') return void res.writeHead(200, [['x-twice', 'a'], ['x-twice', 'b'], ['__proto__', 'p']]).end('{}');
    if (route === '/post') {
      let body = '';
      req.on('data', (c) => (body += c));
      return void req.on('end', () => res.writeHead(200).end(JSON.stringify({ got: body, length: req.headers['content-length'] })));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(doc);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (policy: ConstructorParameters<typeof HttpClient>[0] = {}) => new HttpClient({ timeoutMs: 2000, backoffMs: 1, retries: 0, ...policy });

test('gzip, br and deflate bodies are decoded, and asked for', async () => {
  const c = client();
  for (const coding of ['gzip', 'br', 'deflate']) {
    const r = await c.request({ url: `${base}/${coding}` });
    assert.ok(r.ok, coding);
    assert.equal(r.ok && r.response.body, doc, coding);
    const bytes = await c.request({ url: `${base}/${coding}`, binary: true });
    assert.equal(bytes.ok && bytes.response.bytes!.toString('utf8'), doc, coding);
  }
  assert.match(String(seen.at(-1)!['accept-encoding']), /gzip/);
  await c.close();
});

test('the size cap counts decoded bytes: a small compressed body that expands past it is refused', async () => {
  const c = client({ maxBytes: 1024 * 1024 });
  const r = await c.request({ url: `${base}/bomb`, binary: true });
  assert.deepEqual(r, { ok: false, reason: 'response too large (over 1048576 bytes)' });
  await c.close();
});

test('a compressed body cut short is a truncated response, and a stalled one a timeout', async () => {
  const c = client({ timeoutMs: 300 });
  assert.deepEqual(await c.request({ url: `${base}/broken-gzip` }), { ok: false, reason: 'truncated response' });
  assert.deepEqual(await c.request({ url: `${base}/stall` }), { ok: false, reason: 'timeout' });
  await c.close();
});

test('headers: lower-case, repeated ones joined, a __proto__ header is only a header', async () => {
  const c = client();
  const r = await c.request({ url: `${base}/headers` });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.response.headers['x-twice'], 'a, b');
  assert.equal(r.response.headers['__proto__'], 'p');
  assert.equal(Object.getPrototypeOf(r.response.headers), null);
  await c.close();
});

test('a POST body is sent with its length', async () => {
  const c = client();
  const body = JSON.stringify({ queries: ['é'] });
  const r = await c.request({ url: `${base}/post`, method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.ok(r.ok);
  assert.deepEqual(r.ok && JSON.parse(r.response.body), { got: body, length: String(Buffer.byteLength(body)) });
  await c.close();
});

test('connections are kept alive: sequential requests share one', async () => {
  const c = client();
  const before = connections;
  for (let i = 0; i < 5; i++) assert.ok((await c.request({ url: `${base}/plain` })).ok);
  assert.equal(connections - before, 1);
  await c.close();
});

test('a refused connection is reported as such', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const c = client();
  assert.deepEqual(await c.request({ url: `http://127.0.0.1:${port}/x` }), { ok: false, reason: 'connection refused' });
  await c.close();
});
