/**
 * What a workspace's source and configuration files use, for `unused-dependency`.
 *
 * Whole source texts are never kept: discovery (and the language server's refresh) reads
 * each file once, keeps only the package names it mentions, and drops the text. A regex
 * scanner rather than a parser: it must get through tens of thousands of files in the
 * time a person waits for a scan, and a liberal match (a name inside a comment counts as
 * used) only makes the rule quieter, never wrong in the direction that hurts.
 */

export type UsageFileKind = 'source' | 'config';

export interface FileUsage {
  kind: UsageFileKind;
  /**
   * source: package names it imports, requires or references; config: every token that
   * may name a package (string literals, words, `plugin:x/y` heads, scopes).
   */
  names: string[];
  /** The file was over the size limit, so what it uses is unknown. */
  incomplete?: boolean;
}

/** The usage of every indexed file of a scanned folder. */
export interface UsageIndex {
  /** By path relative to the scan root, '/' separated. */
  files: Map<string, FileUsage>;
  /** Folders holding source files that were not indexed because the file-count limit was reached. */
  unindexedDirs: Set<string>;
}

/** Output, cache and dependency folders: generated code there repeats (or bundles) the real sources. */
export const SOURCE_SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', '.next', 'out', '.nuxt', '.svelte-kit', '.turbo', '.output']);
export const MAX_SOURCE_FILES = 20_000;
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

const CODE_EXTENSIONS = new Set(['js', 'cjs', 'mjs', 'jsx', 'ts', 'cts', 'mts', 'tsx', 'vue', 'svelte', 'astro']);
/** Style sheets and pages: `@import "~pkg/x.css"`, `node_modules/pkg/...` references. */
const MARKUP_EXTENSIONS = new Set(['css', 'scss', 'sass', 'less', 'html']);
export const TYPESCRIPT_EXTENSIONS = new Set(['ts', 'cts', 'mts', 'tsx']);
/** Folders whose every file configures a tool (git hooks, Storybook, VitePress). */
const CONFIG_DIRS = new Set(['.husky', '.storybook', '.vitepress', '.config']);
const CONFIG_FILE_NAMES = new Set(['angular.json', 'nx.json', 'project.json', 'turbo.json', 'nest-cli.json', 'lerna.json', 'vercel.json', 'netlify.toml', 'deno.json', 'components.json']);
/** `.eslintrc`, `.babelrc.json`, `.mocharc.yml`, ... (`.npmrc` and friends are policy files, matched before this). */
const RC_FILE = /^\.[\w.-]*rc(\.(js|cjs|mjs|ts|cts|mts|json|json5|jsonc|yml|yaml|toml))?$/;
/** `vite.config.ts`, `karma.conf.js`, `webpack.prod.js`, `tsconfig.build.json`, `gulpfile.js`, ... */
const CONFIG_NAME = /(^|[.-])(config|conf)\.[a-z0-9]+$|^(tsconfig|jsconfig)([.-].*)?\.json$|^webpack\..*\.[cm]?[jt]s$|^(gulpfile|gruntfile|knexfile)\.[cm]?[jt]s$/i;

export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** Whether a file tells what a workspace uses, and how to read it; undefined for every other file. */
export function usageKindOfPath(path: string): UsageFileKind | undefined {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const segments = slash < 0 ? [] : path.slice(0, slash).split('/');
  if (segments.some((s) => CONFIG_DIRS.has(s))) return 'config';
  if (RC_FILE.test(base) || CONFIG_FILE_NAMES.has(base) || CONFIG_NAME.test(base)) return 'config';
  const ext = extensionOf(base);
  if (CODE_EXTENSIONS.has(ext) || MARKUP_EXTENSIONS.has(ext)) return 'source';
  return undefined;
}

/** True when the path lies in a folder whose sources are not indexed (node_modules, dist, ...). */
export function isInSkippedSourceDir(path: string): boolean {
  const parts = path.split('/');
  for (let i = 0; i < parts.length - 1; i++) if (SOURCE_SKIP_DIRS.has(parts[i]) || parts[i] === '.git') return true;
  return false;
}

const NAME = /^(?:@[a-z0-9~][\w.~-]*\/)?[a-z0-9~][\w.~-]*$/i;

/**
 * The package a module specifier loads: `lodash/fp` -> `lodash`, `@a/b/c` -> `@a/b`;
 * undefined for relative and absolute paths, subpath imports (`#x`), URLs and protocols
 * (`node:fs`, `virtual:x`), and template pieces.
 */
