import type { LockfileReview } from '../engine/review/review';
import type { Severity } from '../engine/model';

const ICON: Record<Severity, string> = { error: '🛑', warning: '⚠️', info: 'ℹ️', hint: '💡' };
const MARK = { added: '➕', removed: '➖', upgraded: '⬆️', downgraded: '⬇️' } as const;

function esc(s: string): string {
  return s.replace(/([\\`*_{}[\]<>#|])/g, '\\$1');
}

/** The lockfile change review as Markdown: added and upgraded packages first, with their findings and trust deltas. */
export function renderReview(reviews: Array<{ folder: string; against: string; review: LockfileReview; uriOf: (file: string) => string }>): string {
  const out: string[] = ['# depwarden: lockfile changes', ''];
  if (reviews.length === 0) out.push('No lockfile in the workspace.');
  for (const { folder, against, review, uriOf } of reviews) {
    const c = review.counts;
    out.push(`## ${esc(folder ? `${folder}/` : '')}[${esc(review.path)}](${uriOf(review.path)})`, '');
    out.push(`Compared with ${esc(against)}${review.hadBase ? '' : ' (the file is new there)'}: **${c.added}** added, **${c.upgraded}** upgraded, **${c.downgraded}** downgraded, **${c.removed}** removed.`, '');
    if (review.changes.length === 0) {
      out.push('No package changes.', '');
      continue;
    }
    const risky = review.changes.filter((ch) => ch.findings.some((f) => !f.suppressed) || ch.trust.length);
    if (risky.length) out.push(`**${risky.length} change${risky.length === 1 ? ' needs' : 's need'} a look.**`, '');
    for (const ch of [...risky, ...review.changes.filter((x) => !risky.includes(x))]) {
      const what = ch.kind === 'added' ? `${ch.name}@${ch.to}` : ch.kind === 'removed' ? `${ch.name}@${ch.from}` : `${ch.name} ${ch.from} → ${ch.to}`;
      const via = ch.via && ch.via.length > 1 ? ` — via ${ch.via.map((v) => `\`${v}\``).join(' › ')}` : '';
      out.push(`- ${MARK[ch.kind]} **${esc(what)}**${via}`);
      for (const t of ch.trust) out.push(`  - 🔁 trust: ${esc(t)}`);
      for (const f of ch.findings) {
        if (f.suppressed) continue;
        out.push(`  - ${ICON[f.severity]} \`${f.rule}\`: ${esc(f.message)}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}
