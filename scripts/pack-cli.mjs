// Writes the command line as an npm package of its own, ready for `npm publish` (or
// `npm pack`), into dist/npm/ (or --out DIR). Run `npm run build` first; `npm run
// package:cli` does both, minified.
//
// Why a generated folder rather than publishing the repository's package.json: that one
// is the VS Code extension's manifest (engines.vscode, contributes, activation events, a
// `main` that imports `vscode`, and every dev dependency the editor build needs). The CLI
// bundles (dist/cli.js, the launcher; dist/cli-main.js; dist/undici.js, loaded only
// behind a proxy; dist/yaml.js and dist/yarnpkg-parsers.js, loaded only for the files that
// need them; dist/typosquat-index.bin, the typosquat tables built from the popular list)
// already contain the engine and need nothing from node_modules, so the
// package is those files, its README and its LICENSE: no dependencies to install,
// nothing that mentions VS Code. Name, version, license and repository come from the
// root package.json, so there is one version number to bump.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const out = resolve(outFlag > 0 ? process.argv[outFlag + 1] : join(root, 'dist', 'npm'));

const bundles = ['cli.js', 'cli-main.js', 'undici.js', 'yaml.js', 'yarnpkg-parsers.js', 'typosquat-index.bin'];
for (const b of bundles) {
  if (!existsSync(join(root, 'dist', b))) {
    console.error(`pack-cli: dist/${b} is missing; run \`npm run build\` first`);
    process.exit(1);
  }
}

const extension = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const manifest = {
  name: extension.name,
  version: extension.version,
  description: 'Checks package.json files and lockfiles for malicious and risky npm dependencies (typosquats, known malware, install scripts, lockfile injection); text, JSON or SARIF output for CI.',
  license: extension.license,
  repository: extension.repository,
  homepage: `${extension.repository.url}/blob/main/docs/CLI.md`,
  keywords: extension.keywords,
  bin: { depwarden: 'cli.js' },
  files: [...bundles, 'README.md', 'LICENSE'],
  engines: { node: extension.engines.node },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const b of bundles) copyFileSync(join(root, 'dist', b), join(out, b));
copyFileSync(join(root, 'docs', 'CLI.md'), join(out, 'README.md'));
copyFileSync(join(root, 'LICENSE'), join(out, 'LICENSE'));
writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`pack-cli: ${manifest.name}@${manifest.version} written to ${out}`);
