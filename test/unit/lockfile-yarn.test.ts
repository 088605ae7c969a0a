import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { parseYarnLock } from '../../server/src/engine/lockfile/yarn';
import { resolveDescriptor } from '../../server/src/engine/lockfile/yarn-berry';
import { parseSymlFallback } from '../../server/src/engine/lockfile/yarn-syml';
import { buildProject } from '../../server/src/engine/project';
import type { LockedPackage, Lockfile, SourceFile } from '../../server/src/engine/model';

const FIXTURES = join(__dirname, '../fixtures/lockfiles');
const CORPUS = join(__dirname, '../../../shared/corpus/lockfiles');

function readTree(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'node_modules') walk(p);
      } else if (name === 'package.json' || name === 'yarn.lock') {
        out.push({ path: relative(root, p).split('\\').join('/'), text: readFileSync(p, 'utf8') });
      }
    }
  };
  walk(root);
  return out;
}

function byId(l: Lockfile, id: string): LockedPackage {
  const p = l.packages.find((x) => x.id === id);
  assert.ok(p, `no package ${id}; have ${l.packages.map((x) => x.id).join(', ')}`);
  return p;
}

const slice = (text: string, s: { start: number; end: number } | undefined) => (s ? text.slice(s.start, s.end) : undefined);

/** Checks invariants every result must hold, damaged input or not. */
function assertWellFormed(l: Lockfile, text: string): void {
  assert.equal(l.parsed, l.parseErrors.length === 0);
  for (const e of l.parseErrors) {
    assert.match(e.message, /^line \d+: /);
    assert.ok(e.span.start >= 0 && e.span.start <= e.span.end && e.span.end <= text.length, `bad error span ${JSON.stringify(e)}`);
  }
  const ids = new Set<string>();
  for (const p of l.packages) {
    assert.ok(!ids.has(p.id), `duplicate id ${p.id}`);
    ids.add(p.id);
    assert.ok(p.span.start >= 0 && p.span.end <= text.length && p.span.start < p.span.end);
    for (const d of p.dependencies) assert.ok(typeof d === 'string');
  }
}

// ---------------------------------------------------------------- yarn classic

const classicText = readFileSync(join(FIXTURES, 'yarn-classic/yarn.lock'), 'utf8');

test('classic: entries, multi-specifier keys, aliases, sources', () => {
  const l = parseYarnLock('yarn.lock', classicText);
  assert.equal(l.format, 'yarn-classic');
  assert.equal(l.lockfileVersion, 1);
  assert.deepEqual(l.parseErrors, []);
  assert.equal(l.parsed, true);
  assert.equal(l.packages.length, 11);
  assert.deepEqual(l.importers, []);

  const leftPad = byId(l, 'left-pad@1.3.0');
  assert.equal(leftPad.source, 'registry');
  assert.equal(leftPad.integrity, 'sha1-W4o6d2Xf4AEmHd6RVYnngvjJTR4=');
  assert.equal(slice(classicText, leftPad.keySpan), 'left-pad@^1.3.0, left-pad@~1.3.0');
  assert.equal(l.descriptors?.get('left-pad@^1.3.0'), 'left-pad@1.3.0');
  assert.equal(l.descriptors?.get('left-pad@~1.3.0'), 'left-pad@1.3.0');

  const sw = byId(l, 'string-width@4.2.3');
  assert.equal(slice(classicText, sw.keySpan), '"string-width@^4.1.0", "string-width@^4.2.0"');
  const swText = slice(classicText, sw.span)!;
  assert.ok(swText.startsWith('"string-width@^4.1.0"'));
  assert.ok(swText.endsWith('strip-ansi "^6.0.1"'), swText);
  assert.deepEqual(sw.dependencies, ['emoji-regex@8.0.0', 'is-fullwidth-code-point@3.0.0', 'strip-ansi@6.0.1']);
  assert.deepEqual(sw.dependencySpecs, { 'emoji-regex': '^8.0.0', 'is-fullwidth-code-point': '^3.0.0', 'strip-ansi': '^6.0.1' });

  const alias = byId(l, 'string-width-cjs@4.2.3');
  assert.equal(alias.name, 'string-width-cjs');
  assert.equal(alias.realName, 'string-width');
  assert.equal(l.descriptors?.get('string-width-cjs@npm:string-width@^4.2.0'), 'string-width-cjs@4.2.3');

  const tooling = byId(l, 'tooling@1.28.1');
  assert.equal(tooling.source, 'git'); // GitHub shorthand fetched as a codeload tarball
  assert.equal(tooling.resolved, 'https://codeload.github.com/webpack/tooling/tar.gz/4c13a00ac84cf0e2dd57c457cd1ce46faa9e456a');
  assert.equal(tooling.integrity, undefined);
  assert.equal(slice(classicText, tooling.keySpan), 'tooling@webpack/tooling#v1.28.1');

  const fork = byId(l, 'my-fork@2.0.0');
  assert.equal(fork.source, 'git');
  assert.deepEqual(fork.dependencies, ['emoji-regex@8.0.0']);
  assert.equal(byId(l, 'local-thing@0.1.0').source, 'directory');

  // optionalDependencies are edges too
  assert.deepEqual(byId(l, 'strip-ansi@6.0.1').dependencies, ['ansi-regex@5.0.1', 'fsevents@2.3.3']);
});

