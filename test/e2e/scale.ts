// Scale check in real VS Code: opens big corpus monorepos (theia, sentry) in code-server +
// headless Chromium, ONLINE against the registry npm is configured with, and measures
// what a user sees: time to the first squiggle and to "settled", the Problems panel
// (counts and top rules), the language server's memory, and how long a typed typosquat
// takes to be flagged. Each project runs twice in one private profile: cold (empty
// depwarden cache) and warm (the cache the cold run filled).
//
// A developer tool, not part of `npm test`: it needs the internet and takes minutes.
//   npm run e2e:scale                       # theia-npm-v3 and sentry-javascript-yarn-v1
//   npm run e2e:scale -- vite-pnpm-v9 ...   # other folders of the corpus (or paths)
// Environment (besides run.ts's DEPWARDEN_E2E_CACHE, DEPWARDEN_E2E_VSIX, DEPWARDEN_E2E_KEEP):
//   DEPWARDEN_SCALE_LIMIT_MIN  hard limit per run, cold or warm (default 10)
//   DEPWARDEN_SCALE_SETTLE_S   quiet seconds that count as settled (default 10)
//   DEPWARDEN_SCALE_TRACE      1: trace every LSP message into depwarden's Output log
// Screenshots: test-results/scale-<project>.png (cold) and scale-<project>-warm.png;
// numbers: test-results/scale-results.json.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { editorEnv, USER_SETTINGS } from './scenarios';
import {
  CHROMIUM_FLAGS,
  dismissHover,
  ensureVsix,
  hoverText,
  installExtension,
  readSetupPaths,
  runCommand,
  startCodeServer,
  stopCodeServer,
  tokenBox,
  waitForSquiggleOver,
  type SetupPaths,
} from './run';

declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = resolve(__dirname, '..', '..');
const RESULTS = join(ROOT, 'test-results');
const CORPUS = resolve(ROOT, '..', 'shared', 'corpus', 'lockfiles');
const DEFAULT_PROJECTS = ['theia-npm-v3', 'sentry-javascript-yarn-v1'];
const LIMIT_MS = Number(process.env.DEPWARDEN_SCALE_LIMIT_MIN ?? 10) * 60_000;
const SETTLE_MS = Number(process.env.DEPWARDEN_SCALE_SETTLE_S ?? 10) * 1000;
const TYPED_NAME = 'expresss';
const TYPED = `"${TYPED_NAME}": "^4.18.2",`;
// How a hover names the rule of a diagnostic: "depwarden(rule)".
const RULE_IN_HOVER = /depwarden\(([\w-]+)\)/;

interface RunResult {
  project: string;
  run: 'cold' | 'warm';
  error?: string;
  /** Milliseconds from the double-click on the root package.json. */
  windowToOpenMs?: number;
  firstSquiggleMs?: number | null;
  firstProblemMs?: number | null;
  /**
   * When VS Code activated depwarden, from the same start as firstProblemMs (its extension
   * host's log): what of the wait is VS Code starting up, not depwarden working.
   */
  activatedMs?: number;
  /** Epoch ms when the window was open (the zero of the times above); not printed. */
  openedAt?: number;
  settledMs?: number | null;
  /** The depwarden status bar item once settled. */
  status?: string;
  /** VS Code's problems indicator (every source). */
  problems?: { errors: number; warnings: number; infos: number };
  /** Rows of the Problems panel whose source is depwarden. */
  depwardenRows?: { errors: number; warnings: number; infos: number };
  /** Problems rows of other sources: any would also draw squiggles the timings count. */
  otherRows?: number;
  topRules?: [string, number][];
  rssSettledMb?: number;
  rssPeakMb?: number;
  serverCpuS?: number;
  /** The machine's 1-minute load average when the window settled: other work skews every timing. */
  load?: number;
  typingMs?: number | null;
  typingRule?: string;
}

// ---------------------------------------------------------------- processes

/** code-server processes of other runs (the entry point's path is specific to it). */
function otherCodeServers(): number[] {
  const r = spawnSync('pgrep', ['-f', 'code-server/out/node/entry.js'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** Two editors at once on this 2-core machine skew every timing: wait for the other run. */
async function waitForOtherRuns(): Promise<void> {
  const waitLimit = Date.now() + 30 * 60_000;
  for (let pids = otherCodeServers(); pids.length; pids = otherCodeServers()) {
    if (Date.now() > waitLimit) {
      console.log(`# code-server ${pids.join(', ')} still running after 30 min: measuring anyway (timings are skewed)`);
      return;
    }
    console.log(`# another code-server is running (${pids.join(', ')}): waiting 30 s`);
    await sleep(30_000);
  }
}

/** The language server of this profile: node running dist/server.js from our extensions dir. */
function findServerPid(extensionsDir: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(extensionsDir) && cmd.includes('dist/server.js')) return Number(name);
    } catch {
      /* the process ended while we looked */
    }
  }
  return undefined;
}