export function packageNameOf(specifier: string): string | undefined {
  let s = specifier.trim();
  if (s.startsWith('~')) s = s.slice(1); // webpack's "from node_modules" prefix in style sheets
  const q = s.search(/[?#]/);
  if (q > 0) s = s.slice(0, q);
  if (!s || s.startsWith('.') || s.startsWith('/') || s.includes(':') || s.includes('$') || s.includes('\\')) return undefined;
  const parts = s.split('/');
  const name = s.startsWith('@') ? (parts.length >= 2 ? `${parts[0]}/${parts[1]}` : undefined) : parts[0];
  return name && NAME.test(name) ? name : undefined;
}

// One pass per pattern family, each capturing the specifier in a named group `s`.
const SOURCE_PATTERNS: RegExp[] = [
  // import x from 'a'; export * from 'a'; import type {T} from 'a'; import 'a'
  /\b(?:from|import)\s*(['"])(?<s>[^'"\n]{1,300})\1/g,
  // require('a'), require.resolve('a'), import('a'), import.meta.resolve('a'), createRequire-style and test mocks
  /\b(?:require(?:\.resolve)?|import(?:\.meta\.resolve)?|mock|doMock|unmock|requireActual|importActual|requireMock|importMock)\s*\(\s*(['"`])(?<s>[^'"`\n$]{1,300})\1/g,
  // /// <reference types="a" />
  /\/\/\/\s*<reference\s+types\s*=\s*(['"])(?<s>[^'"\n]{1,300})\1/g,
  // declare module 'a' (type augmentation of a package)
  /\bdeclare\s+module\s+(['"])(?<s>[^'"\n]{1,300})\1/g,
  // spawn('prettier', ...), execSync("eslint .") : a tool run by name
  /\b(?:spawn|exec|execa|execFile|fork)(?:Sync)?\s*\(\s*['"`](?<s>[\w@][\w@./-]{0,200})/g,
  // @import "~bootstrap/scss/x"; @use 'pkg'
  /@(?:import|use|forward)\s+(?:url\(\s*)?(['"])(?<s>[^'"\n]{1,300})\1/g,
  // <script src="node_modules/pkg/...">, url(../node_modules/pkg/x.woff)
  /node_modules\/(?<s>(?:@[\w.~-]+\/)?[\w.~-]+)/g,
  // A string that is exactly a scoped or hyphenated package name: the name of a package loaded
  // through a variable (`const name = '@vscode/test-electron'; await import(name)`). Plain
  // words ('utf8', 'error') are left out: too common to mean anything, and they would bloat the index.
  /(['"`])(?<s>@[a-z0-9~][\w.~-]*\/[\w.~-]+|[a-z0-9][\w.~]*-[\w.~-]+)\1/g,
];

/** Package names a JS/TS-family source file (or style sheet, page) loads. */
export function extractSourceNames(text: string): string[] {
  const names = new Set<string>();
  for (const re of SOURCE_PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const spec = m.groups!.s;
      // A webpack loader chain names several packages: 'style-loader!css-loader!./x.css'.
      for (const part of spec.includes('!') ? spec.split('!') : [spec]) {
        const name = packageNameOf(part);
        if (name) names.add(name);
      }
    }
  }
  return detach(names);
}

/**
 * Copies of the names that share nothing with the file's text. A regex match is a slice
 * of the text it was found in, and V8 keeps the whole text alive for as long as a slice
 * of 13 or more characters lives: without this the index would hold every source file.
 */
function detach(names: Set<string>): string[] {
  const out: string[] = [];
  for (const n of names) out.push(n.length >= 13 ? Buffer.from(n, 'utf8').toString('utf8') : n);
  return out;
}

const TOKEN = /@?[a-z0-9~][\w.~-]*(?:\/[\w.~-]+)*/gi;

/**
 * Every token of a configuration file that may name a package: tools name plugins by
 * string (`plugins: ['react']`, `preset: 'ts-jest'`, `"types": ["node"]`,
 * `extends: 'plugin:@typescript-eslint/recommended'`), in JSON, YAML or JS alike.
 * Each token adds itself, the package it would load, and for scoped names the scope.
 */
export function extractConfigNames(text: string): string[] {
  const names = new Set<string>();
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const token = m[0].toLowerCase();
    if (token.length > 214) continue;
    names.add(token);
    if (token.includes('/')) {
      const pkg = packageNameOf(token);
      if (pkg) names.add(pkg);
      if (token.startsWith('@')) names.add(token.slice(0, token.indexOf('/')));
    }
  }
  return detach(names);
}

/** The usage of one file from its text. */
export function usageOfText(kind: UsageFileKind, path: string, text: string): FileUsage {
  if (kind === 'config') {
    // A JS config also imports its plugins.
    const ext = extensionOf(path);
    const names = extractConfigNames(text);
    if (CODE_EXTENSIONS.has(ext)) for (const n of extractSourceNames(text)) if (!names.includes(n)) names.push(n);
    return { kind, names };
  }
  return { kind, names: extractSourceNames(text) };
}

export function emptyUsageIndex(): UsageIndex {
  return { files: new Map(), unindexedDirs: new Set() };
}

/** Counts toward the file limit: only source files (configuration files are few and small). */
export function countSourceFiles(index: UsageIndex): number {
  let n = 0;
  for (const u of index.files.values()) if (u.kind === 'source') n++;
  return n;
}
