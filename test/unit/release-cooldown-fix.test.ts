import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newestSettledVersion } from '../../server/src/engine/rules/release-cooldown';
import type { Packument, VersionInfo } from '../../server/src/engine/data/remote-data';
import { packumentFromRecords } from '../../server/src/engine/data/packument';

const DAY = 24 * 3600_000;
const now = Date.parse('2026-11-28T12:00:00Z');

function packument(versions: Record<string, number>, deprecated: string[] = []): Packument {
  const records = { name: 'x', versions: {} as Record<string, Partial<VersionInfo>>, time: {} as Record<string, string> };
  for (const [v, daysAgo] of Object.entries(versions)) {
    records.versions[v] = { hasRepository: true, ...(deprecated.includes(v) ? { deprecated: 'no' } : {}) };
    records.time[v] = new Date(now - daysAgo * DAY).toISOString();
  }
  return packumentFromRecords(records);
}

test('the pin target is the newest settled release the range accepts, older than the fresh one', () => {
  const p = packument({ '1.0.0': 400, '1.1.0': 30, '1.2.0': 5, '1.2.1': 0.1, '2.0.0-beta.1': 10, '0.9.0': 500 }, ['1.2.0']);
  const cutoff = now - 3 * DAY;
  assert.equal(newestSettledVersion(p, cutoff, '^1.0.0', '1.2.1'), '1.1.0', 'deprecated 1.2.0 and prereleases are skipped');
  assert.equal(newestSettledVersion(p, cutoff, '~1.0.0', '1.2.1'), '1.0.0');
  assert.equal(newestSettledVersion(p, cutoff, undefined, '1.2.1'), '1.1.0', 'without a range: same major');
  assert.equal(newestSettledVersion(p, now - 1000 * DAY, '^1.0.0', '1.2.1'), undefined);
});