test('classic: CRLF line ends and escaped quotes keep exact spans', () => {
  const text = [
    '# yarn lockfile v1',
    '',
    '"we\\"ird@^1.0.0", plain@1:',
    '  version "1.0.0"',
    '  resolved "https://registry.yarnpkg.com/weird/-/weird-1.0.0.tgz"',
    '  dependencies:',
    '    plain "1"',
    '',
  ].join('\r\n');
  const l = parseYarnLock('yarn.lock', text);
  assert.deepEqual(l.parseErrors, []);
  const p = l.packages[0];
  assert.equal(p.name, 'we"ird');
  assert.equal(slice(text, p.keySpan), '"we\\"ird@^1.0.0", plain@1');
  assert.ok(slice(text, p.span)!.endsWith('plain "1"'));
  assert.deepEqual(p.dependencies, [p.id]);
  assert.equal(l.descriptors?.get('plain@1'), 'we"ird@1.0.0');
});

test('classic: a dependency named __proto__ is a plain key', () => {
  const text = '# yarn lockfile v1\n\na@^1:\n  version "1.0.0"\n  dependencies:\n    __proto__ "^2"\n\n__proto__@^2:\n  version "2.0.0"\n';
  const l = parseYarnLock('yarn.lock', text);
  assert.deepEqual(l.parseErrors, []);
  const a = byId(l, 'a@1.0.0');
  assert.deepEqual(Object.keys(a.dependencySpecs!), ['__proto__']);
  assert.equal(Object.getPrototypeOf(a.dependencySpecs), Object.prototype);
  assert.deepEqual(a.dependencies, ['__proto__@2.0.0']);
});

test('classic: spans are UTF-16 offsets', () => {
  const text = '# yarn lockfile v1\n# ünïcödé 😀\n\n"a@^1":\n  version "1.0.0"\n';
  const l = parseYarnLock('yarn.lock', text);
  assert.equal(slice(text, l.packages[0].keySpan), '"a@^1"');
  assert.equal(l.packages[0].span.start, text.indexOf('"a@^1"'));
});

// ---------------------------------------------------------------- yarn berry

const berryText = readFileSync(join(FIXTURES, 'yarn-berry/yarn.lock'), 'utf8');

