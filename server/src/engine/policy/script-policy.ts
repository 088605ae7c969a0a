/**
 * Would the project's package manager run a dependency's install script?
 *
 * Each package manager has its own switch, and the answer decides whether an install
 * script is a live risk (it runs on every `install`) or a dormant one. This reads the
 * settings each package manager itself reads: package.json (`allowScripts`, `pnpm`,
 * `dependenciesMeta`, `trustedDependencies`), `.npmrc`, `pnpm-workspace.yaml` and
 * `.yarnrc.yml` (parsed once per scan: project.packageManagerConfig). Which package manager
 * a lockfile belongs to, and which major wrote it, is in its profile (lockfile/profiles.ts);
 * each package manager's rules are one decide function in DECIDE below.
 */
import { modify, type FormattingOptions } from 'jsonc-parser';
import type { Fix, Lockfile, Manifest, PackageSource, TextEdit } from '../model';
import { dirname, joinPath, type Project } from '../project';
import { PACKAGE_MANAGER_CONFIG_FILE } from '../lockfile/formats';
import { LOCKFILE_PROFILES, lockfileVersionOf, type PackageManagerName } from '../lockfile/profiles';

export type { PackageManagerName } from '../lockfile/profiles';

export interface PackageManagerInfo {
  name: PackageManagerName;
  /** Major version when known (from `packageManager`, or implied by the lockfile format). */
  major?: number;
  /** How we know, for messages: 'packageManager "pnpm@10.2.0"', 'pnpm-lock.yaml', ... */
  evidence: string;
}

/** What the policy needs to know about a package (a LockedPackage fits). */
export interface ScriptSubject {
  name: string;
  realName?: string;
  version: string;
  source: PackageSource;
  resolved?: string;
}

export interface ScriptDecision {
  runs: boolean;
  /** False when the answer hangs on something not visible here (bun's built-in list, an unknown pnpm major). */
  certain: boolean;
  /** Why, in one sentence, e.g. "npm 11 runs install scripts that allowScripts does not deny". */
  reason: string;
  /** How to stop it, when it would run. */
  fix?: Fix;
}

export interface ScriptPolicy {
  packageManager: PackageManagerInfo;
  decide(pkg: ScriptSubject): ScriptDecision;
}

/**
 * npm 11 (11.19.1 checked on this machine) still runs install scripts that `allowScripts`
 * does not mention: it prints "install scripts not yet covered by allowScripts" and goes
 * on. Only an explicit `false`, `strict-allow-scripts` or `ignore-scripts` stops them.
 * npm says a future release will block unreviewed scripts: flip this then (by major).
 */
function npmBlocksUnreviewedScripts(_major: number | undefined): boolean {
  return false;
}

/**
 * The script policy for the project that a lockfile (or, with no lockfile, a manifest)
 * belongs to: its root package.json and the config files beside it.
 */
export function scriptPolicyFor(project: Project, lockfile?: Lockfile, manifestPath?: string): ScriptPolicy {
  const dir = lockfile ? dirname(lockfile.path) : manifestPath !== undefined ? dirname(manifestPath) : '';
  const rootPath = joinPath(dir, 'package.json');
  const root = project.manifests.find((m) => m.path === rootPath);
  const pm = detectPackageManager(lockfile, root);
  const env: PolicyEnv = {
    project,
    root,
    rootPath,
    npmrc: npmrcRaw(project, dir),
    pnpmWorkspace: configIn(project, dir, 'pnpm'),
    yarnrc: configIn(project, dir, 'yarn'),
    templates: new Map(),
  };
  const decide = DECIDE[pm.name];
  return { packageManager: pm, decide: (pkg) => decide(env, pm, pkg) };
}

/** How each package manager decides; a Record, so a new package manager does not compile without its rules. */
const DECIDE: Record<PackageManagerName, (env: PolicyEnv, pm: PackageManagerInfo, pkg: ScriptSubject) => ScriptDecision> = {
  npm: decideNpm,
  pnpm: decidePnpm,
  yarn: decideYarn,
  bun: (env, _pm, pkg) => decideBun(env, pkg),
};

/**
 * The lockfile says which tool wrote it; `packageManager` says which version (corepack
 * runs exactly that one). When they name different tools, the lockfile wins: it is what
 * the install reads.
 */
