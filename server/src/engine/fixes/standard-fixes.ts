/**
 * Completes the fixes of every finding after the rules ran: rules say *what* would help
 * (pin, upgrade, deny scripts: a kind and a version), this pass says *how* (a function that
 * computes the text edits when the fix is applied: Fix.computeEdits), and adds the fixes
 * every finding on a dependency gets (suppress, and remove for known-bad packages). Kept
 * out of the rules so that each edit is written and tested once. Nothing here parses a
 * file per finding: a fix is offered when its file can be edited, known from what the scan
 * already read, and its edits cost only the one the user picks.
 */
import type { Dependency, Finding, Fix, Lockfile, Manifest, RuleId } from '../model';
import type { Project } from '../project';
import type { ScanResult } from '../scan';
import { scriptPolicyFor } from '../policy/script-policy';
import { canRemoveDependency, removeDependencyEdits } from './remove-dependency';
import { canOverride, overrideEdits, overrideFieldName, setDependencyVersionEdits } from './version-edits';
import { canAddSuppression, PLACEHOLDER_REASON, suppressEdits } from './suppress';
import { pnpmDenyScripts } from './deny-scripts';
import { profileOf } from '../lockfile/profiles';
import { isPlainVersion } from '../text/untrusted';

/** Rules whose package should not be installed at all, whatever the version. */
const REMOVE_RULES = new Set<RuleId>(['known-malware', 'typosquat', 'security-holder', 'removed-from-registry']);

interface Target {
  /** The package.json dependency the finding is on, or that installs the package directly. */
  manifest?: Manifest;
  dep?: Dependency;
  /** The lockfile the finding is on. */
  lockfile?: Lockfile;
}

export function attachStandardFixes(result: ScanResult): ScanResult {
  const suppressible = canAddSuppression(result.project);
  for (const f of result.findings) {
    // The version of a pin or upgrade comes from the registry, an advisory or a lockfile:
    // anything but a plain version (a URL, `1.0.0 || http://…`) would be written into
    // package.json as the spec npm installs. Checked here, once for every rule.
    f.fixes = f.fixes.filter((x) => (x.kind !== 'pin' && x.kind !== 'upgrade') || isPlainVersion(x.version));
    if (!f.package) continue;
    const target = targetOf(result.project, f);
    if (!target) continue;
    completeRuleFixes(result.project, f, target);
    addRemoveFix(result.project, f, target);
    if (suppressible) addSuppressFix(result.project, f);
  }
  return result;
}

function targetOf(project: Project, f: Finding): Target | undefined {
  const manifest = project.manifests.find((m) => m.path === f.file);
  if (manifest) {
    const dep = innermostDependency(manifest, f.span);
    return dep ? { manifest, dep } : undefined;
  }
  const lockfile = project.lockfiles.find((l) => l.path === f.file);
  // A lockfile finding that names a package is on that package's entry (rules put it there).
  if (!lockfile) return undefined;
  // A direct dependency: the scan attributed the finding to its package.json line.
  if (f.via?.length === 1 && f.via[0] === f.package) {
    for (const a of f.also ?? []) {
      const m = project.manifests.find((x) => x.path === a.file);
      const dep = m?.dependencies.find((d) => d.nameSpan.start === a.span.start && d.nameSpan.end === a.span.end);
      if (m && dep) return { manifest: m, dep, lockfile };
    }
  }
  return { lockfile };
}

function innermostDependency(manifest: Manifest, span: { start: number; end: number }): Dependency | undefined {
  let best: Dependency | undefined;
  for (const d of manifest.dependencies) {
    const p = d.propertySpan;
    if (p.start <= span.start && span.end <= p.end && (!best || p.end - p.start < best.propertySpan.end - best.propertySpan.start)) best = d;
  }
  return best;
}

/** Edits for the fixes a rule attached with only a kind and a version. */
function completeRuleFixes(project: Project, f: Finding, t: Target): void {
  for (const fix of f.fixes) {
    if (fix.edits?.length || fix.computeEdits) continue;
    if ((fix.kind === 'pin' || fix.kind === 'upgrade') && fix.version) {
      const version = fix.version;
      const style = fix.kind === 'pin' ? 'exact' : 'keep-operator';
      if (t.manifest && t.dep) {
        // One span overwritten with the new spec: nothing to compute.
        const edits = setDependencyVersionEdits(t.manifest.path, t.dep, version, style);
        if (edits) fix.edits = edits;
      } else if (t.lockfile && canOverride(project, t.lockfile)) {
        const lockfile = t.lockfile;
        const name = f.package!;
        fix.computeEdits = () => overrideEdits(project, lockfile, name, version);
        fix.title += ` (via ${overrideFieldName(lockfile)})`;
      }
    } else if (fix.kind === 'deny-scripts' && t.lockfile && profileOf(t.lockfile).manager === 'pnpm') {
      // pnpm's denial goes into pnpm-workspace.yaml (YAML), so it is prepared here; npm,
      // yarn and bun edit package.json and their decide functions attach the edits.
      const name = fix.name ?? f.package!;
      const denied = pnpmDenyScripts(project, t.lockfile, name, scriptPolicyFor(project, t.lockfile).packageManager.major);
      if (denied) {
        fix.computeEdits = denied.edits;
        fix.title = `Deny the build scripts of ${name} (${denied.where})`;
      }
    }
  }
}

function addRemoveFix(project: Project, f: Finding, t: Target): void {
  if (!REMOVE_RULES.has(f.rule) || !t.manifest || !t.dep) return;
  if (f.fixes.some((x) => x.kind === 'remove')) return;
  const { manifest, dep } = t;
  if (!canRemoveDependency(project, manifest.path, dep)) return;
  f.fixes.push({
    title: `Remove ${dep.name} from ${dep.section}`,
    kind: 'remove',
    name: dep.name,
    // Not installing a package flagged as malicious is the safe choice, unless the rule offered a better one.
    preferred: !f.fixes.some((x) => x.preferred),
    computeEdits: () => removeDependencyEdits(project, manifest.path, dep),
  });
}

function addSuppressFix(project: Project, f: Finding): void {
  if (f.suppressed || f.fixes.some((x) => x.kind === 'suppress')) return;
  const version = f.version || '*';
  const entry = { rule: f.rule, package: f.package!, version, reason: PLACEHOLDER_REASON };
  f.fixes.push({
    title: version === '*' ? `Suppress ${f.rule} for ${f.package} (any version)` : `Suppress ${f.rule} for ${f.package}@${version}`,
    kind: 'suppress',
    name: f.package,
    version,
    preferred: false,
    computeEdits: () => suppressEdits(project, entry),
  });
}