function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process (fields 14 and 15 of /proc/pid/stat, in clock ticks). */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** SIGTERM the group (run.ts), then SIGKILL whatever is left of it after 5 s. */
async function stopGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid) return;
  stopCodeServer(child);
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(-child.pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- reading the workbench

/** What the status bar says: depwarden's item and VS Code's problems indicator. */
async function statusBar(page: Page): Promise<{ depwarden: string; problems: string }> {
  // No named helpers inside: tsx wraps them in a __name() call that the page lacks.
  return page.evaluate(() => {
    const dw = [...document.querySelectorAll('.statusbar-item')].find((el) => /depwarden/.test(el.textContent ?? ''));
    const pr = document.getElementById('status.problems');
    return {
      // Its text; the aria-label would add the tooltip.
      depwarden: (dw?.textContent ?? '').replace(/\s+/g, ' ').trim(),
      problems: (pr?.getAttribute('aria-label') || pr?.textContent || '').trim(),
    };
  });
}

/** The indicator's label, "Errors: 3, Warnings: 5, Infos: 1" or "No Problems", as counts. */
function parseProblems(label: string): { errors: number; warnings: number; infos: number } {
  const n = (re: RegExp) => Number(re.exec(label)?.[1].replace(/,/g, '') ?? 0);
  return { errors: n(/Errors: ([\d,]+)/), warnings: n(/Warnings: ([\d,]+)/), infos: n(/Infos: ([\d,]+)/) };
}

/**
 * The class of a squiggle a user can see in the editor (Monaco draws each as a
 * `.squiggly-<severity>` decoration; lines just off screen may be rendered too), or ''.
 */
async function visibleSquiggle(page: Page): Promise<string> {
  return page.evaluate(() => {
    const view = document.querySelector('.editor-instance .monaco-editor .overflow-guard')?.getBoundingClientRect();
    if (!view) return '';
    for (const el of document.querySelectorAll('.editor-instance .monaco-editor [class*="squiggly-"]')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.top >= view.top && r.bottom <= view.bottom) return el.className as string;
    }
    return '';
  });
}

/** Puts the cursor at the start of a line, the line in view (Go to Line, as from the palette). */
async function goToLine(page: Page, line: number): Promise<void> {
  await runCommand(page, 'Go to Line/Column');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  // Keys sent while the palette is still closing went nowhere (sentry: the Enter after it was lost).
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 30_000 });
}

interface PanelRow {
  /** '' for a marker of another source (VS Code's JSON validation, …). */
  rule: string;
  severity: 'error' | 'warning' | 'info' | 'other';
}

/**
 * Every marker row of the Problems panel. The list is virtual (only what is on screen is
 * in the DOM), so it is scrolled from the top with the mouse wheel, half a panel at a time
 * (steps of 0.8 panel missed 6 of 155 rows on theia; paging with the keyboard read fewer
 * still), and rows are collected by their index until scrolling shows nothing new.
 */
async function readProblemsPanel(page: Page): Promise<PanelRow[]> {
  const list = page.locator('.markers-panel .monaco-list').first();
  await list.waitFor({ timeout: 30_000 });
  const box = (await list.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -100_000);
  const rows = new Map<number, PanelRow | null>();
  for (let stale = 0; stale < 3; ) {
    await page.waitForTimeout(150);
    const seen = await page.evaluate(() =>
      // The "(code)" parentheses are CSS, so source and code are read from their own elements.
      [...document.querySelectorAll('.markers-panel .monaco-list-row')].map((el: any) => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
        index: Number(el.getAttribute('data-index')),
        source: el.querySelector('.marker-source')?.textContent ?? '',
        code: el.querySelector('.marker-code')?.textContent ?? '',
        icon: el.querySelector('.marker-icon')?.outerHTML ?? '',
      })),
    );
    const before = rows.size;
    for (const r of seen) {
      if (rows.has(r.index)) continue;
      const severity = /codicon-error/.test(r.icon) ? 'error' : /codicon-warning/.test(r.icon) ? 'warning' : /codicon-info/.test(r.icon) ? 'info' : 'other';
      // Rows without an icon are a file's header or a finding's related location.
      if (severity === 'other') rows.set(r.index, null);
      else rows.set(r.index, { rule: r.source === 'depwarden' ? r.code : '', severity });
    }
    stale = rows.size === before ? stale + 1 : 0;
    await page.mouse.wheel(0, box.height / 2);
  }
  const missed = Math.max(...rows.keys()) + 1 - rows.size;
  if (missed > 0) console.log(`# the Problems panel was read with ${missed} rows missed`);
  return [...rows.values()].filter((r): r is PanelRow => r !== null);
}

