/**
 * The hover card, the report and the lockfile review draw only marks the basic text fonts
 * have (glyphs.ts): in code-server with only DejaVu installed, an emoji such as ❔ ("Not
 * checked") rendered as an empty box. Every character outside ASCII in their Markdown
 * must be one of GLYPHS (the fixtures' own texts are ASCII).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSettings, type Severity } from '../../server/src/engine/model';
import { parseLockfile } from '../../server/src/engine/lockfile';
import { reviewLockfile } from '../../server/src/engine/review/review';
import { scanFiles } from '../../server/src/engine/scan';
import { GLYPHS } from '../../server/src/lsp/glyphs';
import { hoverAt } from '../../server/src/lsp/hover';
import { PositionMapper } from '../../server/src/lsp/positions';
import { renderReport } from '../../server/src/lsp/report';
import { renderReview } from '../../server/src/lsp/review';
import { npmLockText } from '../support/fixtures';

const MANIFEST = JSON.stringify({ name: 'app', dependencies: { expresss: '^4.0.0', 'left-pad': '*', sneaky: '1.0.0', hinted: 'github:a/b' } }, null, 2);
const LOCK_BEFORE = npmLockText({ expresss: '4.0.0', 'left-pad': '1.3.0', sneaky: '1.0.0' });
const LOCK_AFTER = npmLockText({ expresss: '4.0.0', 'left-pad': '1.2.0', sneaky: { version: '1.0.1', hasInstallScript: true }, added: { version: '1.0.0', resolved: 'http://evil.example/added-1.0.0.tgz' } });
const POLICY = JSON.stringify({ suppressions: [{ rule: 'unpinned-range', package: 'left-pad', version: '*', reason: 'reviewed' }] });

/** Every character outside printable ASCII (and line ends) that is not one of GLYPHS. */
function strangers(markdown: string): string[] {
  return [...new Set([...markdown].filter((c) => !/[\x20-\x7e\n]/.test(c) && !GLYPHS.has(c)))];
}

test('hover, report and review draw only glyphs of the basic fonts: every severity, clean, not checked, Restricted Mode, suppressed, unparsed, each kind of change', () => {
  const files = [
    { path: 'package.json', text: MANIFEST },
    { path: 'package-lock.json', text: LOCK_AFTER },
    { path: '.depwarden.json', text: POLICY },
    { path: 'packages/broken/package.json', text: '{ "dependencies": { "a": ' },
  ];
  const settings = { ...defaultSettings(), offline: true };
  const result = scanFiles(files, { settings });
  const severities = new Set<Severity>(result.findings.filter((f) => !f.suppressed).map((f) => f.severity));
  assert.deepEqual([...severities].sort(), ['error', 'hint', 'info', 'warning'].filter((s) => severities.has(s as Severity)).sort());
  assert.ok(severities.has('error') && severities.has('warning') && severities.has('info'), [...severities].join());
  assert.ok(result.findings.some((f) => f.suppressed), 'a suppressed finding');
  assert.ok(result.files.some((f) => !f.parsed), 'an unparsed file');

  const positions = new PositionMapper(() => undefined);
  const folder = (restricted: boolean) => ({ name: 'app', enabled: true, result, uriOf: (f: string) => `file:///app/${f}`, coverage: { settings, restricted } });
  const markdowns: Record<string, string> = {
    report: renderReport([folder(false)], positions),
    'report, Restricted Mode': renderReport([folder(true)], positions),
    'report, nothing found': renderReport([{ ...folder(false), result: scanFiles([{ path: 'package.json', text: '{}' }], { settings }) }], positions),
  };
  // A card on every dependency line and every lockfile entry, checked and Restricted.
  for (const file of ['package.json', 'package-lock.json']) {
    const text = result.project.texts.get(file)!;
    for (const name of ['expresss', 'left-pad', 'sneaky', 'hinted', 'added']) {
      const at = text.indexOf(`"${file === 'package.json' ? name : `node_modules/${name}`}"`);
      if (at < 0) continue;
      for (const restricted of [false, true]) {
        const card = hoverAt(result, file, at + 2, undefined, { coverage: { settings, restricted } });
        if (card) markdowns[`hover ${file} ${name}${restricted ? ' (Restricted)' : ''}`] = (card.contents as { value: string }).value;
      }
    }
  }
  const review = reviewLockfile(parseLockfile('package-lock.json', LOCK_BEFORE), result, 'package-lock.json');
  assert.deepEqual(new Set(review.changes.map((c) => c.kind)), new Set(['added', 'upgraded', 'downgraded']));
  markdowns.review = renderReview([{ folder: '', against: 'the previous version', review, uriOf: (f) => `file:///app/${f}` }]);
  const removed = reviewLockfile(parseLockfile('package-lock.json', LOCK_AFTER), scanFiles([{ path: 'package.json', text: MANIFEST }, { path: 'package-lock.json', text: LOCK_BEFORE }], { settings }), 'package-lock.json');
  markdowns['review with removals'] = renderReview([{ folder: '', against: 'the previous version', review: removed, uriOf: (f) => `file:///app/${f}` }]);

  assert.ok(Object.keys(markdowns).some((k) => k.startsWith('hover')), 'hovers were rendered');
  for (const [what, markdown] of Object.entries(markdowns)) assert.deepEqual(strangers(markdown), [], `${what}:\n${markdown}`);
});
