import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { buildPackageTarball } from '../support/tar-writer';

/** `depwarden audit` compares a version that runs code at install time with the release before it. */
let registry: FakeRegistry;

const run = (args: string[]) => runCli(args, { hermetic: true });

const lib = 'module.exports = (s) => s.trim();\n';

before(async () => {
  registry = await startFakeRegistry();
  // A patch release that starts running a setup file on install (the hijacked-release shape).
  registry.addPackage('trim-lib', {
    versions: {
      '1.0.0': { tarball: buildPackageTarball({ name: 'trim-lib', version: '1.0.0', main: 'index.js' }, [{ path: 'index.js', content: lib }]) },
      '1.0.1': {
        tarball: buildPackageTarball({ name: 'trim-lib', version: '1.0.1', main: 'index.js', scripts: { postinstall: 'node setup.js' } }, [
          { path: 'index.js', content: lib },
          { path: 'setup.js', content: "console.log('thanks for installing');\n" },
        ]),
      },
    },
  });
  // A long-standing install script, its file changed in this release.
  const build = (v: string, body: string) => buildPackageTarball({ name: 'gyp-lib', version: v, scripts: { install: 'node install.js' } }, [{ path: 'install.js', content: body }]);
  registry.addPackage('gyp-lib', { versions: { '2.0.0': { tarball: build('2.0.0', "require('./build')('v1');\n") }, '2.0.1': { tarball: build('2.0.1', "require('./build')('v2');\n") } } });
});
after(() => registry.close());

test('a release that adds an install script is a medium signal, and the diff names the new install-time file', async () => {
  const r = await run(['audit', 'trim-lib@1.0.1', '--registry', registry.url, '--format', 'json', '--quiet']);
  const out = JSON.parse(r.stdout);
  assert.equal(out.previousVersion, '1.0.0');
  const signal = out.signals.find((s: { id: string }) => s.id === 'new-install-script');
  assert.ok(signal, r.stdout);
  assert.equal(signal.severity, 'medium');
  assert.deepEqual(out.diff.installTimeChanged, [{ file: 'setup.js', change: 'added' }]);
  assert.deepEqual(out.diff.installScriptsChanged, { postinstall: 'node setup.js' });
  assert.deepEqual(out.diff.counts, { added: 1, changed: 1, removed: 0 });
  const text = await run(['audit', 'trim-lib@1.0.1', '--registry', registry.url, '--quiet']);
  assert.match(text.stdout, /install-time file added: setup\.js/);
  assert.match(text.stdout, /postinstall script new or changed: node setup\.js/);
});

test('a long-standing install script is not new; its changed file is shown, without a signal', async () => {
  const out = JSON.parse((await run(['audit', 'gyp-lib@2.0.1', '--registry', registry.url, '--format', 'json', '--quiet'])).stdout);
  assert.ok(!out.signals.some((s: { id: string }) => s.id === 'new-install-script'), JSON.stringify(out.signals));
  assert.deepEqual(out.diff.installTimeChanged, [{ file: 'install.js', change: 'changed' }]);
  assert.deepEqual(out.diff.installScriptsChanged, {});
});

test('the first release has nothing to compare with', async () => {
  const out = JSON.parse((await run(['audit', 'trim-lib@1.0.0', '--registry', registry.url, '--format', 'json', '--quiet'])).stdout);
  assert.equal(out.diff, undefined);
  assert.equal(out.previousVersion, undefined);
});
