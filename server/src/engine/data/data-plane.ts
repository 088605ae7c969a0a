/**
 * The language server's data plane: one store of registry and advisory answers that grows
 * while lookups land, shared by every folder with the same data settings.
 *
 * Scans never wait for it. A folder is scanned with what the store holds (names still
 * queued are `pending`: neither a finding nor "missing"), its findings are published, and
 * then `request` queues only the names and name@versions the store lacks or holds stale
 * answers for. Names a person is looking at (the direct dependencies of open package.json
 * files) go first; `onLanded` says when answers arrive so the caller can re-publish in
 * batches instead of once at the end. The CLI fetches everything at once instead
 * (fetch-remote.ts); both ask the same `lookupNeeds`.
 */
import type { NpmConfig } from '../policy/npmrc';
import type { Settings } from '../model';
import { AdvisoryClient } from './advisory-client';
import { DEFAULT_TTL_MS, type DataCache } from './cache';
import type { LookupNeeds } from './fetch-remote';
import { DEFAULT_HTTP_POLICY, HttpClient, once, type HttpPolicy } from './http';
import { packumentDecoder, type PackumentDecoder } from './packument-decoder';
import { fetchMalwareFeeds } from './malware-feed';
import { resolveProxyRoutes } from './proxy';
import { advisoryRoute, authHeaderFor, RegistryClient, registryForName } from './registry-client';
import { advisoryKey, type RemoteData } from './remote-data';
import { resolveSpec } from './targets';

/** A failed lookup (timeout, HTTP 500) is asked again on a later scan, not on every keystroke. */
export const RETRY_FAILED_MS = 60_000;
/** The reason a cancelled lookup records: retried only when asked for (Scan Workspace), never by the next keystroke. */
export const CANCELLED = 'lookup cancelled';
/**
 * Registry lookups in flight at once, per request the HTTP client sends at once (16). A
 * lookup is a request, then the decoding of its answer, one at a time in the decoder's
 * thread. With one lookup per request slot, every lookup waiting for the decoder left its
 * slot idle: sentry's cold lookup took 1.63x the bare loop of the same requests, and
 * 1.43-1.51x with twice as many lookups. A lookup takes a name only when a request slot
 * is free (`requesting`), and bodies waiting to be decoded still count against the HTTP
 * client's byte budget (holdBudget), so memory stays bounded.
 */
const LOOKUPS_PER_REQUEST = 2;
/**
 * Other lookups in flight while urgent ones (what the person is looking at) are still
 * outstanding: the rest wait, so that the last urgent answers (typescript's 10 MB
 * packument, say) do not share the network and the CPU with fifteen others.
 */
const BACKGROUND_WHILE_URGENT = 2;
/** Advisory queries per request while registry answers are still arriving. */
const ADVISORY_CHUNK = 500;

type Pair = { name: string; version: string };

export interface DataPlaneOptions {
  cache: DataCache;
  env?: Record<string, string | undefined>;
  http?: Partial<HttpPolicy>;
  now?: () => number;
  /** What decodes registry answers (tests); by default a worker thread (packument-decoder.ts). */
  decoder?: () => PackumentDecoder;
}

export interface RequestOptions {
  /** Looked up before the others (the direct dependencies of open package.json files). */
  urgent?: ReadonlySet<string>;
  /** Ask the advisory API again about every pair, even fresh ones (the periodic alert check). */
  revalidateAdvisories?: boolean;
  /** Ask again about names whose last lookup failed or was cancelled (Scan Workspace). */
  retryFailed?: boolean;
}

export interface Landed {
  /** Every urgent lookup has landed (the first findings the person waits for can go out). */
  urgentDone: boolean;
  /** Nothing is queued or in flight any more. */
  finished: boolean;
}

/** The key under which folders share a plane: everything that changes what an answer is. */
export function dataPlaneKey(settings: Settings, npmrc: NpmConfig): string {
  const { offline, registry, advisories, malwareFeeds, publicRegistries, proxy } = settings;
  return JSON.stringify([offline, registry, advisories, malwareFeeds, publicRegistries, proxy, npmrc.registry, npmrc.scopes, npmrc.auth, npmrc.raw]);
}

