import { parseLockfile } from '../engine/lockfile';
import { SEVERITY_ORDER } from '../engine/model';
import { readAtRevision } from '../engine/review/git-base';
import { reviewFindings, reviewLockfile, type LockfileReview } from '../engine/review/review';
import type { CliOptions } from './args';
import type { CliIo, ScanOutcome } from './main';
import { toJson, toSarif, TOOL_VERSION, type Report } from './report';

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
      io.stderr.write(`depwarden: ${(e as Error).message}\n`);
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
          findings: c.findings.map(() => findingJson[i++]),
        })),
      })),
      findings: findingJson,
      summary: base.summary,
    };
    io.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else io.stdout.write(diffText(reviews, options.base));
  if (options.failOn === 'never') return 0;
  const bar = SEVERITY_ORDER[options.failOn];
  return findings.some((f) => !f.suppressed && SEVERITY_ORDER[f.severity] >= bar) ? 1 : 0;
}

function diffText(reviews: LockfileReview[], base: string): string {
  const out: string[] = [];
  for (const r of reviews) {
    const c = r.counts;
    out.push(`${r.path}${r.hadBase ? '' : ` (new since ${base})`}: ${c.added} added, ${c.upgraded} upgraded, ${c.downgraded} downgraded, ${c.removed} removed`);
    for (const ch of r.changes) {
      const what = ch.kind === 'added' ? `${ch.name}@${ch.to}` : ch.kind === 'removed' ? `${ch.name}@${ch.from}` : `${ch.name} ${ch.from} → ${ch.to}`;
      out.push(`  ${MARK[ch.kind]} ${what}${ch.via && ch.via.length > 1 ? `  (via ${ch.via.join(' > ')})` : ''}`);
      for (const t of ch.trust) out.push(`      trust: ${t}`);
      for (const f of ch.findings) out.push(`      ${f.severity}: ${f.message}  ${f.rule}${f.suppressed ? ' [suppressed]' : ''}`);
    }
    out.push('');
  }
  const findings = reviews.flatMap((r) => r.changes.flatMap((c) => c.findings)).filter((f) => !f.suppressed);
  out.push(findings.length ? `${findings.length} finding${findings.length === 1 ? '' : 's'} on what the changes bring in.` : `No findings on what the changes since ${base} bring in.`);
  return out.join('\n') + '\n';
}
