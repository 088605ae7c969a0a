import type { LockedPackage, Lockfile, LockfileFormat } from '../model';
import type { Report, RuleContext } from './context';
import { lockfileEntryReport } from './lockfile-finding';
import { defineRule } from './context';

/** How many entries an aggregated finding names (the hover shows up to ten evidence lines). */
const SHOWN = 8;

/**
 * Without an integrity hash the lockfile pins a URL, not content: whatever that URL
 * serves tomorrow gets installed. SHA-1 is weak too: collisions have been practical since
 * 2017 (SHAttered), and npm moved to SHA-512 in npm 5.
 *
 * The two are not equally telling. SHA-1-only entries are hygiene: package managers keep
 * a hash once recorded, so a lockfile started years ago holds hundreds of them, and a
 * warning on each buried everything else (half of all warnings on the corpus). They are
 * one `info` per lockfile, with the count, the first entries and the cause.
 *
 * An entry with no hash at all stays a warning on the entry: npm 11, pnpm 8-10, yarn 1
 * and 4 and bun hash every registry and URL dependency they lock (no entry without one in
 * the lockfiles they wrote for test/fixtures/fresh-lockfiles, nor in the corpus, apart
 * from berry's unfetched platform packages, skipped below), so a missing hash means the
 * entry was edited by hand or tampered with.
 */
export const lockfileIntegrity = defineRule({
  id: 'lockfile-integrity',
  summary: 'A lockfile entry has no integrity hash, or only a weak one.',
  severity: 'warning',
  // The registry says why an entry has only SHA-1 (it has sha512 or not); without it the rule still runs.
  data: ['local', 'registry'],
  fixes: [],
  check(ctx) {
    const { project, report } = ctx;
    const registryHashes = ctx.remote ? registryIntegrities(ctx) : undefined;
    for (const l of project.lockfiles) {
      const graph = project.graphs.get(l.path);
      const text = project.texts.get(l.path);
      const weak: LockedPackage[] = [];
      for (const p of l.packages) {
        const problem = integrityProblem(p);
        if (problem === 'sha1') weak.push(p);
        if (problem !== 'missing') continue;
        // yarn berry writes no checksum for platform-specific packages (`conditions:`) it
        // did not fetch; it checksums them when a matching machine installs them.
        // (`[ \t]+`, not `\s+`: `\s` also takes line breaks, and `\n\s+` retried a long run of
        // blank lines from each of its line breaks.)
        if (l.format === 'yarn-berry' && text && /\n[ \t]+conditions:/.test(text.slice(p.span.start, p.span.end))) continue;
        const what = p.source === 'tarball' ? 'URL dependency' : 'registry package';
        const message = `${p.name}@${p.version} has no integrity hash in the lockfile, although ${MANAGER[l.format]} records one for every ${what}: the hash was removed or the entry written by hand, and a changed tarball at the same URL would be installed without notice.`;
        const evidence = p.resolved ? [`resolved: ${p.resolved}`] : undefined;
        report(lockfileEntryReport(l, graph, p, message, { evidence }));
      }
      if (weak.length > 0) report(weakHashReport(l, weak, registryHashes));
    }
  },
});

const SRI = /^sha(1|256|384|512)-/i;
const SHA1 = /^sha1-/i;