export class DataPlane {
  /** What has landed; `pending` holds what is queued or in flight. Mutated in place as answers land. */
  readonly data: RemoteData;
  /** Names and advisory keys queued or in flight. */
  private readonly pendingNames = new Set<string>();
  private readonly pendingAdvisories = new Set<string>();
  private readonly lookedUpAt = new Map<string, number>();
  private readonly askedVersions = new Map<string, Set<string>>();
  private readonly advisoryAt = new Map<string, number>();
  /** Ranges waiting for their packument, by name. */
  private readonly specsOf = new Map<string, Set<string>>();
  /** Names to look up, with the versions to ask for; urgent ones are also in `urgentQueue`. */
  private readonly queued = new Map<string, Set<string>>();
  private urgentQueue: string[] = [];
  private queue: string[] = [];
  private readonly urgentNames = new Set<string>();
  /** Non-urgent lookups in flight (see BACKGROUND_WHILE_URGENT). */
  private backgroundInFlight = 0;
  /** Every lookup in flight: while one is, idle workers wait for more instead of ending. */
  private inFlight = 0;
  /**
   * Lookups not yet answered (reading the cache, or their request out): no more than the
   * HTTP client sends at once, so that the other workers, whose answers are being decoded,
   * do not queue names behind the requests (an urgent name asked meanwhile goes next).
   */
  private requesting = 0;
  private requestSlots = DEFAULT_HTTP_POLICY.concurrency;
  /** Workers waiting for the urgent lookups to end (or for one to land). */
  private waitingWorkers: Array<() => void> = [];
  private advisoryQueue: Pair[] = [];
  private readonly revalidate = new Set<string>();
  private feedsAt = -Infinity;
  private feedsWanted = false;
  private running: Promise<void> | undefined;
  private wakeAdvisories: (() => void) | undefined;
  private cancelled = false;
  private readonly now: () => number;
  /** Changes to `data` so far (see changedSince). */
  private changes = 0;
  /** The change at which each name's packument or one of its advisories last changed. */
  private readonly changedAt = new Map<string, number>();
  /** The last change that concerns every name (the malware feeds, a cancel). */
  private everythingAt = 0;
  /** Names looked up in the current run, of all queued in it (for the progress shown). */
  readonly progress = { done: 0, total: 0 };
  /** Told whenever answers land; the caller decides how often to re-publish. */
  onLanded: (landed: Landed) => void = () => undefined;

  constructor(
    private readonly settings: Settings,
    private readonly npmrc: NpmConfig,
    private readonly options: DataPlaneOptions,
  ) {
    this.now = options.now ?? Date.now;
    const advisoriesEnabled = settings.advisories !== null && settings.advisories !== '';
    this.data = {
      packuments: new Map(),
      advisories: new Map(),
      advisoriesEnabled,
      iocs: new Map(),
      offline: settings.offline,
      requests: 0,
      // Whatever a scan needs and the store lacks is queued right after the scan
      // (Pipeline.requestLookups): absent means "not known yet", not "missing".
      pending: {
        names: { has: (name) => this.pendingNames.has(name) || !this.data.packuments.has(name) },
        advisories: { has: (key) => this.pendingAdvisories.has(key) || !this.data.advisories.has(key) },
      },
    };
  }

  /** The store as it is now, for changedSince. */
  get mark(): number {
    return this.changes;
  }

  /**
   * The names whose answers changed since `mark` (what a rescan must judge again), or
   * 'all' when something every name reads changed.
   */
  changedSince(mark: number): Set<string> | 'all' {
    if (this.everythingAt > mark) return 'all';
    const names = new Set<string>();
    for (const [name, at] of this.changedAt) if (at > mark) names.add(name);
    return names;
  }

  private touched(name: string): void {
    this.changedAt.set(name, ++this.changes);
  }

