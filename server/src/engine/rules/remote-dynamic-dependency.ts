import type { LockedPackage } from '../model';
import type { VersionInfo } from '../data/remote-data';
import { defineRule, wanted, type RuleContext } from './context';
import { lockfileEntryReport } from './lockfile-finding';
import { parseRegistryTarball } from './registry-tarball';
import { hostOf } from '../data/registry-client';
import { describeTarget, targetReport } from '../data/targets';
import { nonRegistrySpec, type NonRegistrySpec } from '../manifest/non-registry-spec';
import { LIMITS, truncate } from '../text/untrusted';

/** At most this many URLs are named in one message; the evidence lists them all (capped too). */
const NAMED_IN_MESSAGE = 2;
const MAX_EVIDENCE = 20;

interface RemoteDependency extends NonRegistrySpec {
  name: string;
}

/**
 * PhantomRaven (2025, 126 packages): the published manifest depends on
 * `"ui-styles-pkg": "http://packages.storeartifact.com/npm/unused-imports"`. The registry
 * page and the tarball look clean; the package manager fetches the payload from the
 * attacker's server at install time, and serves whatever it likes to whoever asks. A
 * registry package has no honest reason to do this: the dependency is not reviewable, not
 * pinned by any hash the registry knows, and no advisory covers it.
 */
export const remoteDynamicDependency = defineRule({
  id: 'remote-dynamic-dependency',
  summary: 'A published version depends on a URL or git source outside the registry, fetched at install time.',
  severity: 'error',
  data: ['local', 'registry'],
  fixes: [],
  perName: {},
  check(ctx) {
    checkLockfiles(ctx);
    checkManifestTargets(ctx);
  },
});

/**
 * Lockfile entries: the dependency specs the lockfile records (npm, yarn, bun write the
 * package's own specs), and the published manifest's when the scan has registry data.
 * One finding per name@version and lockfile.
 */
function checkLockfiles(ctx: RuleContext): void {
  for (const lockfile of ctx.project.lockfiles) {
    const graph = ctx.project.graphs.get(lockfile.path);
    const seen = new Set<string>();
    for (const p of lockfile.packages) {
      if (p.source !== 'registry') continue;
      const name = p.realName ?? p.name;
      if (!wanted(ctx, name)) continue;
      const published = publishedVersion(ctx, name, p.version);
      const remote = remoteDependencies(ctx, p.dependencySpecs, published);
      if (remote.length === 0) continue;
      // One finding per name@version however many places install it (keyed only here:
      // nearly no entry gets this far, and a key per entry was most of this loop's allocation).
      const key = `${name}@${p.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const where = published ? 'its published manifest' : 'the lockfile';
      ctx.report(lockfileEntryReport(lockfile, graph, p, message(`${describeLocked(p)}`, where, remote), { evidence: evidence(remote) }));
    }
  }
}

/** package.json dependencies without a lockfile: the version the spec resolves to today. */
function checkManifestTargets(ctx: RuleContext): void {
  for (const t of ctx.data.targets) {
    if (t.lockfile || !t.info) continue;
    const remote = remoteDependencies(ctx, undefined, t.info);
    if (remote.length === 0) continue;
    ctx.report(targetReport(t, message(describeTarget(t), 'its published manifest', remote), { span: t.versionSpan, evidence: evidence(remote) }));
  }
}

function publishedVersion(ctx: RuleContext, name: string, version: string): VersionInfo | undefined {
  const lookup = ctx.remote?.packuments.get(name);
  if (lookup?.status !== 'ok') return undefined;
  return lookup.packument.version(version);
}

/** Dependencies (lockfile-recorded and published, each name once) that fetch from outside the registry. */
function remoteDependencies(ctx: RuleContext, recorded: Record<string, string> | undefined, published: VersionInfo | undefined): RemoteDependency[] {
  // Nothing is allocated until a remote dependency is found: this runs for every lockfile
  // entry of every scan, and nearly all have none.
  let out = addRemote(ctx, published?.dependencies, undefined);
  out = addRemote(ctx, published?.nonRegistryPeerDependencies, out);
  out = addRemote(ctx, recorded, out);
  return out ?? NONE;
}

/** `out` with the remote dependencies of `specs` not named in it yet (a new list only once one is found). */
function addRemote(ctx: RuleContext, specs: Record<string, string> | undefined, out: RemoteDependency[] | undefined): RemoteDependency[] | undefined {
  if (!specs) return out;
  for (const name in specs) {
    const spec = specs[name];
    if (typeof spec !== 'string' || out?.some((d) => d.name === name)) continue;
    const remote = nonRegistrySpec(name, spec);
    if (!remote || isRegistryTarball(ctx, name, remote)) continue;
    (out ??= []).push({ name, ...remote });
  }
  return out;
}

const NONE: RemoteDependency[] = [];

/** A tarball URL on the dependency's own registry is a registry package written out as a URL. */
function isRegistryTarball(ctx: RuleContext, name: string, remote: NonRegistrySpec): boolean {
  if (remote.kind !== 'url') return false;
  const host = hostOf(remote.url);
  return host !== undefined && ctx.data.allowedHosts(name).has(host) && parseRegistryTarball(remote.url) !== undefined;
}

function describeLocked(p: LockedPackage): string {
  const id = `${p.realName ?? p.name}@${p.version}`;
  return p.realName && p.realName !== p.name ? `${p.name} (${id})` : id;
}

/** The dependency as shown: its name and URL are the publisher's text, so both are capped. */
function describe(d: RemoteDependency): string {
  return `"${truncate(d.name, LIMITS.name)}" from ${d.kind === 'git' ? 'git' : 'URL'} ${truncate(d.url, LIMITS.text)}`;
}

function message(subject: string, where: string, remote: RemoteDependency[]): string {
  const named = remote.slice(0, NAMED_IN_MESSAGE).map(describe).join(', ');
  const more = remote.length > NAMED_IN_MESSAGE ? ` and ${remote.length - NAMED_IN_MESSAGE} more` : '';
  return (
    `${subject} depends on ${named}${more} (in ${where}): the package manager fetches it at install time from outside the registry, ` +
    `so the code that runs is neither on the registry page nor covered by advisories, and whoever controls that server decides what it is. ` +
    `Malware hides payloads this way (PhantomRaven, 2025). Remove the package unless you trust that source.`
  );
}

function evidence(remote: RemoteDependency[]): string[] {
  const lines = remote.slice(0, MAX_EVIDENCE).map((d) => `depends on ${describe(d)}`);
  if (remote.length > MAX_EVIDENCE) lines.push(`and ${remote.length - MAX_EVIDENCE} more`);
  return lines;
}
