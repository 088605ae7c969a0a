import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nonRegistrySpec } from '../../server/src/engine/manifest/non-registry-spec';
import { classifySpec } from '../../server/src/engine/manifest/spec';

/** What nonRegistrySpec answered before its fast path: npm's own classification of the spec. */
function classified(name: string, spec: string): string {
  if (/^npm:/i.test(spec)) return 'registry';
  const c = classifySpec(name, spec);
  return c.kind === 'git' || c.kind === 'remote' ? `${c.kind === 'git' ? 'git' : 'url'} ${c.url ?? spec}` : 'registry';
}

function answered(name: string, spec: string): string {
  const r = nonRegistrySpec(name, spec);
  return r ? `${r.kind} ${r.url}` : 'registry';
}

const pieces = fc.constantFrom('^1.2.3', '~1', '1.x', '>=1 <2', '||', 'latest', 'next', 'user', 'repo', '#', 'semver:', '/', ':', '.', '..', '~', '\\', 'C', 'git', '+', 'ssh', 'https', 'github', '@', ' ', 'file', 'x.tgz', 'v2', '*', '-', 'npm');
const spec = fc.array(pieces, { maxLength: 6 }).map((a) => a.join(''));

test('nonRegistrySpec answers what npm-package-arg says for every spec shape, with or without its fast path', () => {
  fc.assert(
    fc.property(spec, fc.constantFrom('a', '@s/a', 'bad name'), (s, name) => {
      assert.equal(answered(name, s), classified(name, s), s);
    }),
    { numRuns: 20000 },
  );
  // The shapes npm fetches from elsewhere still are found.
  assert.match(answered('a', 'user/repo'), /^git /);
  assert.match(answered('a', 'github:user/repo'), /^git /);
  assert.equal(answered('a', 'https://x.example/a.tgz'), 'url https://x.example/a.tgz');
  assert.equal(answered('a', '^1.2.3'), 'registry');
});

test('classifySpec reads plain file: paths as npm-package-arg does', async () => {
  const npa = (await import('npm-package-arg')).default;
  const segment = fc.constantFrom('.', '..', 'dir', 'a.tgz', 'b.tar.gz', 'c.TAR', 'x-tarXgz', '@s', '', 'node_modules', 'pkg_1');
  fc.assert(
    fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '/', '//'), (parts, lead) => {
      const spec = `file:${lead}${parts.join('/')}`;
      let expected: string;
      try {
        expected = npa.resolve('a', spec, '/').type;
      } catch {
        expected = 'invalid';
      }
      assert.equal(classifySpec('a', spec).kind, expected, spec);
    }),
    { numRuns: 3000 },
  );
});

test('classifySpec reads npm: aliases as npm-package-arg does, with or without its fast path', async () => {
  const npa = (await import('npm-package-arg')).default;
  const oracle = (name: string, spec: string): string => {
    let r: ReturnType<typeof npa.resolve>;
    try {
      r = npa.resolve(name, spec, '/');
    } catch {
      try {
        r = npa.resolve('x', spec, '/');
      } catch {
        return 'invalid';
      }
    }
    const sub = (r as { subSpec?: { name?: string; rawSpec?: string } }).subSpec;
    return r.type === 'alias' ? `alias ${sub?.name ?? ''} ${sub?.rawSpec ?? ''}` : r.type;
  };
  const ours = (name: string, spec: string): string => {
    const c = classifySpec(name, spec);
    return c.kind === 'alias' ? `alias ${c.aliasOf?.name} ${c.aliasOf?.spec}` : c.kind;
  };
  const names = fc.constantFrom('a', 'b.c', '@s/a', '@s/b_c', 'A', '_a', '.a', '-a', 'a~b', 'node_modules', 'favicon.ico', 'http', '@s', '@/a', 'a b', 'x'.repeat(215), '@s/.a', 'a!', '');
  const specs = fc.constantFrom('^1.2.3', '1.2.3', '~1', '1.x', '>=1 <2', 'latest', 'v2', '*', '', ' ', ' ^1', 'a b', 'x/y', 'git:x', '1.2.3 ', '%', 'user/repo', 'npm:b@1', '@');
  fc.assert(
    fc.property(fc.constantFrom('dep', '@s/dep', 'bad name'), names, fc.boolean(), specs, (dep, name, at, rest) => {
      const spec = `npm:${name}${at ? '@' : ''}${at ? rest : ''}`;
      assert.equal(ours(dep, spec), oracle(dep, spec), spec);
    }),
    { numRuns: 5000 },
  );
  assert.equal(ours('b', 'npm:@babel/core@7.12.9'), 'alias @babel/core 7.12.9');
});

