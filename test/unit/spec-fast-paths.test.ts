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
