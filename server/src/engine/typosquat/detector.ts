import {
  classifySingleEdit,
  describeDoubleEdit,
  differsOnlyBeforeVersion,
  isPlausibleDoubleSlip,
  isPlausibleScopeSlip,
  isPlausibleSlip,
  describeAffix,
  describeLookAlike,
  hasSeparator,
  splitScope,
  squash,
  stripAffixes,
  unconfuse,
  type Reason,
  type ReasonKind,
} from './candidates';
import { NameIndex } from './name-index';
import type { PopularPackage } from './popular';

/** A name that looks like an imitation of a popular package. */
export interface TyposquatMatch {
  /** The name checked. */
  name: string;
  /** The popular package it seems to imitate. */
  target: string;
  targetRank: number;
  reason: Reason;
}

export interface CheckOptions {
  /** Names never flagged (settings.typosquatAllow, suppressions); "@scope/*" allows a scope. */
  allow?: ReadonlySet<string>;
  /**
   * A later hook for registry data (#4): return false to drop a match, e.g. when the
   * candidate is old and well established or not much less popular than the target.
   */
  judge?: (match: TyposquatMatch) => boolean;
  /**
   * Also report an unscoped copy of a scoped popular name ("core-http" for
   * "@azure/core-http"). Off by default: most such names are older, legitimate packages
   * (a package later forked into a scope, or a generic name), so this needs registry data
   * showing the candidate is new before it is worth a warning.
   */
  unscopedCopies?: boolean;
}

/**
 * How much each kind of evidence is worth: lower is more convincing. Used to pick the
 * best explanation when a name matches several popular names.
 */
const STRENGTH: Record<ReasonKind, number> = {
  casing: 0,
  'look-alike': 1,
  scope: 2,
  separator: 3,
  transposition: 4,
  'repeated-letter': 4,
  'dropped-letter': 5,
  affix: 6,
  shortened: 7,
  'added-letter': 7,
  substitution: 7,
  'two-edits': 8,
};

/** Names at least this long may be two edits away from their target. */
const LONG_NAME = 10;

/**
 * Checks package names against the popular list. Build once (about 100 ms for the
 * bundled list) and reuse: a check is a few map lookups plus one trigram-index query.
 */
const SNAPSHOT_VERSION = 1;
const SNAPSHOT_MAPS = ['byLower', 'byUnconfused', 'bySquash', 'byShortenedSquash', 'byFlatScoped', 'byBareScoped'] as const;

/** A detector's derived keys and trigram postings, built once at build time (esbuild.mjs). */
export interface DetectorSnapshot {
  version: number;
  /** Length of the popular list it was built from: a snapshot of another list is ignored. */
  count: number;
  maps: Record<(typeof SNAPSHOT_MAPS)[number], (string | number)[]>;
  /** NameIndex.toCompact(), base64 (little-endian int32). */
  scopeIndex: string;
  unscopedIndex: string;
}

function encodeInts(ints: Int32Array): string {
  return Buffer.from(ints.buffer, ints.byteOffset, ints.byteLength).toString('base64');
}

function decodeInts(base64: string): Int32Array {
  const bytes = Buffer.from(base64, 'base64');
  // A copy: Int32Array needs a 4-byte-aligned offset, which a pooled Buffer may not have.
  const ints = new Int32Array(bytes.length >> 2);
  new Uint8Array(ints.buffer).set(bytes.subarray(0, ints.length << 2));
  return ints;
}

/** Names remembered by a detector before the memo starts over (a few MB at most). */
const MEMO_LIMIT = 100_000;