export function detectPackageManager(lockfile: Lockfile | undefined, root: Manifest | undefined): PackageManagerInfo {
  const declared = parsePackageManagerField(root?.packageManager);
  const fromLock = lockfile ? packageManagerOfLockfile(lockfile) : undefined;
  if (declared && (!fromLock || fromLock.name === declared.name)) {
    // yarn berry lockfile with packageManager yarn@1 is contradictory; trust the lockfile's family.
    if (fromLock?.name === 'yarn' && fromLock.major !== undefined && (fromLock.major >= 2) !== (declared.major >= 2)) return fromLock;
    return { name: declared.name, major: declared.major, evidence: `packageManager "${root!.packageManager}"` };
  }
  if (fromLock) return fromLock;
  return { name: 'npm', evidence: 'no lockfile or packageManager field (npm assumed)' };
}

function parsePackageManagerField(value: string | undefined): { name: PackageManagerName; major: number } | undefined {
  const m = /^(npm|pnpm|yarn|bun)@(\d+)/.exec(value ?? '');
  return m ? { name: m[1] as PackageManagerName, major: Number(m[2]) } : undefined;
}

function packageManagerOfLockfile(l: Lockfile): PackageManagerInfo {
  const profile = LOCKFILE_PROFILES[l.format];
  const file = l.path.slice(l.path.lastIndexOf('/') + 1);
  const info: PackageManagerInfo = { name: profile.manager, evidence: profile.describe(file, l.lockfileVersion) };
  const major = profile.managerMajor(lockfileVersionOf(l));
  if (major !== undefined) info.major = major;
  return info;
}

interface PolicyEnv {
  project: Project;
  root: Manifest | undefined;
  rootPath: string;
  npmrc: Record<string, string>;
  pnpmWorkspace: Record<string, unknown> | undefined;
  yarnrc: Record<string, unknown> | undefined;
  /** Edits adding a new key under an object, computed once with a placeholder key (see newKeyEdits). */
  templates: Map<string, TextEdit[] | undefined>;
}

/** The root's effective npm config (user and project .npmrc), under a nested project's own .npmrc. */
function npmrcRaw(project: Project, dir: string): Record<string, string> {
  const own = dir === '' ? undefined : configIn(project, dir, 'npm');
  return own === undefined ? project.npmrc.raw : { ...project.npmrc.raw, ...(own as Record<string, string>) };
}

/**
 * A package manager's config file in a folder, as parsed once per scan. A broken one reads
 * as no settings (the package manager would stop on it) and is reported as unparsed-file.
 */
function configIn(project: Project, dir: string, manager: PackageManagerName): Record<string, unknown> | undefined {
  return project.packageManagerConfig?.get(joinPath(dir, PACKAGE_MANAGER_CONFIG_FILE[manager]))?.settings;
}

const isTrue = (v: unknown) => v === true || v === 'true';

function registryName(pkg: ScriptSubject): string {
  return pkg.realName ?? pkg.name;
}

// ---------------------------------------------------------------- npm

function decideNpm(env: PolicyEnv, pm: PackageManagerInfo, pkg: ScriptSubject): ScriptDecision {
  if (isTrue(env.npmrc['ignore-scripts'])) {
    return { runs: false, certain: true, reason: '.npmrc sets ignore-scripts=true, so npm runs no install scripts' };
  }
  const pkgPolicy = env.root?.allowScripts && Object.keys(env.root.allowScripts).length > 0 ? env.root.allowScripts : undefined;
  const rcPolicy = pkgPolicy ? undefined : npmrcAllowList(env.npmrc['allow-scripts']);
  // allowScripts only exists since npm 11: its presence says which npm the project uses.
  const major = pm.major ?? (pkgPolicy ? 11 : undefined);
  if (major !== undefined && major < 11) {
    return { runs: true, certain: true, reason: `npm ${major} runs every dependency's install scripts (${pm.evidence})` };
  }
  const npmName = major === undefined ? 'npm' : `npm ${major}`;
  const verdict = matchAllowScripts(pkgPolicy ?? rcPolicy, pkg);
  const where = pkgPolicy ? 'package.json allowScripts' : '.npmrc allow-scripts';
  const fix = npmDenyFix(env, pkg, !pkgPolicy && rcPolicy !== undefined);
  if (verdict === false) {
    if (isTrue(env.npmrc['dangerously-allow-all-scripts'])) {
      // A denial is already there and overridden: another one would not help.
      return { runs: true, certain: true, reason: `${where} denies it, but .npmrc sets dangerously-allow-all-scripts=true` };
    }
    return { runs: false, certain: major !== undefined, reason: `${where} denies it (honoured by npm 11 and later)` };
  }
  if (verdict === true) return { runs: true, certain: true, reason: `${where} approves it`, fix };
  if (isTrue(env.npmrc['dangerously-allow-all-scripts'])) {
    return { runs: true, certain: true, reason: '.npmrc sets dangerously-allow-all-scripts=true', fix };
  }
  if (isTrue(env.npmrc['strict-allow-scripts'])) {
    return { runs: false, certain: true, reason: `.npmrc sets strict-allow-scripts=true, so ${npmName} refuses to install until allowScripts covers it` };
  }
  if (npmBlocksUnreviewedScripts(major)) {
    return { runs: false, certain: true, reason: `${npmName} blocks dependency install scripts unless allowScripts approves them` };
  }
  const reason =
    major === undefined
      ? 'npm runs dependency install scripts unless allowScripts (npm 11) denies them or ignore-scripts is set'
      : `${npmName} runs install scripts that allowScripts does not deny (it only prints a notice)`;
  return { runs: true, certain: true, reason, fix };
}

