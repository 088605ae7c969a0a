import { parseLockfile } from '../engine/lockfile';
import { SEVERITY_ORDER } from '../engine/model';
import { readAtRevision } from '../engine/review/git-base';
import { reviewFindings, reviewLockfile, type LockfileReview } from '../engine/review/review';
import type { CliOptions } from './args';
import type { CliIo, ScanOutcome } from './scan-outcome';
import { boundedJson, toJson, toSarif, TOOL_VERSION, viaText, type Report } from './report';
import { cleanText, LIMITS } from '../engine/text/untrusted';

const MARK: Record<string, string> = { added: '+', removed: '-', upgraded: '↑', downgraded: '↓' };

/**
 * `depwarden diff`: what each lockfile's change since a git revision brings in, with the
 * findings on the added and upgraded packages and the trust deltas of upgrades. Only
 * those findings decide the exit code, so a pull request is judged on what it adds.
 */
export async function runDiff(options: CliOptions, scanned: ScanOutcome, io: CliIo): Promise<number> {
  const { root, result, remote, report } = scanned;
  const reviews: LockfileReview[] = [];
  for (const lockfile of result.project.lockfiles) {
    let baseText: string | undefined;
    try {
      baseText = await readAtRevision(root, options.base, lockfile.path);
    } catch (e) {
      io.stderr.write(`depwarden: ${cleanText((e as Error).message)}\n`);
      return 2;
    }
    const before = baseText === undefined ? undefined : parseLockfile(lockfile.path, baseText);
    reviews.push(reviewLockfile(before, result, lockfile.path, remote));
  }
  const findings = reviewFindings(reviews);
  const subReport: Report = { ...report, findings };
  if (options.format === 'sarif') io.stdout.write(toSarif(subReport));
  else if (options.format === 'json') {
    const base = JSON.parse(toJson(subReport)) as Record<string, unknown>;
    const findingJson = base.findings as unknown[];
    let i = 0;
    const out = {
      tool: 'depwarden',
      version: TOOL_VERSION,
      root,
      base: options.base,
      lockfiles: reviews.map((r) => ({
        path: r.path,
        hadBase: r.hadBase,
        counts: r.counts,
        changes: r.changes.map((c) => ({
          kind: c.kind,
          name: c.name,
          from: c.from ?? null,
          to: c.to ?? null,
          via: c.via ?? [],
          trust: c.trust,
          ...(c.audit ? { audit: c.audit } : {}),
          findings: c.findings.map(() => findingJson[i++]),
        })),
      })),
      findings: findingJson,
      summary: base.summary,
    };
    io.stdout.write(boundedJson(out));
  } else io.stdout.write(diffText(reviews, options.base));
  if (options.failOn === 'never') return 0;
  const bar = SEVERITY_ORDER[options.failOn];
  return findings.some((f) => !f.suppressed && SEVERITY_ORDER[f.severity] >= bar) ? 1 : 0;
}

/** Text output; every field from the lockfiles, git or the registry goes through cleanText (see toText). */
function diffText(reviews: LockfileReview[], base: string): string {
  const out: string[] = [];
  const name = (s: string) => cleanText(s, LIMITS.name);
  const version = (s: string | undefined) => cleanText(s ?? '', LIMITS.version);
  const since = cleanText(base, LIMITS.text);
  for (const r of reviews) {
    const c = r.counts;
    out.push(`${cleanText(r.path)}${r.hadBase ? '' : ` (new since ${since})`}: ${c.added} added, ${c.upgraded} upgraded, ${c.downgraded} downgraded, ${c.removed} removed`);
    for (const ch of r.changes) {
      const what = ch.kind === 'added' ? `${name(ch.name)}@${version(ch.to)}` : ch.kind === 'removed' ? `${name(ch.name)}@${version(ch.from)}` : `${name(ch.name)} ${version(ch.from)} → ${version(ch.to)}`;
      out.push(`  ${MARK[ch.kind]} ${what}${ch.via && ch.via.length > 1 ? `  (via ${viaText(ch.via)})` : ''}`);
      for (const t of ch.trust) out.push(`      trust: ${cleanText(t)}`);
      if (ch.audit) for (const line of [ch.audit.headline, ...ch.audit.changes]) out.push(`      audit: ${cleanText(line)}`);
      for (const f of ch.findings) out.push(`      ${f.severity}: ${cleanText(f.message)}  ${f.rule}${f.suppressed ? ' [suppressed]' : ''}`);
    }
    out.push('');
  }
  const findings = reviews.flatMap((r) => r.changes.flatMap((c) => c.findings)).filter((f) => !f.suppressed);
  out.push(findings.length ? `${findings.length} finding${findings.length === 1 ? '' : 's'} on what the changes bring in.` : `No findings on what the changes since ${since} bring in.`);
  return out.join('\n') + '\n';
}
