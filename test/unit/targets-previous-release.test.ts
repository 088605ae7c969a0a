/**
 * previousRelease remembers its answers per packument and version (targets.ts); it must give
 * what the plain definition gives: the highest lower version, prereleases only compared
 * with prereleases, and of versions that compare equal (build metadata) the first listed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import semver from 'semver';
import { previousRelease } from '../../server/src/engine/data/targets';
import type { Packument, VersionInfo } from '../../server/src/engine/data/remote-data';
import { packumentFromRecords } from '../../server/src/engine/data/packument';

function plainPreviousRelease(versions: string[], version: string): string | undefined {
  if (!semver.valid(version)) return undefined;
  const isPre = semver.prerelease(version) !== null;
  let best: string | undefined;
  for (const v of versions) {
    if (!semver.valid(v) || !semver.lt(v, version)) continue;
    if (!isPre && semver.prerelease(v) !== null) continue;
    if (!best || semver.gt(v, best)) best = v;
  }
  return best;
}

function packumentOf(versions: string[]): Packument {
  const record: Record<string, Partial<VersionInfo>> = {};
  for (const v of versions) record[v] = {};
  return packumentFromRecords({ name: 'p', versions: record });
}

const part = fc.integer({ min: 0, max: 4 });
const versionArb = fc.oneof(
  fc.tuple(part, part, part).map(([a, b, c]) => `${a}.${b}.${c}`),
  fc.tuple(part, part, part, fc.constantFrom('alpha', 'beta.1', 'rc.2', '0')).map(([a, b, c, p]) => `${a}.${b}.${c}-${p}`),
  fc.tuple(part, part, part, fc.constantFrom('build1', 'sha.abc')).map(([a, b, c, m]) => `${a}.${b}.${c}+${m}`),
  fc.constantFrom('latest', 'v1', '1.0', 'not a version', 'v1.2.3', '=2.0.0', '01.2.3', '1.02.3', '123456789012345.0.1', '1234567890123456.0.1', '99999999999999999.0.0'),
);

test('previousRelease gives what the plain definition gives, for any version list', () => {
  fc.assert(
    fc.property(fc.uniqueArray(versionArb, { maxLength: 30 }), versionArb, (versions, asked) => {
      const packument = packumentOf(versions);
      assert.equal(previousRelease(packument, asked)?.version, plainPreviousRelease(versions, asked));
      // Asked again (the index is reused): the same answer.
      assert.equal(previousRelease(packument, asked)?.version, plainPreviousRelease(versions, asked));
    }),
    { numRuns: 500 },
  );
});

test('previousRelease gives what the plain definition gives, asked about prereleases among many of the same numbers', () => {
  // Few numbers, many tags: the versions skipped unparsed by their numbers (above the asked
  // ones, below the best so far) and the ties between tags of the same numbers.
  const bit = fc.integer({ min: 0, max: 1 });
  const tag = fc.constantFrom('alpha', 'alpha.1', 'beta', 'beta.2', 'rc.1', '0', '1', 'x-y');
  const prereleaseArb = fc.tuple(bit, bit, bit, tag).map(([a, b, c, t]) => `${a}.${b}.${c}-${t}`);
  const anyArb = fc.oneof(prereleaseArb, fc.tuple(bit, bit, bit).map(([a, b, c]) => `${a}.${b}.${c}`), fc.constantFrom('1.1.1-', '1.0.0-a..b', '01.0.0-a', '1.0.0+b'));
  fc.assert(
    fc.property(fc.uniqueArray(anyArb, { maxLength: 30 }), prereleaseArb, (versions, asked) => {
      assert.equal(previousRelease(packumentOf(versions), asked)?.version, plainPreviousRelease(versions, asked));
    }),
    { numRuns: 1000 },
  );
  const p = packumentOf(['2.0.0-alpha', '2.0.0-beta', '1.0.0', '3.0.0-rc']);
  assert.equal(previousRelease(p, '2.0.0-rc')?.version, '2.0.0-beta');
});

test('previousRelease skips prereleases for a release and keeps them for a prerelease', () => {
  const p = packumentOf(['1.0.0', '1.1.0-beta.1', '1.1.0', '2.0.0-rc.1', '2.0.0']);
  assert.equal(previousRelease(p, '2.0.0')?.version, '1.1.0');
  assert.equal(previousRelease(p, '2.0.0-rc.1')?.version, '1.1.0');
  assert.equal(previousRelease(p, '1.1.0')?.version, '1.0.0');
  assert.equal(previousRelease(p, '1.1.0-beta.2')?.version, '1.1.0-beta.1');
  assert.equal(previousRelease(p, '1.0.0'), undefined);
});
