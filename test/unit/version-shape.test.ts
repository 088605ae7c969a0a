import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import semver from 'semver';
import { compareVersions, isPlainRelease, isValidVersion, plainReleaseParts, releaseParts } from '../../server/src/engine/text/version';
import { isPlainVersion } from '../../server/src/engine/text/untrusted';

const part = fc.oneof(fc.nat(30).map(String), fc.stringMatching(/^\d{1,18}$/), fc.constantFrom('00', '01', 'x', '*', ''));
const version = fc
  .tuple(fc.constantFrom('', 'v', '=', ' '), part, part, part, fc.constantFrom('', '-rc.1', '-0', '+b', '.4', ' ', '-01'))
  .map(([pre, a, b, c, post]) => `${pre}${a}.${b}.${c}${post}`);

test('the plain-release fast path agrees with semver.valid on every version shape', () => {
  fc.assert(
    fc.property(version, (v) => {
      assert.equal(isValidVersion(v), semver.valid(v) !== null, v);
      if (isPlainRelease(v)) assert.equal(semver.valid(v), v, v);
      assert.equal(isPlainVersion(v), /^[0-9][0-9A-Za-z.+-]*$/.test(v) && semver.valid(v) === v.split('+')[0], v);
    }),
    { numRuns: 20000 },
  );
  assert.equal(isValidVersion('9007199254740992.0.0'), false);
  assert.equal(isValidVersion('999999999999999.0.0'), true);
});

/** The call's result, or the class of what it threw: the fast paths must throw where semver throws. */
function outcome<T>(f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    return `throws ${(e as Error).constructor.name}`;
  }
}

test('releaseParts and compareVersions give what semver gives (and throw where it throws)', () => {
  fc.assert(
    fc.property(version, version, (a, b) => {
      assert.deepEqual(
        outcome(() => [...releaseParts(a)]),
        outcome(() => [semver.major(a), semver.minor(a), semver.patch(a)]),
        a,
      );
      assert.equal(outcome(() => compareVersions(a, b)), outcome(() => semver.compare(a, b)), `${a} vs ${b}`);
      // The hand-read parts are exactly the plain shape's.
      assert.equal(plainReleaseParts(a) !== undefined, isPlainRelease(a), a);
    }),
    { numRuns: 20000 },
  );
  assert.equal(compareVersions('1.10.0', '1.9.99'), 1);
  assert.equal(compareVersions('2.0.0-rc.1', '2.0.0'), -1);
});
