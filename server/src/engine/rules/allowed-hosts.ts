import type { ScanInput } from './context';
import { hostOf, npmrcRegistryFor } from '../data/registry-client';

/** yarn writes registry.yarnpkg.com for npm's registry (it is a CNAME of it) and back. */
const EQUIVALENT_HOSTS: Record<string, string[]> = {
  'registry.npmjs.org': ['registry.yarnpkg.com'],
  'registry.yarnpkg.com': ['registry.npmjs.org'],
};

/** True when two hosts serve the same registry (the same host, or yarn's name for npm's). */
export function sameRegistryHost(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && (a === b || (EQUIVALENT_HOSTS[a] ?? []).includes(b));
}

/** The registries expected for a package name: .npmrc's (by scope), and the registry setting when given. */
export function expectedRegistries(input: ScanInput, name: string): string[] {
  const out = [npmrcRegistryFor(input.project.npmrc, name)];
  if (input.settings.registry) out.push(input.settings.registry);
  return out;
}

/** What the allowed hosts depend on in a name: its scope ('' for unscoped names). */
export function scopeKey(name: string): string {
  return name.startsWith('@') ? name.slice(0, name.indexOf('/') + 1) : '';
}

/**
 * Hosts a package may be resolved from: its registry (+ equivalents) and the allowed-hosts
 * setting. Rules ask ScanData.allowedHosts, which keeps one set per scope and scan.
 */
export function allowedHostsFor(input: ScanInput, name: string): Set<string> {
  const hosts = new Set<string>();
  for (const url of expectedRegistries(input, name)) {
    const h = hostOf(url);
    if (!h) continue;
    hosts.add(h);
    for (const e of EQUIVALENT_HOSTS[h] ?? []) hosts.add(e);
  }
  for (const entry of input.settings.allowedHosts) {
    const h = normaliseHost(entry);
    if (h) hosts.add(h);
  }
  return hosts;
}

/** A settings entry may be a bare host or a URL. */
function normaliseHost(entry: string): string | undefined {
  const s = entry.trim();
  if (!s) return undefined;
  if (s.includes('://')) return hostOf(s);
  // Up to the first '/' (not `replace(/\/.*$/)`, which retried from every '/' of a long run).
  const slash = s.indexOf('/');
  return (slash < 0 ? s : s.slice(0, slash)).toLowerCase();
}
