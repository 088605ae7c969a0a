import { RULE_IDS, type RuleId, type Severity, type SeveritySetting } from '../engine/model';

export interface CliOptions {
  command: 'scan' | 'diff' | 'help' | 'version';
  /** `diff`: the git revision to compare the lockfiles with. */
  base: string;
  dir: string;
  format: 'text' | 'json' | 'sarif';
  offline: boolean;
  registry?: string;
  advisories?: string | null;
  cacheDir?: string;
  failOn: Severity | 'never';
  rules: Partial<Record<RuleId, SeveritySetting>>;
  ioc: string[];
  /** --malware-feed URLs (repeatable). */
  malwareFeeds: string[];
  /** --public-registry URLs (repeatable): mirrors of the public npm registry. */
  publicRegistries: string[];
  /** --allowed-host (repeatable): extra hosts allowed in lockfile `resolved` URLs, added to .depwarden.json's. */
  allowedHosts: string[];
  /** --typosquat-allow (repeatable): names never flagged as typosquats, added to .depwarden.json's. */
  typosquatAllow: string[];
  /** --cooldown-days / --new-package-days: override .depwarden.json's thresholds. */
  cooldownDays?: number;
  newPackageDays?: number;
  /** --audit[=install-scripts|all]: read the tarballs of these locked versions (suspicious-code). */
  audit?: 'install-scripts' | 'all';
  /** --no-project-config: the scanned folder's .depwarden.json (policy and suppressions) is not applied. */
  noProjectConfig: boolean;
  quiet: boolean;
}

export class UsageError extends Error {}

const SEVERITIES = ['hint', 'info', 'warning', 'error'];

