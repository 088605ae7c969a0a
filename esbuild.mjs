// Bundles the client, the language server and the CLI into dist/.
//
// Start-up is part of every CLI run, so the CLI and the server bundles keep out what a scan
// does not need, and load precomputed data rather than computing it:
// - undici (HTTP proxies only), yaml and @yarnpkg/parsers (fallback and config readers) are
//   files of their own (dist/undici.js, yaml.js, yarnpkg-parsers.js), required on first use;
// - the typosquat detector's tables (derived keys, trigram postings) are computed here,
//   once, into dist/typosquat-index.bin, which the bundles read as it is on first use
//   (engine/typosquat/popular-index.ts); the popular list itself is not bundled;
// - dist/cli.js and dist/server.js are a small launcher (launch/launcher.ts) that turns on
//   Node's module compile cache (Node >= 22.1), or a V8 code cache of its own on older Node
//   (launch/code-cache.ts), before loading the CLI or the language server itself from
//   dist/cli-main.js or dist/server-main.js, so later starts skip compiling it.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  // jsonc-parser's UMD build hides its requires from the bundler; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
};

/**
 * Libraries our code loads on first use (`require('undici')`, engine/lazy-modules.ts) become
 * bundles of their own beside the entry: `require('yaml')` becomes `require('./yaml.js')`.
 * A scan that never needs them does not even compile them.
 */
const APART = { undici: 'undici.js', yaml: 'yaml.js', '@yarnpkg/parsers': 'yarnpkg-parsers.js' };
const librariesApart = {
  name: 'libraries-apart',
  setup(b) {
    b.onResolve({ filter: /^(undici|yaml|@yarnpkg\/parsers)$/ }, (args) =>
      args.importer.includes('node_modules') || args.kind !== 'require-call' ? undefined : { path: `./${APART[args.path]}`, external: true },
    );
  },
};

/** The typosquat index of the bundled popular list, written by the engine's own code. */
async function typosquatIndex() {
  const out = await build({
    ...common,
    sourcemap: false,
    minify: false,
    write: false,
    outfile: 'index.js',
    stdin: {
      contents:
        "import { loadPopularPackages, popularSource } from './server/src/engine/typosquat/popular'; import { tablesFromList, writePopularIndex } from './server/src/engine/typosquat/popular-index'; module.exports = writePopularIndex(tablesFromList(loadPopularPackages(), popularSource()));",
      resolveDir: '.',
      loader: 'ts',
    },
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', '__dirname', out.outputFiles[0].text)(mod, mod.exports, createRequire(import.meta.url), process.cwd());
  return mod.exports;
}

/** Beside the server and CLI bundles (the .vsix and the CLI package ship it). */
const TYPOSQUAT_INDEX_FILE = 'typosquat-index.bin';

// The one version number: package.json's, shown by `depwarden --version` and in every report.
const { version } = JSON.parse(await readFile('package.json', 'utf8'));
const engine = {
  ...common,
  plugins: [librariesApart],
  define: { DEPWARDEN_TYPOSQUAT_INDEX: JSON.stringify(TYPOSQUAT_INDEX_FILE), DEPWARDEN_VERSION: JSON.stringify(version) },
};

/** dist/cli.js and dist/server.js: the launcher (launch/launcher.ts) of each program's bundle. */
const launcher = { ...common, sourcemap: false, entryPoints: ['server/src/launch/launcher.ts'] };

/** The language server's packument decoder thread, beside dist/server-main.js. */
const PACKUMENT_WORKER_FILE = 'packument-worker.js';

await mkdir('dist', { recursive: true });
await writeFile(`dist/${TYPOSQUAT_INDEX_FILE}`, await typosquatIndex());
await Promise.all([
  build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] }),
  // The server decodes registry answers in a worker thread (engine/data/packument-decoder.ts); the CLI in its one thread.
  build({ ...engine, define: { ...engine.define, DEPWARDEN_PACKUMENT_WORKER: JSON.stringify(PACKUMENT_WORKER_FILE) }, entryPoints: ['server/src/lsp/server.ts'], outfile: 'dist/server-main.js' }),
  build({ ...engine, entryPoints: ['server/src/engine/data/packument-worker.ts'], outfile: `dist/${PACKUMENT_WORKER_FILE}` }),
  build({ ...engine, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli-main.js' }),
  ...Object.entries(APART).map(([name, file]) => build({ ...common, entryPoints: [name], outfile: `dist/${file}` })),
  // No source map: the launchers must stay small, and their code is short enough to read as is.
  build({ ...launcher, define: { DEPWARDEN_MAIN: JSON.stringify('cli-main.js'), DEPWARDEN_SAVE_CACHE_AFTER_MS: 'undefined' }, outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  build({ ...launcher, define: { DEPWARDEN_MAIN: JSON.stringify('server-main.js'), DEPWARDEN_SAVE_CACHE_AFTER_MS: '10000' }, outfile: 'dist/server.js' }),
]);
// The bin entry runs directly on Unix.
await chmod('dist/cli.js', 0o755);

// V8 keeps a script's source in memory for as long as the script runs, one byte per
// character when all of it is Latin-1, two otherwise: one `…` left in a comment esbuild
// keeps (the doc comment of a class member) made the language server hold its 3.7 MB
// bundle as 7.4 MB. esbuild already escapes strings, templates and regexes (charset
// ascii), so what remains is in comments, where an escape changes nothing (and `\uXXXX`, one
// per UTF-16 unit, would mean the same character anywhere else too).
for (const file of ['dist/server-main.js', `dist/${PACKUMENT_WORKER_FILE}`, 'dist/cli-main.js', 'dist/client.js', ...Object.values(APART).map((f) => `dist/${f}`)]) {
  const text = await readFile(file, 'utf8');
  if (/[^\x00-\x7f]/.test(text)) await writeFile(file, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
