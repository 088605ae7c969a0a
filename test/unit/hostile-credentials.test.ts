/**
 * Issue #10, the data plane's rows: a scanned repository is the attacker. Its `.npmrc` must
 * not steer credentials (row 3) or the network (row 4), private names stay private (row 9),
 * no credential travels over plain http (row 12), names that are Object.prototype keys are
 * plain names (row 13), and `.npmrc` text is read in linear time (row 6's backslashes).
 * Every server is on 127.0.0.1.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchRemoteData } from '../../server/src/engine/data/fetch-remote';
import { HttpClient } from '../../server/src/engine/data/http';
import { reducePackument, revivePackument } from '../../server/src/engine/data/registry-client';
import { encodePackument } from '../../server/src/engine/data/packument-store';
import { resolveSpec } from '../../server/src/engine/data/targets';
import { parseNpmrc } from '../../server/src/engine/policy/npmrc';
import { buildProject } from '../../server/src/engine/project';
import { scanFiles } from '../../server/src/engine/scan';
import { defaultSettings, type Settings, type SourceFile } from '../../server/src/engine/model';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { startFakeOsv, type FakeOsv } from '../support/fake-osv';
import { startTestProxy, type TestProxy } from '../support/test-proxy';
import { npmLockText } from '../support/fixtures';
import { packumentFromRecords } from '../../server/src/engine/data/packument';

const SECRET = 'ghp_SECRETsecretSECRET0123456789';
const REPO = 'github:a/b';
const FAST = { http: { retries: 0, timeoutMs: 5000 } };

let reg: FakeRegistry;
let attacker: FakeRegistry;
let osv: FakeOsv;
let proxy: TestProxy;

before(async () => {
  [reg, attacker, osv, proxy] = await Promise.all([startFakeRegistry(), startFakeRegistry(), startFakeOsv(), startTestProxy()]);
  for (const r of [reg, attacker]) {
    r.addPackage('left-pad', { versions: { '1.3.0': { repository: REPO } } });
    r.addPackage('@corp/lib', { versions: { '1.0.0': { repository: REPO } } });
  }
  osv.addRecord({ id: 'GHSA-left-pad', name: 'left-pad', versions: ['1.3.0'], severity: 'HIGH' });
});
after(async () => {
  await Promise.all([reg.close(), attacker.close(), osv.close(), proxy.close()]);
});

const hostOf = (url: string) => new URL(url).host;

function project(npmrc: string | undefined, deps: Record<string, string> = { 'left-pad': '1.3.0' }): SourceFile[] {
  const files: SourceFile[] = [
    { path: 'package.json', text: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: deps }, null, 2) },
    {
      path: 'package-lock.json',
      text: npmLockText(Object.fromEntries(Object.entries(deps).map(([n, v]) => [n, { version: v, resolved: `https://registry.npmjs.org/${n}/-/${n.split('/').pop()}-${v}.tgz` }]))),
    },
  ];
  if (npmrc !== undefined) files.push({ path: '.npmrc', text: npmrc });
  return files;
}

/** The loopback registry counts as a public mirror only because the test says so (row 9). */
function settings(overrides: Partial<Settings> = {}): Settings {
  return { ...defaultSettings(), advisories: osv.url, ...overrides };
}

// Row 3 ---------------------------------------------------------------------------------

test('row 3: a project .npmrc naming a registry and `${GITHUB_TOKEN}` gets no token: no env expansion, no project credentials', async () => {
  const host = hostOf(attacker.url);
  const npmrc = `registry=${attacker.url}\n//${host}/:_authToken=\${GITHUB_TOKEN}\n//${host}/:_auth=\${GITHUB_TOKEN}\n@corp:registry=${attacker.url}\n`;
  const files = project(npmrc, { 'left-pad': '1.3.0', '@corp/lib': '1.0.0' });
  const env = { GITHUB_TOKEN: SECRET };
  const p = buildProject(files, { env });
  const start = attacker.requests.length;
  await fetchRemoteData(p, settings({ advisories: null }), { ...FAST, env });
  const seen = attacker.requests.slice(start);
  assert.deepEqual(seen.map((r) => r.name).sort(), ['@corp/lib', 'left-pad'], 'the project may name its registries');
  assert.ok(
    seen.every((r) => r.headers.authorization === undefined),
    JSON.stringify(seen.map((r) => r.headers.authorization)),
  );
  assert.ok(!JSON.stringify(seen).includes(SECRET), 'the secret reached the registry the project named');
  assert.ok(!JSON.stringify(p.npmrc).includes(SECRET), 'the project .npmrc expanded an environment variable');
});

