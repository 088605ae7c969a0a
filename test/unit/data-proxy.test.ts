import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import * as path from 'node:path';
import { fetchRemoteData } from '../../server/src/engine/data/fetch-remote';
import { runCli } from '../../server/src/cli/main';
import { bypassesProxy, proxyForUrl, resolveProxyRoutes } from '../../server/src/engine/data/proxy';
import { parseNpmrc } from '../../server/src/engine/policy/npmrc';
import { buildProject } from '../../server/src/engine/project';
import { defaultSettings, type Settings, type SourceFile } from '../../server/src/engine/model';
import { buildPackument, startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { startFakeOsv, type FakeOsv } from '../support/fake-osv';
import { startTestProxy, type TestProxy } from '../support/test-proxy';

let reg: FakeRegistry;
let priv: FakeRegistry;
let osv: FakeOsv;
let proxy: TestProxy;
let secure: { url: string; requests: { path: string; headers: IncomingHttpHeaders }[]; close(): Promise<void> };

/** An https registry with the self-signed test certificate, serving one packument. */
async function startHttpsRegistry(): Promise<typeof secure> {
  const tls = path.join(__dirname, '../fixtures/tls');
  const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
  let url = '';
  const server = https.createServer({ key: readFileSync(path.join(tls, 'test-only-key.pem')), cert: readFileSync(path.join(tls, 'test-only-cert.pem')) }, (req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    if (name !== '@corp/lib') {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(buildPackument(url, name, { versions: { '1.0.0': { repository: 'github:corp/lib' } } })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

before(async () => {
  [reg, priv, osv, proxy, secure] = await Promise.all([startFakeRegistry(), startFakeRegistry(), startFakeOsv(), startTestProxy(), startHttpsRegistry()]);
  reg.addPackage('left-pad', { versions: { '1.3.0': { repository: 'github:a/b' } } });
  priv.addPackage('@acme/secret', { versions: { '1.0.0': { repository: 'github:acme/secret' } } });
  osv.addRecord({ id: 'MAL-2025-0007', name: 'left-pad', versions: ['1.3.0'] });
});
after(async () => {
  await Promise.all([reg.close(), priv.close(), osv.close(), proxy.close(), secure.close()]);
});

function lockfile(packages: Record<string, { version: string; resolved: string }>): string {
  const root = { name: 'app', version: '1.0.0', dependencies: Object.fromEntries(Object.keys(packages).map((n) => [n, '*'])) };
  const entries: Record<string, unknown> = { '': root };
  for (const [name, p] of Object.entries(packages)) entries[`node_modules/${name}`] = { version: p.version, resolved: p.resolved, integrity: 'sha512-AAAA' };
  return JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: entries }, null, 2);
}

function publicProject(npmrc?: string): SourceFile[] {
  const files: SourceFile[] = [
    { path: 'package.json', text: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'left-pad': '*' } }) },
    { path: 'package-lock.json', text: lockfile({ 'left-pad': { version: '1.3.0', resolved: `${reg.url}left-pad/-/left-pad-1.3.0.tgz` } }) },
  ];
  if (npmrc !== undefined) files.push({ path: '.npmrc', text: npmrc });
  return files;
}

function settingsFor(overrides: Partial<Settings> = {}): Settings {
  // The loopback registry stands in for npm's: say so (no registry is public by assumption).
  return { ...defaultSettings(), registry: reg.url, publicRegistries: [reg.url], advisories: osv.url, ...overrides };
}

const since = (n: number) => proxy.log.slice(n);
const FAST = { http: { retries: 0, timeoutMs: 5000 } };

test('proxy routes: the editor setting, then .npmrc, then the environment; NO_PROXY forms', () => {
  const env = { HTTPS_PROXY: 'http://env-s:1', http_proxy: 'env-h:2', NO_PROXY: 'internal.example' };
  const npmrc = parseNpmrc(['https-proxy=http://npm-s:3\nproxy=http://npm-h:4\nnoproxy=.corp.example,10.0.0.1:8080\nstrict-ssl=false\n']);
  const explicit = resolveProxyRoutes({ url: 'http://vscode:5', strictSSL: true }, npmrc, env);
  assert.deepEqual(explicit, { https: 'http://vscode:5', http: 'http://vscode:5', strictSSL: true, noProxy: ['internal.example'] });
  const fromNpmrc = resolveProxyRoutes(undefined, npmrc, env);
  assert.deepEqual(fromNpmrc, { https: 'http://npm-s:3', http: 'http://npm-h:4', strictSSL: false, noProxy: ['.corp.example', '10.0.0.1:8080'] });
  const fromEnv = resolveProxyRoutes(undefined, parseNpmrc([]), env)!;
  assert.equal(proxyForUrl(fromEnv, 'https://registry.npmjs.org/x'), 'http://env-s:1');
  assert.equal(proxyForUrl(fromEnv, 'http://mirror.example/x'), 'http://env-h:2', 'a scheme-less proxy is taken as http://');
  assert.equal(proxyForUrl(fromEnv, 'https://a.internal.example/x'), undefined);
  assert.equal(resolveProxyRoutes(undefined, parseNpmrc(['proxy=false\n']), {}), undefined);
  // `proxy` alone serves https targets too, as npm does.
  assert.equal(proxyForUrl(resolveProxyRoutes(undefined, parseNpmrc(['proxy=http://only:9\n']), {}), 'https://registry.npmjs.org/'), 'http://only:9');

  const u = (s: string) => new URL(s);
  assert.equal(bypassesProxy(u('https://registry.npmjs.org/'), ['*']), true);
  assert.equal(bypassesProxy(u('https://npm.corp.example/'), ['.corp.example']), true);
  assert.equal(bypassesProxy(u('https://corp.example/'), ['*.corp.example']), true);
  assert.equal(bypassesProxy(u('https://notcorp.example/'), ['corp.example']), false);
  assert.equal(bypassesProxy(u('http://10.0.0.1:8080/'), ['10.0.0.1:8080']), true);
  assert.equal(bypassesProxy(u('http://10.0.0.1:9090/'), ['10.0.0.1:8080']), false);
  assert.equal(bypassesProxy(u('https://registry.npmjs.org/'), ['registry.npmjs.org:443']), true);
  assert.equal(bypassesProxy(u('http://[::1]:4873/'), ['::1']), true);
});

test('with a proxy set, registry and advisory requests go through it (absolute-URI requests for http targets)', async () => {
  const files = publicProject();
  const start = proxy.log.length;
  const regStart = reg.requests.length;
  const remote = await fetchRemoteData(buildProject(files), settingsFor({ proxy: { url: proxy.url, strictSSL: true } }), FAST);
  const lookup = remote.packuments.get('left-pad');
  assert.equal(lookup?.status, 'ok');
  const seen = since(start).map((e) => `${e.method} ${e.target}`);
  assert.ok(seen.includes(`GET ${reg.url}left-pad`), seen.join('\n'));
  assert.ok(seen.includes(`POST ${osv.url}/v1/querybatch`), seen.join('\n'));
  assert.ok(seen.includes(`GET ${osv.url}/v1/vulns/MAL-2025-0007`), seen.join('\n'));
  assert.equal(reg.requests.length - regStart, 1, 'the registry answered the proxied request');
  const advisory = remote.advisories.get('left-pad@1.3.0');
  assert.deepEqual(advisory?.status === 'ok' ? advisory.advisories.map((a) => [a.id, a.malware]) : advisory, [['MAL-2025-0007', true]]);
});

test('the user .npmrc proxy and the environment route requests; NO_PROXY (with a port) bypasses the proxy', async () => {
  const osvPort = new URL(osv.url).port;
  // The user's .npmrc proxy (a project's is ignored), and NO_PROXY from the environment naming only the advisory API's port.
  let start = proxy.log.length;
  await fetchRemoteData(buildProject(publicProject(), { outerNpmrc: [`proxy=${proxy.url}\n`] }), settingsFor(), { ...FAST, env: { NO_PROXY: `127.0.0.1:${osvPort}` } });
  let seen = since(start).map((e) => e.target);
  assert.deepEqual(seen, [`${reg.url}left-pad`], 'the registry through the proxy, the advisory API directly');

  // The environment alone.
  start = proxy.log.length;
  await fetchRemoteData(buildProject(publicProject()), settingsFor(), { ...FAST, env: { http_proxy: proxy.url } });
  seen = since(start).map((e) => e.target);
  assert.ok(seen.includes(`${reg.url}left-pad`) && seen.includes(`${osv.url}/v1/querybatch`), seen.join('\n'));

  // NO_PROXY for the host: nothing reaches the proxy, the lookups still succeed directly.
  start = proxy.log.length;
  const regStart = reg.requests.length;
  const bypassed = await fetchRemoteData(buildProject(publicProject()), settingsFor(), { ...FAST, env: { HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' } });
  assert.deepEqual(since(start), []);
  assert.equal(reg.requests.length - regStart, 1);
  assert.equal(bypassed.packuments.get('left-pad')?.status, 'ok');

  // No proxy configured anywhere: direct.
  start = proxy.log.length;
  await fetchRemoteData(buildProject(publicProject()), settingsFor(), FAST);
  assert.deepEqual(since(start), []);
});

test('a registry token never reaches the proxy: a credentialed plain-http request through a proxy is not sent at all', async () => {
  const privHost = new URL(priv.url).host;
  const files: SourceFile[] = [
    { path: 'package.json', text: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { '@acme/secret': '*', 'left-pad': '*' } }) },
    {
      path: 'package-lock.json',
      text: lockfile({
        '@acme/secret': { version: '1.0.0', resolved: `${priv.url}@acme/secret/-/secret-1.0.0.tgz` },
        'left-pad': { version: '1.3.0', resolved: `${reg.url}left-pad/-/left-pad-1.3.0.tgz` },
      }),
    },
    { path: '.npmrc', text: `@acme:registry=${priv.url}\n` },
  ];
  const start = proxy.log.length;
  const privStart = priv.requests.length;
  // The token is the user's (a project .npmrc supplies none). Inside a CONNECT tunnel, plain
  // http is still readable by the proxy, so the request is refused (issue #10, row 12).
  const project = buildProject(files, { outerNpmrc: [`//${privHost}/:_authToken=tok-secret-123\n`] });
  const remote = await fetchRemoteData(project, settingsFor({ proxy: { url: proxy.url, strictSSL: true } }), FAST);
  const lookup = remote.packuments.get('@acme/secret');
  assert.equal(lookup?.status, 'error');
  assert.match(lookup.status === 'error' ? lookup.reason : '', /credentials for 127\.0\.0\.1:\d+ are never sent over plain http \(through a proxy\); use https/);
  const entries = since(start);
  assert.ok(!entries.some((e) => e.target.includes(privHost)), entries.map((e) => `${e.method} ${e.target}`).join('\n'));
  assert.ok(entries.some((e) => e.method === 'GET' && e.target === `${reg.url}left-pad`), 'the public name, without a token, is forwarded as usual');
  assert.ok(!JSON.stringify(entries).includes('tok-secret-123'), 'the proxy saw the token');
  assert.equal(priv.requests.length - privStart, 0, 'nothing reached the private registry');
});

test('an https registry is reached through a CONNECT tunnel; strictSSL decides whether a self-signed certificate is accepted', async () => {
  const host = new URL(secure.url).host;
  const files: SourceFile[] = [
    { path: 'package.json', text: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { '@corp/lib': '1.0.0' } }) },
    { path: '.npmrc', text: `@corp:registry=${secure.url}\n` },
  ];
  const userNpmrc = [`//${host}/:_authToken=tls-token-9\n`];
  const noAdvisories = { advisories: null };
  let start = proxy.log.length;
  const strict = await fetchRemoteData(buildProject(files, { outerNpmrc: userNpmrc }), settingsFor({ ...noAdvisories, proxy: { url: proxy.url, strictSSL: true } }), FAST);
  const failed = strict.packuments.get('@corp/lib');
  assert.equal(failed?.status, 'error');
  assert.match(failed.status === 'error' ? failed.reason : '', /^TLS certificate not trusted \(\w+\) \(through the proxy http:\/\/127\.0\.0\.1:\d+\)$/);
  assert.deepEqual(since(start).map((e) => `${e.method} ${e.target}`), [`CONNECT ${host}`]);
  assert.equal(secure.requests.length, 0, 'no request completed over an unverified connection');

  start = proxy.log.length;
  const relaxed = await fetchRemoteData(buildProject(files, { outerNpmrc: userNpmrc }), settingsFor({ ...noAdvisories, proxy: { url: proxy.url, strictSSL: false } }), FAST);
  assert.equal(relaxed.packuments.get('@corp/lib')?.status, 'ok');
  const entries = since(start);
  assert.deepEqual(entries.map((e) => `${e.method} ${e.target}`), [`CONNECT ${host}`]);
  assert.ok(!JSON.stringify(entries).includes('tls-token-9'));
  assert.deepEqual(secure.requests.map((r) => [r.path, r.headers.authorization]), [['/@corp%2flib', 'Bearer tls-token-9']]);
});

