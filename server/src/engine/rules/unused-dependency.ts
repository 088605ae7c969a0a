import { builtinModules } from 'node:module';
import type { Dependency, Manifest } from '../model';
import { defineRule, type Report } from './context';
import { dirname, lockedDirectDependency, type Project } from '../project';
import { extensionOf, extractConfigNames, isInSkippedSourceDir, packageNameOf, TYPESCRIPT_EXTENSIONS, type UsageIndex } from '../source-usage';
import { canRemoveDependency, removeDependencyEdits } from '../fixes/remove-dependency';

/**
 * Every dependency is code that is installed, and often run, on every developer's machine
 * and in CI: one nobody uses is attack surface for nothing. The rule is conservative:
 * anything that might use a package (an import, a script, a word in a configuration
 * file, a tool whose configuration exists, a package that needs it as a peer) counts,
 * and a workspace whose sources were not all read gets no finding at all.
 */
export const unusedDependency = defineRule({
  id: 'unused-dependency',
  summary: 'A declared dependency is never imported or used.',
  severity: 'info',
  data: ['local'],
  fixes: ['remove'],
  check({ project, report }) {
    const usage = project.usage;
    if (!usage) return;
    for (const m of project.manifests) {
      // A broken manifest, or a copy in an output folder (dist/package.json), is not judged.
      if (m.parseErrors.length > 0 || isInSkippedSourceDir(m.path)) continue;
      const declared = m.dependencies.filter((d) => (d.section === 'dependencies' || d.section === 'devDependencies') && !d.duplicate && d.name);
      if (declared.length === 0) continue;
      const evidence = evidenceOf(project, m, usage);
      if (!evidence) continue;
      for (const dep of declared) {
        if (isUsed(dep.name, evidence)) continue;
        report(findingFor(project, m, dep, evidence));
      }
    }
  },
});

/** What the files of one workspace (its folder and everything below it) use. */
interface Evidence {
  dir: string;
  imported: Set<string>;
  /** Tokens of configuration files, package.json fields and scripts. */
  tokens: Set<string>;
  /** Words and path segments of the scripts (for bin names). */
  scriptWords: Set<string>;
  configPaths: string[];
  extensions: Set<string>;
  sourceFiles: number;
  /** Packages other declared dependencies depend on (often as peers), per the lockfile. */
  neededByOthers: Set<string>;
  declared: Set<string>;
}

const NOT_CONFIG_FIELDS = new Set([
  'name', 'version', 'description', 'keywords', 'author', 'contributors', 'maintainers', 'license', 'homepage', 'repository', 'bugs', 'funding',
  'dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bundleDependencies', 'bundledDependencies',
  'overrides', 'resolutions', 'allowScripts', 'trustedDependencies', 'dependenciesMeta',
]);

/**
 * The workspace's evidence, or undefined when the rule must stay silent for it: a file
 * there was not read in full, the file limit was reached, or there are no sources at all
 * (a meta-package, or code that lives elsewhere) so nothing can be judged.
 */
function evidenceOf(project: Project, m: Manifest, usage: UsageIndex): Evidence | undefined {
  const dir = dirname(m.path);
  const prefix = dir ? `${dir}/` : '';
  const under = (p: string) => prefix === '' || p.startsWith(prefix);
  for (const d of usage.unindexedDirs) if (d === dir || under(d)) return undefined;
  const e: Evidence = {
    dir,
    imported: new Set(),
    tokens: new Set(),
    scriptWords: new Set(),
    configPaths: [],
    extensions: new Set(),
    sourceFiles: 0,
    neededByOthers: new Set(),
    declared: new Set(m.dependencies.map((d) => d.name)),
  };
  for (const [path, file] of usage.files) {
    if (!under(path)) continue;
    if (file.incomplete) return undefined;
    if (file.kind === 'source') {
      e.sourceFiles++;
      e.extensions.add(extensionOf(path));
      for (const n of file.names) e.imported.add(n);
    } else {
      e.configPaths.push(path);
      e.extensions.add(extensionOf(path));
      for (const n of file.names) e.tokens.add(n);
    }
  }
  if (e.sourceFiles === 0) return undefined;
  // The workspace's own package.json, and those of packages below it (a monorepo root's
  // tooling is used from its workspaces).
  for (const other of project.manifests) {
    if (!under(other.path) || isInSkippedSourceDir(other.path)) continue;
    addManifestTokens(other, e);
  }
  for (const dep of m.dependencies) {
    const locked = lockedDirectDependency(project, m.path, dep.name);
    if (!locked) continue;
    for (const n of Object.keys(locked.dependencySpecs ?? {})) e.neededByOthers.add(n);
    const graph = [...project.graphs.values()].find((g) => g.byId.get(locked.id) === locked);
    for (const id of locked.dependencies) {
      const child = graph?.byId.get(id);
      if (child) e.neededByOthers.add(child.name);
    }
  }
  return e;
}