export class TyposquatDetector {
  private readonly memo = new Map<string, TyposquatMatch[]>();
  private readonly byName = new Map<string, PopularPackage>();
  private readonly byLower = new Map<string, PopularPackage>();
  private readonly bySquash = new Map<string, PopularPackage>();
  /** Names of three or more words, squashed without their last word ("load-yaml-file" -> "loadyaml"). */
  private readonly byShortenedSquash = new Map<string, PopularPackage>();
  /** "@types/node" is also reachable as "typesnode" (scope and name run together). */
  private readonly byFlatScoped = new Map<string, PopularPackage>();
  private readonly byUnconfused = new Map<string, PopularPackage>();
  /** Bare names of scoped packages ("core-http" -> @azure/core-http), when only one scope uses it. */
  private readonly byBareScoped = new Map<string, PopularPackage | null>();
  /** Popular packages of each scope, most popular first. */
  private readonly scopes = new Map<string, PopularPackage[]>();
  private readonly scopeIndex: NameIndex;
  /** Squashed scope -> the popular scope spelled that way (the scope index holds the squashed forms). */
  private readonly scopeBySquash = new Map<string, string>();
  private readonly unscoped: PopularPackage[] = [];
  private readonly unscopedIndex: NameIndex;

  /**
   * `memo: false` checks every name afresh (for measuring the index itself). `snapshot`:
   * what snapshot() gave for the same list (at build time, for the bundled list), so that
   * loading copies the derived keys and trigram postings instead of computing them.
   */
  constructor(popular: PopularPackage[], private readonly options: { memo?: boolean } = {}, snapshot?: DetectorSnapshot) {
    const fromSnapshot = snapshot !== undefined && snapshot.version === SNAPSHOT_VERSION && snapshot.count === popular.length;
    for (const p of popular) {
      this.byName.set(p.name, p);
      const [scope, bare] = splitScope(p.name);
      if (scope) {
        const list = this.scopes.get(scope);
        if (list) list.push(p);
        else this.scopes.set(scope, [p]);
        if (fromSnapshot) continue;
        setFirst(this.byFlatScoped, squash(scope + bare), p);
        const other = this.byBareScoped.get(bare);
        this.byBareScoped.set(bare, other === undefined ? p : null);
      } else {
        this.unscoped.push(p);
        if (fromSnapshot) continue;
        setFirst(this.bySquash, squash(p.name), p);
        const segments = p.name.split(/[-_.]/);
        if (segments.length >= 3) setFirst(this.byShortenedSquash, squash(segments.slice(0, -1).join('')), p);
      }
      setFirst(this.byLower, p.name.toLowerCase(), p);
      setFirst(this.byUnconfused, unconfuse(p.name), p);
    }
    if (fromSnapshot) {
      for (const field of SNAPSHOT_MAPS) {
        const map = this[field] as Map<string, PopularPackage | null>;
        const flat = snapshot.maps[field];
        // [key, index] pairs; key 0: the package's own name; index -1: null (ambiguous).
        for (let i = 0; i < flat.length; i += 2) {
          const at = flat[i + 1] as number;
          const p = at < 0 ? null : popular[at];
          map.set(flat[i] === 0 ? p!.name : (flat[i] as string), p);
        }
      }
    }
    for (const scope of this.scopes.keys()) setFirst(this.scopeBySquash, squash(scope), scope);
    this.scopeIndex = new NameIndex([...this.scopeBySquash.keys()], fromSnapshot ? decodeInts(snapshot.scopeIndex) : undefined);
    this.unscopedIndex = new NameIndex(this.unscoped.map((p) => p.name), fromSnapshot ? decodeInts(snapshot.unscopedIndex) : undefined);
  }

  /** What a later constructor over the same list can load instead of computing (JSON-safe). */
  snapshot(): DetectorSnapshot {
    const at = new Map<PopularPackage, number>();
    [...this.byName.values()].forEach((p, i) => at.set(p, i));
    const maps = {} as DetectorSnapshot['maps'];
    for (const field of SNAPSHOT_MAPS) {
      const flat: (string | number)[] = [];
      for (const [key, p] of this[field] as Map<string, PopularPackage | null>) flat.push(p && key === p.name ? 0 : key, p ? at.get(p)! : -1);
      maps[field] = flat;
    }
    return {
      version: SNAPSHOT_VERSION,
      count: this.byName.size,
      maps,
      scopeIndex: encodeInts(this.scopeIndex.toCompact()),
      unscopedIndex: encodeInts(this.unscopedIndex.toCompact()),
    };
  }