export const USAGE = `Usage: depwarden scan [DIR] [options]
       depwarden diff [DIR] [--base REV] [options]
       depwarden audit NAME[@VERSION] [options]   (depwarden audit --help)

scan: checks every package.json and lockfile under DIR (default: the current
directory) for malicious and risky npm dependencies.
diff: reviews what the lockfiles' changes since the git revision REV (default HEAD)
add, upgrade and remove, with the findings on what comes in.
audit: reads what a published version would run when installed (its tarball, in
memory, never run) and reports install-time signals with file:line evidence.

Options:
  --format text|json|sarif   output format (default text)
  --offline                  no network: local rules and cached data only
  --registry URL             npm registry to use instead of .npmrc's
  --advisories URL           OSV-compatible API base (default https://api.osv.dev)
  --public-registry URL      a mirror of the public npm registry: names resolved from it
                             may be asked of the advisory API (repeatable; only npm's own
                             hosts count otherwise)
  --no-advisories            no advisory lookups
  --cache-dir DIR            on-disk cache folder
  --fail-on SEVERITY         exit 1 at or above: hint|info|warning|error|never (default error)
  --rule ID=SEVERITY         override a rule's severity (repeatable); off disables it
  --allowed-host HOST        a host lockfiles may resolve packages from (repeatable)
  --typosquat-allow NAME     a name never flagged as a typosquat; @scope/* allows a
                             scope (repeatable)
  --cooldown-days N          releases younger than N days are release-cooldown (default 3)
  --new-package-days N       packages younger than N days are new-package (default 30)
  --ioc FILE                 name@version list; every match is a known-malware finding
  --malware-feed URL         download a malware list (name@version lines or JSON) and
                             match it like --ioc (repeatable; no package name is sent)
  --audit[=all]              read the published files of every version that runs an
                             install script (or of all versions) in memory, never
                             running them: suspicious-code findings; results cached
  --no-project-config        ignore DIR/.depwarden.json (for CI on changes from people
                             who should not be able to lower the policy)
  --quiet                    no progress output on stderr

The project's .depwarden.json (at DIR) sets rule severities, allowed hosts, the
typosquat allow list, the day thresholds, malware feeds and suppressions; the
options above override it (lists add to it). The output names what it applied.
  -h, --help                 this text
  -v, --version              the version
`;

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { command: 'scan', base: 'HEAD', dir: '.', format: 'text', offline: false, failOn: 'error', rules: {}, ioc: [], malwareFeeds: [], publicRegistries: [], allowedHosts: [], typosquatAllow: [], noProjectConfig: false, quiet: false };
  const args = [...argv];
  const first = args[0];
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') return { ...o, command: 'help' };
  if (first === '-v' || first === '--version') return { ...o, command: 'version' };
  if (first !== 'scan' && first !== 'diff') throw new UsageError(`unknown command "${first}"`);
  o.command = first;
  args.shift();
  let dirSet = false;
  const value = (flag: string, inline: string | undefined): string => {
    const v = inline ?? args.shift();
    if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  while (args.length) {
    const raw = args.shift()!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    switch (flag) {
      case '--format': {
        const f = value(flag, inline);
        if (f !== 'text' && f !== 'json' && f !== 'sarif') throw new UsageError(`--format must be text, json or sarif, not "${f}"`);
        o.format = f;
        break;
      }
      case '--offline':
        o.offline = true;
        break;
      case '--no-project-config':
        o.noProjectConfig = true;
        break;
      case '--audit':
        if (inline !== undefined && inline !== 'all' && inline !== 'install-scripts') throw new UsageError(`--audit takes =all or =install-scripts, not "${inline}"`);
        o.audit = inline === 'all' ? 'all' : 'install-scripts';
        break;
      case '--registry':
        o.registry = checkUrl(flag, value(flag, inline));
        break;
      case '--advisories':
        o.advisories = checkUrl(flag, value(flag, inline));
        break;
      case '--no-advisories':
        o.advisories = null;
        break;
      case '--cache-dir':
        o.cacheDir = value(flag, inline);
        break;
      case '--fail-on': {
        const s = value(flag, inline);
        if (s !== 'never' && !SEVERITIES.includes(s)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}, never`);
        o.failOn = s as Severity | 'never';
        break;
      }
      case '--rule': {
        const spec = value(flag, inline);
        const m = /^([a-z-]+)=([a-z]+)$/.exec(spec);
        if (!m || !(RULE_IDS as readonly string[]).includes(m[1]) || (m[2] !== 'off' && !SEVERITIES.includes(m[2]))) {
          throw new UsageError(`--rule expects ID=SEVERITY with a known rule id and off|hint|info|warning|error, got "${spec}"`);
        }
        o.rules[m[1] as RuleId] = m[2] as SeveritySetting;
        break;
      }
      case '--base':
        if (o.command !== 'diff') throw new UsageError('--base goes with the diff command');
        o.base = value(flag, inline);
        if (o.base.startsWith('-')) throw new UsageError(`--base expects a git revision, got "${o.base}"`);
        break;
      case '--ioc':
        o.ioc.push(value(flag, inline));
        break;
      case '--malware-feed':
        o.malwareFeeds.push(checkUrl(flag, value(flag, inline)));
        break;
      case '--public-registry':
        o.publicRegistries.push(checkUrl(flag, value(flag, inline)));
        break;
      case '--allowed-host':
        o.allowedHosts.push(nonEmpty(flag, value(flag, inline)));
        break;
      case '--typosquat-allow':
        o.typosquatAllow.push(nonEmpty(flag, value(flag, inline)));
        break;
      case '--cooldown-days':
        o.cooldownDays = days(flag, value(flag, inline));
        break;
      case '--new-package-days':
        o.newPackageDays = days(flag, value(flag, inline));
        break;
      case '--quiet':
      case '-q':
        o.quiet = true;
        break;
      case '-h':
      case '--help':
        o.command = 'help';
        break;
      // `depwarden scan --version` too: CI logs and hooks often append it to the command they already run.
      case '-v':
      case '--version':
        return { ...o, command: 'version' };
      default:
        if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag}`);
        if (dirSet) throw new UsageError(`only one DIR may be given (got "${o.dir}" and "${flag}")`);
        o.dir = flag;
        dirSet = true;
    }
  }
  return o;
}

function checkUrl(flag: string, v: string): string {
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`${flag} expects an http(s) URL, got "${v}"`);
  }
  return v;
}

function nonEmpty(flag: string, v: string): string {
  if (v.trim() === '') throw new UsageError(`${flag} needs a non-empty value`);
  return v.trim();
}

function days(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} expects a number of days, 0 or more, got "${v}"`);
  return n;
}