test('berry: protocols, resolutions, workspaces as importers', () => {
  const l = parseYarnLock('yarn.lock', berryText);
  assert.equal(l.format, 'yarn-berry');
  assert.equal(l.lockfileVersion, 8);
  assert.deepEqual(l.parseErrors, []);
  assert.equal(l.packages.length, 13);

  const sources = Object.fromEntries(l.packages.map((p) => [p.id.slice(0, p.id.indexOf('@', 1)), p.source]));
  assert.deepEqual(sources, {
    '@demo/app': 'workspace',
    '@demo/tool': 'workspace',
    archive: 'file',
    'berry-root': 'workspace',
    fork: 'git',
    fsevents: 'registry',
    'left-pad': 'registry',
    'local-lib': 'link',
    'node-gyp': 'registry',
    patched: 'patch', // the last of the two `patched` entries wins in this map
    shared: 'link',
    typescript: 'registry',
  });
  const leftPad = byId(l, 'left-pad@npm:1.3.0');
  assert.equal(leftPad.name, 'left-pad');
  assert.equal(leftPad.version, '1.3.0');
  assert.match(leftPad.integrity!, /^10c0\/3fb59c/);
  assert.equal(slice(berryText, leftPad.keySpan), '"left-pad-alias@npm:left-pad@1.3.0, left-pad@npm:^1.3.0, left-pad@npm:~1.3.0"');
  assert.equal(l.descriptors?.get('left-pad@npm:~1.3.0'), 'left-pad@npm:1.3.0');
  assert.equal(byId(l, 'typescript@npm:5.4.5').hasBin, true);
  assert.equal(byId(l, 'fork@https://github.com/example/fork.git#commit=0123456789abcdef0123456789abcdef01234567').resolved, 'https://github.com/example/fork.git#commit=0123456789abcdef0123456789abcdef01234567');
  assert.deepEqual(byId(l, 'fsevents@npm:2.3.3').dependencies, ['node-gyp@npm:10.1.0']);

  assert.deepEqual(
    l.importers.map((i) => i.path),
    ['packages/app', 'packages/tool', ''],
  );
  const app = l.importers[0];
  const appIds = Object.fromEntries(app.dependencies.map((d) => [d.name, d.id]));
  assert.deepEqual(appIds, {
    '@demo/tool': '@demo/tool@workspace:packages/tool',
    // relative file:/portal:/link: descriptors are bound to their parent (::locator=...)
    archive: 'archive@file:../../vendor/archive.tgz#../../vendor/archive.tgz::hash=4a5b6c&locator=%40demo%2Fapp%40workspace%3Apackages%2Fapp',
    fork: 'fork@https://github.com/example/fork.git#commit=0123456789abcdef0123456789abcdef01234567',
    'left-pad': 'left-pad@npm:1.3.0',
    'local-lib': 'local-lib@portal:../../vendor/local-lib::locator=%40demo%2Fapp%40workspace%3Apackages%2Fapp',
    patched: 'patched@patch:patched@npm%3A2.0.0#~/.yarn/patches/patched-npm-2.0.0-abc.patch::version=2.0.0&hash=1a2b3c',
    shared: 'shared@link:../../shared::locator=%40demo%2Fapp%40workspace%3Apackages%2Fapp',
  });
  // a bare range means npm:, an alias resolves to the real package
  const root = l.importers[2];
  assert.deepEqual(root.dependencies.map((d) => d.id), ['left-pad@npm:1.3.0', 'typescript@npm:5.4.5']);
});

test('berry: an alias-only entry is named by its alias', () => {
  const text = '__metadata:\n  version: 6\n\n"old-cli@npm:@babel/cli@7.0.0":\n  version: 7.0.0\n  resolution: "@babel/cli@npm:7.0.0"\n  languageName: node\n  linkType: hard\n';
  const l = parseYarnLock('yarn.lock', text);
  assert.deepEqual(l.parseErrors, []);
  assert.equal(l.packages[0].id, '@babel/cli@npm:7.0.0');
  assert.equal(l.packages[0].name, 'old-cli');
  assert.equal(l.packages[0].realName, '@babel/cli');
});

test('berry: YAML outside the written subset goes through @yarnpkg/parsers', () => {
  const text = [
    '__metadata:',
    '  version: 8',
    '',
    '"a@npm:^1.0.0":',
    '  version: 1.2.3',
    "  resolution: 'a@npm:1.2.3'",
    '  bin: { a: ./a.js }',
    '  dependencies:',
    '    b: "npm:^2"',
    '',
    '"b@npm:^2":',
    '  version: 2.0.0',
    '  resolution: "b@npm:2.0.0"',
    '',
  ].join('\n');
  const l = parseYarnLock('yarn.lock', text);
  assert.deepEqual(l.parseErrors, []);
  assert.equal(l.parsed, true);
  const a = byId(l, 'a@npm:1.2.3');
  assert.equal(a.hasBin, true);
  assert.deepEqual(a.dependencies, ['b@npm:2.0.0']);
  assert.equal(slice(text, a.keySpan), '"a@npm:^1.0.0"');
  assert.equal(slice(text, byId(l, 'b@npm:2.0.0').span), '"b@npm:^2":\n  version: 2.0.0\n  resolution: "b@npm:2.0.0"');
});

