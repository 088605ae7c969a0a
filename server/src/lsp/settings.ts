import { defaultSettings, RULE_IDS, type PolicyLayer, type RuleId, type Settings, type SeveritySetting } from '../engine/model';
import { explicitValues } from '../engine/policy/project-config';
import { LOCKFILE_FINDINGS, type LockfileFindings } from './diagnostics';

/** The `depwarden.*` settings as VS Code hands them over (workspace/configuration). */
export interface ClientSettings {
  enable?: boolean;
  offline?: boolean;
  registry?: string;
  advisories?: { url?: string; enabled?: boolean };
  cooldownDays?: number;
  newPackageDays?: number;
  allowedHosts?: string[];
  rules?: Record<string, string>;
  typosquat?: { allow?: string[] };
  debounceMs?: number;
  /** Read the tarballs of versions that carry a risk signal, in the background (`depwarden.audit.background`). */
  audit?: { background?: boolean };
  /** Where a finding on a lockfile entry of a direct dependency or on its package.json line is shown (diagnostics.ts placesOf). */
  lockfileFindings?: string;
  /** Periodic re-check for new advisories; fractions of a minute are allowed (tests use them). */
  alerts?: { intervalMinutes?: number };
  /** URLs of malware lists to download and match (`depwarden.malwareFeeds`). */
  malwareFeeds?: string[];
  /**
   * Registries (URLs or hosts) that mirror the public npm registry, whose names may go to
   * the advisory service (`depwarden.publicRegistries`; npm's own hosts always count).
   */
  publicRegistries?: string[];
  /**
   * Not a depwarden setting: the client lists the policy keys the user set in any settings
   * scope (`inspect()`), so that a value equal to its default still overrides `.depwarden.json`.
   */
  userSet?: string[];
  /** Not a depwarden setting: the client sets it in Restricted Mode (an untrusted workspace), where only local checks run. */
  restricted?: boolean;
  /** Not a depwarden setting: the client adds VS Code's `http.proxy`, `http.proxyStrictSSL` and `http.noProxy`. */
  proxy?: { url?: string; strictSSL?: boolean; noProxy?: string[] };
}

const SEVERITIES = new Set(['off', 'hint', 'info', 'warning', 'error']);

/** Typed settings from whatever the client sent; anything malformed falls back to the default. */
export function toEngineSettings(
  raw: ClientSettings | null | undefined,
): Settings & { enable: boolean; restricted: boolean; debounceMs: number; alertIntervalMs: number; lockfileFindings: LockfileFindings; backgroundAudits: boolean } {
  const s = defaultSettings();
  const r = raw ?? {};
  if (typeof r.offline === 'boolean') s.offline = r.offline;
  if (typeof r.registry === 'string' && r.registry.trim()) s.registry = r.registry.trim();
  if (r.advisories?.enabled === false) s.advisories = null;
  else if (typeof r.advisories?.url === 'string' && r.advisories.url.trim()) s.advisories = r.advisories.url.trim();
  if (typeof r.cooldownDays === 'number' && r.cooldownDays >= 0) s.cooldownDays = r.cooldownDays;
  if (typeof r.newPackageDays === 'number' && r.newPackageDays >= 0) s.newPackageDays = r.newPackageDays;
  if (Array.isArray(r.allowedHosts)) s.allowedHosts = r.allowedHosts.filter((h) => typeof h === 'string');
  if (Array.isArray(r.malwareFeeds)) {
    const feeds = r.malwareFeeds.filter(isHttpUrl);
    if (feeds.length) s.malwareFeeds = feeds;
  }
  if (r.proxy && typeof r.proxy.url === 'string' && r.proxy.url.trim()) {
    const noProxy = Array.isArray(r.proxy.noProxy) ? r.proxy.noProxy.filter((h) => typeof h === 'string' && h.trim()) : [];
    s.proxy = { url: r.proxy.url.trim(), strictSSL: r.proxy.strictSSL !== false, ...(noProxy.length ? { noProxy } : {}) };
  }
  if (Array.isArray(r.publicRegistries)) {
    const hosts = r.publicRegistries.filter((h): h is string => typeof h === 'string' && h.trim() !== '').map((h) => h.trim());
    if (hosts.length) s.publicRegistries = hosts;
  }
  if (Array.isArray(r.typosquat?.allow)) s.typosquatAllow = r.typosquat!.allow!.filter((h) => typeof h === 'string');
  if (r.rules && typeof r.rules === 'object') {
    for (const [id, sev] of Object.entries(r.rules)) {
      if ((RULE_IDS as readonly string[]).includes(id) && SEVERITIES.has(sev)) s.rules[id as RuleId] = sev as SeveritySetting;
    }
  }
  // What the user set wins over the project's .depwarden.json. VS Code hands over values
  // merged with the defaults of package.json; the client says which keys the user set.
  // A client that does not say: a value equal to the default counts as unset.
  s.overrides = explicitValues(s, Array.isArray(r.userSet) ? r.userSet.filter(isPolicyKey) : undefined);
  return {
    ...s,
    enable: r.enable !== false,
    backgroundAudits: r.audit?.background !== false,
    restricted: r.restricted === true,
    debounceMs: typeof r.debounceMs === 'number' && r.debounceMs >= 0 ? r.debounceMs : 200,
    alertIntervalMs: alertInterval(r.alerts?.intervalMinutes),
    lockfileFindings: (LOCKFILE_FINDINGS as readonly unknown[]).includes(r.lockfileFindings) ? (r.lockfileFindings as LockfileFindings) : 'auto',
  };
}

const POLICY_KEYS: readonly (keyof PolicyLayer)[] = ['rules', 'cooldownDays', 'newPackageDays', 'allowedHosts', 'typosquatAllow', 'malwareFeeds'];

function isPolicyKey(x: unknown): x is keyof PolicyLayer {
  return (POLICY_KEYS as readonly unknown[]).includes(x);
}

function isHttpUrl(x: unknown): x is string {
  if (typeof x !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(x).protocol);
  } catch {
    return false;
  }
}

/** 0 turns the check off; anything else is at least 100 ms, so a typo cannot make it spin. */
function alertInterval(minutes: unknown): number {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes < 0) return 60 * 60_000;
  return minutes === 0 ? 0 : Math.max(100, Math.round(minutes * 60_000));
}
