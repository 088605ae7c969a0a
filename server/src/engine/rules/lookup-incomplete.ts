import { defineRule } from './context';
import { type EvaluatedTarget } from '../data/targets';

/**
 * Silence must never read as "clean": when registry or advisory data could not be had
 * for some packages (offline, timeout, an HTTP error), say so once per file, with how
 * many and why, so that nobody mistakes unchecked for safe.
 */
export const lookupIncomplete = defineRule({
  id: 'lookup-incomplete',
  summary: 'Registry or advisory data could not be fetched for some packages.',
  severity: 'info',
  data: ['registry', 'advisories'],
  fixes: [],
  check(ctx) {
    const byFile = new Map<string, EvaluatedTarget[]>();
    for (const t of ctx.data.targets) {
      if (t.missing.length === 0) continue;
      const list = byFile.get(t.file) ?? [];
      byFile.set(t.file, list);
      list.push(t);
    }
    for (const [file, targets] of byFile) {
      const reasons = new Map<string, number>();
      for (const t of targets) for (const r of new Set(t.missing)) reasons.set(r, (reasons.get(r) ?? 0) + 1);
      const why = [...reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} (${n})`).join(', ');
      const n = targets.length;
      ctx.report({
        message: `Registry or advisory data is missing for ${n} package${n === 1 ? '' : 's'} in this file, so the remote checks did not run for ${n === 1 ? 'it' : 'them'}: ${why}. They are not known to be safe.`,
        file,
        span: targets[0].span,
        version: null,
        evidence: targets.slice(0, 20).map((t) => `${t.version ? `${t.name}@${t.version}` : t.name}: ${t.missing.join(', ')}`),
      });
    }
  },
});