test("row 3: a registry the project names gets the user's own token for that host, and only that", async () => {
  const host = hostOf(attacker.url);
  const outerNpmrc = [`//${host}/:_authToken=\${USER_TOKEN}\n`];
  const files = project(`registry=${attacker.url}\n//${host}/:_authToken=project-token\n`);
  const p = buildProject(files, { outerNpmrc, env: { USER_TOKEN: 'user-token' } });
  const start = attacker.requests.length;
  await fetchRemoteData(p, settings({ advisories: null }), FAST);
  assert.deepEqual(
    attacker.requests.slice(start).map((r) => r.headers.authorization),
    ['Bearer user-token'],
    'the user config (with its variables expanded) is the only source of credentials',
  );
});

// Row 4 ---------------------------------------------------------------------------------

test('row 4: a project .npmrc proxy, strict-ssl=false and cafile are not used; the project asking is an insecure-url finding', async () => {
  const npmrc = [`https-proxy=${proxy.url}`, `proxy=${proxy.url}`, 'strict-ssl=false', 'cafile=./evil-ca.pem', 'noproxy=*', ''].join('\n');
  const files = project(npmrc);
  const p = buildProject(files);
  const proxyStart = proxy.log.length;
  const regStart = reg.requests.length;
  const remote = await fetchRemoteData(p, settings({ registry: reg.url, publicRegistries: [reg.url] }), FAST);
  assert.deepEqual(proxy.log.slice(proxyStart), [], 'the proxy the project named got a connection');
  assert.equal(reg.requests.length - regStart, 1, 'the registry was asked directly');
  // The proxy cannot forge a takedown: the lookup is the registry's own answer.
  assert.equal(remote.packuments.get('left-pad')?.status, 'ok');

  const result = scanFiles(files, { settings: settings({ registry: reg.url, publicRegistries: [reg.url] }), remote });
  const onNpmrc = result.findings.filter((f) => f.file === '.npmrc').sort((x, y) => x.span.start - y.span.start);
  assert.deepEqual(
    onNpmrc.map((f) => [f.rule, f.severity, npmrc.slice(f.span.start, f.span.end)]),
    [
      ['insecure-url', 'warning', `https-proxy=${proxy.url}`],
      ['insecure-url', 'warning', `proxy=${proxy.url}`],
      ['insecure-url', 'error', 'strict-ssl=false'],
      ['insecure-url', 'warning', 'cafile=./evil-ca.pem'],
    ],
  );
  const strict = onNpmrc.find((f) => f.severity === 'error')!;
  assert.match(strict.message, /turns off TLS certificate checks/);
  assert.match(strict.message, /ignored/);
});

test("row 4: the user's own .npmrc proxy still routes requests (the trusted layer keeps its network settings)", async () => {
  const p = buildProject(project(undefined), { outerNpmrc: [`proxy=${proxy.url}\n`] });
  const start = proxy.log.length;
  await fetchRemoteData(p, settings({ registry: reg.url, publicRegistries: [reg.url], advisories: null }), FAST);
  assert.deepEqual(proxy.log.slice(start).map((e) => e.target), [`${reg.url}left-pad`]);
});

// Row 9 ---------------------------------------------------------------------------------

test('row 9: names resolved from a private default registry (.npmrc registry=, or the registry setting) never reach the advisory service, and are reported as not checked', async () => {
  for (const how of ['npmrc', 'setting'] as const) {
    const files = project(how === 'npmrc' ? `registry=${reg.url}\n` : undefined, { 'left-pad': '1.3.0', '@corp/internal-tool': '1.0.0' });
    reg.addPackage('@corp/internal-tool', { versions: { '1.0.0': { repository: REPO } } });
    const s = settings(how === 'setting' ? { registry: reg.url } : {});
    const start = osv.requests.length;
    const remote = await fetchRemoteData(buildProject(files), s, FAST);
    assert.deepEqual(osv.requests.slice(start), [], `${how}: the advisory service was asked`);
    const result = scanFiles(files, { settings: s, remote });
    assert.equal(result.findings.filter((f) => f.rule === 'known-vulnerability').length, 0);
    const incomplete = result.findings.filter((f) => f.rule === 'lookup-incomplete' && f.file === 'package-lock.json');
    assert.equal(incomplete.length, 1, `${how}: silence would read as "no advisories"`);
    assert.match(incomplete[0].message, /2 packages/);
    assert.match(incomplete[0].message, /not sent to the public advisory service/);
  }
});

test('row 9: a registry counts as public only when it is npm by host, or listed in publicRegistries', async () => {
  const files = project(undefined);
  const start = osv.requests.length;
  const s = settings({ registry: reg.url, publicRegistries: [hostOf(reg.url)] });
  const remote = await fetchRemoteData(buildProject(files), s, FAST);
  assert.deepEqual(osv.queriedNames().slice(-1), ['left-pad']);
  assert.ok(osv.requests.length > start);
  const result = scanFiles(files, { settings: s, remote });
  assert.deepEqual(result.findings.filter((f) => f.rule === 'known-vulnerability').map((f) => f.package), ['left-pad']);
  assert.equal(result.findings.filter((f) => f.rule === 'lookup-incomplete').length, 0);
});

