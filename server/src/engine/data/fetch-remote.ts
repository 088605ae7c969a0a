/**
 * The data plane's entry: gathers the registry and advisory data every remote rule needs
 * for a project, before the (synchronous) scan runs.
 *
 *   const cache = createCache(dir);
 *   const remote = await fetchRemoteData(project, settings, { cache });
 *   scanFiles(files, { settings, remote });
 *
 * Every unique name is fetched once, every unique name@version is asked of the advisory
 * API once (in batches), and nothing is asked that a fresh cache entry answers.
 * Names that .npmrc maps to a private registry go to that registry only: never to the
 * public registry nor to the advisory API, and only names whose registry is the public
 * npm registry by host (or a mirror in settings.publicRegistries) go to the advisory API.
 * Malware feeds are downloaded whole, alongside. Every request goes through the proxy the
 * settings, the user's own .npmrc or the environment name (never the project's .npmrc).
 */
import semver from 'semver';
import type { Settings } from '../model';
import type { Project } from '../project';
import { AdvisoryClient } from './advisory-client';
import { createCache, type DataCache } from './cache';
import { HttpClient, type HttpPolicy } from './http';
import { fetchMalwareFeeds } from './malware-feed';
import { resolveProxyRoutes } from './proxy';
import { advisoryRoute, authHeaderFor, RegistryClient } from './registry-client';
import { advisoryKey, type AdvisoryLookup, type IocList, type PackumentLookup, type RemoteData } from './remote-data';
import { collectTargets, resolveSpec, workspaceNames } from './targets';
import { readCachedAudits } from '../audit/cached-audits';

export interface FetchProgress {
  /** Registry names looked up so far, out of total. */
  done: number;
  total: number;
}

export interface FetchRemoteOptions {
  /** Shared across scans (the language server keeps one; the CLI opens one on --cache-dir). Memory-only when absent. */
  cache?: DataCache;
  /** Indicators of compromise to match (--ioc, the editor command). */
  iocs?: IocList;
  /** Network limits (timeout, retries, size cap, concurrency), and test hooks. */
  http?: Partial<HttpPolicy>;
  onProgress?: (progress: FetchProgress) => void;
  /**
   * Ask the advisory API again even where the cache holds a fresh answer (the language
   * server's periodic check for new advisories). Records are still only fetched when new
   * or modified.
   */
  revalidateAdvisories?: boolean;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read (the CLI passes process.env); none when absent. */
  env?: Record<string, string | undefined>;
}

export async function fetchRemoteData(project: Project, settings: Settings, options: FetchRemoteOptions = {}): Promise<RemoteData> {
  const cache = options.cache ?? createCache();
  const proxy = resolveProxyRoutes(settings.proxy, project.npmrc, options.env);
  const http = new HttpClient({ ...(proxy ? { proxy } : {}), ...options.http, authFor: (url) => authHeaderFor(project.npmrc, url) });
  try {
    return await gatherRemoteData(project, settings, options, cache, http);
  } finally {
    await http.close();
  }
}

/** What a project needs looked up: the one list the CLI's fetch and the language server's data plane share. */
export interface LookupNeeds {
  /** Registry names, each with the versions that must be in its packument (a cached one lacking one is revalidated). */
  names: Map<string, Set<string>>;
  /** Locked name@versions: asked of the advisory API while the registry answers. */
  lockedPairs: { name: string; version: string }[];
  /** Ranges without a lockfile: judged at the version they resolve to today, known once the packument lands. */
  specs: { name: string; spec: string }[];
}