test('fall-back: the classic grammar\'s per-descriptor keys are grouped back into entries with spans', () => {
  const blocks = parseSymlFallback(classicText)!;
  assert.equal(blocks.length, 11);
  const sw = blocks.find((b) => b.specifiers[0] === 'string-width@^4.1.0')!;
  assert.deepEqual(sw.specifiers, ['string-width@^4.1.0', 'string-width@^4.2.0']);
  assert.equal(slice(classicText, sw.keySpan), '"string-width@^4.1.0", "string-width@^4.2.0"');
  assert.ok(slice(classicText, sw.span)!.endsWith('strip-ansi "^6.0.1"'));
  assert.equal(sw.fields.version, '4.2.3');
  assert.equal(parseSymlFallback('# yarn lockfile v1\n\na@^1:\n  version "1\n'), undefined);
});

test('berry: resolveDescriptor binds relative protocols to the parent', () => {
  const d = new Map([['x@link:./x::locator=root%40workspace%3A.', 'x@link:./x::locator=root%40workspace%3A.'], ['y@npm:^1', 'y@npm:1.0.0']]);
  assert.equal(resolveDescriptor(d, 'x', 'link:./x', 'root@workspace:.'), 'x@link:./x::locator=root%40workspace%3A.');
  assert.equal(resolveDescriptor(d, 'y', '^1', 'root@workspace:.'), 'y@npm:1.0.0');
  assert.equal(resolveDescriptor(d, 'z', '^1', 'root@workspace:.'), undefined);
});

// ---------------------------------------------------------------- project: importers for yarn classic

test('buildProject: yarn classic importers come from the manifests and workspaces', () => {
  const files = readTree(join(FIXTURES, 'yarn-classic'));
  const project = buildProject(files);
  const l = project.lockfiles.find((x) => x.path === 'yarn.lock')!;
  assert.deepEqual(
    l.importers.map((i) => i.path).sort(),
    ['', 'packages/app', 'packages/lib'],
  );
  const app = l.importers.find((i) => i.path === 'packages/app')!;
  assert.deepEqual(
    Object.fromEntries(app.dependencies.map((d) => [d.name, d.id ?? null])),
    {
      lib: null, // a sibling workspace: not in yarn.lock
      'string-width': 'string-width@4.2.3',
      tooling: 'tooling@1.28.1',
      'my-fork': 'my-fork@2.0.0',
      'local-thing': 'local-thing@0.1.0',
      fsevents: 'fsevents@2.3.3',
    },
  );
  assert.equal(app.dependencies.find((d) => d.name === 'fsevents')?.section, 'optionalDependencies');
  const graph = project.graphs.get('yarn.lock')!;
  // The root importer comes first, so the shortest path starts at its alias dependency.
  assert.deepEqual(graph.via('ansi-regex@5.0.1'), ['string-width-cjs', 'strip-ansi', 'ansi-regex']);
  assert.equal(graph.importerOf('ansi-regex@5.0.1'), '');
  assert.deepEqual(graph.via('emoji-regex@8.0.0'), ['string-width-cjs', 'emoji-regex']);
  assert.deepEqual(graph.via('my-fork@2.0.0'), ['my-fork']);
  assert.equal(graph.importerOf('my-fork@2.0.0'), 'packages/app');
  // The cached parse is not changed: a second build with other manifests starts afresh.
  const again = buildProject(files.filter((f) => !f.path.startsWith('packages/app/')));
  assert.deepEqual(again.lockfiles[0].importers.map((i) => i.path).sort(), ['', 'packages/lib']);
});

// ---------------------------------------------------------------- damaged files