test("row 9: a private scope's own packages are neither sent nor counted as missing", async () => {
  const files = project(`@corp:registry=${attacker.url}\n`, { 'left-pad': '1.3.0', '@corp/lib': '1.0.0' });
  const s = settings({ registry: reg.url, publicRegistries: [reg.url] });
  const remote = await fetchRemoteData(buildProject(files), s, FAST);
  assert.ok(!osv.queriedNames().includes('@corp/lib'));
  const result = scanFiles(files, { settings: s, remote });
  assert.equal(result.findings.filter((f) => f.rule === 'lookup-incomplete').length, 0);
});

// Row 12 --------------------------------------------------------------------------------

test('row 12: a token for an http: registry is not sent through a proxy, tunnelled or not; the lookup says why', async () => {
  const host = hostOf(attacker.url);
  const files = project(`@corp:registry=${attacker.url}\n`, { '@corp/lib': '1.0.0' });
  const p = buildProject(files, { outerNpmrc: [`//${host}/:_authToken=plain-http-token\n`] });
  const proxyStart = proxy.log.length;
  const regStart = attacker.requests.length;
  const remote = await fetchRemoteData(p, settings({ advisories: null, proxy: { url: proxy.url, strictSSL: true } }), FAST);
  assert.deepEqual(proxy.log.slice(proxyStart), [], 'the proxy saw the credentialed request');
  assert.equal(attacker.requests.length - regStart, 0);
  const lookup = remote.packuments.get('@corp/lib');
  assert.equal(lookup?.status, 'error');
  assert.match(lookup.status === 'error' ? lookup.reason : '', /never sent over plain http/);
});

test('row 12: a token is never sent over plain http to another machine, directly either; https and loopback are fine', async () => {
  const sent: string[] = [];
  const fetchSpy = (async (url: string | URL | Request) => {
    sent.push(String(url));
    return new Response('{}', { status: 200 });
  }) as typeof fetch;
  const client = new HttpClient({ retries: 0, fetch: fetchSpy, authFor: () => 'Bearer t0k' });
  const plain = await client.request({ url: 'http://registry.example.com/left-pad' });
  assert.equal(plain.ok, false);
  assert.match(plain.ok ? '' : plain.reason, /credentials for registry\.example\.com are never sent over plain http/);
  assert.deepEqual(sent, []);
  assert.equal((await client.request({ url: 'https://registry.example.com/left-pad' })).ok, true);
  assert.equal((await client.request({ url: 'http://127.0.0.1:4873/left-pad' })).ok, true, 'a local registry (verdaccio) keeps working');
  assert.deepEqual(sent, ['https://registry.example.com/left-pad', 'http://127.0.0.1:4873/left-pad']);
  // Without credentials, plain http is the user's choice (insecure-url reports it).
  const anon = new HttpClient({ retries: 0, fetch: fetchSpy });
  assert.equal((await anon.request({ url: 'http://registry.example.com/x' })).ok, true);
});

// Row 13 --------------------------------------------------------------------------------