function addManifestTokens(m: Manifest, e: Evidence): void {
  const json = m.json;
  if (!json || typeof json !== 'object' || Array.isArray(json)) return;
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (NOT_CONFIG_FIELDS.has(key)) continue;
    e.tokens.add(key.toLowerCase());
    if (key === 'scripts') {
      for (const script of Object.values(value as Record<string, unknown>)) {
        if (typeof script !== 'string') continue;
        for (const t of extractConfigNames(script)) {
          e.tokens.add(t);
          e.scriptWords.add(t);
          for (const seg of t.split('/')) e.scriptWords.add(seg);
        }
      }
      continue;
    }
    addStrings(value, e.tokens, 0);
  }
}

function addStrings(value: unknown, into: Set<string>, depth: number): void {
  if (depth > 20) return;
  if (typeof value === 'string') {
    for (const t of extractConfigNames(value)) into.add(t);
  } else if (Array.isArray(value)) {
    for (const v of value) addStrings(v, into, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      // Keys name packages too: "jest": { "transform": { "^.+\\.ts$": "ts-jest" } }, "lint-staged".
      for (const t of extractConfigNames(k)) into.add(t);
      addStrings(v, into, depth + 1);
    }
  }
}

/** Prefixes tools add to a name that configuration files leave out (`plugins: ['react']`). */
const SHORTHAND_PREFIXES = [
  'eslint-plugin-', 'eslint-config-', 'babel-plugin-', 'babel-preset-', 'prettier-plugin-', 'stylelint-config-', 'stylelint-plugin-',
  'postcss-', 'jest-environment-', 'jest-preset-', 'karma-', 'rollup-plugin-', 'vite-plugin-', 'remark-', 'rehype-', 'markdown-it-',
  'gulp-', 'grunt-', 'commitlint-config-', 'plugin-', 'preset-', 'config-',
];

/** The names a configuration file may use for a package. */
export function aliasesOf(name: string): string[] {
  const out = [name];
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    const scope = name.slice(0, slash);
    const rest = name.slice(slash + 1);
    for (const p of SHORTHAND_PREFIXES) {
      if (rest === p.slice(0, -1)) out.push(scope);
      else if (rest.startsWith(p)) out.push(`${scope}/${rest.slice(p.length)}`);
    }
  } else {
    for (const p of SHORTHAND_PREFIXES) if (name.startsWith(p) && name.length > p.length) out.push(name.slice(p.length));
  }
  return out;
}

/** Commands whose name is not the package's (or its last segment). */
const KNOWN_BINS: Record<string, string[]> = {
  typescript: ['tsc', 'tsserver'],
  'npm-run-all': ['run-p', 'run-s'],
  'npm-run-all2': ['run-p', 'run-s', 'npm-run-all'],
  '@angular/cli': ['ng'],
  'webpack-cli': ['webpack'],
  '@vue/cli-service': ['vue-cli-service'],
  '@changesets/cli': ['changeset'],
  '@playwright/test': ['playwright'],
  '@storybook/cli': ['sb', 'storybook'],
  '@swc/cli': ['swc'],
  '@babel/cli': ['babel'],
  '@babel/node': ['babel-node'],
  '@nestjs/cli': ['nest'],
  'npm-check-updates': ['ncu'],
  'firebase-tools': ['firebase'],
  '@commitlint/cli': ['commitlint'],
  mocha: ['_mocha'],
  '@sveltejs/kit': ['svelte-kit'],
  nuxt: ['nuxi'],
  '@remix-run/dev': ['remix'],
  '@graphql-codegen/cli': ['graphql-codegen', 'gql-gen'],
  '@microsoft/rush': ['rush'],
  'dotenv-cli': ['dotenv'],
  '@vscode/vsce': ['vsce'],
  '@vscode/test-electron': ['vscode-test'],
  '@vscode/test-cli': ['vscode-test'],
};