test('joinPath joins plain paths directly as its segment walk joins them', async () => {
  const { joinPath } = await import('../../server/src/engine/project');
  const walk = (dir: string, rel: string): string => {
    const out: string[] = [];
    for (const p of (dir ? dir.split('/') : []).concat(rel.split('/'))) {
      if (p === '' || p === '.') continue;
      if (p === '..') out.pop();
      else out.push(p);
    }
    return out.join('/');
  };
  const path = fc.array(fc.constantFrom('a', 'b.c', '.', '..', '', '/', '.a', 'a.', '...', 'node_modules'), { maxLength: 5 }).map((a) => a.join(''));
  const segments = fc.array(fc.constantFrom('a', 'b.c', '.', '..', '', '.a', '...'), { maxLength: 4 }).map((a) => a.join('/'));
  fc.assert(
    fc.property(fc.oneof(path, segments), fc.oneof(path, segments), (dir, rel) => {
      assert.equal(joinPath(dir, rel), walk(dir, rel), `${dir} + ${rel}`);
    }),
    { numRuns: 20000 },
  );
});

test('integrityProblem reads one hash without splitting as it reads a list of them', async () => {
  const { integrityProblem } = await import('../../server/src/engine/rules/lockfile-integrity');
  // The reading before the one-hash fast path: every whitespace-separated token.
  const byTokens = (integrity: string): 'sha1' | undefined => {
    const sri = integrity.trim().split(/\s+/).filter((t) => /^sha(1|256|384|512)-/i.test(t));
    return sri.length > 0 && sri.every((t) => /^sha1-/i.test(t)) ? 'sha1' : undefined;
  };
  const token = fc.constantFrom('sha1-abc=', 'SHA1-x', 'sha512-abc==', 'sha256-', 'sha384-q', 'md5-x', '10c0/ab12', 'sha1', 'sha-1-x', '');
  const gap = fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', '');
  const integrity = fc.array(fc.tuple(gap, token), { minLength: 1, maxLength: 4 }).map((parts) => parts.map(([g, t]) => g + t).join(''));
  fc.assert(
    fc.property(integrity, (i) => {
      if (!i.trim()) return;
      const p = { id: 'a', name: 'a', version: '1.0.0', source: 'registry' as const, span: { start: 0, end: 0 }, dependencies: [], integrity: i };
      assert.equal(integrityProblem(p), byTokens(i), JSON.stringify(i));
    }),
    { numRuns: 5000 },
  );
});