function npmrcAllowList(value: string | undefined): Record<string, boolean> | undefined {
  const names = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return names.length ? Object.fromEntries(names.map((n) => [n, true])) : undefined;
}

/**
 * npm's allowScripts matching: `name`, `name@*`, `name@1.2.3` and `name@1.2.3 || 1.2.4`
 * (ranges are ignored by npm); a denial wins over an approval; registry keys never
 * match git/tarball/file packages, which are matched by their resolved spec instead.
 * Returns undefined when no entry matches (unreviewed).
 */
export function matchAllowScripts(policy: Record<string, boolean> | undefined, pkg: ScriptSubject): boolean | undefined {
  if (!policy) return undefined;
  let allow = false;
  let deny = false;
  const isRegistry = pkg.source === 'registry';
  const name = registryName(pkg);
  for (const [key, value] of Object.entries(policy)) {
    const hit = isRegistry ? matchesNameKey(key, name, pkg.version) : pkg.resolved !== undefined && key === pkg.resolved;
    if (!hit) continue;
    if (value === false) deny = true;
    else if (value === true) allow = true;
  }
  return deny ? false : allow ? true : undefined;
}

/** `name`, `name@*`, `name@1.2.3`, `name@1.2.3 || 2.0.0` (exact versions only). */
export function matchesNameKey(key: string, name: string, version: string): boolean {
  if (key === name) return true;
  if (!key.startsWith(name + '@')) return false;
  const spec = key.slice(name.length + 1).trim();
  if (spec === '' || spec === '*') return true;
  return spec.split('||').some((v) => v.trim().replace(/^[=v]+/, '') === version);
}

function npmDenyFix(env: PolicyEnv, pkg: ScriptSubject, npmrcLayerInUse: boolean): Fix {
  const name = registryName(pkg);
  const fix: Fix = { title: `Deny install scripts of ${name} in allowScripts (npm 11)`, kind: 'deny-scripts', name, version: pkg.version };
  // A package.json allowScripts replaces the .npmrc list entirely (npm reads only the
  // first layer that has one), so adding it would silently drop the .npmrc approvals.
  if (npmrcLayerInUse || pkg.source !== 'registry') return fix;
  if (!canEditRoot(env)) return fix;
  const exists = env.root?.allowScripts !== undefined && Object.prototype.hasOwnProperty.call(env.root.allowScripts, name);
  fix.computeEdits = () => (exists ? jsonEdits(env, ['allowScripts', name], false) : newKeyEdits(env, 'allowScripts', name, false));
  return fix;
}

// ---------------------------------------------------------------- pnpm