  /** Lookups are queued or in flight (a cancelled run is not busy: what it still waits for is dropped). */
  get busy(): boolean {
    return this.running !== undefined && !this.cancelled;
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Queues what `needs` asks for and the store lacks (or holds stale or, with retryFailed,
   * failed answers for). Returns true when something was queued.
   */
  request(needs: LookupNeeds, options: RequestOptions = {}): boolean {
    const urgent = options.urgent ?? new Set<string>();
    let queuedAny = false;
    for (const [name, versions] of needs.names) {
      if (this.pendingNames.has(name)) {
        const q = this.queued.get(name);
        if (q) for (const v of versions) q.add(v);
        if (q && urgent.has(name) && !this.urgentNames.has(name)) this.promote(name);
        continue;
      }
      if (!this.isMissing(name, versions, options.retryFailed === true)) continue;
      this.enqueue(name, versions, urgent.has(name));
      queuedAny = true;
    }
    if (this.data.advisoriesEnabled) {
      for (const pair of needs.lockedPairs) if (this.askAdvisory(pair, options, urgent.has(pair.name))) queuedAny = true;
    }
    for (const { name, spec } of needs.specs) {
      const specs = this.specsOf.get(name) ?? new Set<string>();
      this.specsOf.set(name, specs);
      if (specs.size >= 16) specs.clear(); // ranges typed one character at a time: keep the recent ones
      specs.add(spec);
      const pair = this.resolvedPair(name, spec);
      if (pair && this.data.advisoriesEnabled && this.askAdvisory(pair, options, urgent.has(name))) queuedAny = true;
    }
    const feeds = this.settings.malwareFeeds ?? [];
    if (feeds.length && !this.feedsWanted && this.now() - this.feedsAt >= DEFAULT_TTL_MS['malware-feed']) {
      this.feedsWanted = true;
      queuedAny = true;
    }
    if (queuedAny && !this.running) this.start();
    else if (queuedAny) this.wakeAdvisories?.();
    return queuedAny;
  }

  /**
   * Stops the lookups: what was queued or in flight is recorded as not looked up
   * (lookup-incomplete says so) and is not asked again until a rescan is asked for; answers
   * still in flight are dropped when they land.
   */
  cancel(): void {
    if (!this.running || this.cancelled) return;
    this.cancelled = true;
    this.everythingAt = ++this.changes;
    const at = this.now();
    for (const name of this.pendingNames) {
      this.data.packuments.set(name, { status: 'error', reason: CANCELLED, registry: registryForName(this.npmrc, name, this.settings.registry) });
      this.lookedUpAt.set(name, at);
      this.pendingNames.delete(name);
    }
    this.pendingNames.clear();
    this.urgentNames.clear();
    this.queued.clear();
    this.queue = [];
    this.urgentQueue = [];
    for (const key of this.pendingAdvisories) {
      this.data.advisories.set(key, { status: 'error', reason: CANCELLED });
      this.advisoryAt.set(key, at);
    }
    this.pendingAdvisories.clear();
    this.advisoryQueue = [];
    this.feedsWanted = false;
    this.wakeAdvisories?.();
    this.wakeWorkers();
    this.onLanded({ urgentDone: true, finished: true });
  }

  private isMissing(name: string, versions: Set<string>, retryFailed: boolean): boolean {
    const lookup = this.data.packuments.get(name);
    if (!lookup) return true;
    const age = this.now() - (this.lookedUpAt.get(name) ?? -Infinity);
    if (lookup.status === 'error') {
      if (lookup.reason === 'offline') return false; // an offline plane never learns more
      if (retryFailed) return true;
      return lookup.reason !== CANCELLED && age >= RETRY_FAILED_MS;
    }
    if (lookup.status === 'gone') return age >= DEFAULT_TTL_MS['packument-gone'];
    if (age >= DEFAULT_TTL_MS.packument) return true;
    // A version newer than the packument we hold: ask once (it may have been published since).
    const asked = this.askedVersions.get(name);
    for (const v of versions) if (!lookup.packument.hasVersion(v) && !asked?.has(v)) return true;
    return false;
  }

  private enqueue(name: string, versions: Set<string>, urgent: boolean): void {
    this.queued.set(name, new Set(versions));
    this.pendingNames.add(name);
    this.progress.total++;
    if (urgent) {
      this.urgentNames.add(name);
      this.urgentQueue.push(name);
    } else this.queue.push(name);
    this.wakeWorkers();
  }

  private promote(name: string): void {
    this.urgentNames.add(name);
    this.urgentQueue.push(name); // the worker skips it in `queue` once taken
    this.wakeWorkers();
  }

  /** Queues an advisory question unless the store has a fresh answer or it is asked already. */
  private askAdvisory(pair: Pair, options: RequestOptions, urgent: boolean): boolean {
    if (advisoryRoute(this.npmrc, pair.name, this.settings) !== 'public') return false;
    const key = advisoryKey(pair.name, pair.version);
    if (this.pendingAdvisories.has(key)) return false;
    const known = this.data.advisories.get(key);
    if (known && !options.revalidateAdvisories) {
      const age = this.now() - (this.advisoryAt.get(key) ?? -Infinity);
      if (known.status === 'ok' && age < DEFAULT_TTL_MS['advisory-query']) return false;
      if (known.status === 'error') {
        if (known.reason === 'offline') return false;
        if (!options.retryFailed && (known.reason === CANCELLED || age < RETRY_FAILED_MS)) return false;
      }
    }
    if (options.revalidateAdvisories) this.revalidate.add(key);
    this.pendingAdvisories.add(key);
    if (urgent) this.advisoryQueue.unshift(pair);
    else this.advisoryQueue.push(pair);
    return true;
  }

  private resolvedPair(name: string, spec: string): Pair | undefined {
    const lookup = this.data.packuments.get(name);
    const version = lookup?.status === 'ok' ? resolveSpec(lookup.packument, spec) : undefined;
    return version ? { name, version } : undefined;
  }

  private start(): void {
    this.cancelled = false;
    this.running = this.run().finally(() => {
      const wasCancelled = this.cancelled;
      this.running = undefined;
      this.cancelled = false;
      this.progress.done = 0;
      this.progress.total = 0;
      // Asked for while the run was ending (or draining after a cancel): go again.
      if (this.queued.size || this.advisoryQueue.length || this.feedsWanted) this.start();
      else if (!wasCancelled) this.onLanded({ urgentDone: true, finished: true });
    });
  }

  private async run(): Promise<void> {
    const { cache } = this.options;
    const offline = this.settings.offline;
    const proxy = resolveProxyRoutes(this.settings.proxy, this.npmrc, this.options.env);
    const http = new HttpClient({ ...(proxy ? { proxy } : {}), ...this.options.http, authFor: (url) => authHeaderFor(this.npmrc, url) });
    // A worker thread decodes the answers (packument-decoder.ts), started with the first request to the network.
    const decoder = offline ? undefined : (this.options.decoder ?? packumentDecoder)();
    const registry = new RegistryClient({ npmrc: this.npmrc, http, cache, registryOverride: this.settings.registry, offline, decoder });
    const baseUrl = this.settings.advisories ?? '';
    const advisory = this.data.advisoriesEnabled ? new AdvisoryClient({ http, cache, baseUrl, offline }) : undefined;
    const revalidating = this.data.advisoriesEnabled ? new AdvisoryClient({ http, cache, baseUrl, offline, revalidate: true }) : undefined;
    let registryDone = false;
    try {
      const feeds = this.feedsWanted ? this.fetchFeeds(http) : Promise.resolve();
      this.requestSlots = http.policy.concurrency;
      const workers = Array.from({ length: LOOKUPS_PER_REQUEST * this.requestSlots }, () => this.registryWorker(registry));
      const advisories = this.advisoryWorker(advisory, revalidating, () => registryDone);
      await Promise.all(workers);
      registryDone = true;
      this.wakeAdvisories?.();
      await Promise.all([advisories, feeds]);
    } finally {
      this.data.requests += http.requests;
      await Promise.all([http.close(), decoder?.close()]);
    }
  }

  /**
   * The next name to look up, urgent ones first (undefined when nothing is queued or in
   * flight). It is counted in flight here, before the caller resumes: workers woken together
   * must see each other's.
   *
   * While a lookup is in flight, a worker with nothing to do waits rather than ends: names
   * queued meanwhile (a dependency typed during a long lookup) get every worker, not only
   * those whose answers are still to come (a registry that never answers held them all).
   */
  private async nextName(): Promise<{ name: string; background: boolean } | undefined> {
    for (;;) {
      if (this.requesting >= this.requestSlots && !this.cancelled) {
        await new Promise<void>((resolve) => this.waitingWorkers.push(resolve));
        continue;
      }
      while (this.urgentQueue.length) {
        const name = this.urgentQueue.shift()!;
        if (!this.queued.has(name)) continue; // taken already (promoted) or cancelled
        this.inFlight++;
        this.requesting++;
        return { name, background: false };
      }
      if (this.urgentNames.size > 0 && this.backgroundInFlight >= BACKGROUND_WHILE_URGENT && this.queue.length && !this.cancelled) {
        await new Promise<void>((resolve) => this.waitingWorkers.push(resolve));
        continue;
      }
      while (this.queue.length) {
        const name = this.queue.shift()!;
        if (!this.queued.has(name)) continue;
        this.backgroundInFlight++;
        this.inFlight++;
        this.requesting++;
        return { name, background: true };
      }
      if (this.inFlight === 0 || this.cancelled) return undefined;
      await new Promise<void>((resolve) => this.waitingWorkers.push(resolve));
    }
  }

  /** Lets waiting workers look again (an urgent answer landed, more was queued, or a cancel). */
  private wakeWorkers(): void {
    for (const wake of this.waitingWorkers.splice(0)) wake();
  }

  private async registryWorker(registry: RegistryClient): Promise<void> {
    for (let next = await this.nextName(); next !== undefined; next = await this.nextName()) {
      const { name, background } = next;
      const onAnswered = once(() => {
        this.requesting--;
        this.wakeWorkers();
      });
      if (this.cancelled) {
        if (background) this.backgroundInFlight--;
        this.inFlight--;
        onAnswered();
        return;
      }
      const versions = [...(this.queued.get(name) ?? [])];
      this.queued.delete(name);
      let lookup: Awaited<ReturnType<RegistryClient['lookup']>>;
      try {
        lookup = await registry.lookup(name, versions, onAnswered);
      } finally {
        onAnswered();
        if (background) this.backgroundInFlight--;
        this.inFlight--;
        this.wakeWorkers();
      }
      if (!this.pendingNames.has(name)) continue; // cancelled while in flight: the record says so
      this.data.packuments.set(name, lookup);
      this.touched(name);
      this.lookedUpAt.set(name, this.now());
      const asked = this.askedVersions.get(name) ?? new Set<string>();
      this.askedVersions.set(name, asked);
      for (const v of versions) asked.add(v);
      this.pendingNames.delete(name);
      this.progress.done++;
      const wasUrgent = this.urgentNames.delete(name);
      if (wasUrgent && this.urgentNames.size === 0) this.wakeWorkers(); // the background may go on at full width
      // Ranges resolve now that the packument is here: their advisories can be asked.
      for (const spec of this.specsOf.get(name) ?? []) {
        const pair = this.resolvedPair(name, spec);
        if (pair && this.data.advisoriesEnabled && this.askAdvisory(pair, {}, wasUrgent)) this.wakeAdvisories?.();
      }
      this.onLanded({ urgentDone: wasUrgent && this.urgentOutstanding() === 0, finished: false });
    }
  }

  private urgentOutstanding(): number {
    return this.urgentNames.size;
  }

  private async advisoryWorker(plain: AdvisoryClient | undefined, revalidating: AdvisoryClient | undefined, registryDone: () => boolean): Promise<void> {
    for (;;) {
      if (this.advisoryQueue.length === 0) {
        if (registryDone() || this.cancelled) return;
        await new Promise<void>((resolve) => (this.wakeAdvisories = resolve));
        this.wakeAdvisories = undefined;
        continue;
      }
      if (this.cancelled) return;
      const chunk = this.advisoryQueue.splice(0, ADVISORY_CHUNK);
      const fresh = chunk.filter((p) => !this.revalidate.has(advisoryKey(p.name, p.version)));
      const again = chunk.filter((p) => this.revalidate.has(advisoryKey(p.name, p.version)));
      const answers = await Promise.all([fresh.length && plain ? plain.lookup(fresh) : new Map(), again.length && revalidating ? revalidating.lookup(again) : new Map()]);
      const at = this.now();
      for (const p of chunk) {
        const key = advisoryKey(p.name, p.version);
        this.revalidate.delete(key);
        if (!this.pendingAdvisories.delete(key)) continue; // cancelled meanwhile
        const answer = answers[0].get(key) ?? answers[1].get(key);
        if (!answer) continue;
        this.data.advisories.set(key, answer);
        this.touched(p.name);
        this.advisoryAt.set(key, at);
      }
      this.onLanded({ urgentDone: false, finished: false });
    }
  }

  private async fetchFeeds(http: HttpClient): Promise<void> {
    this.feedsWanted = false;
    const urls = this.settings.malwareFeeds ?? [];
    this.data.malwareFeeds = await fetchMalwareFeeds(urls, { http, cache: this.options.cache, offline: this.settings.offline });
    this.everythingAt = ++this.changes;
    this.feedsAt = this.now();
    this.onLanded({ urgentDone: false, finished: false });
  }
}