test('parseRegistryTarball reads every URL shape as its reading before the in-place scheme check did', async () => {
  const { parseRegistryTarball } = await import('../../server/src/engine/rules/registry-tarball');
  const { hostOf } = await import('../../server/src/engine/data/url-host');
  // The reading before: the scheme copied and lower-cased, `#` and `?` found in a loop.
  const before = (url: string) => {
    const schemeEnd = url.indexOf('://');
    if (schemeEnd < 0) return undefined;
    const scheme = url.slice(0, schemeEnd).toLowerCase();
    if (scheme !== 'https' && scheme !== 'http') return undefined;
    let end = url.length;
    for (const c of ['#', '?']) {
      const i = url.indexOf(c, schemeEnd);
      if (i >= 0 && i < end) end = i;
    }
    const pathStart = url.indexOf('/', schemeEnd + 3);
    if (pathStart < 0 || pathStart >= end) return undefined;
    const dash = url.lastIndexOf('/-/', end);
    if (dash < pathStart || !url.endsWith('.tgz', end) || end - dash - 3 <= 4) return undefined;
    let file = url.slice(dash + 3, end - 4);
    if (file.includes('/')) return undefined;
    const lastSlash = url.lastIndexOf('/', dash - 1);
    if (lastSlash < pathStart) return undefined;
    let name = url.slice(lastSlash + 1, dash);
    let nameStart = lastSlash + 1;
    if (!name.startsWith('@')) {
      const scopeSlash = url.lastIndexOf('/', lastSlash - 1);
      if (scopeSlash >= pathStart && url[scopeSlash + 1] === '@') {
        nameStart = scopeSlash + 1;
        name = url.slice(nameStart, dash);
      }
    }
    if (name === '' || name === '@') return undefined;
    if (name.includes('%') || file.includes('%')) {
      try {
        name = decodeURIComponent(name);
        file = decodeURIComponent(file);
      } catch {
        return undefined;
      }
    }
    if (name.startsWith('@') && !name.includes('/')) return undefined;
    const unscoped = name.slice(name.indexOf('/') + 1);
    const version = file.startsWith(unscoped + '-') ? file.slice(unscoped.length + 1) : undefined;
    const host = hostOf(url) ?? url.slice(schemeEnd + 3, pathStart).toLowerCase();
    return { host, base: `${scheme}://${url.slice(schemeEnd + 3, nameStart)}`, name, file, version };
  };
  const piece = fc.constantFrom('https://', 'http://', 'HTTPS://', 'Http://', 'git+https://', 'registry.npmjs.org', 'r.example:8080', '/', '/-/', '@s', '%2f', '%', 'a', 'a-1.0.0', 'lodash', 'lodash-4.17.21', '.tgz', '#sha', '?x=1', '-', '@');
  fc.assert(
    fc.property(fc.array(piece, { minLength: 1, maxLength: 9 }), (parts) => {
      const url = parts.join('');
      assert.deepEqual(parseRegistryTarball(url), before(url), url);
    }),
    { numRuns: 20000 },
  );
  // Registry-shaped URLs, most of which read as tarballs.
  const shaped = fc
    .tuple(
      fc.constantFrom('https://', 'http://', 'HTTPS://', 'hTTp://', 'ftp://'),
      fc.constantFrom('registry.npmjs.org', 'R.Example.com:8443', 'x.example', ''),
      fc.constantFrom('/', '/npm/', '/api/npm/repo/', ''),
      fc.constantFrom('lodash', '@babel/core', '@babel%2fcore', '@s', 'a-b', '%E0'),
      fc.constantFrom('/-/', '/', '/-'),
      fc.constantFrom('lodash-4.17.21', 'core-7.0.0', 'a-b-1.0.0-beta.1', 'other-1.0.0', 'x%2fy', ''),
      fc.constantFrom('.tgz', '.TGZ', '.tar.gz', ''),
      fc.constantFrom('', '#sha1', '?a=b', '?a=/-/x.tgz', '#x?y'),
    )
    .map((parts) => parts.join(''));
  fc.assert(
    fc.property(shaped, (url) => {
      assert.deepEqual(parseRegistryTarball(url), before(url), url);
    }),
    { numRuns: 20000 },
  );
  assert.deepEqual(parseRegistryTarball('https://registry.npmjs.org/@s/a/-/a-1.0.0.tgz'), before('https://registry.npmjs.org/@s/a/-/a-1.0.0.tgz'));
  assert.equal(parseRegistryTarball('https://registry.npmjs.org/@s/a/-/a-1.0.0.tgz')?.version, '1.0.0');
});

test('findDeepNesting answers as its full pass whether or not the bracket count spares it', async () => {
  const { findDeepNesting } = await import('../../server/src/engine/json-depth');
  // The full pass, as findDeepNesting reads text when the count does not settle it.
  const fullPass = (text: string, limit: number): number | undefined => {
    let depth = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '{' || c === '[') {
        if (++depth > limit) return i;
      } else if (c === '}' || c === ']') {
        if (depth > 0) depth--;
      } else if (c === '"') {
        for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n' && text[i] !== '\r'; i++) if (text[i] === '\\') i++;
      } else if (c === '/' && text[i + 1] === '/') {
        for (i += 2; i < text.length && text[i] !== '\n' && text[i] !== '\r'; i++);
      } else if (c === '/' && text[i + 1] === '*') {
        const close = text.indexOf('*/', i + 2);
        i = close < 0 ? text.length : close + 1;
      }
    }
    return undefined;
  };
  const piece = fc.constantFrom('{', '[', '}', ']', '"', '\\', '"a{"', '//', '/*', '*/', '\n', ' ', 'x', ':', ',');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), fc.integer({ min: 0, max: 6 }), (parts, limit) => {
      const text = parts.join('');
      assert.equal(findDeepNesting(text, limit), fullPass(text, limit), JSON.stringify(text));
    }),
    { numRuns: 20000 },
  );
});

test('thousands writes counts as toLocaleString("en-US") does, without ICU', async () => {
  const { thousands } = await import('../../server/src/engine/text/thousands');
  fc.assert(
    fc.property(fc.oneof(fc.nat(), fc.integer(), fc.constantFrom(0, 999, 1000, 999_999, 1_000_000, Number.MAX_SAFE_INTEGER)), (n) => {
      assert.equal(thousands(n), n.toLocaleString('en-US'));
    }),
    { numRuns: 5000 },
  );
});