function decidePnpm(env: PolicyEnv, pm: PackageManagerInfo, pkg: ScriptSubject): ScriptDecision {
  const ws = env.pnpmWorkspace ?? {};
  const fromPkg = env.root?.pnpm ?? {};
  const setting = (key: string): unknown => (ws[key] !== undefined ? ws[key] : fromPkg[key]);
  const name = registryName(pkg);
  const major = pm.major;
  const wsFile = PACKAGE_MANAGER_CONFIG_FILE.pnpm;
  if (isTrue(setting('ignoreScripts')) || isTrue(env.npmrc['ignore-scripts'])) {
    return { runs: false, certain: true, reason: 'ignore-scripts is set, so pnpm runs no install scripts' };
  }
  if (isTrue(setting('ignoreDepScripts')) || isTrue(setting('ignoreDependencyScripts')) || isTrue(env.npmrc['ignore-dep-scripts'])) {
    return { runs: false, certain: true, reason: 'ignoreDepScripts is set, so pnpm runs no dependency scripts' };
  }
  const allowBuilds = asBoolMap(ws.allowBuilds ?? fromPkg.allowBuilds);
  const onlyBuilt = asStringList(setting('onlyBuiltDependencies'));
  const denied =
    Object.entries(allowBuilds ?? {}).some(([k, v]) => v === false && matchesNameKey(k, name, pkg.version)) ||
    (asStringList(setting('ignoredBuiltDependencies')) ?? []).some((k) => matchesNameKey(k, name, pkg.version)) ||
    (asStringList(setting('neverBuiltDependencies')) ?? []).some((k) => matchesNameKey(k, name, pkg.version));
  const allowAll = isTrue(setting('dangerouslyAllowAllBuilds'));
  const denyFix: Fix = {
    title: `Deny the build scripts of ${name}: add "${name}: false" under allowBuilds in ${wsFile}`,
    kind: 'deny-scripts',
    name,
    version: pkg.version,
  };
  if (allowAll && (major === undefined || major >= 10)) {
    return { runs: true, certain: true, reason: 'dangerouslyAllowAllBuilds lets pnpm run every dependency build script', fix: denyFix };
  }
  if (denied) return { runs: false, certain: true, reason: 'the pnpm settings deny its build scripts (allowBuilds false / ignoredBuiltDependencies / neverBuiltDependencies)' };
  const allowed =
    Object.entries(allowBuilds ?? {}).some(([k, v]) => v === true && matchesNameKey(k, name, pkg.version)) ||
    (onlyBuilt ?? []).some((k) => matchesNameKey(k, name, pkg.version));
  if (allowed) {
    return { runs: true, certain: true, reason: 'the pnpm settings allow its build scripts (onlyBuiltDependencies / allowBuilds)', fix: denyFix };
  }
  // pnpm 9 honours onlyBuiltDependencies as an allow list when it is set; allowBuilds is newer.
  if (onlyBuilt !== undefined || (allowBuilds !== undefined && (major === undefined || major >= 10))) {
    return { runs: false, certain: true, reason: 'pnpm only runs the build scripts that onlyBuiltDependencies / allowBuilds list, and it is not listed' };
  }
  if (major !== undefined && major >= 10) {
    return { runs: false, certain: true, reason: `pnpm ${major} blocks dependency build scripts unless onlyBuiltDependencies / allowBuilds list them` };
  }
  if (major !== undefined) {
    return { runs: true, certain: true, reason: `pnpm ${major} runs every dependency's build scripts (${pm.evidence})`, fix: denyFix };
  }
  return {
    runs: true,
    certain: false,
    reason: 'pnpm 9 runs dependency build scripts while pnpm 10 and later block unlisted ones, and nothing says which pnpm this project uses (set "packageManager")',
    fix: denyFix,
  };
}

function asStringList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

function asBoolMap(v: unknown): Record<string, boolean> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, boolean> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'boolean') out[k] = x;
  return out;
}

// ---------------------------------------------------------------- yarn

function decideYarn(env: PolicyEnv, pm: PackageManagerInfo, pkg: ScriptSubject): ScriptDecision {
  const name = registryName(pkg);
  if (pm.major === 1) {
    return { runs: true, certain: true, reason: 'yarn classic runs every dependency install script unless --ignore-scripts is passed' };
  }
  if (env.yarnrc && (env.yarnrc.enableScripts === false || env.yarnrc.enableScripts === 'false')) {
    return { runs: false, certain: true, reason: '.yarnrc.yml sets enableScripts: false, so yarn runs no dependency scripts' };
  }
  const meta = (env.root?.json as { dependenciesMeta?: Record<string, { built?: unknown }> } | undefined)?.dependenciesMeta;
  const entries = meta && typeof meta === 'object' ? Object.entries(meta) : [];
  if (entries.some(([k, v]) => v && typeof v === 'object' && v.built === false && matchesNameKey(k, name, pkg.version))) {
    return { runs: false, certain: true, reason: `package.json dependenciesMeta sets built: false for ${name}` };
  }
  const fix: Fix = { title: `Deny the build scripts of ${name} (dependenciesMeta built: false)`, kind: 'deny-scripts', name, version: pkg.version };
  const metaHas = entries.some(([k]) => k === name);
  if (canEditRoot(env)) {
    fix.computeEdits = () => (metaHas ? jsonEdits(env, ['dependenciesMeta', name, 'built'], false) : newKeyEdits(env, 'dependenciesMeta', name, { built: false }));
  }
  return { runs: true, certain: true, reason: 'yarn runs dependency build scripts unless enableScripts: false or dependenciesMeta built: false', fix };
}