  /**
   * Projects such as eslint, babel or xterm published "<project>-<name>" packages before
   * moving to "@<project>/<name>": the unscoped spelling is then their own older name.
   */
  private isUnscopedFamily(scope: string): boolean {
    return this.byName.has(scope);
  }

  isPopular(name: string): boolean {
    return this.byName.has(name);
  }

  get size(): number {
    return this.byName.size;
  }

  /** The best explanation of `name` as an imitation of a popular package, if any. */
  check(name: string, options: CheckOptions = {}): TyposquatMatch | undefined {
    if (!isPackageName(name) || this.byName.has(name) || isAllowed(name, options.allow)) return undefined;
    const candidates = this.candidates(name, options.unscopedCopies === true);
    return best(options.judge ? candidates.filter(options.judge) : candidates);
  }

  /**
   * Every imitation `name` could be, before judging. Memoised: the answer depends only on
   * the name and the immutable list, and the language server re-checks the same names on
   * every re-scan (a keystroke in package.json re-checks a 2,000-entry lockfile).
   */
  private candidates(name: string, unscopedCopies: boolean): TyposquatMatch[] {
    if (this.options.memo === false) return this.computeCandidates(name, unscopedCopies);
    const key = (unscopedCopies ? '1' : '0') + name;
    const hit = this.memo.get(key);
    if (hit) return hit;
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    const found = this.computeCandidates(name, unscopedCopies);
    this.memo.set(key, found);
    return found;
  }

  private computeCandidates(name: string, unscopedCopies: boolean): TyposquatMatch[] {
    const matches: TyposquatMatch[] = [];
    const add = (target: PopularPackage | undefined, reason: Reason) => {
      if (!target || target.name === name) return;
      matches.push({ name, target: target.name, targetRank: target.rank, reason });
    };

    const lower = name.toLowerCase();
    if (lower !== name || this.byLower.has(lower)) add(this.byLower.get(lower), { kind: 'casing', text: 'different letter case' });
    if (unconfuse(name) !== lower) {
      const target = this.byUnconfused.get(unconfuse(name));
      if (target) add(target, { kind: 'look-alike', text: describeLookAlike(name, target.name) });
    }

    const [scope, bare] = splitScope(lower);
    if (scope) {
      // Only the owner of a scope can publish in it: a name in a popular scope is no squat.
      if (!this.scopes.has(scope)) this.checkScope(scope, bare, add);
    } else {
      this.checkUnscoped(lower, add, unscopedCopies);
    }
    return matches;
  }

  private checkScope(scope: string, bare: string, add: (t: PopularPackage | undefined, r: Reason) => void): void {
    // Compared without separators, so "@typescript_eslinter" is two letters from "@typescript-eslint".
    const squashed = squash(scope);
    const similar: { scope: string; text: string }[] = [];
    const sameLetters = this.scopeBySquash.get(squashed);
    if (sameLetters) similar.push({ scope: sameLetters, text: 'changed separators' });
    const max = squashed.length >= LONG_NAME ? 2 : 1;
    for (const { id, distance } of this.scopeIndex.within(squashed, max)) {
      const otherSquashed = this.scopeIndex.names[id];
      const other = this.scopeBySquash.get(otherSquashed)!;
      if (!isPlausibleScopeSlip(scope, other, distance)) continue;
      let text = distance === 1 ? classifySingleEdit(squashed, otherSquashed).text : describeDoubleEdit(squashed, otherSquashed);
      if (separatorsOf(scope) !== separatorsOf(other)) text += ' and changed separators';
      similar.push({ scope: other, text });
    }
    for (const s of similar) {
      const members = this.scopes.get(s.scope)!;
      const target = this.byName.get(`@${s.scope}/${bare}`) ?? members.find((p) => splitScope(p.name)[1].includes(bare)) ?? members[0];
      add(target, { kind: 'scope', text: `scope "@${scope}" imitates "@${s.scope}": ${s.text}` });
    }
  }