/**
 * When depwarden was first activated at or after `since` (epoch ms), read from the extension
 * host's log (`ExtensionService#_doActivateExtension depwarden.depwarden`, local time, ms
 * precision); undefined when not logged.
 */
function activationTime(userData: string, since: number): number | undefined {
  const logs = join(userData, 'logs');
  if (!existsSync(logs)) return undefined;
  let found: number | undefined;
  for (const session of readdirSync(logs)) {
    for (const host of existsSync(join(logs, session)) ? readdirSync(join(logs, session)).filter((d) => d.startsWith('exthost')) : []) {
      const file = join(logs, session, host, 'remoteexthost.log');
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) .*_doActivateExtension depwarden\.depwarden\b/.exec(line);
        const at = m ? new Date(`${m[1]}T${m[2]}`).getTime() : NaN;
        if (at >= since && (found === undefined || at < found)) found = at;
      }
    }
  }
  return found;
}

/** The line (1-based) just inside the root manifest's dependencies (else devDependencies) object. */
function dependenciesLine(manifest: string): number {
  const lines = readFileSync(manifest, 'utf8').split('\n');
  for (const key of ['"dependencies"', '"devDependencies"']) {
    const i = lines.findIndex((l) => l.trimStart().startsWith(`${key}:`));
    if (i >= 0) return i + 1;
  }
  throw new Error(`${manifest} has no dependencies or devDependencies`);
}

// ---------------------------------------------------------------- one run

/** Writes results into `r` as they come, so a run cut short by the time limit still reports them. */
async function measure(page: Page, url: string, workspace: string, extensionsDir: string, deadline: number, r: RunResult, shot: string): Promise<void> {
  const goto = Date.now();
  await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  const row = page.locator('.explorer-folders-view .monaco-list-row[aria-label="package.json"], .explorer-folders-view .monaco-list-row:has(.label-name:text-is("package.json"))').first();
  await row.waitFor({ timeout: 60_000 });

  // RSS every second from here on, whether or not the server has started yet.
  let pid: number | undefined;
  let peak = 0;
  let last: number | undefined;
  const sampler = setInterval(() => {
    pid ??= findServerPid(extensionsDir);
    last = pid ? rssMb(pid) : undefined;
    if (last === undefined) pid = undefined; // restarted: look for it again
    else peak = Math.max(peak, last);
  }, 1000);

  try {
    const opened = Date.now();
    r.windowToOpenMs = opened - goto;
    r.openedAt = opened;
    await row.dblclick();
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 60_000 });
    // A user looks at the dependencies, which in a monorepo's root manifest are below the fold.
    const line = dependenciesLine(join(workspace, 'package.json'));
    await goToLine(page, line);

    // Poll until nothing has changed for SETTLE_MS once depwarden reports counts and no
    // lookups are running: that is when a user would stop seeing the screen change.
    r.firstSquiggleMs = null;
    r.firstProblemMs = null;
    let lastChange = Date.now();
    let previous = '';
    for (;;) {
      if (Date.now() > deadline) throw new Error('time limit reached before the window settled');
      const s = await statusBar(page);
      const now = Date.now();
      if (r.firstSquiggleMs === null) {
        const squiggle = await visibleSquiggle(page);
        if (squiggle) {
          r.firstSquiggleMs = now - opened;
          console.log(`#   +${((now - opened) / 1000).toFixed(1)} s  first squiggle on screen: ${squiggle}`);
        }
      }
      const p = parseProblems(s.problems);
      if (r.firstProblemMs === null && p.errors + p.warnings + p.infos > 0) r.firstProblemMs = now - opened;
      const state = `${s.depwarden}|${s.problems}`;
      if (state !== previous) {
        // A timeline of what the user watches change, for the log.
        console.log(`#   +${((now - opened) / 1000).toFixed(1)} s  ${s.depwarden}  |  ${s.problems}`);
        previous = state;
        lastChange = now;
      }
      const busy = !/depwarden: \d/.test(s.depwarden) || /looking up|checking/i.test(s.depwarden);
      if (!busy && now - lastChange >= SETTLE_MS) {
        r.settledMs = lastChange - opened;
        r.status = s.depwarden;
        r.problems = p;
        break;
      }
      await page.waitForTimeout(200);
    }
    r.rssSettledMb = last;
    r.rssPeakMb = peak || undefined;
    if (pid) r.serverCpuS = cpuSeconds(pid);
    r.load = Math.round(loadavg()[0] * 10) / 10;

    await runCommand(page, 'View: Focus Problems');
    await page.locator('.markers-panel').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(RESULTS, shot) });
    const all = await readProblemsPanel(page);
    const rows = all.filter((x) => x.rule);
    r.otherRows = all.length - rows.length;
    const count = (sev: string) => rows.filter((x) => x.severity === sev).length;
    r.depwardenRows = { errors: count('error'), warnings: count('warning'), infos: count('info') };
    const byRule = new Map<string, number>();
    for (const x of rows) byRule.set(x.rule, (byRule.get(x.rule) ?? 0) + 1);
    r.topRules = [...byRule].sort((a, b) => b[1] - a[1]).slice(0, 10);

    // Typing: a new line inside the dependencies object, typed as a person would.
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await goToLine(page, line);
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type(TYPED);
    const typed = Date.now();
    r.typingMs = null;
    const box = await tokenBox(page, `"${TYPED_NAME}"`);
    await waitForSquiggleOver(page, box);
    r.typingMs = Date.now() - typed;
    // Whose squiggle it is: the hover says (typosquat, or e.g. lockfile-drift).
    // (Matched on a rule's words, since the card says "Loading..." until the server answers.)
    const hover = await hoverText(page, `"${TYPED_NAME}"`, /typosquat|looks like a typo|depwarden\(/i).catch(() => '');
    r.typingRule = /typosquat|looks like a typo/i.test(hover) ? 'typosquat' : (RULE_IN_HOVER.exec(hover)?.[1] ?? `not typosquat: ${hover.slice(0, 80)}`);
    await dismissHover(page);
  } finally {
    clearInterval(sampler);
  }
}

