/**
 * Affix imitations: a popular name with a word added (`<popular>-<word>`,
 * `<word>-<popular>`), a scoped popular name published without its scope, or a popular name
 * with its last letter dropped. By name alone these are mostly honest neighbours
 * (react-dom, react-router, eslint-plugin-x, core-js): the detector does not report them.
 * They become worth a warning only when the registry says the package is the kind attackers
 * publish (registry-evidence.ts); the typosquat rule asks both.
 */
import { loadPopularPackages, type PopularPackage } from './popular';
import { splitScope } from './candidates';

/** Only names this popular are worth imitating, and worth naming in a message. */
const TOP_RANK = 5000;
/** Shorter popular names ("ms", "ws", "glob") are words of their own inside other names. */
const MIN_TARGET_LENGTH = 4;
/** A bare name shorter than this ("core", "cli") is too generic to be a scoped package's copy. */
const MIN_BARE_LENGTH = 5;
/** Dropping the last letter of a short name gives another word ("react" -> "reac" is fine, "chalk" -> "chal" too). */
const MIN_DROPPED_LENGTH = 5;

export type AffixKind = 'added-word' | 'scope-dropped' | 'last-letter-dropped';

export interface AffixImitation {
  name: string;
  target: string;
  targetRank: number;
  kind: AffixKind;
  /** For the message: `added word "-proxy"`, `"@azure/core-http" without its scope`, `last letter "s" dropped`. */
  text: string;
}

/**
 * The popular names an affixed name can point at, indexed once. Immutable after
 * construction: one instance serves every scan (popularAffixIndex).
 */
export class AffixIndex {
  private readonly popular = new Map<string, PopularPackage>();
  private readonly unscoped = new Map<string, PopularPackage>();
  /** Bare name -> the one popular scoped package that uses it (null: several do). */
  private readonly bareScoped = new Map<string, PopularPackage | null>();
  /** Popular name without its last letter -> the popular name. */
  private readonly withoutLast = new Map<string, PopularPackage>();

  constructor(list: PopularPackage[]) {
    for (const p of list) this.popular.set(p.name, p);
    for (const p of list) {
      if (p.rank > TOP_RANK) continue;
      const [scope, bare] = splitScope(p.name);
      if (scope) {
        // Typings (@types/x) are no imitation target for the library x itself.
        if (scope === 'types' || bare.length < MIN_BARE_LENGTH) continue;
        this.bareScoped.set(bare, this.bareScoped.has(bare) ? null : p);
        continue;
      }
      if (p.name.length >= MIN_TARGET_LENGTH) this.unscoped.set(p.name, p);
      if (p.name.length >= MIN_DROPPED_LENGTH && !this.withoutLast.has(p.name.slice(0, -1))) this.withoutLast.set(p.name.slice(0, -1), p);
    }
  }

  /** The most popular name `name` may imitate by an affix, or undefined. Popular names themselves never match. */
  find(name: string): AffixImitation | undefined {
    if (this.popular.has(name) || name.startsWith('@')) return undefined;
    const found: AffixImitation[] = [];
    const add = (target: PopularPackage | null | undefined, kind: AffixKind, text: string) => {
      if (target && target.name !== name) found.push({ name, target: target.name, targetRank: target.rank, kind, text });
    };
    add(this.bareScoped.get(name), 'scope-dropped', `the scoped name without its scope`);
    const dropped = this.withoutLast.get(name);
    if (dropped) add(dropped, 'last-letter-dropped', `last letter "${dropped.name.slice(-1)}" dropped`);
    // Every split at a separator: "axios-proxy" is axios + word, "fake-axios" word + axios.
    for (let i = 1; i < name.length - 1; i++) {
      const c = name[i];
      if (c !== '-' && c !== '_' && c !== '.') continue;
      const head = name.slice(0, i);
      const tail = name.slice(i + 1);
      add(this.unscoped.get(head), 'added-word', `added word "${name.slice(i)}"`);
      add(this.unscoped.get(tail), 'added-word', `added word "${name.slice(0, i + 1)}"`);
    }
    let best: AffixImitation | undefined;
    for (const f of found) if (!best || f.targetRank < best.targetRank) best = f;
    return best;
  }
}

let shared: AffixIndex | undefined;

/**
 * The index over the bundled popular list, built on first use and then kept (as
 * popularNameDetector keeps its detector): it is immutable, and cheap next to a scan.
 */
export function popularAffixIndex(): AffixIndex {
  shared ??= new AffixIndex(loadPopularPackages());
  return shared;
}