export function lookupNeeds(project: Project): LookupNeeds {
  const targets = collectTargets(project);
  const names = new Map<string, Set<string>>();
  for (const t of targets) {
    const versions = names.get(t.name) ?? new Set<string>();
    names.set(t.name, versions);
    if (t.lockedVersion) versions.add(t.lockedVersion);
    else if (t.spec && semver.valid(t.spec)) versions.add(semver.clean(t.spec)!);
  }
  // Workspace packages other workspaces depend on are looked up too: dependency-confusion
  // wants to know whether a public package of the same name shadows them.
  const own = workspaceNames(project);
  for (const m of project.manifests) {
    for (const d of m.dependencies) if (own.has(d.name) && !names.has(d.name)) names.set(d.name, new Set());
  }
  const lockedPairs = targets.filter((t) => t.lockedVersion).map((t) => ({ name: t.name, version: t.lockedVersion! }));
  const specs = targets.filter((t) => !t.lockedVersion && t.spec !== undefined).map((t) => ({ name: t.name, spec: t.spec! }));
  return { names, lockedPairs, specs };
}

async function gatherRemoteData(project: Project, settings: Settings, options: FetchRemoteOptions, cache: DataCache, http: HttpClient): Promise<RemoteData> {
  const offline = settings.offline;
  const registry = new RegistryClient({ npmrc: project.npmrc, http, cache, registryOverride: settings.registry, offline });
  const advisoriesEnabled = settings.advisories !== null && settings.advisories !== '';
  const advisory = advisoriesEnabled ? new AdvisoryClient({ http, cache, baseUrl: settings.advisories!, offline, revalidate: options.revalidateAdvisories }) : undefined;

  const { names: needed, lockedPairs, specs } = lookupNeeds(project);
  // Only names whose registry is the public npm registry by host (targets.ts reports the
  // others as not checked, unless they are a private scope's own packages).
  const isPublic = (name: string) => advisoryRoute(project.npmrc, name, settings) === 'public';
  const asked = new Set<string>();
  const askAdvisories = async (pairs: { name: string; version: string }[]): Promise<Map<string, AdvisoryLookup>> => {
    const fresh: { name: string; version: string }[] = [];
    for (const p of pairs) {
      const key = advisoryKey(p.name, p.version);
      if (asked.has(key) || !isPublic(p.name)) continue;
      asked.add(key);
      fresh.push(p);
    }
    return advisory && fresh.length ? advisory.lookup(fresh) : new Map();
  };

  // The feeds download while the registry and the advisory API answer.
  const feeds = settings.malwareFeeds?.length ? fetchMalwareFeeds(settings.malwareFeeds, { http, cache, offline }) : undefined;

  // Locked versions are known up front: ask the advisory API while the registry answers.
  const lockedAdvisories = askAdvisories(lockedPairs);

  const packuments = new Map<string, PackumentLookup>();
  const progress: FetchProgress = { done: 0, total: needed.size };
  options.onProgress?.(progress);
  const misses = await registry.offlineMisses(needed.keys());
  if (misses) {
    for (const [name, lookup] of misses) packuments.set(name, lookup);
    progress.done = progress.total;
    options.onProgress?.(progress);
  } else {
    await Promise.all(
      [...needed].map(async ([name, versions]) => {
        packuments.set(name, await registry.lookup(name, [...versions]));
        progress.done++;
        options.onProgress?.(progress);
      }),
    );
  }

  // Ranges without a lockfile are judged at the version they resolve to today.
  const resolvedPairs: { name: string; version: string }[] = [];
  for (const t of specs) {
    const lookup = packuments.get(t.name);
    const version = lookup?.status === 'ok' ? resolveSpec(lookup.packument, t.spec) : undefined;
    if (version) resolvedPairs.push({ name: t.name, version });
  }
  const advisories = new Map<string, AdvisoryLookup>();
  for (const map of [await lockedAdvisories, await askAdvisories(resolvedPairs)]) for (const [k, v] of map) advisories.set(k, v);
  // Audits done earlier (scan --audit, depwarden audit, the editor) of the very tarballs
  // the lockfiles lock: from the cache only, never fetched here.
  const audits = await readCachedAudits(project, cache);

  return {
    packuments,
    advisories,
    advisoriesEnabled: !!advisory,
    iocs: options.iocs ?? new Map(),
    ...(feeds ? { malwareFeeds: await feeds } : {}),
    ...(audits.size ? { audits } : {}),
    offline,
    requests: http.requests,
  };
}
