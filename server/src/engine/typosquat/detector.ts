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
import { tablesFromList, type PopularTables } from './popular-index';
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

/** Names remembered by a detector before the memo starts over (a few MB at most). */
const MEMO_LIMIT = 100_000;

/**
 * Checks package names against the popular list: a check is a few table lookups plus one
 * trigram-index query. The tables come from the list (built here), or from the index file
 * written at build time (popular-index.ts), which loads without computing anything.
 */
export class TyposquatDetector {
  private readonly memo = new Map<string, TyposquatMatch[]>();
  private readonly tables: PopularTables;

  /** `memo: false` checks every name afresh (for measuring the index itself). */
  constructor(popular: PopularPackage[] | PopularTables, private readonly options: { memo?: boolean } = {}) {
    this.tables = Array.isArray(popular) ? tablesFromList(popular) : popular;
  }

  /** Where the list comes from, e.g. "npm-high-impact@1.13.0" (empty for a list given in code). */
  get source(): string {
    return this.tables.source;
  }

  /**
   * Projects such as eslint, babel or xterm published "<project>-<name>" packages before
   * moving to "@<project>/<name>": the unscoped spelling is then their own older name.
   */
  private isUnscopedFamily(scope: string): boolean {
    return this.tables.byName.has(scope);
  }

  isPopular(name: string): boolean {
    return this.tables.byName.has(name);
  }

  get size(): number {
    return this.tables.size;
  }

  /** The best explanation of `name` as an imitation of a popular package, if any. */
  check(name: string, options: CheckOptions = {}): TyposquatMatch | undefined {
    if (this.tables.byName.has(name) || !isPackageName(name) || isAllowed(name, options.allow)) return undefined;
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
    if (lower !== name || this.tables.byLower.has(lower)) add(this.tables.byLower.get(lower), { kind: 'casing', text: 'different letter case' });
    if (unconfuse(name) !== lower) {
      const target = this.tables.byUnconfused.get(unconfuse(name));
      if (target) add(target, { kind: 'look-alike', text: describeLookAlike(name, target.name) });
    }

    const [scope, bare] = splitScope(lower);
    if (scope) {
      // Only the owner of a scope can publish in it: a name in a popular scope is no squat.
      if (!this.tables.scopes.has(scope)) this.checkScope(scope, bare, add);
    } else {
      this.checkUnscoped(lower, add, unscopedCopies);
    }
    return matches;
  }

  private checkScope(scope: string, bare: string, add: (t: PopularPackage | undefined, r: Reason) => void): void {
    // Compared without separators, so "@typescript_eslinter" is two letters from "@typescript-eslint".
    const squashed = squash(scope);
    const similar: { scope: string; text: string }[] = [];
    const sameLetters = this.tables.scopeBySquash.get(squashed);
    if (sameLetters) similar.push({ scope: sameLetters, text: 'changed separators' });
    const max = squashed.length >= LONG_NAME ? 2 : 1;
    for (const { id, distance } of this.tables.scopeIndex.within(squashed, max)) {
      const otherSquashed = this.tables.scopeIndex.names[id];
      const other = this.tables.scopeBySquash.get(otherSquashed)!;
      if (!isPlausibleScopeSlip(scope, other, distance)) continue;
      let text = distance === 1 ? classifySingleEdit(squashed, otherSquashed).text : describeDoubleEdit(squashed, otherSquashed);
      if (separatorsOf(scope) !== separatorsOf(other)) text += ' and changed separators';
      similar.push({ scope: other, text });
    }
    for (const s of similar) {
      const members = this.tables.scopes.get(s.scope)!;
      const target = this.tables.byName.get(`@${s.scope}/${bare}`) ?? members.find((p) => splitScope(p.name)[1].includes(bare)) ?? members[0];
      add(target, { kind: 'scope', text: `scope "@${scope}" imitates "@${s.scope}": ${s.text}` });
    }
  }

  private checkUnscoped(name: string, add: (t: PopularPackage | undefined, r: Reason) => void, unscopedCopies: boolean): void {
    const squashed = squash(name);
    // "@types-node" typed without its slash, or "types-node" without the @.
    const flat = this.tables.byFlatScoped.get(squash(name.replace(/^@/, '')));
    if (flat && !this.isUnscopedFamily(splitScope(flat.name)[0])) add(flat, { kind: 'scope', text: 'scoped name written without its scope' });
    if (name.startsWith('@')) return;

    const bareCopy = unscopedCopies ? this.tables.byBareScoped.get(name) : undefined;
    // Typings (@types/x) are not an imitation target for the library x itself.
    if (bareCopy && name.length >= 8 && hasSeparator(name) && !bareCopy.name.startsWith('@types/')) add(bareCopy, { kind: 'scope', text: 'scoped name published without its scope' });

    const sameLetters = this.tables.bySquash.get(squashed);
    if (sameLetters && !differsOnlyBeforeVersion(name, sameLetters.name)) {
      add(sameLetters, { kind: 'separator', text: hasSeparator(name) ? 'changed separators' : 'separators removed' });
    }
    if (!hasSeparator(name) && name.length >= 6) {
      // "loadyaml" for "load-yaml-file": run together from memory, last word forgotten.
      const shortened = this.tables.byShortenedSquash.get(squashed);
      if (shortened) add(shortened, { kind: 'shortened', text: `separators removed and "${shortened.name.slice(shortened.name.search(/[-_.][^-_.]*$/))}" dropped` });
    }

    for (const strip of stripAffixes(name)) {
      const target = this.tables.byName.get(strip.base) ?? this.tables.bySquash.get(squash(strip.base));
      if (target && target.name.length >= 2) add(target, { kind: 'affix', text: describeAffix(strip) });
    }

    const max = name.length >= LONG_NAME ? 2 : 1;
    for (const { id, distance } of this.tables.unscopedIndex.within(name, max)) {
      const target = this.tables.unscoped(id);
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
