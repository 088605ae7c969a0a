// Issue #15 item 4: the report as VS Code's Markdown preview shows it. Its file links must
// be links there (markdown-it refuses `file:` links: they rendered as raw text, in headings
// too), lead to the file and line of the finding, and the report of a 2,000-package
// monorepo must be ready well within a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { npmLockText, tempProject } from '../support/fixtures';
import { RULE_DOCS_BASE } from '../../server/src/engine/rules/catalog';
import { workspaceFileLink } from '../../server/src/lsp/markdown';
import { openProject } from '../support/lsp-project';

// markdown-it as the Markdown preview configures it: HTML on, and its own link validation
// (which is what refused file: links), so a link that renders here renders there.
type MarkdownIt = { render(src: string): string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const md = new (require('markdown-it') as new (options: object) => MarkdownIt)({ html: true, linkify: true });

/** Text the reader sees: tags dropped, entities decoded. */
const readable = (html: string) => html.replace(/<[^>]*>/g, '').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Where the preview sends a "/path#L12" link: the file under the first workspace folder, at that line. */
function follow(root: string, href: string): { file: string; line: number } {
  const m = /^(\/[^#]*)#L(\d+)$/.exec(href);
  assert.ok(m, `not a line link: ${href}`);
  return { file: path.join(root, decodeURIComponent(m[1])), line: Number(m[2]) };
}

const MANIFEST = '{\n  "name": "app",\n  "dependencies": {\n    "lodahs": "^4.17.21",\n    "left-pad": "*",\n    "sneaky": "1.0.0"\n  }\n}\n';

test('the report renders in the Markdown preview with working file:line links, grouped by severity and rule', async (t) => {
  const lock = npmLockText({ lodahs: '4.17.21', 'left-pad': '1.3.0', sneaky: { version: '1.0.0', hasInstallScript: true } });
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': lock }, 'depwarden-report-');
  const { client } = await openProject(t, dir);
  const manifestUri = uriOf(path.join(dir, 'package.json'));
  await client.waitFor(() => client.diagnostics.get(manifestUri)?.some((d) => d.code === 'typosquat'), 'the typosquat');
  const report = (await client.connection.sendRequest('depwarden/report', { linkBase: uriOf(dir) })) as string;
  const html = md.render(report);

  // Every link is a rule page or a file of the workspace at a line that holds what the link names.
  const links = [...html.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map(([, href, label]) => ({ href: href.replace(/&amp;/g, '&'), label: readable(label) }));
  const fileLinks = links.filter((l) => !l.href.startsWith(RULE_DOCS_BASE));
  assert.ok(fileLinks.length >= 3, report);
  for (const { href, label } of fileLinks) {
    const { file, line } = follow(dir, href);
    assert.ok(existsSync(file), `${href} leads to no file`);
    assert.equal(label, `${path.relative(dir, file)}:${line}`);
    assert.ok(line >= 1 && line <= readFileSync(file, 'utf8').split('\n').length, href);
  }
  assert.ok(fileLinks.some((l) => l.label === 'package.json:4' && l.href === '/package.json#L4'), 'the typosquat, line 4 of package.json');
  // No link is left as raw text (as `file:` links were).
  assert.ok(!/\]\(/.test(readable(html)), readable(html));

  // Grouped: severity sections, then one heading per rule with a count.
  assert.match(report, /## ⚠ Warnings \(\d+\)\n\n### \[`[a-z-]+`\]\([^)]+\) \(\d+\)/);
  const typosquat = report.indexOf('### [`typosquat`]');
  assert.ok(typosquat > report.indexOf('## ⚠ Warnings'), report);
  // A message that names its package at its version is not led by it again.
  assert.ok(!/`(\S+@\S+)`: \1/.test(report), report);
  // What was not checked: the test client runs offline.
  assert.match(report, /○ \*\*Not checked:\*\* `package-lock\.json`: Registry or advisory data is missing/);
});

test('review: the lockfile heading is a working link too', async (t) => {
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': npmLockText({ lodahs: '4.17.21' }) }, 'depwarden-review-links-');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'base');
  const { client } = await openProject(t, dir);
  await client.waitFor(() => client.statuses.length > 0, 'the first scan');
  const review = (await client.connection.sendRequest('depwarden/review', { base: 'HEAD', linkBase: uriOf(dir) })) as string;
  const html = md.render(review);
  assert.match(html, /<h2><a href="\/package-lock\.json">package-lock\.json<\/a><\/h2>/, html);
});

test('file links from another root folder climb out of the first one; other schemes stay text', () => {
  assert.equal(workspaceFileLink('b/package.json:3', 'file:///w/b/package.json', 'file:///w/a', 3), '[b/package\\.json\\:3](/../b/package.json#L3)');
  assert.equal(workspaceFileLink('x (1)', 'file:///w/a/x%20(1)/package.json', 'file:///w/a/'), '[x \\(1\\)](/x%20%281%29/package.json)');
  assert.equal(workspaceFileLink('remote', 'vscode-remote://h/w/package.json', 'file:///w/'), 'remote');
});

// The corpus holds real lockfiles (not part of the repository checkout in every setup).
const THEIA = '/work/shared/corpus/lockfiles/theia-npm-v3';

test('the report of theia (2,000+ packages) is ready in well under a second', { skip: !existsSync(THEIA) && 'no corpus' }, async (t) => {
  const client = new LspTestClient();
  t.after(() => client.shutdown());
  await client.initialize(THEIA);
  await client.waitFor(() => client.statuses.some((s) => (s as { packages: number }).packages > 2000 && !(s as { lookingUp: boolean }).lookingUp), 'the scan of theia', 60_000);
  const times: number[] = [];
  let report = '';
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    report = (await client.connection.sendRequest('depwarden/report', { linkBase: uriOf(THEIA) })) as string;
    times.push(performance.now() - t0);
  }
  console.log(`# theia report: ${report.length} characters; ${times.map((x) => `${x.toFixed(0)} ms`).join(', ')}`);
  assert.ok(times[0] < 1000, `first report took ${times[0].toFixed(0)} ms`);
  assert.match(report, /\(\/packages\/[^)]+\/package\.json#L\d+\)|\(\/package-lock\.json#L\d+\)/);
});
