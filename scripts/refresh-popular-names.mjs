// Regenerates server/src/engine/data/popular-names.json from the installed
// `npm-high-impact` package, so the typosquat rule ships an offline list that is only
// as old as the last build (run it before bundling; the output is committed so a plain
// checkout works without it).
//
// Usage: node scripts/refresh-popular-names.mjs [--check]
//   --check  exit 1 when the committed file differs from what the package would give.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmHighImpact, npmTopDownloads, npmTopDependents } from 'npm-high-impact';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'server/src/engine/data/popular-names.json');
// The package's exports hide package.json; it sits beside the entry point.
const entry = fileURLToPath(import.meta.resolve('npm-high-impact'));
const { version } = JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8'));

const rankIn = (list) => new Map(list.map((name, i) => [name, i + 1]));
const downloads = rankIn(npmTopDownloads);
const dependents = rankIn(npmTopDependents);

// One entry per line keeps refreshes reviewable as a diff. The entry order is the
// package's own popularity order (most downloaded first, then most depended on), so an
// entry's index + 1 is its overall rank; the two other numbers are its rank in the
// downloads and dependents lists (0 when absent).
const seen = new Set();
const lines = [];
for (const name of npmHighImpact) {
  if (seen.has(name)) continue;
  seen.add(name);
  lines.push(JSON.stringify([name, downloads.get(name) ?? 0, dependents.get(name) ?? 0]));
}
const text =
  '{\n' +
  `  "source": ${JSON.stringify(`npm-high-impact@${version}`)},\n` +
  '  "generatedBy": "scripts/refresh-popular-names.mjs (do not edit by hand)",\n' +
  '  "fields": ["name", "downloadsRank", "dependentsRank"],\n' +
  '  "names": [\n' +
  lines.map((l) => '    ' + l).join(',\n') +
  '\n  ]\n}\n';

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    /* missing counts as stale */
  }
  if (current !== text) {
    console.error(`${out} is stale: run node scripts/refresh-popular-names.mjs`);
    process.exit(1);
  }
  console.log(`popular names up to date (${lines.length} from npm-high-impact@${version})`);
} else {
  writeFileSync(out, text);
  console.log(`wrote ${lines.length} popular names from npm-high-impact@${version} to ${out}`);
}