test('proxy credentials go to the proxy only; a refusing proxy is a lookup error that names it without the password', async () => {
  proxy.requireAuth = `Basic ${Buffer.from('me:pa55').toString('base64')}`;
  try {
    const authed = new URL(proxy.url);
    authed.username = 'me';
    authed.password = 'pa55';
    const regStart = reg.requests.length;
    const ok = await fetchRemoteData(buildProject(publicProject()), settingsFor({ advisories: null, proxy: { url: authed.toString(), strictSSL: true } }), FAST);
    assert.equal(ok.packuments.get('left-pad')?.status, 'ok');
    assert.equal(reg.requests.slice(regStart).some((r) => r.headers['proxy-authorization'] !== undefined), false, 'the proxy forwarded its own credentials');

    const refused = await fetchRemoteData(buildProject(publicProject()), settingsFor({ advisories: null, proxy: { url: proxy.url, strictSSL: true } }), FAST);
    const lookup = refused.packuments.get('left-pad');
    assert.equal(lookup?.status, 'error');
    assert.match(lookup.status === 'error' ? lookup.reason : '', /^the proxy requires authentication \(HTTP 407\) \(through the proxy http:\/\/127\.0\.0\.1:\d+\)$/);
    assert.doesNotMatch(JSON.stringify(lookup), /pa55/);
  } finally {
    proxy.requireAuth = undefined;
  }
});

