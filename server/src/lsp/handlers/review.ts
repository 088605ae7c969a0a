import type { Lockfile } from '../../engine/model';
import { parseLockfile } from '../../engine/lockfile';
import { readAtRevision } from '../../engine/review/git-base';
import { reviewLockfile, type LockfileReview } from '../../engine/review/review';
import { LastChangeReviewRequest, LockfileChangedNotification, ReviewRequest, type LockfileChangedParams } from '../protocol';
import { renderReview, renderReviewError, type ReviewEntry } from '../review';
import { onRequest } from '../safe-handler';
import { linkBase } from './report';
import type { ServerState } from '../state';
import type { WorkspaceFolderState } from '../workspace-folder';

/** "Review Lockfile Changes" (every lockfile against a git revision) and the review of the last on-disk change. */
export function registerReview(state: ServerState): void {
  onRequest(state.connection, ReviewRequest, state.log, '', (params) => reviewAgainstGit(state, params?.base || 'HEAD', linkBase(state, params?.linkBase)));
  onRequest(state.connection, LastChangeReviewRequest, state.log, '', (params) => renderReview(state.lastChangeReviews, linkBase(state, params?.linkBase)));
}

async function reviewAgainstGit(state: ServerState, base: string, links: string | undefined): Promise<string> {
  const reviews: ReviewEntry[] = [];
  const { folders } = state;
  for (const folder of folders) {
    const result = folder.result;
    if (!result) continue;
    for (const lockfile of result.project.lockfiles) {
      let before: Lockfile | undefined;
      try {
        const text = await readAtRevision(folder.root, base, lockfile.path);
        before = text === undefined ? undefined : parseLockfile(lockfile.path, text);
      } catch (e) {
        return renderReviewError(lockfile.path, base, (e as Error).message);
      }
      const name = folders.length > 1 ? (folder.root.split(/[\\/]/).pop() ?? '') : '';
      reviews.push({ folder: name, against: `git ${base}`, review: reviewLockfile(before, result, lockfile.path, folder.remote), uriOf: (f) => folder.uriOf(f) });
    }
  }
  return renderReview(reviews, links);
}

/** Per folder: each lockfile changed on disk and not yet reviewed, as it was before the first such change. */
const unreviewed = new WeakMap<WorkspaceFolderState, Map<string, Lockfile>>();

/**
 * A lockfile changed on disk (a save, a branch switch, an install): once a complete scan
 * (with registry data) holds the new text, tell the client what the change brought in.
 * Several changes before that are one review, against the oldest text.
 */
export function lockfileChangedOnDisk(state: ServerState, folder: WorkspaceFolderState, path: string, before: Lockfile): void {
  let pending = unreviewed.get(folder);
  const waiting = pending !== undefined;
  if (!pending) unreviewed.set(folder, (pending = new Map()));
  if (!pending.has(path)) pending.set(path, before);
  if (!waiting) void reviewWhenScanned(state, folder, pending);
}

/**
 * Waits for settled scans until each pending lockfile is reviewed. A scan can still hold
 * the old text: an open tab's document stands in for the file and VS Code may send its
 * new text (didChange) only after the watcher event. Such a lockfile waits for the next
 * settled scan (one with unsaved edits waits for the save, whose event brings it here).
 */
async function reviewWhenScanned(state: ServerState, folder: WorkspaceFolderState, pending: Map<string, Lockfile>): Promise<void> {
  try {
    while (pending.size) {
      await folder.whenSettled();
      const result = folder.result;
      if (!result) continue;
      const reviews: LockfileReview[] = [];
      for (const [path, before] of pending) {
        const onDisk = folder.diskText(path);
        // Deleted or unreadable now: nothing to compare with (unparsed-file says why).
        if (onDisk === undefined || !result.project.lockfiles.some((l) => l.path === path)) {
          pending.delete(path);
          continue;
        }
        if (result.project.texts.get(path) !== onDisk) continue;
        pending.delete(path);
        const review = reviewLockfile(before, result, path, folder.remote);
        if (review.changes.length) reviews.push(review);
      }
      if (!reviews.length) continue;
      state.lastChangeReviews = reviews.map((review) => ({ folder: '', against: 'the previous version', review, uriOf: (f: string) => folder.uriOf(f) }));
      void state.connection.sendNotification(LockfileChangedNotification, changeSummary(reviews));
    }
  } finally {
    unreviewed.delete(folder);
  }
}

function changeSummary(reviews: LockfileReview[]): LockfileChangedParams {
  const sum = (count: (r: LockfileReview) => number) => reviews.reduce((n, r) => n + count(r), 0);
  const needsALook = (c: LockfileReview['changes'][number]) => c.findings.some((f) => !f.suppressed && (f.severity === 'error' || f.severity === 'warning')) || c.trust.length > 0;
  const counts = {
    added: sum((r) => r.counts.added),
    upgraded: sum((r) => r.counts.upgraded),
    downgraded: sum((r) => r.counts.downgraded),
    removed: sum((r) => r.counts.removed),
  };
  const flagged = sum((r) => r.changes.filter(needsALook).length);
  const files = reviews.map((r) => r.path);
  return { files, ...counts, flagged, message: changeMessage(files, counts, flagged) };
}

/**
 * The notice's text, built here rather than in the client so that tests read what the user
 * reads. Each kind of change by its own name (a downgrade is not an upgrade: rolling a
 * package back is how a lockfile brings an old vulnerable release in); kinds with no
 * change are left out. File names are the workspace's: the client shows them as plain text.
 */
function changeMessage(files: string[], counts: Record<'added' | 'upgraded' | 'downgraded' | 'removed', number>, flagged: number): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  const look = flagged ? `; ${flagged} need${flagged === 1 ? 's' : ''} a look` : '';
  return `${files.join(', ')} changed: ${parts.join(', ')}${look}.`;
}
