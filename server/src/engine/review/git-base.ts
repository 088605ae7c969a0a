import type * as ChildProcess from 'node:child_process';

/** Loaded on first use: every CLI run would otherwise load child_process (~5 ms) for `depwarden diff` alone. */
function childProcess(): typeof ChildProcess {
  return require('node:child_process') as typeof ChildProcess;
}

/**
 * Reads a file as it is at a git revision. execFile, never a shell: the revision and the
 * path are passed as one argument each, and nothing is written.
 * Resolves undefined when git has no such file at that revision (a new lockfile).
 */
export function readAtRevision(cwd: string, rev: string, relPath: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    if (rev.startsWith('-')) {
      reject(new Error(`invalid revision "${rev}"`));
      return;
    }
    childProcess().execFile('git', ['show', `${rev}:./${relPath}`], { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      const msg = String(stderr || err.message);
      if (/does not exist in|exists on disk, but not in|not in '/.test(msg)) resolve(undefined);
      else reject(new Error(`git show ${rev}:${relPath} failed: ${msg.trim().split('\n')[0]}`));
    });
  });
}
