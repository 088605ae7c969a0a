/**
 * `depwarden audit <name>@<version>`: downloads the version's tarball from the registry
 * .npmrc configures (or --registry), verifies it, reads it in memory and prints what its
 * install scripts and code do that deserves a look. Nothing is extracted or run.
 *
 * Exit codes: 0 no high signal; 1 a high signal, or an archive that could not be trusted
 * (integrity mismatch, bomb, damaged, disallowed URL); 2 usage error, or the audit could
 * not be done (not found, network, offline without an earlier result, past the size caps).
 */
import { readOuterNpmrc } from '../engine/data/npmrc-files';
import { resolveProxyRoutes } from '../engine/data/proxy';
import { parseNpmrc } from '../engine/policy/npmrc';
import { PackageAuditor, type AuditResult, type AuditSignal, type AuditSeverity } from '../engine/audit';
import { cleanText, LIMITS, truncate } from '../engine/text/untrusted';
import { TOOL_VERSION } from './report';

export const AUDIT_USAGE = `Usage: depwarden audit NAME[@VERSION] [options]

Downloads the version's tarball (VERSION may be a dist-tag; default latest), checks it
against the registry's integrity, reads it in memory (never extracted, never run) and
reports what its install scripts and code do: network fetch + execute, environment or
credential exfiltration, decode + eval, obfuscation, exfiltration endpoints, worm shapes,
native binaries new since the previous version.

Options:
  --registry URL        npm registry to use instead of .npmrc's
  --format text|json    output format (default text)
  --offline             no network (only results audited earlier in this process)
  --quiet               no progress output on stderr
  -h, --help            this text

Exit codes: 0 no high-severity signal; 1 a high-severity signal, or a tarball that
failed integrity or the size/bomb limits; 2 usage error, or the tarball could not be
fetched or is past the size caps (not found, network, offline, too large).
`;

interface AuditOptions {
  name: string;
  version?: string;
  registry?: string;
  format: 'text' | 'json';
  offline: boolean;
  quiet: boolean;
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

class AuditUsageError extends Error {}

export function parseAuditArgs(argv: string[]): AuditOptions | 'help' {
  const o: Partial<AuditOptions> & { format: 'text' | 'json'; offline: boolean; quiet: boolean } = { format: 'text', offline: false, quiet: false };
  const args = [...argv];
  let spec: string | undefined;
  while (args.length) {
    const raw = args.shift()!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? args.shift();
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new AuditUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--registry': {
        const v = value();
        let ok = false;
        try {
          ok = ['http:', 'https:'].includes(new URL(v).protocol);
        } catch {
          /* not a URL */
        }
        if (!ok) throw new AuditUsageError(`--registry expects an http(s) URL, got "${v}"`);
        o.registry = v;
        break;
      }
      case '--format': {
        const v = value();
        if (v !== 'text' && v !== 'json') throw new AuditUsageError(`--format must be text or json, not "${v}"`);
        o.format = v;
        break;
      }
      case '--offline':
        o.offline = true;
        break;
      case '--quiet':
      case '-q':
        o.quiet = true;
        break;
      default:
        if (flag.startsWith('-')) throw new AuditUsageError(`unknown option ${flag}`);
        if (spec !== undefined) throw new AuditUsageError(`audit takes one NAME@VERSION (got "${spec}" and "${flag}")`);
        spec = flag;
    }
  }
  if (spec === undefined) throw new AuditUsageError('audit needs a NAME@VERSION');
  // The version separator is the last @ after the first character (scopes start with @).
  const at = spec.lastIndexOf('@');
  const name = at > 0 ? spec.slice(0, at) : spec;
  const version = at > 0 ? spec.slice(at + 1) : undefined;
  if (!/^(@[a-z0-9][\w.-]{0,100}\/)?[a-z0-9][\w.-]{0,213}$/i.test(name) || name.length > LIMITS.name) throw new AuditUsageError(`not a package name: "${name}"`);
  if (version !== undefined && !/^[\w.+-]{1,256}$/.test(version)) throw new AuditUsageError(`not a version or dist-tag: "${version}"`);
  return { ...o, name, ...(version ? { version } : {}) };
}