test('damaged classic: a bad line gives its position; other entries are kept', () => {
  const text = classicText.replace('emoji-regex@^8.0.0:\n', 'emoji-regex@^8.0.0\n');
  const line = text.slice(0, text.indexOf('emoji-regex@^8.0.0\n')).split('\n').length;
  const l = parseYarnLock('yarn.lock', text);
  assert.equal(l.parsed, false);
  assert.equal(l.parseErrors[0].message, `line ${line}: expected ':' after the entry's key`);
  assert.equal(l.parseErrors[0].span.start, text.indexOf('emoji-regex@^8.0.0\n'));
  assert.equal(l.packages.length, 10);
  assert.ok(!l.packages.some((p) => p.name === 'emoji-regex'));
});

test('damaged classic: unterminated string, missing version, tabs', () => {
  const cases: [string, RegExp][] = [
    ['# yarn lockfile v1\n\na@^1:\n  version "1.0.0\n', /^line 4: unterminated string$/],
    ['# yarn lockfile v1\n\na@^1:\n  resolved "https://x/a.tgz"\n', /^line 3: entry has no version$/],
    ['# yarn lockfile v1\n\na@^1:\n\tversion "1.0.0"\n', /^line 4: tab in indentation$/],
    ['# yarn lockfile v1\n\na@^1:\n  version "1.0.0"\n      deep "x"\n', /^line 5: unexpected indentation$/],
    ['a@^1:\n  version "1.0.0"\n', /^line 1: missing the '# yarn lockfile v1' header$/],
    ['', /^line 1: the file is empty/],
    ['# yarn lockfile v1\n\na@^1:\n  version "1.0.0"', /^line 4: unexpected end of file/],
  ];
  for (const [text, re] of cases) {
    const l = parseYarnLock('yarn.lock', text);
    assert.equal(l.parsed, false, text);
    assert.ok(l.parseErrors.some((e) => re.test(e.message)), `${JSON.stringify(text)} -> ${JSON.stringify(l.parseErrors)}`);
    assertWellFormed(l, text);
  }
});

test('damaged berry: unsupported version, missing __metadata, missing resolution', () => {
  const v99 = berryText.replace('  version: 8\n', '  version: 99\n');
  let l = parseYarnLock('yarn.lock', v99);
  assert.equal(l.parsed, false);
  assert.match(l.parseErrors[0].message, /^line 4: unsupported yarn lockfile version \(__metadata.version 99; supported 4 to 10\)$/);
  assert.equal(l.packages.length, 13); // still read

  l = parseYarnLock('yarn.lock', '"a@npm:^1":\n  version: 1.0.0\n  resolution: "a@npm:1.0.0"\n');
  assert.equal(l.parsed, false);
  assert.ok(l.parseErrors.some((e) => /missing the '# yarn lockfile v1' header/.test(e.message)), JSON.stringify(l.parseErrors));

  l = parseYarnLock('yarn.lock', '__metadata:\n  version: 8\n\n"a@npm:^1":\n  version: 1.0.0\n');
  assert.equal(l.parsed, false);
  assert.equal(l.parseErrors[0].message, 'line 4: entry has no resolution');

  l = parseYarnLock('yarn.lock', '__metadata:\n  version: 8\n\n"a@npm:^1":\n  version 1.0.0\n  resolution: "a@npm:1.0.0"\n');
  assert.equal(l.parsed, false);
  assert.match(l.parseErrors[0].message, /^line 5: /);
});

test('property: truncated lockfiles never throw and, cut mid-line, report a position', () => {
  const texts = [classicText, berryText];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (which, frac) => {
      const full = texts[which];
      const cut = Math.floor(frac * (full.length - 1));
      const text = full.slice(0, cut);
      const l = parseYarnLock('yarn.lock', text);
      assertWellFormed(l, text);
      if (cut > 0 && text[cut - 1] !== '\n') {
        assert.equal(l.parsed, false);
        assert.ok(l.parseErrors.some((e) => e.span.end <= cut));
      }
    }),
    { numRuns: 200 },
  );
});