test('CLI: the user .npmrc proxy and the HTTP_PROXY environment variable both route the scan', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'depwarden-proxy-cli-'));
  const io = { stdout: { write: () => true }, stderr: { write: () => true } } as unknown as Parameters<typeof runCli>[1];
  const args = ['scan', dir, '--format', 'json', '--registry', reg.url, '--public-registry', reg.url, '--advisories', osv.url, '--fail-on', 'never', '--quiet'];
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY, NPM_CONFIG_USERCONFIG: process.env.NPM_CONFIG_USERCONFIG };
  try {
    for (const f of publicProject()) await writeFile(path.join(dir, f.path), f.text);
    // The user's own .npmrc (a project's proxy is ignored: see hostile-credentials.test.ts).
    await writeFile(path.join(dir, 'user.npmrc'), `proxy=${proxy.url}\n`);
    process.env.NPM_CONFIG_USERCONFIG = path.join(dir, 'user.npmrc');
    let start = proxy.log.length;
    assert.equal(await runCli([...args, '--cache-dir', path.join(dir, 'c1')], io), 0);
    assert.ok(since(start).some((e) => e.target === `${reg.url}left-pad`), 'the user .npmrc proxy was not used');

    await rm(path.join(dir, 'user.npmrc'));
    process.env.HTTP_PROXY = proxy.url;
    delete process.env.NO_PROXY;
    start = proxy.log.length;
    assert.equal(await runCli([...args, '--cache-dir', path.join(dir, 'c2')], io), 0);
    assert.ok(since(start).some((e) => e.target === `${osv.url}/v1/querybatch`), 'HTTP_PROXY was not used');
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await rm(dir, { recursive: true, force: true });
  }
});
