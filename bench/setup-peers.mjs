// Installs the peer tools the benchmark compares against into .bench-peers/ (git-ignored),
// so that they are not dependencies of the project. Idempotent.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const PEERS = ['@npmcli/arborist@9', 'snyk-nodejs-lockfile-parser@2', 'lockfile-lint-api@5', '@yarnpkg/lockfile@1', '@yarnpkg/parsers@3', 'yaml@2'];
const missing = PEERS.filter((p) => !existsSync(`.bench-peers/node_modules/${p.slice(0, p.lastIndexOf('@'))}/package.json`));
if (missing.length) {
  console.error(`bench: installing peer tools into .bench-peers: ${missing.join(' ')}`);
  const r = spawnSync('npm', ['install', '--prefix', '.bench-peers', '--no-audit', '--no-fund', '--ignore-scripts', ...missing], { stdio: 'inherit' });
  if (r.status !== 0) console.error('bench: could not install some peers; their rows will say so');
}