/** Frameworks that load packages the project must declare but never imports itself. */
const IMPLIED_BY: Record<string, string[]> = {
  next: ['react', 'react-dom'],
  gatsby: ['react', 'react-dom'],
  'react-scripts': ['react', 'react-dom'],
  expo: ['react', 'react-native'],
  '@remix-run/react': ['react', 'react-dom'],
  'vue-loader': ['vue-template-compiler', 'vue'],
  nuxt: ['vue'],
  '@sveltejs/kit': ['svelte', 'vite'],
  astro: ['vite'],
};

/** Tool families: members count as used wherever the tool is configured or used. */
interface ToolFamily {
  members: RegExp;
  /** Matched against each configuration file's path. */
  configs: RegExp;
  /** Names (packages, package.json keys) whose presence activates the family. */
  tools: string[];
}

const FAMILIES: ToolFamily[] = [
  { members: /(^|\/|-)eslint(-|$)|^@eslint\/|^@typescript-eslint\/|^typescript-eslint$|^globals$/, configs: /(^|\/)(\.eslintrc(\..*)?|eslint\.config\.\w+)$/, tools: ['eslint', 'eslintconfig'] },
  { members: /(^|\/|-)prettier(-|$)|^@prettier\//, configs: /(^|\/)(\.prettierrc(\..*)?|prettier\.config\.\w+)$/, tools: ['prettier'] },
  { members: /^@babel\/|^babel-(plugin|preset|loader|jest|core)|(^|\/)babel-(plugin|preset)-/, configs: /(^|\/)(\.babelrc(\..*)?|babel\.config\.\w+)$/, tools: ['babel', '@babel/core'] },
  { members: /^jest(-|$)|^@jest\/|^ts-jest$|^babel-jest$|^@types\/jest$/, configs: /(^|\/)jest\.(config|preset)\.\w+$/, tools: ['jest'] },
  { members: /^vitest$|^@vitest\//, configs: /(^|\/)vitest\.(config|workspace)\.\w+$|(^|\/)vite\.config\.\w+$/, tools: ['vitest'] },
  { members: /^postcss(-|$)|^autoprefixer$|^tailwindcss$|^@tailwindcss\/|^cssnano/, configs: /(^|\/)(postcss\.config\.\w+|\.postcssrc(\..*)?|tailwind\.config\.\w+)$/, tools: ['postcss', 'tailwindcss'] },
  { members: /(^|\/|-)stylelint(-|$)/, configs: /(^|\/)(\.stylelintrc(\..*)?|stylelint\.config\.\w+)$/, tools: ['stylelint'] },
  { members: /commitlint/, configs: /(^|\/)(\.commitlintrc(\..*)?|commitlint\.config\.\w+)$/, tools: ['commitlint'] },
  { members: /^husky$/, configs: /(^|\/)\.husky\//, tools: ['husky'] },
  { members: /^lint-staged$/, configs: /(^|\/)(\.lintstagedrc(\..*)?|lint-staged\.config\.\w+)$/, tools: ['lint-staged'] },
  { members: /^typescript$|^tslib$|^@tsconfig\//, configs: /(^|\/)(tsconfig|jsconfig)([.-].*)?\.json$/, tools: ['typescript'] },
  { members: /^@storybook\/|^storybook$/, configs: /(^|\/)\.storybook\//, tools: ['storybook'] },
  { members: /^webpack(-|$)|-loader$|-webpack-plugin$|^@webpack-cli\//, configs: /(^|\/)webpack\.[\w.-]*\.?[cm]?[jt]s$/, tools: ['webpack'] },
  { members: /^rollup$|^@rollup\/|^rollup-plugin-/, configs: /(^|\/)rollup\.config\.\w+$/, tools: ['rollup'] },
  { members: /^vite$|^@vitejs\/|^vite-plugin-/, configs: /(^|\/)vite\.config\.\w+$/, tools: ['vite'] },
  { members: /^@playwright\/|^playwright/, configs: /(^|\/)playwright\.config\.\w+$/, tools: ['playwright'] },
  { members: /^mocha$|^chai(-|$)|^@types\/(mocha|chai)$/, configs: /(^|\/)\.mocharc(\..*)?$/, tools: ['mocha'] },
  { members: /^nyc$|^@istanbuljs\//, configs: /(^|\/)\.nycrc(\..*)?$/, tools: ['nyc'] },
];

const BUILTINS = new Set(builtinModules.filter((b) => !b.startsWith('_')));

function isUsed(name: string, e: Evidence, depth = 0): boolean {
  if (e.imported.has(name)) return true;
  if (aliasesOf(name).some((a) => e.tokens.has(a.toLowerCase()))) return true;
  if (namedInScripts(name, e)) return true;
  if (e.neededByOthers.has(name)) return true;
  for (const [framework, implied] of Object.entries(IMPLIED_BY)) if (implied.includes(name) && e.declared.has(framework)) return true;
  if (name === 'react' && (e.extensions.has('jsx') || e.extensions.has('tsx'))) return true;
  if ((name === 'vue' || name === 'svelte' || name === 'astro') && e.extensions.has(name)) return true;
  const hasTypeScript = [...TYPESCRIPT_EXTENSIONS].some((x) => e.extensions.has(x));
  if (name.startsWith('@types/')) {
    // Types are read by the compiler, never imported: any TypeScript counts.
    if (hasTypeScript) return true;
    const typed = typedPackageOf(name);
    if (typed === 'node' && [...e.imported].some((n) => BUILTINS.has(n))) return true;
    if (typed && depth === 0 && isUsed(typed, e, 1)) return true;
  }
  if ((name === 'typescript' || name === 'tslib') && hasTypeScript) return true;
  for (const f of FAMILIES) {
    if (!f.members.test(name)) continue;
    if (e.configPaths.some((p) => f.configs.test(p))) return true;
    if (f.tools.some((t) => t !== name && (e.imported.has(t) || e.tokens.has(t) || namedInScripts(t, e)))) return true;
  }
  return false;
}

/** `@types/babel__core` -> `@babel/core`, `@types/node` -> `node`. */
function typedPackageOf(name: string): string | undefined {
  const rest = name.slice('@types/'.length);
  if (!rest) return undefined;
  return rest.includes('__') ? `@${rest.replace('__', '/')}` : rest;
}

/** The package's name, or the command it installs, appears as a word in a script. */
function namedInScripts(name: string, e: Evidence): boolean {
  const words = e.scriptWords;
  if (words.size === 0) return false;
  const lower = name.toLowerCase();
  if (words.has(lower)) return true;
  const last = lower.slice(lower.lastIndexOf('/') + 1);
  if (lower.startsWith('@') && last !== 'cli' && words.has(last)) return true;
  if (last.endsWith('-cli') && words.has(last.slice(0, -4))) return true;
  return (KNOWN_BINS[name] ?? []).some((b) => words.has(b));
}

function findingFor(project: Project, m: Manifest, dep: Dependency, e: Evidence): Report {
  const where = e.dir ? `${e.dir}/` : 'the project';
  const locked = lockedDirectDependency(project, m.path, dep.name);
  const removable = canRemoveDependency(project, m.path, dep);
  return {
    message: `${dep.name} is declared in ${dep.section} but nothing in ${where} imports or requires it, and no script or configuration file names it. An unused dependency is still installed (and its scripts run) everywhere: remove it if nothing needs it.`,
    file: m.path,
    span: dep.nameSpan,
    package: dep.name,
    version: locked?.version ?? null,
    evidence: [
      `Looked in ${e.sourceFiles} source file${e.sourceFiles === 1 ? '' : 's'} and ${e.configPaths.length} configuration file${e.configPaths.length === 1 ? '' : 's'} under ${where} (node_modules, dist, build, coverage, .next and out skipped), and in the scripts and fields of its package.json files.`,
    ],
    fixes: removable
      ? [{ title: `Remove ${dep.name} from ${dep.section}`, kind: 'remove', name: dep.name, preferred: false, computeEdits: () => removeDependencyEdits(project, m.path, dep) }]
      : [],
  };
}
