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
