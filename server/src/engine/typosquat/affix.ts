/**
 * Affix imitations: a popular name with a word added (`<popular>-<word>`,
 * `<word>-<popular>`), a scoped popular name published without its scope, or a popular name
 * with its last letter dropped. By name alone these are mostly honest neighbours
 * (react-dom, react-router, eslint-plugin-x, core-js): the detector does not report them.
 * They become worth a warning only when the registry says the package is the kind attackers
 * publish (registry-evidence.ts); the typosquat rule asks both.
 */
import { popularTables } from './index';
import type { Lookup, PopularTables } from './popular-index';
import type { PopularPackage } from './popular';

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
 * The popular names an affixed name can point at: the AFFIX_TOP_RANK most popular, in
 * the tables of the popular list (popular-index.ts: loaded from the build's index file
 * for the bundled list). Immutable: one instance serves every scan (popularAffixIndex).
 */
export class AffixIndex {
  private readonly popular: Lookup<PopularPackage>;
  private readonly unscoped: Lookup<PopularPackage>;
  /** Bare name -> the one popular scoped package that uses it (null: several do). */
  private readonly bareScoped: Lookup<PopularPackage | null>;
  /** Popular name without its last letter -> the popular name. */
  private readonly withoutLast: Lookup<PopularPackage>;

  constructor(tables: PopularTables) {
    this.popular = tables.byName;
    this.unscoped = tables.affixUnscoped;
    this.bareScoped = tables.affixBareScoped;
    this.withoutLast = tables.affixWithoutLast;
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
 * The index over the bundled popular list, made on first use and then kept (as
 * popularNameDetector keeps its detector): it is immutable, and its tables are loaded once.
 */
export function popularAffixIndex(): AffixIndex {
  shared ??= new AffixIndex(popularTables());
  return shared;
}