/** 'missing', 'sha1' (only weak hashes), or undefined when the entry is fine or out of scope. */
export function integrityProblem(p: LockedPackage): 'missing' | 'sha1' | undefined {
  // Links, workspaces and folders are local code; bundled packages come inside their
  // parent's (hashed) tarball; git sources are pinned by commit, not by hash.
  if (p.source !== 'registry' && p.source !== 'tarball') return undefined;
  if (p.inBundle) return undefined;
  const integrity = p.integrity?.trim();
  if (integrity) {
    // Not SRI (e.g. yarn berry's checksum "10c0/<sha512 hex>"): a strong hash of its own.
    // Nearly every entry holds one hash: it is read as it is, without splitting.
    if (!/\s/.test(integrity)) return SRI.test(integrity) && SHA1.test(integrity) ? 'sha1' : undefined;
    const sri = integrity.split(/\s+/).filter((t) => SRI.test(t));
    if (sri.length === 0) return undefined;
    return sri.every((t) => SHA1.test(t)) ? 'sha1' : undefined;
  }
  // yarn classic keeps only a sha1 in the URL fragment for URL dependencies (and for
  // every entry before yarn 1.10).
  if (p.resolved && /#[0-9a-f]{40}$/i.test(p.resolved)) return 'sha1';
  return 'missing';
}

const MANAGER: Record<LockfileFormat, string> = { npm: 'npm', 'yarn-classic': 'yarn classic', 'yarn-berry': 'yarn', pnpm: 'pnpm', bun: 'bun' };

/** Why the registry's data matters: name@version -> whether the registry has a hash stronger than SHA-1 for it. */
type RegistryHashes = Map<string, boolean>;

function registryIntegrities(ctx: RuleContext): RegistryHashes {
  const out: RegistryHashes = new Map();
  for (const t of ctx.data.targets) {
    if (!t.lockfile || !t.lockedVersion || !t.packument) continue;
    out.set(`${t.lockfile.path}|${t.name}@${t.lockedVersion}`, t.info?.strongIntegrity === true);
  }
  return out;
}

type WeakCause = 'url' | 'kept' | 'old' | 'unknown';

function weakCause(l: Lockfile, p: LockedPackage, hashes: RegistryHashes | undefined, urlDependencies: Set<string>): WeakCause {
  // A URL dependency gets what its manager computes (yarn classic: only the sha1 fragment),
  // whatever the registry has: never "published before 2017".
  if (p.source === 'tarball' || urlDependencies.has(p.id)) return 'url';
  const registry = hashes?.get(`${l.path}|${p.realName ?? p.name}@${p.version}`);
  if (registry === undefined) return 'unknown';
  return registry ? 'kept' : 'old';
}

/** Why a manager kept a SHA-1 that the registry has replaced, and how to get sha512 from it. */
const KEPT: Record<LockfileFormat, { why: string; relock: string }> = {
  'yarn-classic': {
    why: 'yarn classic keeps the hash it recorded when an entry was first locked (the `#sha1` fragment of `resolved`, `integrity sha1-`) even after the registry added sha512',
    relock: 'delete these entries from the lockfile and run `yarn install`',
  },
  npm: {
    why: 'npm keeps the integrity an entry already has when it updates the lockfile, so a SHA-1 recorded once (by npm 5 or 6, from a registry\'s old `shasum`) stays',
    relock: 'delete these entries (or the lockfile) and run `npm install --package-lock-only`',
  },
  pnpm: {
    why: 'pnpm keeps the integrity an entry already has when it updates the lockfile',
    relock: 'delete these entries (or the lockfile) and run `pnpm install --lockfile-only`',
  },
  bun: {
    why: 'bun keeps the integrity an entry already has when it updates the lockfile',
    relock: 'delete these entries (or the lockfile) and run `bun install --lockfile-only`',
  },
  'yarn-berry': {
    why: 'yarn berry keeps an `integrity` it did not write itself',
    relock: 'delete these entries and run `yarn install`',
  },
};

const OLD = 'versions published before npm added sha512 hashes in 2017';

/**
 * Entries locked for a URL spec. yarn classic keys them by the spec
 * (`"left-pad@https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"`) and, when the URL
 * is a registry tarball, they read as registry entries: the descriptor tells them apart.
 */
function urlDependencyIds(l: Lockfile): Set<string> {
  const ids = new Set<string>();
  // forEach, not for-of over entries: no [key, value] pair per descriptor.
  l.descriptors?.forEach((id, descriptor) => {
    const at = descriptor.indexOf('@', 1);
    if (at > 0 && isHttpUrlAt(descriptor, at + 1)) ids.add(id);
  });
  return ids;
}

/**
 * Whether `s` has an http(s) URL at `i` (scheme in any case), read in place: asked for every
 * descriptor of a yarn lockfile, where a slice and a regex per descriptor were garbage.
 */
function isHttpUrlAt(s: string, i: number): boolean {
  // Most descriptors hold a range ("^1.2.0"): one character tells.
  if ((s.charCodeAt(i) | 0x20) !== 0x68 /* h or H */) return false;
  const scheme = s.slice(i, i + 8).toLowerCase();
  return scheme === 'https://' || scheme.startsWith('http://');
}

function weakHashReport(l: Lockfile, weak: LockedPackage[], hashes: RegistryHashes | undefined): Report {
  const causes = new Map<WeakCause, number>();
  const causeOf = new Map<LockedPackage, WeakCause>();
  const urlDependencies = urlDependencyIds(l);
  for (const p of weak) {
    const c = weakCause(l, p, hashes, urlDependencies);
    causeOf.set(p, c);
    causes.set(c, (causes.get(c) ?? 0) + 1);
  }
  const kept = KEPT[l.format];
  const n = weak.length;
  const count = (c: WeakCause) => causes.get(c) ?? 0;
  const [k, u, o, x] = [count('kept'), count('url'), count('old'), count('unknown')];
  const why: string[] = [];
  const fix: string[] = [];
  if (k > 0) why.push(`The registry has sha512 for ${k === n ? (n === 1 ? 'it' : 'all of them') : k}: ${kept.why}.`);
  if (x > 0) why.push(`${x === n ? 'Either' : `For ${x} not looked up on the registry: either`} ${kept.why}, or the registry has only SHA-1 (${OLD}).`);
  if (k > 0 || x > 0) fix.push(`Re-lock to get sha512: ${kept.relock}.`);
  if (u > 0) {
    const recorded = l.format === 'yarn-classic' ? 'for which yarn classic writes only the `#sha1` fragment of `resolved`, whatever the registry has' : `hashed by ${MANAGER[l.format]} when it locked them`;
    why.push(`${u === 1 ? (n === 1 ? 'It is a URL dependency' : 'One is a URL dependency') : `${u} are URL dependencies`}, ${recorded}.`);
    fix.push('Depend on the registry version instead of its tarball URL.');
  }
  if (o > 0) {
    why.push(`${o === n ? (n === 1 ? 'It has' : 'They have') : `${o} have`} only SHA-1 on the registry too (${OLD}).`);
    fix.push('Only a newer version (of the package, or of the dependency that pulls it in) gets sha512.');
  }
  const message = `${n} ${n === 1 ? 'entry' : 'entries'} in ${l.path} ${n === 1 ? 'is' : 'are'} checked only with SHA-1, which can be forged (${examples(weak)}). ${[...why, ...fix].join(' ')}`;
  const evidence = weak.slice(0, SHOWN).map((p) => `${p.name}@${p.version}: ${p.integrity ?? p.resolved ?? ''}${CAUSE_NOTE[causeOf.get(p)!]}`);
  if (n > SHOWN) evidence.push(`… and ${n - SHOWN} more`);
  return fileReport(l, weak[0], message, evidence);
}

const CAUSE_NOTE: Record<WeakCause, string> = { kept: ' (the registry has sha512)', old: ' (the registry has only SHA-1)', url: ' (URL dependency)', unknown: '' };

/** "a@1, b@2, c@3 and 5 more" */
function examples(ps: LockedPackage[]): string {
  const named = ps.slice(0, 3).map((p) => `${p.name}@${p.version}`).join(', ');
  return ps.length > 3 ? `${named} and ${ps.length - 3} more` : named;
}

/**
 * A finding about the lockfile as a whole, shown on its first affected entry. It names no
 * package: it is not about one, and a package would mirror it onto whichever package.json
 * line pulls that first entry in.
 */
function fileReport(l: Lockfile, first: LockedPackage, message: string, evidence: string[]): Report {
  return { message, file: l.path, span: first.keySpan ?? first.span, severity: 'info', evidence, fixes: [] };
}