export async function runAuditCommand(argv: string[], io: Io): Promise<number> {
  let options: AuditOptions | 'help';
  try {
    options = parseAuditArgs(argv);
  } catch (e) {
    if (e instanceof AuditUsageError) {
      io.stderr.write(`depwarden: ${cleanText(e.message)}\n\n${AUDIT_USAGE}`);
      return 2;
    }
    throw e;
  }
  if (options === 'help') {
    io.stdout.write(AUDIT_USAGE);
    return 0;
  }
  // The user's own .npmrc only (no project is involved): registries, credentials, proxy.
  const npmrc = parseNpmrc(await readOuterNpmrc(), process.env);
  const proxy = resolveProxyRoutes(undefined, npmrc, process.env);
  const auditor = new PackageAuditor({ npmrc, registryOverride: options.registry, offline: options.offline, http: proxy ? { proxy } : {} });
  const started = performance.now();
  let result: AuditResult;
  try {
    result = await auditor.audit({ name: options.name, version: options.version });
  } finally {
    await auditor.close();
  }
  const ms = Math.round(performance.now() - started);
  if (!options.quiet) io.stderr.write(`depwarden: ${auditor.requests} network request${auditor.requests === 1 ? '' : 's'}, ${auditor.bytesDownloaded} bytes downloaded, ${ms} ms\n`);
  io.stdout.write(options.format === 'json' ? auditJson(result) : auditText(result));
  return exitCodeOf(result);
}

export function exitCodeOf(result: AuditResult): number {
  if (result.status === 'error') return ['integrity', 'bomb', 'malformed', 'disallowed-url'].includes(result.kind) ? 1 : 2;
  return result.signals.some((s) => s.severity === 'high') ? 1 : 0;
}

export function auditJson(result: AuditResult): string {
  const base = { tool: 'depwarden', version: TOOL_VERSION, package: { name: result.name, version: result.version } };
  if (result.status === 'error') return JSON.stringify({ ...base, status: 'error', error: { kind: result.kind, reason: result.reason } }, null, 2) + '\n';
  const summary = { high: 0, medium: 0, low: 0 } as Record<AuditSeverity, number>;
  for (const s of result.signals) summary[s.severity]++;
  return (
    JSON.stringify(
      {
        ...base,
        status: 'ok',
        integrity: result.integrity,
        ...(result.previousVersion ? { previousVersion: result.previousVersion } : {}),
        ...(result.diff ? { diff: result.diff } : {}),
        installScripts: result.installScripts,
        signals: result.signals.map((s) => ({ id: s.id, severity: s.severity, message: s.message, installTime: s.installTime, file: s.evidence.file, line: s.evidence.line, evidence: s.evidence.text })),
        summary,
        stats: result.stats,
      },
      null,
      2,
    ) + '\n'
  );
}

const ORDER: Record<AuditSeverity, number> = { high: 0, medium: 1, low: 2 };

/** Every untrusted string (paths, evidence, scripts) goes through cleanText: escapes shown, length capped. */
export function auditText(result: AuditResult): string {
  const who = `${cleanText(result.name, LIMITS.name)}@${cleanText(result.version, LIMITS.version)}`;
  if (result.status === 'error') return `depwarden audit ${who}: not audited (${result.kind}): ${cleanText(result.reason)}\n`;
  const lines: string[] = [];
  const s = result.stats;
  lines.push(`depwarden audit ${who}  ${s.files} files, ${s.compressedBytes} bytes (${s.unpackedBytes} unpacked)`);
  lines.push(`  integrity ${truncate(result.integrity, 32)}${result.previousVersion ? `, compared with ${cleanText(result.previousVersion, LIMITS.version)}` : ''}`);
  const d = result.diff;
  if (d) {
    lines.push(`  since ${cleanText(result.previousVersion ?? '', LIMITS.version)}: ${d.counts.added} files added, ${d.counts.changed} changed, ${d.counts.removed} removed`);
    for (const [hook, command] of Object.entries(d.installScriptsChanged)) lines.push(`  ${hook} script new or changed: ${cleanText(command, LIMITS.text)}`);
    for (const f of d.installTimeChanged) lines.push(`  install-time file ${f.change}: ${cleanText(f.file, LIMITS.text)}`);
  }
  const scripts = Object.entries(result.installScripts);
  lines.push(scripts.length ? `  install scripts: ${scripts.map(([k, v]) => `${k}: ${cleanText(v, LIMITS.text)}`).join('; ')}` : '  no install scripts');
  lines.push('');
  const sorted = [...result.signals].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  for (const sig of sorted) lines.push(...signalLines(sig));
  const count = (sev: AuditSeverity) => result.signals.filter((x) => x.severity === sev).length;
  lines.push(result.signals.length ? `${count('high')} high, ${count('medium')} medium, ${count('low')} low` : 'no signals');
  return lines.join('\n') + '\n';
}

function signalLines(sig: AuditSignal): string[] {
  const where = sig.evidence.line > 0 ? `${sig.evidence.file}:${sig.evidence.line}` : sig.evidence.file;
  return [`${sig.severity.toUpperCase().padEnd(6)} ${sig.id}  ${cleanText(where, LIMITS.text)}${sig.installTime ? '  (install time)' : ''}`, `       ${sig.message}`, `       > ${cleanText(sig.evidence.text, LIMITS.text)}`, ''];
}