  private checkUnscoped(name: string, add: (t: PopularPackage | undefined, r: Reason) => void, unscopedCopies: boolean): void {
    const squashed = squash(name);
    // "@types-node" typed without its slash, or "types-node" without the @.
    const flat = this.byFlatScoped.get(squash(name.replace(/^@/, '')));
    if (flat && !this.isUnscopedFamily(splitScope(flat.name)[0])) add(flat, { kind: 'scope', text: 'scoped name written without its scope' });
    if (name.startsWith('@')) return;

    const bareCopy = unscopedCopies ? this.byBareScoped.get(name) : undefined;
    // Typings (@types/x) are not an imitation target for the library x itself.
    if (bareCopy && name.length >= 8 && hasSeparator(name) && !bareCopy.name.startsWith('@types/')) add(bareCopy, { kind: 'scope', text: 'scoped name published without its scope' });

    const sameLetters = this.bySquash.get(squashed);
    if (sameLetters && !differsOnlyBeforeVersion(name, sameLetters.name)) {
      add(sameLetters, { kind: 'separator', text: hasSeparator(name) ? 'changed separators' : 'separators removed' });
    }
    if (!hasSeparator(name) && name.length >= 6) {
      // "loadyaml" for "load-yaml-file": run together from memory, last word forgotten.
      const shortened = this.byShortenedSquash.get(squashed);
      if (shortened) add(shortened, { kind: 'shortened', text: `separators removed and "${shortened.name.slice(shortened.name.search(/[-_.][^-_.]*$/))}" dropped` });
    }

    for (const strip of stripAffixes(name)) {
      const target = this.byName.get(strip.base) ?? this.bySquash.get(squash(strip.base));
      if (target && target.name.length >= 2) add(target, { kind: 'affix', text: describeAffix(strip) });
    }

    const max = name.length >= LONG_NAME ? 2 : 1;
    for (const { id, distance } of this.unscopedIndex.within(name, max)) {
      const target = this.unscoped[id];
      if (distance === 1) {
        const edit = classifySingleEdit(name, target.name);
        if (isPlausibleSlip(edit, name, target.name)) add(target, { kind: edit.kind, text: edit.text });
      } else if (isPlausibleDoubleSlip(name, target.name)) {
        add(target, { kind: 'two-edits', text: describeDoubleEdit(name, target.name) });
      }
    }
  }
}

/**
 * Loose npm name shape (old names may have capitals): `name`, `@scope/name`, or a scope
 * with its `/` forgotten (`@scopename`); anything else is not worth a guess. Written as
 * three alternatives that cannot overlap: an optional `/` between two runs of the same
 * characters made `@aaaa…!` try every split point (quadratic).
 */
const PACKAGE_NAME = /^(?:@[A-Za-z0-9][\w.~-]*\/[\w.~-]+|@[A-Za-z0-9][\w.~-]+|[\w.~-]+)$/;

function isPackageName(name: string): boolean {
  return PACKAGE_NAME.test(name);
}

function separatorsOf(name: string): string {
  return name.replace(/[^-_.]/g, '');
}

function setFirst<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (!map.has(key)) map.set(key, value);
}

function isAllowed(name: string, allow: ReadonlySet<string> | undefined): boolean {
  if (!allow || allow.size === 0) return false;
  if (allow.has(name)) return true;
  const [scope] = splitScope(name);
  return scope !== '' && allow.has(`@${scope}/*`);
}

function best(matches: TyposquatMatch[]): TyposquatMatch | undefined {
  let out: TyposquatMatch | undefined;
  for (const m of matches) {
    if (!out) out = m;
    else {
      const d = STRENGTH[m.reason.kind] - STRENGTH[out.reason.kind];
      if (d < 0 || (d === 0 && m.targetRank < out.targetRank)) out = m;
    }
  }
  return out;
}
