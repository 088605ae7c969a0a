import type { Dependency, Fix, LockedPackage, Manifest } from '../model';
import { namesRegistryPackage } from '../manifest/spec';
import { defineRule, inFocus, wanted } from './context';
import { manifestForImporter, type Project } from '../project';
import { popularNameDetector, type TyposquatMatch } from '../typosquat';
import { popularAffixIndex } from '../typosquat/affix';
import { LIMITS, truncate } from '../text/untrusted';
import type { Packument, RemoteData, VersionInfo } from '../data/remote-data';
import { firstPublished } from './new-package';
import { fewVersionsFact, installScriptFact, noRepositoryFact, publishersOf, youngFact, type RiskFact } from './risk-signals';


/** Sections whose keys are selectors or repeats of other sections, not packages to install. */
const SKIPPED_SECTIONS = new Set(['overrides', 'resolutions', 'pnpm.overrides', 'bundleDependencies']);

/**
 * Most malicious packages imitate a popular name: the wrong one gets installed by a slip
 * of the keyboard or of memory. Flags names that look like a popular package's, before
 * install (package.json) and after (lockfile entries), naming the intended package.
 */
export const typosquat = defineRule({
  id: 'typosquat',
  summary: 'The name imitates a popular package.',
  severity: 'warning',
  data: ['local', 'registry'],
  fixes: ['replace-name'],
  // A name is judged on its own packument and, for an affix imitation, the popular package's.
  perName: { alsoReads: (name) => popularAffixIndex().find(name)?.target },
  check(ctx) {
    const { project, settings, remote, now, report } = ctx;
    const detector = popularNameDetector();
    const allow = new Set(settings.typosquatAllow);
    // The project's own packages (workspaces) never come from the registry.
    for (const m of project.manifests) if (m.name) allow.add(m.name);
    const affixes = popularAffixIndex();
    /** A name-based match, or an affix imitation the registry's evidence agrees with. */
    const check = (name: string, version?: string): Judged | undefined => {
      const packument = packumentOf(remote, name);
      // A popular name imitates nothing, and without its packument there is no affix
      // evidence to weigh: most lockfile entries end here, before the detector's options.
      if (!packument && detector.isPopular(name)) return undefined;
      const match = detector.check(name, {
        allow,
        unscopedCopies: packument !== undefined && isNew(packument, now),
        judge: () => packument === undefined || !isEstablished(packument, now),
      });
      if (match) return { match, message: describe(match), evidence: evidenceFor(match) };
      if (!packument || allow.has(name)) return undefined;
      const affix = affixes.find(name);
      if (!affix) return undefined;
      const risk = registryEvidence(packument, version, packumentOf(remote, affix.target), affix.target, now);
      if (!risk) return undefined;
      const imitation: TyposquatMatch = { name, target: affix.target, targetRank: affix.targetRank, reason: { kind: 'affix', text: affix.text } };
      return {
        match: imitation,
        message: `${describe(imitation).slice(0, -1)}, and the registry agrees: ${risk.join(', ')}.`,
        evidence: [...evidenceFor(imitation), ...risk.map((r) => `Registry: ${r}.`)],
      };
    };

    for (const m of project.manifests) {
      if (!inFocus(ctx, m.path)) continue;
      for (const dep of m.dependencies) {
        if (SKIPPED_SECTIONS.has(dep.section) || !namesRegistryPackage(dep.kind)) continue;
        const realName = dep.kind === 'alias' ? dep.aliasOf?.name : dep.name;
        const judged = realName && wanted(ctx, realName) ? check(realName) : undefined;
        if (!judged) continue;
        const { match } = judged;
        const span = dep.kind === 'alias' ? (dep.specSpan ?? dep.nameSpan) : dep.nameSpan;
        const fix = renameFix(m, dep, match.target);
        report({
          message: judged.message,
          file: m.path,
          span,
          package: match.name,
          version: null,
          via: [dep.name],
          fixes: fix ? [fix] : [],
          evidence: judged.evidence,
        });
      }
    }

    for (const l of project.lockfiles) {
      if (!inFocus(ctx, l.path)) continue;
      const graph = project.graphs.get(l.path);
      for (const p of l.packages) {
        if ((p.source !== 'registry' && p.source !== 'unknown') || !wanted(ctx, p.realName ?? p.name)) continue;
        const judged = check(p.realName ?? p.name, p.version);
        if (!judged) continue;
        const { match } = judged;
        const via = graph?.via(p.id) ?? [p.name];
        const fix = via.length === 1 ? directDependencyFix(project, l.path, graph?.importerOf(p.id), p, match.target) : undefined;
        const pulledBy = via.length > 1 ? ` It is pulled in by ${via.slice(0, -1).join(' > ')}.` : '';
        report({
          message: judged.message + pulledBy,
          file: l.path,
          span: p.keySpan ?? p.span,
          package: match.name,
          version: p.version,
          via,
          fixes: fix ? [fix] : [],
          evidence: judged.evidence,
        });
      }
    }
  },
});

