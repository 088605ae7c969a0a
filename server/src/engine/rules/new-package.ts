import { defineRule } from './context';
import { targetReport } from '../data/targets';
import type { Packument } from '../data/remote-data';

export const DAY = 24 * 3600_000;

/**
 * Most malicious packages are days old when they are installed: typosquats and
 * dependency-confusion squats are registered for the attack. A package that first
 * appeared less than a month ago deserves a look before it is trusted.
 */
export const newPackage = defineRule({
  id: 'new-package',
  summary: 'The package itself was first published very recently.',
  severity: 'warning',
  data: ['registry'],
  fixes: [],
  perName: {},
  check(ctx) {
    const seen = new Set<string>();
    for (const t of ctx.data.targets) {
      if (!t.packument || seen.has(`${t.file}\0${t.name}`)) continue;
      const created = firstPublished(t.packument);
      if (created === undefined) continue;
      const age = ctx.now.getTime() - created;
      if (age >= ctx.settings.newPackageDays * DAY) continue;
      seen.add(`${t.file}\0${t.name}`);
      const count = t.packument.versionCount;
      ctx.report(
        targetReport(t, `"${t.name}" was first published ${formatAge(Math.max(0, age))} ago (${count} version${count === 1 ? '' : 's'} so far): new packages are how typosquats and squatted names arrive. Check who publishes it and why you need it.`, {
          evidence: [`created: ${new Date(created).toISOString()}`],
        }),
      );
    }
  },
});

/** The earliest date the registry gives: `time.created`, or the oldest version. */
export function firstPublished(p: Packument): number | undefined {
  if (firstDates.has(p)) return firstDates.get(p);
  let first: number | undefined;
  for (const k of p.timeKeys()) {
    if (k === 'modified') continue;
    const t = p.publishedAt(k);
    if (t !== undefined && (first === undefined || t < first)) first = t;
  }
  firstDates.set(p, first);
  return first;
}

/**
 * Per packument, computed once: `time` has a date per version (thousands for some
 * packages), and several rules ask for every target on every scan. A landed packument is
 * never changed in place.
 */
const firstDates = new WeakMap<Packument, number | undefined>();

export function formatAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(ms / 3600_000);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.round(ms / DAY);
  return `${days} day${days === 1 ? '' : 's'}`;
}
