/**
 * Recall: for each real incident of eval/incidents.json, a one-dependency project that uses
 * the malicious package (at the malicious version where it is known) is scanned with registry
 * data, and the incident counts as detected when a finding with one of its expected rules is
 * shown at warning or error on that package.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isWarningOrError, lookupGaps, mapLimit, scanWithCli, uniqueFindings, type CliFinding, type ScanOptions } from './scan';

export const ATTACK_KINDS = ['typosquat', 'hijacked-version', 'malicious-package', 'protestware', 'remote-dynamic-dependency', 'dependency-confusion'] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export interface Incident {
  name: string;
  /** The malicious version; null where the write-ups do not say (then no lockfile is written). */
  version: string | null;
  kind: AttackKind;
  /** The public write-up this entry comes from. */
  source: string;
  /** Rule ids any one of which, at warning or error, counts as a detection. */
  expect: string[];
  note?: string;
}

/**
 * Rules that fire because the registry no longer serves the package or version: they catch
 * an attack only after npm took it down. Recall without them says what would be caught from
 * the package's own evidence (still with today's registry data, not the day-0 data).
 */
export const TAKEDOWN_RULES = new Set(['security-holder', 'removed-from-registry', 'unknown-package']);

export interface IncidentResult {
  incident: Incident;
  detected: boolean;
  /** Detected by something other than a takedown rule. */
  detectedWithoutTakedown: boolean;
  /** Every finding shown about the package: "rule (severity)". */
  fired: string[];
  /** Registry/advisory lookups the scan lacked ("registry: offline (1)"). */
  lookupGaps: string[];
  seconds: number;
  error?: string;
}

export interface RecallResult {
  byKind: { kind: AttackKind; incidents: number; detected: number; detectedWithoutTakedown: number }[];
  incidents: number;
  detected: number;
  detectedWithoutTakedown: number;
  results: IncidentResult[];
}

export async function readIncidents(file: string): Promise<Incident[]> {
  const doc = JSON.parse(await fs.readFile(file, 'utf8')) as { incidents: Incident[] };
  for (const [i, x] of doc.incidents.entries()) {
    const where = `${file}: incidents[${i}] (${x.name})`;
    if (!x.name || typeof x.name !== 'string') throw new Error(`${where}: no name`);
    if (x.version !== null && typeof x.version !== 'string') throw new Error(`${where}: version must be a string or null`);
    if (!ATTACK_KINDS.includes(x.kind)) throw new Error(`${where}: kind must be one of ${ATTACK_KINDS.join(', ')}`);
    if (!/^https?:\/\//.test(x.source)) throw new Error(`${where}: source must be the URL of a write-up`);
    if (!Array.isArray(x.expect) || x.expect.length === 0) throw new Error(`${where}: expect must list rule ids`);
  }
  return doc.incidents;
}

/** package.json (and, where the version is known, a package-lock.json v3 as npm writes it). */
export async function writeIncidentProject(dir: string, incident: Incident): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const spec = incident.version ?? '*';
  const manifest = { name: 'depwarden-eval-incident', version: '1.0.0', private: true, dependencies: { [incident.name]: spec } };
  await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (!incident.version) return;
  const base = incident.name.startsWith('@') ? incident.name.split('/')[1] : incident.name;
  const lock = {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies },
      [`node_modules/${incident.name}`]: {
        version: incident.version,
        resolved: `https://registry.npmjs.org/${incident.name}/-/${base}-${incident.version}.tgz`,
        // Shaped like npm's (sha512, base64) but not the tarball's real hash: the eval never
        // downloads tarballs, and lockfile-integrity is not an expected rule of any incident.
        integrity: `sha512-${createHash('sha512').update(`${incident.name}@${incident.version}`).digest('base64')}`,
      },
    },
  };
  await fs.writeFile(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2) + '\n');
}

export async function measureRecall(incidents: Incident[], workDir: string, options: ScanOptions, concurrency: number, log: (line: string) => void): Promise<RecallResult> {
  let done = 0;
  const results = await mapLimit(incidents, concurrency, async (incident, i) => {
    const dir = path.join(workDir, `${String(i).padStart(3, '0')}-${incident.name.replace(/[^a-zA-Z0-9.-]+/g, '_')}`);
    await writeIncidentProject(dir, incident);
    const outcome = await scanWithCli(dir, options);
    if (++done % 10 === 0 || done === incidents.length) log(`  ${done}/${incidents.length} incidents scanned`);
    const seconds = Math.round(outcome.ms / 100) / 10;
    if (!outcome.report) return { incident, detected: false, detectedWithoutTakedown: false, fired: [], lookupGaps: [], seconds, error: outcome.error } satisfies IncidentResult;
    // Findings about the incident's package; a finding without a package (lookup-incomplete) is about the file.
    const about = uniqueFindings(outcome.report).findings.filter((f) => f.package === incident.name);
    const hits = about.filter((f) => isWarningOrError(f) && incident.expect.includes(f.rule));
    const gaps = lookupGaps(outcome.report);
    return {
      incident,
      detected: hits.length > 0,
      detectedWithoutTakedown: hits.some((f) => !TAKEDOWN_RULES.has(f.rule)),
      fired: describe(about),
      lookupGaps: [...gaps.reasons].map(([reason, n]) => `${reason} (${n})`),
      seconds,
    } satisfies IncidentResult;
  });
  const byKind = ATTACK_KINDS.map((kind) => {
    const of = results.filter((r) => r.incident.kind === kind);
    return { kind, incidents: of.length, detected: of.filter((r) => r.detected).length, detectedWithoutTakedown: of.filter((r) => r.detectedWithoutTakedown).length };
  });
  return {
    byKind,
    incidents: results.length,
    detected: results.filter((r) => r.detected).length,
    detectedWithoutTakedown: results.filter((r) => r.detectedWithoutTakedown).length,
    results,
  };
}

/** "rule (severity)" per finding, strongest first, each once. */
function describe(findings: CliFinding[]): string[] {
  const order = { error: 0, warning: 1, info: 2, hint: 3 } as const;
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  return [...new Set(sorted.map((f) => `${f.rule} (${f.severity})`))];
}