async function runProject(paths: SetupPaths, vsix: string, registry: string, project: string): Promise<RunResult[]> {
  const source = existsSync(project) ? resolve(project) : join(CORPUS, project);
  if (!existsSync(join(source, 'package.json'))) throw new Error(`${source} has no package.json`);
  const name = basename(source);
  const base = mkdtempSync(join(tmpdir(), `depwarden-scale-${name}-`));
  // One profile for both runs: its globalStorage holds depwarden's cache (cold, then warm).
  const profile = {
    userData: join(base, 'user-data'),
    extensions: join(base, 'extensions'),
    workspace: '',
    log: join(base, 'code-server.log'),
    env: { ...process.env, XDG_CONFIG_HOME: join(base, 'xdg-config'), XDG_DATA_HOME: join(base, 'xdg-data'), XDG_CACHE_HOME: join(base, 'xdg-cache'), ...editorEnv(base) } as NodeJS.ProcessEnv,
  };
  mkdirSync(join(profile.userData, 'User'), { recursive: true });
  mkdirSync(profile.extensions, { recursive: true });
  const settings = {
    ...USER_SETTINGS,
    'depwarden.offline': false,
    'depwarden.registry': registry,
    // The OSV API is not reachable from the machines this was written on; a user's would
    // reach it. Off, so that the numbers are about the registry lookups.
    'depwarden.advisories': { enabled: false },
    'depwarden.alerts.intervalMinutes': 0,
    // Keystrokes land as typed: no auto-closed quotes, no suggestion widget taking Enter.
    'editor.autoClosingQuotes': 'never',
    'editor.autoClosingBrackets': 'never',
    'editor.quickSuggestions': { other: false, comments: false, strings: false },
    'editor.suggestOnTriggerCharacters': false,
    // The typed line is never saved: do not bring it back in the warm run.
    'files.hotExit': 'off',
    // DEPWARDEN_SCALE_TRACE=1: every LSP message with its time in depwarden's Output log
    // (user-data/logs/…/exthost*/…depwarden*.log; keep it with DEPWARDEN_E2E_KEEP=1).
    ...(process.env.DEPWARDEN_SCALE_TRACE ? { 'depwarden.trace.server': 'verbose' } : {}),
  };
  writeFileSync(join(profile.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  installExtension(paths, profile, vsix);

  const results: RunResult[] = [];
  for (const run of ['cold', 'warm'] as const) {
    // Per run: on a loaded machine sentry's cold run alone took most of 10 minutes.
    const deadline = Date.now() + LIMIT_MS;
    const r: RunResult = { project: name, run };
    results.push(r);
    // A fresh copy per run, so the warm run sees the project as it is on disk.
    profile.workspace = join(base, run, name);
    cpSync(source, profile.workspace, { recursive: true });
    let server: ChildProcess | undefined;
    let browser: Browser | undefined;
    let page: Page | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await waitForOtherRuns();
      const cs = await startCodeServer(paths, profile);
      server = cs.child;
      browser = await chromium.launch({ executablePath: paths.chromium, args: CHROMIUM_FLAGS });
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const shot = `scale-${name}${run === 'cold' ? '' : '-warm'}.png`;
      // The hard limit: closing the browser makes whatever Playwright awaits fail at once.
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`time limit (${LIMIT_MS / 60_000} min per run) reached`)), Math.max(0, deadline - Date.now()));
      });
      const measuring = measure(page, cs.url, profile.workspace, profile.extensions, deadline, r, shot);
      measuring.catch(() => {}); // after the time limit it fails as the browser closes: nobody awaits it then
      await Promise.race([measuring, limit]);
    } catch (err) {
      r.error = (err as Error).message.split('\n')[0];
      console.log(`# ${name} ${run}: ${r.error}`);
      await page?.screenshot({ path: join(RESULTS, `scale-${name}-${run}-failed.png`), timeout: 5000 }).catch(() => {});
    } finally {
      clearTimeout(timer);
      await browser?.close().catch(() => {});
      await stopGroup(server);
    }
    if (r.openedAt !== undefined && r.windowToOpenMs !== undefined) {
      const at = activationTime(profile.userData, r.openedAt - r.windowToOpenMs);
      if (at !== undefined) r.activatedMs = at - r.openedAt;
    }
    console.log(`# ${name} ${run}: ${JSON.stringify(r)}`);
  }
  if (process.env.DEPWARDEN_E2E_KEEP) console.log(`# kept ${base}`);
  else rmSync(base, { recursive: true, force: true });
  return results;
}

