// Bundles the client, the language server and the CLI into dist/.
//
// Start-up is part of every CLI run, so the CLI and the server bundles keep out what a scan
// does not need, and load precomputed data rather than computing it:
// - undici (HTTP proxies only), yaml and @yarnpkg/parsers (fallback and config readers) are
//   files of their own (dist/undici.js, yaml.js, yarnpkg-parsers.js), required on first use;
// - the typosquat detector's derived keys and trigram postings are computed here, once,
//   and inlined as JSON (DEPWARDEN_TYPOSQUAT_SNAPSHOT, see engine/typosquat/index.ts);
// - dist/cli.js is a small launcher (cli/launcher.ts) that turns on Node's module compile
//   cache (Node >= 22.1), or a V8 code cache of its own on older Node (cli/code-cache.ts),
//   before loading the CLI itself from dist/cli-main.js, so later runs skip compiling it.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { chmod, mkdir, readFile } from 'node:fs/promises';

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

/** The detector snapshot of the bundled popular list, computed by running the engine's own code. */
async function typosquatSnapshot() {
  const out = await build({
    ...common,
    sourcemap: false,
    minify: false,
    write: false,
    outfile: 'snapshot.js',
    stdin: {
      contents: "import { TyposquatDetector, loadPopularPackages } from './server/src/engine/typosquat'; module.exports = JSON.stringify(new TyposquatDetector(loadPopularPackages()).snapshot());",
      resolveDir: '.',
      loader: 'ts',
    },
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(mod, mod.exports, createRequire(import.meta.url));
  return mod.exports;
}

// The one version number: package.json's, shown by `depwarden --version` and in every report.
const { version } = JSON.parse(await readFile('package.json', 'utf8'));
const engine = {
  ...common,
  plugins: [librariesApart],
  define: { DEPWARDEN_TYPOSQUAT_SNAPSHOT: JSON.stringify(await typosquatSnapshot()), DEPWARDEN_VERSION: JSON.stringify(version) },
};

await mkdir('dist', { recursive: true });
await Promise.all([
  build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] }),
  build({ ...engine, entryPoints: ['server/src/lsp/server.ts'], outfile: 'dist/server.js' }),
  build({ ...engine, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli-main.js' }),
  ...Object.entries(APART).map(([name, file]) => build({ ...common, entryPoints: [name], outfile: `dist/${file}` })),
  // No source map: the launcher must stay small, and its code is short enough to read as is.
  build({ ...common, sourcemap: false, entryPoints: ['server/src/cli/launcher.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
]);
// The bin entry runs directly on Unix.
await chmod('dist/cli.js', 0o755);
