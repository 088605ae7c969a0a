import type { LockfileReview } from '../engine/review/review';
import { codeSpan, MESSAGE_MAX, text, workspaceFileLink } from './markdown';
import { CHANGE_MARK, MARK, SEVERITY_MARK } from './glyphs';


/** One lockfile's review, and where it belongs (the folder's name when there are several). */
export interface ReviewEntry {
  folder: string;
  against: string;
  review: LockfileReview;
  uriOf: (file: string) => string;
}

/**
 * The lockfile change review as Markdown: added and upgraded packages first, with their
 * findings and trust deltas. It opens in the Markdown preview, which renders HTML and
 * images: names, versions, paths and trust texts come from the lockfile and the registry,
 * so all of them go through markdown.ts, and the only links are to the lockfiles (paths
 * from the first workspace folder, `linkBase`: see workspaceFileLink).
 */
export function renderReview(reviews: ReviewEntry[], linkBase = reviews[0]?.uriOf('') ?? 'file:///'): string {
  const out: string[] = ['# depwarden: lockfile changes', ''];
  if (reviews.length === 0) out.push('No lockfile in the workspace.');
  for (const { folder, against, review, uriOf } of reviews) {
    const c = review.counts;
    out.push(`## ${folder ? `${text(folder)}/` : ''}${workspaceFileLink(review.path, uriOf(review.path), linkBase)}`, '');
    out.push(`Compared with ${text(against)}${review.hadBase ? '' : ' (the file is new there)'}: **${c.added}** added, **${c.upgraded}** upgraded, **${c.downgraded}** downgraded, **${c.removed}** removed.`, '');
    if (review.changes.length === 0) {
      out.push('No package changes.', '');
      continue;
    }
    const risky = review.changes.filter((ch) => ch.findings.some((f) => !f.suppressed) || ch.trust.length || ch.audit?.changes.length);
    if (risky.length) out.push(`**${risky.length} change${risky.length === 1 ? ' needs' : 's need'} a look.**`, '');
    for (const ch of [...risky, ...review.changes.filter((x) => !risky.includes(x))]) {
      const what = ch.kind === 'added' ? `${text(ch.name)}@${text(ch.to ?? '')}` : ch.kind === 'removed' ? `${text(ch.name)}@${text(ch.from ?? '')}` : `${text(ch.name)} ${text(ch.from ?? '')} → ${text(ch.to ?? '')}`;
      const via = ch.via && ch.via.length > 1 ? ` — via ${ch.via.map((v) => codeSpan(v)).join(' › ')}` : '';
      out.push(`- ${CHANGE_MARK[ch.kind]} **${what}**${via}`);
      for (const t of ch.trust) out.push(`  - ${MARK.trust} trust: ${text(t, MESSAGE_MAX)}`);
      if (ch.audit) {
        // What the tarball read found, and the install-time code it changed since the release before.
        out.push(`  - ${MARK.audit} audit: ${text(ch.audit.headline, MESSAGE_MAX)}`);
        for (const line of ch.audit.changes) out.push(`    - ${text(line, MESSAGE_MAX)}`);
      }
      for (const f of ch.findings) {
        if (f.suppressed) continue;
        out.push(`  - ${SEVERITY_MARK[f.severity]} \`${f.rule}\`: ${text(f.message, MESSAGE_MAX)}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}

/** The review when a lockfile's earlier version could not be read (the path is the workspace's, the message git's). */
export function renderReviewError(path: string, base: string, message: string): string {
  return `# depwarden: lockfile changes\n\nCould not read ${codeSpan(path)} at ${codeSpan(base)}: ${text(message, MESSAGE_MAX)}`;
}
