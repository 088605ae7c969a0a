// The end-to-end scenarios in desktop VS Code, through @vscode/test-electron. That package
// downloads VS Code, so this suite is for machines with internet access; where the
// download fails it says so and exits non-zero (the code-server suite, `npm run test:e2e`,
// is the one that runs offline). Environment:
//   DEPWARDEN_VSCODE_VERSION  VS Code version to download (default: stable)
//   DEPWARDEN_VSCODE_EXE      use this VS Code executable instead of downloading one
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { editorEnv, FIXTURE_DIR, USER_SETTINGS } from '../e2e/scenarios';

const ROOT = resolve(__dirname, '..', '..');
const DOWNLOAD_TIMEOUT_MS = 60_000;

type TestElectron = {
  downloadAndUnzipVSCode(options: { version?: string; cachePath?: string; timeout?: number }): Promise<string>;
  runTests(options: {
    vscodeExecutablePath: string;
    extensionDevelopmentPath: string;
    extensionTestsPath: string;
    launchArgs: string[];
    extensionTestsEnv?: Record<string, string | undefined>;
  }): Promise<number>;
};

function fail(message: string): never {
  console.error(`test:electron: ${message}`);
  process.exit(1);
}

async function loadTestElectron(): Promise<TestElectron> {
  try {
    // A variable specifier keeps tsc from requiring the package's types to typecheck.
    const name = '@vscode/test-electron';
    return (await import(name)) as TestElectron;
  } catch {
    return fail('@vscode/test-electron is not installed: npm install --save-dev @vscode/test-electron');
  }
}

async function findVSCode(testElectron: TestElectron): Promise<string> {
  if (process.env.DEPWARDEN_VSCODE_EXE) return process.env.DEPWARDEN_VSCODE_EXE;
  const version = process.env.DEPWARDEN_VSCODE_VERSION ?? 'stable';
  try {
    return await testElectron.downloadAndUnzipVSCode({
      version,
      // Next to the code-server cache of the other suite, outside the git tree.
      cachePath: join(process.env.DEPWARDEN_E2E_CACHE ?? join(homedir(), '.cache', 'depwarden-e2e'), 'vscode'),
      timeout: DOWNLOAD_TIMEOUT_MS,
    });
  } catch (err) {
    return fail(
      `VS Code ${version} cannot be downloaded here (${(err as Error).message}). ` +
        'This suite needs access to the VS Code update service, or DEPWARDEN_VSCODE_EXE pointing at an installed VS Code. ' +
        'Nothing was tested. Without internet access, run `npm run test:e2e` (code-server) instead.',
    );
  }
}

async function main(): Promise<void> {
  const testElectron = await loadTestElectron();
  const vscodeExe = await findVSCode(testElectron);

  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) fail(`npm run build failed (exit ${built.status})`);

  const base = mkdtempSync(join(tmpdir(), 'depwarden-electron-'));
  let problem: string | undefined;
  try {
    const suite = join(base, 'suite.js');
    await build({
      entryPoints: [join(ROOT, 'test/electron/suite.ts')],
      outfile: suite,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['vscode'],
      logLevel: 'warning',
    });
    const workspace = join(base, 'workspace');
    cpSync(join(ROOT, FIXTURE_DIR), workspace, { recursive: true });
    const userData = join(base, 'user-data');
    mkdirSync(join(userData, 'User'), { recursive: true });
    writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));

    const code = await testElectron.runTests({
      vscodeExecutablePath: vscodeExe,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: suite,
      extensionTestsEnv: editorEnv(base),
      launchArgs: [workspace, '--user-data-dir', userData, '--disable-extensions', '--disable-workspace-trust'],
    });
    if (code !== 0) problem = `the scenarios failed in VS Code (exit ${code})`;
  } catch (err) {
    problem = `the scenarios failed in VS Code: ${(err as Error).message}`;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  if (problem) fail(problem);
}

void main();