// ---------------------------------------------------------------- bun

function decideBun(env: PolicyEnv, pkg: ScriptSubject): ScriptDecision {
  const name = registryName(pkg);
  const trusted = env.root?.trustedDependencies;
  if (trusted !== undefined) {
    const listed = trusted.includes(pkg.name) ? pkg.name : trusted.includes(name) ? name : undefined;
    if (listed === undefined) return { runs: false, certain: true, reason: 'bun only runs the scripts of trustedDependencies, and it is not listed' };
    const fix: Fix = { title: `Remove ${listed} from trustedDependencies`, kind: 'deny-scripts', name, version: pkg.version };
    const json = env.root?.json as { trustedDependencies?: unknown[] } | undefined;
    // Edit by index in the raw array (the parsed list skips non-strings).
    const rawIndex = json?.trustedDependencies?.indexOf(listed) ?? -1;
    if (rawIndex >= 0 && canEditRoot(env)) fix.computeEdits = () => jsonEdits(env, ['trustedDependencies', rawIndex], undefined);
    return { runs: true, certain: true, reason: 'package.json trustedDependencies lists it, so bun runs its scripts', fix };
  }
  if (pkg.source !== 'registry') {
    return { runs: false, certain: true, reason: 'bun runs scripts of non-registry packages only when trustedDependencies lists them' };
  }
  // With no trustedDependencies, bun falls back to its built-in list of several hundred popular
  // packages; we do not carry that list, so this answer is not certain.
  return {
    runs: false,
    certain: false,
    reason: "bun runs dependency scripts only for trustedDependencies or, when that is not set, for its built-in default list of popular packages (`bun pm default-trusted` shows it)",
  };
}

// ---------------------------------------------------------------- edits

/** Edits computed on a tree with syntax errors could land in the wrong place. */
function canEditRoot(env: PolicyEnv): boolean {
  return env.project.texts.has(env.rootPath) && env.root !== undefined && env.root.parseErrors.length === 0;
}

/** jsonc-parser's `modify` on the root package.json, as model TextEdits (formatting kept). */
function jsonEdits(env: PolicyEnv, path: (string | number)[], value: unknown): TextEdit[] | undefined {
  const text = env.project.texts.get(env.rootPath);
  if (text === undefined || !canEditRoot(env)) return undefined;
  const edits = modify(text, path, value, { formattingOptions: formattingOf(text) });
  return edits.map((e) => ({ file: env.rootPath, span: { start: e.offset, end: e.offset + e.length }, newText: e.content }));
}

const PLACEHOLDER = '\u0000depwarden\u0000';

/**
 * Adding a key to a root-level object lands in the same place whatever the key is, so
 * `modify` runs once per object with a placeholder key and the real name is substituted:
 * a lockfile with hundreds of install scripts must not re-parse package.json for each.
 */
function newKeyEdits(env: PolicyEnv, objectKey: string, name: string, value: unknown): TextEdit[] | undefined {
  const cacheKey = `${objectKey}\u0000${JSON.stringify(value)}`;
  if (!env.templates.has(cacheKey)) env.templates.set(cacheKey, jsonEdits(env, [objectKey, PLACEHOLDER], value));
  const template = env.templates.get(cacheKey);
  const quoted = JSON.stringify(PLACEHOLDER);
  return template?.map((e) => ({ ...e, newText: e.newText.split(quoted).join(JSON.stringify(name)) }));
}

function formattingOf(text: string): FormattingOptions {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  return {
    insertSpaces: !indent.startsWith('\t'),
    tabSize: indent.startsWith('\t') ? 1 : indent.length,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    insertFinalNewline: false,
  };
}