const DAY = 24 * 60 * 60 * 1000;

interface Judged {
  match: TyposquatMatch;
  message: string;
  evidence: string[];
}

/**
 * What the registry says against a package whose name only resembles a popular one by an
 * affix (risk-signals.ts, the same facts the verdicts of trust-change and install-script
 * weigh): young, few versions, no repository, an install script, and a publisher who never
 * published the popular package (when the scan has its data). Such names are mostly honest
 * neighbours (react-dom, eslint-plugin-x), so they are reported only when the package is
 * new (young or barely released) and at least three facts agree; the list says which.
 * Undefined when the evidence does not suffice.
 */
function registryEvidence(p: Packument, version: string | undefined, popular: Packument | undefined, target: string, now: Date): string[] | undefined {
  const at = now.getTime();
  const info = ownVersion(p, version) ?? ownVersion(p, p.distTags.latest);
  const facts: RiskFact[] = [];
  const push = (f: RiskFact | undefined) => f && facts.push(f);
  push(youngFact(p, at, 'today'));
  push(fewVersionsFact(p, at));
  if (facts.length === 0) return undefined;
  push(noRepositoryFact(info));
  push(installScriptFact(info));
  const publishers = popular ? publishersOf(popular) : undefined;
  if (info?.publisher && publishers?.size && !publishers.has(info.publisher)) {
    facts.push({ kind: 'stranger-publisher', strong: false, text: `published by "${truncate(info.publisher, LIMITS.name)}", who never published "${target}"` });
  }
  return facts.length >= 3 ? facts.map((f) => f.text) : undefined;
}

function ownVersion(p: Packument, version: string | undefined): VersionInfo | undefined {
  return p.version(version);
}

function packumentOf(remote: RemoteData | undefined, name: string): Packument | undefined {
  const lookup = remote?.packuments.get(name);
  return lookup?.status === 'ok' ? lookup.packument : undefined;
}

/**
 * Registry data (when the scan has it) settles what the name alone cannot: a package
 * published years ago with a long release history is an established neighbour, not an
 * imitation. Typosquats are young and short-lived (they are taken down).
 */
function isEstablished(p: Packument, now: Date): boolean {
  // firstPublished is computed once per packument: asked for every lockfile entry on every
  // scan, the dates of all versions were parsed each time where a registry gives no
  // `time.created` (a fifth of a scan of sentry with its registry data).
  const created = firstPublished(p);
  return created !== undefined && now.getTime() - created > 2 * 365 * DAY && p.versionCount >= 10;
}

function isNew(p: Packument, now: Date): boolean {
  const created = firstPublished(p);
  return (created !== undefined && now.getTime() - created < 365 * DAY) || p.versionCount <= 3;
}

/** Reasons that are slips of the keyboard read as "a typo of"; the others as "an imitation of". */
function describe(match: TyposquatMatch): string {
  const typo = match.reason.kind !== 'scope' && match.reason.kind !== 'affix';
  return `"${match.name}" looks like ${typo ? 'a typo' : 'an imitation'} of the popular package "${match.target}" (${match.reason.text}).`;
}

function evidenceFor(match: TyposquatMatch): string[] {
  return [
    `"${match.target}" is #${match.targetRank} on the list of popular npm packages (${popularNameDetector().source}); "${match.name}" is not on it.`,
    `Why it looks alike: ${match.reason.text}.`,
  ];
}

/**
 * Rewrites the key (keeping the range) or, for an `npm:` alias, the real name inside the
 * spec. No fix when the target is already declared next to it: renaming would duplicate it.
 */
function renameFix(manifest: Manifest, dep: Dependency, target: string): Fix | undefined {
  const sameSection = manifest.dependencies.filter((d) => d.section === dep.section);
  if (dep.kind === 'alias') {
    if (!dep.specSpan || !dep.aliasOf) return undefined;
    return {
      title: `Replace with "${target}"`,
      kind: 'replace-name',
      name: target,
      preferred: true,
      edits: [{ file: manifest.path, span: dep.specSpan, newText: JSON.stringify(`npm:${target}@${dep.aliasOf.spec}`) }],
    };
  }
  if (sameSection.some((d) => d.name === target)) return undefined;
  return {
    title: `Replace with "${target}"`,
    kind: 'replace-name',
    name: target,
    preferred: true,
    edits: [{ file: manifest.path, span: dep.nameSpan, newText: JSON.stringify(target) }],
  };
}

/** For a direct dependency found in a lockfile, the fix edits the package.json that declares it. */
function directDependencyFix(project: Project, lockfilePath: string, importer: string | undefined, pkg: LockedPackage, target: string): Fix | undefined {
  const manifest = manifestForImporter(project, lockfilePath, importer ?? '');
  const dep = manifest?.dependencies.find((d) => d.name === pkg.name && !SKIPPED_SECTIONS.has(d.section));
  return manifest && dep ? renameFix(manifest, dep, target) : undefined;
}