// ---------------------------------------------------------------- report

const secs = (ms: number | null | undefined) => (ms === undefined ? '–' : ms === null ? 'none' : `${(ms / 1000).toFixed(1)} s`);

function table(results: RunResult[]): string {
  const head = ['project', 'run', 'depwarden activated', 'first squiggle', 'first problem', 'settled', 'E/W/I (status bar)', 'E/W/I (depwarden rows) + other', 'RSS settled/peak', 'server CPU', 'load', 'typing→squiggle', 'top rules'];
  const rows = results.map((r) => [
    r.project,
    r.run + (r.error ? ` (${r.error})` : ''),
    secs(r.activatedMs),
    secs(r.firstSquiggleMs),
    secs(r.firstProblemMs),
    secs(r.settledMs),
    r.problems ? `${r.problems.errors}/${r.problems.warnings}/${r.problems.infos}` : '–',
    r.depwardenRows ? `${r.depwardenRows.errors}/${r.depwardenRows.warnings}/${r.depwardenRows.infos} + ${r.otherRows}` : '–',
    r.rssSettledMb || r.rssPeakMb ? `${r.rssSettledMb ?? '?'}/${r.rssPeakMb ?? '?'} MB` : '–',
    r.serverCpuS === undefined ? '–' : `${r.serverCpuS.toFixed(1)} s`,
    r.load === undefined ? '–' : String(r.load),
    r.typingMs === undefined ? '–' : r.typingMs === null ? '>30 s' : `${(r.typingMs / 1000).toFixed(1)} s (${r.typingRule})`,
    (r.topRules ?? []).map(([rule, n]) => `${rule} ${n}`).join(', ') || '–',
  ]);
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
  mkdirSync(RESULTS, { recursive: true });
  const projects = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_PROJECTS;
  const paths = readSetupPaths();
  const vsix = ensureVsix();
  // The registry the machine's npm uses, as a user's VS Code would (via .npmrc).
  const registry = spawnSync('npm', ['config', 'get', 'registry'], { cwd: homedir(), encoding: 'utf8' }).stdout.trim();
  console.log(`# vsix ${vsix}\n# registry ${registry}; advisories off; limit ${LIMIT_MS / 60_000} min per run; settled = ${SETTLE_MS / 1000} s without change`);
  const results: RunResult[] = [];
  for (const project of projects) {
    try {
      results.push(...(await runProject(paths, vsix, registry, project)));
    } catch (err) {
      results.push({ project, run: 'cold', error: (err as Error).message.split('\n')[0] });
    }
  }
  writeFileSync(join(RESULTS, 'scale-results.json'), JSON.stringify(results, null, 2));
  console.log(`\n${table(results)}\n\n# screenshots in ${RESULTS}/scale-*.png`);
  process.exit(results.some((r) => r.error) ? 1 : 0);
}

void main();