test('property: random edits never throw or hang', () => {
  const texts = [classicText, berryText];
  const edit = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), del: fc.integer({ min: 0, max: 5 }), ins: fc.string({ maxLength: 4, unit: fc.constantFrom('"', ':', ' ', '\n', '\t', '#', 'a', '@', ',', '\\', '{', '-', '\r', '😀') }) });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1 }), fc.array(edit, { minLength: 1, maxLength: 4 }), (which, edits) => {
      let text = texts[which];
      for (const e of edits) {
        const at = Math.floor(e.at * text.length);
        text = text.slice(0, at) + e.ins + text.slice(at + e.del);
      }
      const l = parseYarnLock('yarn.lock', text);
      assertWellFormed(l, text);
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- the corpus

const haveCorpus = existsSync(CORPUS);

function corpusLock(dir: string): { text: string; lock: Lockfile } {
  const text = readFileSync(join(CORPUS, dir, 'yarn.lock'), 'utf8');
  return { text, lock: parseYarnLock('yarn.lock', text) };
}

/** Dependencies (name, spec) of every package that do not resolve to a locked package. */
function unresolvedEdges(l: Lockfile): string[] {
  const out: string[] = [];
  for (const p of l.packages) {
    const specs = Object.keys(p.dependencySpecs ?? {}).length;
    if (p.dependencies.length !== specs) out.push(`${p.id} (${p.dependencies.length}/${specs})`);
  }
  return out;
}

test('corpus: webpack yarn v1 matches SOURCES.md', { skip: !haveCorpus }, () => {
  const { text, lock } = corpusLock('webpack-yarn-v1');
  assert.deepEqual(lock.parseErrors, []);
  assert.equal(lock.packages.length, 1397);
  assert.equal(lock.descriptors!.size, 1713);
  assert.equal(new Set(lock.packages.map((p) => p.name)).size, 1224);
  assert.equal(lock.packages.filter((p) => p.resolved).length, 1397);
  assert.equal(lock.packages.filter((p) => p.source !== 'registry').length, 1);
  assert.equal(lock.packages.filter((p) => p.integrity).length, 1396);
  assert.equal([...lock.descriptors!.keys()].filter((d) => d.includes('@npm:')).length, 6);
  assert.deepEqual(unresolvedEdges(lock), []);
  for (const p of lock.packages) assert.equal(text.charCodeAt(p.span.start - 1), 10);
});

test('corpus: sentry yarn v1 matches SOURCES.md; 61 importers from the workspaces', { skip: !haveCorpus }, () => {
  const { lock } = corpusLock('sentry-javascript-yarn-v1');
  assert.deepEqual(lock.parseErrors, []);
  assert.equal(lock.packages.length, 3999);
  assert.equal(lock.descriptors!.size, 5586);
  assert.equal(new Set(lock.packages.map((p) => p.name)).size, 3007);
  assert.equal(lock.packages.filter((p) => p.integrity).length, 3999);
  assert.equal(lock.packages.filter((p) => p.source === 'registry').length, 3999);
  assert.equal([...lock.descriptors!.keys()].filter((d) => d.includes('@npm:')).length, 19);
  assert.deepEqual(unresolvedEdges(lock), []);

  const project = buildProject(readTree(join(CORPUS, 'sentry-javascript-yarn-v1')));
  const withImporters = project.lockfiles[0];
  assert.equal(withImporters.importers.length, 61);
  assert.equal(withImporters.importers[0].path, '');
  // Every direct dependency resolves, except those on sibling workspaces (not locked).
  const workspaceNames = new Set(project.manifests.map((m) => m.name));
  const unresolved = withImporters.importers.flatMap((i) => i.dependencies.filter((d) => !d.id));
  assert.equal(unresolved.length, 123);
  assert.deepEqual(unresolved.filter((d) => !workspaceNames.has(d.name)), []);
  const graph = project.graphs.get('yarn.lock')!;
  assert.equal(lock.packages.filter((p) => graph.via(p.id)).length, 3999);
});

test('corpus: babel berry matches SOURCES.md', { skip: !haveCorpus }, () => {
  const { lock } = corpusLock('babel-yarn-berry');
  assert.deepEqual(lock.parseErrors, []);
  assert.equal(lock.lockfileVersion, 10);
  assert.equal(lock.packages.length, 1749);
  const protocols: Record<string, number> = {};
  for (const p of lock.packages) {
    const ref = p.id.slice(p.id.indexOf('@', 1) + 1);
    const proto = ref.slice(0, ref.indexOf(':'));
    protocols[proto] = (protocols[proto] ?? 0) + 1;
  }
  assert.deepEqual(protocols, { link: 4, npm: 1573, patch: 9, workspace: 163 });
  assert.equal(lock.packages.filter((p) => !p.integrity).length, 279);
  assert.equal(lock.importers.length, 163);
  // Edges that do not resolve: `catalog:` dependencies (the catalog lives in .yarnrc.yml,
  // not in the corpus) of names locked at several versions.
  const unresolved = lock.importers.flatMap((i) => i.dependencies.filter((d) => !d.id).map((d) => `${d.name}@${d.spec}`));
  assert.equal(unresolved.length, 9);
  assert.ok(unresolved.every((d) => d.includes('@catalog:')), unresolved.join(', '));
  assert.equal(unresolvedEdges(lock).length, 7); // the workspaces holding those 9

  const project = buildProject(readTree(join(CORPUS, 'babel-yarn-berry')));
  assert.equal(project.lockfiles[0].importers.length, 163);
  // every importer is a workspace with a package.json in the corpus
  const manifests = new Set(project.manifests.map((m) => m.path));
  for (const i of project.lockfiles[0].importers) assert.ok(manifests.has(i.path ? `${i.path}/package.json` : 'package.json'), i.path);
});

test('corpus: truncated copies report a position and never throw', { skip: !haveCorpus }, () => {
  for (const dir of ['webpack-yarn-v1', 'babel-yarn-berry']) {
    const full = readFileSync(join(CORPUS, dir, 'yarn.lock'), 'utf8');
    for (const frac of [0.13, 0.5, 0.77]) {
      let cut = Math.floor(full.length * frac);
      if (full[cut - 1] === '\n') cut++;
      const text = full.slice(0, cut);
      const l = parseYarnLock('yarn.lock', text);
      assert.equal(l.parsed, false);
      assertWellFormed(l, text);
      assert.ok(l.packages.length > 0);
    }
  }
});

// ---------------------------------------------------------------- grammar

test('grammar: source.yarnlock compiles and tells keys, fields and values apart', () => {
  const grammar = JSON.parse(readFileSync(join(__dirname, '../../syntaxes/yarnlock.tmLanguage.json'), 'utf8'));
  assert.equal(grammar.scopeName, 'source.yarnlock');
  const regexes: string[] = [];
  const collect = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'match' || k === 'begin' || k === 'end') && typeof x === 'string') regexes.push(x);
        else collect(x);
      }
    }
  };
  collect(grammar);
  assert.ok(regexes.length > 10);
  for (const r of regexes) new RegExp(r); // Oniguruma syntax used here is also valid JS syntax
  const rule = (name: string) => new RegExp(grammar.repository[name].match);
  assert.ok(rule('entry-key').test('"@babel/core@^7.23.9", "@babel/core@^7.24.4":'));
  assert.ok(rule('entry-key').test('tooling@webpack/tooling#v1.28.1:'));
  assert.ok(!rule('entry-key').test('  version "1.0.0"'));
  assert.ok(rule('dependency-line').test('    "@actions/core" "^3.0.0"'));
  assert.ok(rule('dependency-line').test('    undici: "npm:^6.23.0"'));
  assert.ok(!rule('dependency-line').test('  version: 1.0.0'));
  assert.ok(rule('field-line').test('  integrity sha512-abc=='));
  assert.ok(rule('integrity').test('sha512-oRn9YhKkboXgIq2TQZ9uj6bhkT5ZUzFtnyTQ0tLGBwImaD0GfWShE5R0tPbN25EJmS3tz5sDd2JnVokAOtNrZQ=='));
  assert.ok(rule('integrity').test('10/eb77846e506df107208ee6a57aa38c80ce6cdd9ab499ec3518a8e3000334def8'));
  assert.equal(rule('url').exec('resolved "https://registry.yarnpkg.com/a/-/a-1.0.0.tgz#abc"')?.[0], 'https://registry.yarnpkg.com/a/-/a-1.0.0.tgz#abc');
  const d = rule('descriptor').exec('"@types/history-4@npm:@types/history@4.7.8"');
  assert.equal(d?.[1], '@types/history-4');
});