/** An advisory API that answers like OSV: a query without a version gets every advisory of the package. */
async function startVersionlessOsv(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/v1/querybatch') {
        bodies.push(body);
        const queries = (JSON.parse(body) as { queries: { version?: unknown }[] }).queries;
        res.end(JSON.stringify({ results: queries.map((q) => (typeof q.version === 'string' ? {} : { vulns: [{ id: 'GHSA-every-version' }] })) }));
      } else res.end(JSON.stringify({ id: 'GHSA-every-version', summary: 'old issue', database_specific: { severity: 'CRITICAL' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('row 13: Object.prototype keys as names and specs give no advisory finding and no version-less advisory query', async () => {
  const api = await startVersionlessOsv();
  try {
    for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__']) {
      reg.addPackage(name, { versions: { '1.0.0': { repository: REPO } } });
    }
    // No lockfile: every spec is resolved against the packument's tags and versions.
    const deps = { 'left-pad': 'constructor', toString: 'toString', constructor: '__proto__', valueOf: 'hasOwnProperty', hasOwnProperty: '^1.0.0' };
    const files: SourceFile[] = [{ path: 'package.json', text: JSON.stringify({ name: 'app', dependencies: deps }, null, 2) }];
    const s = settings({ registry: reg.url, publicRegistries: [reg.url], advisories: api.url });
    const remote = await fetchRemoteData(buildProject(files), s, FAST);
    for (const body of api.bodies) {
      for (const q of (JSON.parse(body) as { queries: { version?: unknown }[] }).queries) assert.equal(typeof q.version, 'string', body);
    }
    const result = scanFiles(files, { settings: s, remote });
    const advisories = result.findings.filter((f) => f.rule === 'known-vulnerability' || f.rule === 'known-malware');
    assert.deepEqual(advisories.map((f) => `${f.package}@${f.version}`), []);
    assert.ok(
      result.findings.every((f) => f.version === null || f.version === undefined || typeof f.version === 'string'),
      'a function became a version',
    );
  } finally {
    await api.close();
  }
});

test('row 13: a hostile packument cannot reach Object.prototype, fresh or read back from the cache', () => {
  const raw = JSON.parse(
    '{"name":"x","dist-tags":{"latest":"1.0.0","__proto__":"9.9.9"},"versions":{"1.0.0":{"scripts":{"__proto__":"evil"}},"__proto__":{"polluted":true}},"time":{"__proto__":"2020-01-01"}}',
  );
  const p = reducePackument(raw, 'x')!;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  for (const spec of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    assert.ok(resolveSpec(p, spec) === undefined || resolveSpec(p, spec) === '9.9.9', spec);
  }
  assert.equal(resolveSpec(p, 'constructor'), undefined);
  // Read back in the stored form the cache writes, and in the older full form.
  const fullForm = { name: p.name, distTags: p.distTags, versions: Object.fromEntries(p.versionNames.map((v) => [v, p.version(v)])), time: Object.fromEntries(p.timeKeys().map((k) => [k, p.time(k)])) };
  for (const written of [encodePackument(p), fullForm]) {
    const fromDisk = revivePackument(JSON.parse(JSON.stringify(written)))!;
    assert.equal(resolveSpec(fromDisk, 'constructor'), undefined);
    assert.equal(resolveSpec(fromDisk, 'latest'), '1.0.0');
    assert.deepEqual([fromDisk.hasVersion('__proto__'), fromDisk.hasVersion('constructor')], [true, false]);
    assert.equal(Object.getPrototypeOf(fromDisk.version('1.0.0')!.scripts ?? Object.create(null)), null);
  }
});

test('row 13: `${constructor}` in a user .npmrc is an unset variable, not a function', () => {
  const npmrc = parseNpmrc(['//h.example/:_authToken=${constructor}\nregistry=https://h.example/${toString?}\n'], { ...process.env });
  assert.equal(npmrc.registry, 'https://h.example/');
  assert.equal(npmrc.auth['//h.example/:']._authToken, '${constructor}');
  assert.equal(parseNpmrc([], {}).scopes['@constructor' as string], undefined);
});

// Row 6 (.npmrc text) ----------------------------------------------------------------

/** Best of a few runs, in ms. */
function timeOf(f: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return best;
}

test('.npmrc env expansion is linear in long runs of backslashes (a 100 KB line: scaling, not a deadline)', () => {
  const line = (n: number) => `registry=${'\\'.repeat(n)}x\n//h/:_authToken=${'\\'.repeat(n)}\${T}${'\\$'.repeat(n / 2)}{`;
  const small = timeOf(() => parseNpmrc([line(10_000)], { T: 'v' }));
  const big = timeOf(() => parseNpmrc([line(100_000)], { T: 'v' }));
  // Ten times the input: linear code takes about ten times as long; the old regex took a
  // hundred times as long (100 KB: about a minute).
  assert.ok(big < Math.max(small, 0.5) * 40, `10 KB: ${small.toFixed(2)} ms, 100 KB: ${big.toFixed(2)} ms`);
  // Semantics kept: an odd run of backslashes escapes, an even one does not.
  const parsed = parseNpmrc(['a=\\${T}\nb=\\\\${T}\nc=${T?}${U?}${T}\nd=${U}\n'], { T: 'v' });
  assert.deepEqual({ ...parsed.raw }, { a: '${T}', b: '\\\\v', c: 'vv', d: '${U}' });
});

test('project .npmrc spans point at the line that asked', () => {
  const text = '; comment\r\n  strict-ssl = false  \r\nregistry=https://r.example/\n';
  const npmrc = parseNpmrc([], {}, text);
  assert.deepEqual(
    npmrc.ignored.map((i) => text.slice(i.span.start, i.span.end)),
    ['strict-ssl = false'],
  );
  assert.equal(npmrc.registry, 'https://r.example/');
  assert.equal(npmrc.raw['strict-ssl'], undefined);
});

test('a dist-tag whose value is a URL or a range is never taken as the version a spec resolves to', () => {
  const p = packumentFromRecords({ name: 'lib', distTags: Object.assign(Object.create(null), { latest: 'https://evil.example/x.tgz', next: '>=1' }), versions: { '1.0.0': {} } });
  assert.equal(resolveSpec(p, 'latest'), undefined);
  assert.equal(resolveSpec(p, 'next'), undefined);
  assert.equal(resolveSpec(p, ''), '1.0.0');
});
