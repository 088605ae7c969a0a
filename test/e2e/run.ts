// End-to-end test in real VS Code: installs depwarden.vsix into code-server (VS Code's
// workbench and extension host served to a browser), opens a copy of the fixture
// workspace in headless Chromium and checks what a person would see: squiggles, the
// Problems panel, the hover, the quick fix, the status bar.
//
// Run with `npm run test:e2e` (which runs scripts/e2e-setup.sh first). Environment:
//   DEPWARDEN_E2E_CACHE  where e2e-setup.sh installed Node 24, code-server (paths.json)
//   DEPWARDEN_E2E_VSIX   test this .vsix instead of building ./depwarden.vsix
//   DEPWARDEN_E2E_KEEP=1 keep the temporary profile and workspace for inspection
//   DEPWARDEN_E2E_README=1 also copy the README's screenshots into docs/images (npm run e2e:readme)
//   DEPWARDEN_E2E_ONLY=REGEX run only the scenarios whose title matches (while working on one)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { AUDIT_VERSION, EDITOR_VIEWS, editorEnv, FIXTURE_DIR, HOSTILE_HOVER, MANIFEST, PROBLEM_COUNT, PROGRESS, README_SHOTS, RESTRICTED_MODE, SCENARIOS, USER_SETTINGS, type Scenario } from './scenarios';
import { HOSTILE_PACKAGE, HOSTILE_VERSION, hostilePackage, hostileSpec, startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { buildPackageTarball, sriOf } from '../support/tar-writer';
import { envStealer } from '../fixtures/audit/packages';

// The functions passed to page.evaluate/waitForFunction run in the browser. The project's
// tsconfig has no DOM library (the engine must not use it), so declare the two globals
// they touch here, module-local.
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const NodeFilter: { SHOW_TEXT: number };

const ROOT = resolve(__dirname, '..', '..');
const RESULTS = join(ROOT, 'test-results');
// Conditions are waited for up to this long: the machine is shared (2 cores, other builds
// and tests running), and a passing run never waits it out.
const WAIT_MS = 60_000;
/**
 * Opening a window: the workbench's own elements are waited for after (openManifest), so
 * the page's `load` (every script and font of VS Code) need not come first; on a busy
 * machine it can take longer than WAIT_MS.
 */
const GOTO = { waitUntil: 'domcontentloaded', timeout: 2 * WAIT_MS } as const;
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface SetupPaths {
  node: string;
  codeServer: string;
  chromium: string;
}

interface Outcome {
  title: string;
  error?: string;
  ms: number;
}

export function readSetupPaths(): SetupPaths {
  const cache = process.env.DEPWARDEN_E2E_CACHE ?? join(homedir(), '.cache', 'depwarden-e2e');
  const file = join(cache, 'paths.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/e2e-setup.sh first (npm run test:e2e does)`);
  const paths = JSON.parse(readFileSync(file, 'utf8')) as SetupPaths;
  for (const p of [paths.node, paths.codeServer, paths.chromium]) {
    if (!existsSync(p)) throw new Error(`${p} (from ${file}) is missing: run scripts/e2e-setup.sh again`);
  }
  return paths;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** The .vsix to test: built with `npm run package` when missing or older than what it is built from. */
export function ensureVsix(): string {
  const override = process.env.DEPWARDEN_E2E_VSIX;
  if (override) return resolve(override);
  const vsix = join(ROOT, 'depwarden.vsix');
  const inputs = ['dist', 'client/src', 'server/src', 'package.json'].map((p) => newestMtime(join(ROOT, p)));
  const built = existsSync(vsix) ? statSync(vsix).mtimeMs : 0;
  if (built > Math.max(...inputs)) return vsix;
  console.log(`# ${built ? 'depwarden.vsix is older than its inputs' : 'no depwarden.vsix yet'}: npm run package`);
  const run = spawnSync('npm', ['run', 'package'], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0 || !existsSync(vsix)) throw new Error(`npm run package failed (exit ${run.status})`);
  return vsix;
}

/** A private profile: user settings, extensions and XDG folders, so no run sees another's state. */
function makeProfile(base: string) {
  const profile = {
    userData: join(base, 'user-data'),
    extensions: join(base, 'extensions'),
    workspace: join(base, 'workspace'),
    log: join(base, 'code-server.log'),
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(base, 'xdg-config'),
      XDG_DATA_HOME: join(base, 'xdg-data'),
      XDG_CACHE_HOME: join(base, 'xdg-cache'),
      ...editorEnv(base),
    } as NodeJS.ProcessEnv,
  };
  mkdirSync(join(profile.userData, 'User'), { recursive: true });
  mkdirSync(profile.extensions, { recursive: true });
  writeFileSync(join(profile.userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  cpSync(join(ROOT, FIXTURE_DIR), profile.workspace, { recursive: true });
  return profile;
}
type Profile = ReturnType<typeof makeProfile>;

export function installExtension(paths: SetupPaths, profile: Profile, vsix: string): void {
  const args = [paths.codeServer, '--user-data-dir', profile.userData, '--extensions-dir', profile.extensions, '--install-extension', vsix];
  const run = spawnSync(paths.node, args, { env: profile.env, encoding: 'utf8' });
  writeFileSync(profile.log, `$ code-server --install-extension ${vsix}\n${run.stdout}${run.stderr}\n`);
  if (run.status !== 0 || !/successfully installed/i.test(run.stdout + run.stderr)) {
    throw new Error(`code-server --install-extension failed (exit ${run.status}): ${(run.stdout + run.stderr).trim()}`);
  }
}

/** Starts code-server on a port the system picks and resolves with its URL once it listens. */
export function startCodeServer(paths: SetupPaths, profile: Profile): Promise<{ child: ChildProcess; url: string }> {
  const args = [
    paths.codeServer,
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--disable-telemetry',
    '--disable-update-check',
    '--user-data-dir', profile.userData,
    '--extensions-dir', profile.extensions,
    profile.workspace,
  ];
  // Its own process group, so that stopping it also stops the extension host it spawns.
  const child = spawn(paths.node, args, { env: profile.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // Detached, it would outlive an interrupted run.
  process.on('exit', () => stopCodeServer(child));
  const log = createWriteStream(profile.log, { flags: 'a' });
  return new Promise((resolveStart, rejectStart) => {
    let output = '';
    const timer = setTimeout(() => rejectStart(new Error(`code-server did not start listening within ${WAIT_MS} ms`)), WAIT_MS);
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      output += chunk.toString();
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveStart({ child, url: m[1] });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      rejectStart(new Error(`code-server exited (${code}) before listening; see the log`));
    });
  });
}

export function stopCodeServer(child: ChildProcess | undefined): void {
  if (!child?.pid || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}

/** What the suppress scenario types as the reason, over the selected placeholder. */
const SUPPRESS_REASON = 'reviewed in the e2e run';

// ---------------------------------------------------------------- workbench helpers

/** Waits until the manifest is open in the editor and its text is on screen. */
async function openManifest(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: WAIT_MS });
  // The explorer lists the workspace once the workbench has connected to the server.
  const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${MANIFEST}"], .explorer-folders-view .monaco-list-row:has(.label-name:text-is("${MANIFEST}"))`).first();
  await row.waitFor({ timeout: WAIT_MS });
  await row.dblclick();
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: WAIT_MS });
  await waitForEditorText(page, (text) => text.includes('"dependencies"'), 'the manifest in the editor');
}

async function editorText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const lines = document.querySelector('.editor-instance .monaco-editor .view-lines');
    return (lines?.textContent ?? '').replace(/\u00a0/g, ' ');
  });
}

async function waitForEditorText(page: Page, test: (text: string) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let last = '';
  // Monaco re-renders view lines on every change; poll its text until the condition holds.
  while (Date.now() < deadline) {
    last = await editorText(page);
    if (test(last)) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for ${what}; editor shows: ${last.slice(0, 300)}`);
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The on-screen box of a token's text in the editor's view lines (quotes included). */
export async function tokenBox(page: Page, token: string): Promise<Box> {
  const handle = await page.waitForFunction(
    (tok) => {
      for (const line of document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')) {
        const text = (line.textContent ?? '').replace(/\u00a0/g, ' ');
        const at = text.indexOf(tok);
        if (at < 0) continue;
        // Map the character offsets to text nodes, since the token may span several spans.
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        let seen = 0;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const len = node.textContent!.length;
          if (seen <= at && at < seen + len) range.setStart(node, at - seen);
          if (seen < at + tok.length && at + tok.length <= seen + len) range.setEnd(node, at + tok.length - seen);
          seen += len;
        }
        const r = range.getBoundingClientRect();
        if (r.width > 0) return { x: r.x, y: r.y, width: r.width, height: r.height };
      }
      return null;
    },
    token,
    { timeout: WAIT_MS },
  );
  return (await handle.jsonValue()) as Box;
}

/** Waits for a squiggle (error or warning decoration) that covers most of the box. */
/**
 * Waits until a depwarden-style squiggle covers the box (`present`), or until none does.
 * Resolves with the squiggle's class name, or '' once it is gone.
 */
async function waitForSquiggle(page: Page, box: Box, present: boolean): Promise<string> {
  const handle = await page.waitForFunction(
    ({ b, present }) => {
      for (const el of document.querySelectorAll('.editor-instance .monaco-editor .squiggly-error, .editor-instance .monaco-editor .squiggly-warning')) {
        const r = el.getBoundingClientRect();
        const overlap = Math.min(r.right, b.x + b.width) - Math.max(r.left, b.x);
        const sameLine = Math.abs(r.top + r.height / 2 - (b.y + b.height / 2)) < b.height;
        if (sameLine && overlap >= b.width * 0.6) return present ? el.className : null;
      }
      return present ? null : ' ';
    },
    { b: box, present },
    { timeout: WAIT_MS },
  );
  return ((await handle.jsonValue()) as string).trim();
}

export const waitForSquiggleOver = (page: Page, box: Box) => waitForSquiggle(page, box, true);
const waitForNoSquiggleOver = (page: Page, box: Box) => waitForSquiggle(page, box, false);

/**
 * Opens the quick-fix menu next to a token and returns the item titled `title`. The light
 * bulb, as a person would click it: Ctrl+. sent by Playwright does not reach the
 * workbench's keybinding service in headless Chromium (the palette's "Quick Fix..." and
 * the light bulb both work).
 */
async function quickFixMenuItem(page: Page, token: string, title: string): Promise<Locator> {
  await focusEditorAt(page, token);
  const bulb = page.locator('.editor-instance .lightBulbWidget:visible').first();
  await bulb.waitFor({ timeout: WAIT_MS }).catch(() => {
    throw new Error(`no light bulb (code actions) next to ${token}`);
  });
  await bulb.click();
  const menu = page.locator('.action-widget');
  const item = menu.locator('.monaco-list-row').filter({ hasText: title }).first();
  await item.waitFor({ timeout: WAIT_MS }).catch(async () => {
    const offered = await menu.locator('.monaco-list-row').allInnerTexts();
    throw new Error(`quick fix "${title}" not offered; menu: ${JSON.stringify(offered)}`);
  });
  return item;
}

/** Hovers a token and returns the visible hover's text once it matches. */
export async function hoverText(page: Page, token: string, match: RegExp | readonly RegExp[]): Promise<string> {
  return (await hoverOver(page, token, match)).innerText();
}

/** Hovers a token and returns the visible hover once its text matches. */
async function hoverOver(page: Page, token: string, match: RegExp | readonly RegExp[], timeout = WAIT_MS): Promise<Locator> {
  await dismissHover(page);
  const box = await tokenBox(page, token);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  let hover = page.locator('.monaco-hover:visible');
  for (const m of match instanceof RegExp ? [match] : match) hover = hover.filter({ hasText: m });
  hover = hover.first();
  try {
    await hover.waitFor({ timeout });
  } catch {
    const shown = await page.locator('.monaco-hover:visible').allInnerTexts();
    throw new Error(`no hover matching ${match} over ${token}; hovers shown: ${JSON.stringify(shown)}`);
  }
  return hover;
}

export async function dismissHover(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.mouse.move(2, 2);
  await page.locator('.monaco-hover:visible').first().waitFor({ state: 'hidden', timeout: WAIT_MS }).catch(() => {});
}

export async function runCommand(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: WAIT_MS });
  await input.fill(`>${label}`);
  const item = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: label }).first();
  await item.waitFor({ timeout: WAIT_MS });
  await page.keyboard.press('Enter');
}

async function focusEditorAt(page: Page, token: string): Promise<void> {
  const box = await tokenBox(page, token);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(RESULTS, name) });
}

// ---------------------------------------------------------------- scenarios

async function runScenario(page: Page, s: Scenario, workspace: string): Promise<void> {
  switch (s.kind) {
    case 'status-bar': {
      const item = page.locator('.statusbar-item').filter({ hasText: new RegExp(`^\\s*${s.prefix}`) }).first();
      await item.waitFor({ timeout: WAIT_MS }).catch(async () => {
        const all = await page.locator('.statusbar-item').allInnerTexts();
        throw new Error(`no status bar item starts with "${s.prefix}"; items: ${JSON.stringify(all.filter(Boolean))}`);
      });
      return;
    }
    case 'squiggle': {
      const box = await tokenBox(page, s.token);
      await waitForSquiggleOver(page, box);
      // The squiggle must be depwarden's: its hover carries the rule id or message.
      await hoverText(page, s.token, s.match);
      await dismissHover(page);
      return;
    }
    case 'problems': {
      await runCommand(page, 'View: Focus Problems');
      const rows = page.locator('.markers-panel .monaco-list-row');
      for (const entry of s.entries) {
        await rows.filter({ hasText: entry }).first().waitFor({ timeout: WAIT_MS }).catch(async () => {
          const all = await rows.allInnerTexts();
          throw new Error(`no Problems entry matches ${entry}; entries: ${JSON.stringify(all)}`);
        });
      }
      await focusEditorAt(page, '"dependencies"');
      return;
    }
    case 'hover': {
      // Hover parts arrive from several providers: wait until one hover has them all.
      await hoverText(page, s.token, s.contains);
      await screenshot(page, 'e2e-hover.png');
      await dismissHover(page);
      return;
    }
    case 'suppress': {
      await (await quickFixMenuItem(page, s.token, s.action)).click();
      const file = join(workspace, s.file);
      const deadline = Date.now() + WAIT_MS;
      // The edit creates the file on disk; its text lives in an editor until saved.
      while (!existsSync(file)) {
        if (Date.now() > deadline) throw new Error(`${s.file} was not created`);
        await page.waitForTimeout(100);
      }
      // The fix then shows the file with the new entry's placeholder reason selected
      // (window/showDocument): what the user types replaces it.
      await waitForEditorText(page, (t) => t.includes('unpinned-range') && t.includes('TODO: say why'), `${s.file} in the editor`);
      await page.locator('.editor-instance .monaco-editor .selected-text').first().waitFor({ timeout: WAIT_MS }).catch(() => {
        throw new Error(`nothing is selected in ${s.file}`);
      });
      await page.keyboard.type(SUPPRESS_REASON);
      await waitForEditorText(page, (t) => t.includes(`"reason": "${SUPPRESS_REASON}"`), 'the typed reason in place of the placeholder');
      await page.keyboard.press('Control+S');
      while (!readFileSync(file, 'utf8').includes(`"reason": "${SUPPRESS_REASON}"`)) {
        if (Date.now() > deadline) throw new Error(`${s.file} on disk lacks the suppression and its reason: ${readFileSync(file, 'utf8')}`);
        await page.waitForTimeout(100);
      }
      await openManifest(page);
      // The suppressed finding leaves the editor: no squiggle under the token any more.
      await waitForNoSquiggleOver(page, await tokenBox(page, s.token)).catch(() => {
        throw new Error(`the squiggle under ${s.token} is still there after the suppression`);
      });
      await focusEditorAt(page, '"dependencies"');
      return;
    }
    case 'graph-view': {
      const header = page.locator('.pane-header').filter({ hasText: s.view }).first();
      await header.waitFor({ timeout: WAIT_MS }).catch(() => {
        throw new Error(`no "${s.view}" view in the explorer`);
      });
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      const pane = page.locator('.pane').filter({ has: header });
      const node = pane.locator('.monaco-list-row').filter({ hasText: s.node }).first();
      // Children are computed when a node is expanded: open collapsed rows level by level.
      for (let level = 0; level < 5 && !(await node.isVisible()); level++) {
        await pane.locator('.monaco-list-row').first().waitFor({ timeout: WAIT_MS });
        const collapsed = pane.locator('.monaco-list-row[aria-expanded="false"]');
        const count = await collapsed.count();
        // The twistie expands; a click on the label would run the node's "open" command.
        for (let i = count - 1; i >= 0; i--) await collapsed.nth(i).locator('.monaco-tl-twistie').click();
        await node.waitFor({ timeout: 2000 }).catch(() => {});
      }
      await node.waitFor({ timeout: WAIT_MS }).catch(async () => {
        const rows = await pane.locator('.monaco-list-row').allInnerTexts();
        throw new Error(`no "${s.node}" node in the graph view; rows: ${JSON.stringify(rows)}`);
      });
      await screenshot(page, 'e2e-graph-view.png');
      await openManifest(page);
      await focusEditorAt(page, '"dependencies"');
      return;
    }
    case 'quick-fix': {
      const action = await quickFixMenuItem(page, s.token, s.action);
      await screenshot(page, 'e2e-quick-fix.png');
      await action.click();
      await waitForEditorText(page, (t) => t.includes(s.after) && !t.includes(s.gone), `the editor to show ${s.after}`);
      await page.keyboard.press('Control+S');
      const file = join(workspace, MANIFEST);
      const deadline = Date.now() + WAIT_MS;
      // The save is asynchronous through the server: check the disk until it lands.
      while (!readFileSync(file, 'utf8').includes(s.after)) {
        if (Date.now() > deadline) throw new Error(`${MANIFEST} on disk still lacks ${s.after} after save`);
        await page.waitForTimeout(100);
      }
      if (readFileSync(file, 'utf8').includes(s.gone)) throw new Error(`${MANIFEST} on disk still has ${s.gone}`);
      return;
    }
  }
}

// ---------------------------------------------------------------- hostile hover (issue #10)

/**
 * Writes the hostile workspace: a package.json with HOSTILE_PACKAGE (locked, so that its
 * registry facts show) and a dependency with a hostile spec, and workspace settings that
 * send registry lookups to the test registry (user settings keep every other run offline).
 */
function writeHostileWorkspace(dir: string, registry: FakeRegistry): void {
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  const manifest = { name: 'hostile-workspace', version: '1.0.0', private: true, dependencies: { [HOSTILE_PACKAGE]: HOSTILE_VERSION, odd: hostileSpec(registry.url) } };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  const lock = {
    name: 'hostile-workspace',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'hostile-workspace', version: '1.0.0', dependencies: { [HOSTILE_PACKAGE]: HOSTILE_VERSION } },
      [`node_modules/${HOSTILE_PACKAGE}`]: {
        version: HOSTILE_VERSION,
        resolved: `https://registry.npmjs.org/${HOSTILE_PACKAGE}/-/${HOSTILE_PACKAGE}-${HOSTILE_VERSION}.tgz`,
        integrity: `sha512-${'A'.repeat(86)}==`,
        hasInstallScript: true,
      },
    },
  };
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  const settings = { 'depwarden.offline': false, 'depwarden.registry': registry.url, 'depwarden.advisories': { enabled: false } };
  writeFileSync(join(dir, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** Every link target and every image source in a hover's DOM (VS Code keeps a link's target in data-href). */
async function hoverMarkup(hover: Locator): Promise<{ links: string[]; images: string[] }> {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  return hover.evaluate((el: any) => ({
    links: [...el.querySelectorAll('a')].flatMap((a: any) => [a.getAttribute('data-href'), a.getAttribute('href')].filter((h: string | null) => h)),
    images: [...el.querySelectorAll('img, image, picture, video, iframe, object, embed, [src]')].map((e: any) => e.getAttribute('src') ?? e.tagName),
  }));
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

/**
 * Hovers until the card matches: the registry answer arrives after the window opens, and
 * a hover shown before it is closed when the diagnostics change (the mouse has not moved).
 */
async function hoverOnceLoaded(page: Page, token: string, match: readonly RegExp[]): Promise<Locator> {
  const deadline = Date.now() + 2 * WAIT_MS;
  for (;;) {
    try {
      return await hoverOver(page, token, match, 5000);
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

/** Opens the hostile workspace in a second window of the same code-server and checks each hover's DOM. */
async function runHostileHover(browser: Browser, serverUrl: string, base: string): Promise<void> {
  const registry = await startFakeRegistry();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    registry.addPackage(HOSTILE_PACKAGE, hostilePackage(registry.url));
    const dir = join(base, HOSTILE_HOVER.folder);
    writeHostileWorkspace(dir, registry);
    // Headless Chromium runs a background tab's timers slowly: the hover would not show.
    await page.bringToFront();
    await page.goto(`${serverUrl}/?folder=${encodeURIComponent(dir)}`, GOTO);
    await openManifest(page);
    for (const h of HOSTILE_HOVER.hovers) {
      const hover = await hoverOnceLoaded(page, h.token, h.contains);
      const { links, images } = await hoverMarkup(hover);
      if (images.length) throw new Error(`the hover over ${h.token} has images: ${JSON.stringify(images)}`);
      const foreign = links.filter((l) => !HOSTILE_HOVER.allowedLinks.some((re) => re.test(l)));
      if (foreign.length) throw new Error(`the hover over ${h.token} has links we did not build: ${JSON.stringify(foreign)}`);
      if (h.token === HOSTILE_HOVER.hovers[0].token) {
        if (!links.some((l) => l.startsWith('command:depwarden.copyIocById?'))) throw new Error(`no Copy IOC link (by id) in the hover over ${h.token}: ${JSON.stringify(links)}`);
        await screenshot(page, 'e2e-hostile-hover.png');
      }
      await dismissHover(page);
    }
    const beacons = registry.requests.filter((r) => r.path.includes('/-/beacon/'));
    if (beacons.length) throw new Error(`images from the hostile text were fetched: ${beacons.map((r) => r.path).join(', ')}`);
  } catch (err) {
    await screenshot(page, 'e2e-failed-hostile-hover.png').catch(() => {});
    throw err;
  } finally {
    await page.close().catch(() => {});
    await registry.close();
  }
}

// ---------------------------------------------------------------- one problem per finding (issues #12, #15)

/** depwarden's status bar item ("… 2 errors, 1 warning") and VS Code's problems indicator ("Errors: 2, Warnings: 1, Infos: 1"). */
async function problemCounts(page: Page): Promise<{ depwarden: string; problems: string }> {
  // No named helpers inside: tsx wraps them in a __name() call that the page lacks.
  return page.evaluate(() => {
    const dw = [...document.querySelectorAll('.statusbar-item')].find((el) => /depwarden/.test(el.textContent ?? ''));
    const pr = document.getElementById('status.problems');
    return { depwarden: (dw?.textContent ?? '').replace(/\s+/g, ' ').trim(), problems: (pr?.getAttribute('aria-label') || pr?.textContent || '').trim() };
  });
}

/** Opens PROBLEM_COUNT's workspace in a window of its own and waits until both counts settle on the same numbers. */
async function runProblemCount(browser: Browser, serverUrl: string, base: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    const dir = join(base, PROBLEM_COUNT.folder);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(PROBLEM_COUNT.files)) writeFileSync(join(dir, name), text);
    await page.bringToFront();
    await page.goto(`${serverUrl}/?folder=${encodeURIComponent(dir)}`, GOTO);
    await openManifest(page);
    const count = (text: string, re: RegExp) => Number(re.exec(text)?.[1].replace(/,/g, '') ?? NaN);
    const deadline = Date.now() + WAIT_MS;
    let seen = { depwarden: '', problems: '' };
    for (;;) {
      seen = await problemCounts(page);
      const ours = { errors: count(seen.depwarden, /([\d,]+) errors?\b/), warnings: count(seen.depwarden, /([\d,]+) warnings?\b/) };
      const panel = { errors: count(seen.problems, /Errors: ([\d,]+)/) || 0, warnings: count(seen.problems, /Warnings: ([\d,]+)/) || 0 };
      const settled = !/looking up/.test(seen.depwarden) && ours.errors >= PROBLEM_COUNT.minErrors;
      if (settled && ours.errors === panel.errors && ours.warnings === panel.warnings) break;
      if (Date.now() > deadline) throw new Error(`the counts differ: depwarden says "${seen.depwarden}", the Problems indicator "${seen.problems}"`);
      await page.waitForTimeout(200);
    }
    await runCommand(page, 'View: Focus Problems');
    await page.locator('.markers-panel').first().waitFor({ timeout: WAIT_MS });
    await screenshot(page, 'e2e-problem-count.png');
  } catch (err) {
    await screenshot(page, 'e2e-failed-problem-count.png').catch(() => {});
    throw err;
  } finally {
    await page.close().catch(() => {});
  }
}

// ---------------------------------------------------------------- editor views (issue #15)

/** Lines of a hover's text long enough to say something, that appear more than once. */
function repeatedLines(text: string, min: number): string[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length >= min);
  return [...new Set(lines.filter((l, i) => lines.indexOf(l) !== i))];
}

/** Opens a copy of the fixture workspace in a window of its own. */
async function openFixtureCopy(browser: Browser, serverUrl: string, base: string, folder: string): Promise<{ page: Page; dir: string }> {
  const dir = join(base, folder);
  cpSync(join(ROOT, FIXTURE_DIR), dir, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // Headless Chromium runs a background tab's timers slowly: the hover would not show.
  await page.bringToFront();
  await page.goto(`${serverUrl}/?folder=${encodeURIComponent(dir)}`, GOTO);
  await openManifest(page);
  return { page, dir };
}

/** The hover has no text twice and says what was not checked; the report opens read-only and its links work. */
async function runEditorViews(browser: Browser, serverUrl: string, base: string): Promise<void> {
  const { page } = await openFixtureCopy(browser, serverUrl, base, EDITOR_VIEWS.folder);
  try {
    const hover = await hoverOnceLoaded(page, EDITOR_VIEWS.hover.token, EDITOR_VIEWS.hover.contains);
    const shown = await hover.innerText();
    const twice = repeatedLines(shown, EDITOR_VIEWS.minRepeatedLine);
    if (twice.length) throw new Error(`the hover over ${EDITOR_VIEWS.hover.token} shows text twice: ${JSON.stringify(twice)}`);
    await screenshot(page, 'e2e-hover-coverage.png');
    await dismissHover(page);

    const t0 = Date.now();
    await runCommand(page, EDITOR_VIEWS.report.command);
    const tab = page.locator('.tabs-container .tab').filter({ hasText: EDITOR_VIEWS.report.tab }).first();
    await tab.waitFor({ timeout: WAIT_MS }).catch(async () => {
      throw new Error(`no "${EDITOR_VIEWS.report.tab}" tab; tabs: ${JSON.stringify(await page.locator('.tabs-container .tab').allInnerTexts())}`);
    });
    // The preview is a webview: an iframe (the host) holding the frame with the content.
    const preview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const link = preview.locator('a').filter({ hasText: EDITOR_VIEWS.report.link }).first();
    await link.waitFor({ timeout: WAIT_MS }).catch(async () => {
      throw new Error(`no file:line link in the report preview; it shows: ${(await preview.locator('body').innerText().catch(() => '?')).slice(0, 500)}`);
    });
    console.log(`# report preview with its links ${Date.now() - t0} ms after the command`);
    // Read-only: no dirty editor, no untitled buffer.
    const tabs = await page.locator('.tabs-container .tab').allInnerTexts();
    if (await page.locator('.tabs-container .tab.dirty').count()) throw new Error(`a dirty editor after Show Report; tabs: ${JSON.stringify(tabs)}`);
    if (tabs.some((t) => /Untitled/.test(t))) throw new Error(`an untitled buffer after Show Report; tabs: ${JSON.stringify(tabs)}`);
    await screenshot(page, 'e2e-report.png');

    const line = Number(EDITOR_VIEWS.report.link.exec((await link.innerText()).trim())![1]);
    await link.click();
    // The link opens package.json with the cursor on the finding's line.
    const at = page.locator('.statusbar-item').filter({ hasText: new RegExp(`^\\s*Ln ${line}, Col \\d+`) }).first();
    await at.waitFor({ timeout: WAIT_MS }).catch(async () => {
      throw new Error(`the link did not open ${MANIFEST} at line ${line}; status bar: ${JSON.stringify((await page.locator('.statusbar-item').allInnerTexts()).filter(Boolean))}`);
    });
    // The tab's text is split over elements (name, problem count): compare without white space.
    const active = (await page.locator('.tabs-container .tab.active').first().innerText()).replace(/\s+/g, '');
    if (!active.startsWith(MANIFEST)) throw new Error(`the link opened "${active}", not ${MANIFEST}`);
  } catch (err) {
    await screenshot(page, 'e2e-failed-editor-views.png').catch(() => {});
    throw err;
  } finally {
    await page.close().catch(() => {});
  }
}

/**
 * Restricted Mode: workspace trust on (user settings, read by code-server as they change),
 * a new folder that nobody trusted, no prompt. The status bar and the hover say only the
 * local checks ran. The user settings are put back afterwards.
 */
async function runRestrictedMode(browser: Browser, serverUrl: string, base: string, userData: string): Promise<void> {
  const settingsFile = join(userData, 'User', 'settings.json');
  const before = readFileSync(settingsFile, 'utf8');
  writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(before), ...RESTRICTED_MODE.settings }, null, 2));
  let page: Page | undefined;
  try {
    ({ page } = await openFixtureCopy(browser, serverUrl, base, RESTRICTED_MODE.folder));
    const item = page.locator('.statusbar-item').filter({ hasText: RESTRICTED_MODE.status }).first();
    await item.waitFor({ timeout: WAIT_MS }).catch(async () => {
      throw new Error(`no status bar item says ${RESTRICTED_MODE.status}; items: ${JSON.stringify((await page!.locator('.statusbar-item').allInnerTexts()).filter(Boolean))}`);
    });
    await hoverOnceLoaded(page, RESTRICTED_MODE.hover.token, RESTRICTED_MODE.hover.contains);
    await screenshot(page, 'e2e-restricted-mode.png');
  } catch (err) {
    if (page) await screenshot(page, 'e2e-failed-restricted-mode.png').catch(() => {});
    throw err;
  } finally {
    await page?.close().catch(() => {});
    writeFileSync(settingsFile, before);
  }
}

// ---------------------------------------------------------------- lookup progress, the README's pictures (issues #13, #15)

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  hasInstallScript?: boolean;
}

/**
 * The registry's answers for what a lockfile locks from a registry (https tarballs): each
 * name with its locked version, integrity and, where the lockfile says so, an install
 * script; `takedowns` answer as the public registry does for those names. Returns the names.
 */
function serveLocked(registry: FakeRegistry, lockText: string, takedowns: Record<string, '404' | 'placeholder'>): string[] {
  const lock = JSON.parse(lockText) as { packages: Record<string, LockEntry> };
  const names: string[] = [];
  for (const [key, p] of Object.entries(lock.packages)) {
    if (!key || !p.version || !p.resolved?.startsWith('https://')) continue;
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    names.push(name);
    if (takedowns[name]) registry.takedown(name, takedowns[name]);
    // The lockfile's sha512 where it has one; else the registry's own (the public registry has sha512 for every recent version).
    else registry.addPackage(name, { versions: { [p.version]: { integrity: p.integrity?.startsWith('sha512-') ? p.integrity : undefined, repository: `github:example/${name}`, ...(p.hasInstallScript ? { scripts: { postinstall: 'node install.js' } } : {}) } } });
  }
  return names;
}

/** Workspace settings that send this folder's lookups to a loopback registry (user settings keep the other windows offline). */
function onlineSettings(dir: string, registry: FakeRegistry, extra: Record<string, unknown> = {}): void {
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  const settings = { 'depwarden.offline': false, 'depwarden.registry': registry.url, 'depwarden.advisories': { enabled: false }, 'depwarden.audit.background': false, ...extra };
  writeFileSync(join(dir, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** depwarden's own status bar item ("… 2 errors, 1 warning, looking up…"). */
const depwardenItem = (page: Page) => page.locator('.statusbar-item').filter({ hasText: /depwarden:/ }).filter({ hasNotText: PROGRESS.progress }).first();

/** Waits until depwarden's status bar item's text passes the test. */
async function waitForStatus(page: Page, test: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  let text = '';
  for (;;) {
    text = ((await depwardenItem(page).textContent().catch(() => '')) ?? '').replace(/\s+/g, ' ').trim();
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; depwarden's status bar item says "${text}"`);
    await page.waitForTimeout(100);
  }
}

/** VS Code's window progress for the lookups, once it shows; clicking it brings up its notification (with the Cancel). */
async function waitForProgress(page: Page, timeout = WAIT_MS): Promise<{ item: Locator; notification: Locator; done: number; total: number }> {
  const item = page.locator('.statusbar-item').filter({ hasText: PROGRESS.progress }).first();
  await item.waitFor({ timeout }).catch(async () => {
    throw new Error(`no "depwarden: checking N/M packages" progress in the status bar; items: ${JSON.stringify((await page.locator('.statusbar-item').allInnerTexts()).filter(Boolean))}`);
  });
  const m = PROGRESS.progress.exec(await item.innerText())!;
  const [done, total] = [m[1], m[2]].map((x) => Number(x.replace(/,/g, '')));
  const notification = page.locator('.notification-list-item').filter({ hasText: PROGRESS.notification }).first();
  if (!(await notification.isVisible())) await item.click();
  await notification.waitFor({ timeout: WAIT_MS }).catch(async () => {
    throw new Error(`clicking the progress showed no notification saying "checking N/M packages"; notifications: ${JSON.stringify(await page.locator('.notification-list-item').allInnerTexts())}`);
  });
  return { item, notification, done, total };
}

async function readmeShot(page: Page, name: string): Promise<void> {
  await screenshot(page, `e2e-readme-${name}`);
}

/**
 * PROGRESS, then the README's pictures, in a copy of examples/risky-app: the progress is
 * seen while the registry holds its answers and goes when they land; the hover, the
 * Problems panel and the report are pictured online; then Clear Cache with the registry
 * held again, and Cancel ends the lookups with "lookups incomplete" in the status bar.
 */
async function runProgress(browser: Browser, serverUrl: string, base: string): Promise<void> {
  const registry = await startFakeRegistry();
  registry.latencyMs = PROGRESS.latencyMs;
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    const dir = join(base, PROGRESS.folder);
    cpSync(join(ROOT, PROGRESS.source), dir, { recursive: true });
    const names = serveLocked(registry, readFileSync(join(dir, 'package-lock.json'), 'utf8'), PROGRESS.takedowns);
    onlineSettings(dir, registry);
    // Nothing is answered until the progress has been seen: the lookup cannot end before.
    registry.pause();
    await page.bringToFront();
    await page.goto(`${serverUrl}/?folder=${encodeURIComponent(dir)}`, GOTO);
    await openManifest(page);
    // The language server starts with the window: on a busy machine that alone can take half a minute.
    const first = await waitForProgress(page, 2 * WAIT_MS);
    if (first.total < 1 || first.done >= first.total) throw new Error(`the progress says ${first.done}/${first.total} while the registry holds every answer`);
    await waitForStatus(page, (t) => PROGRESS.lookingUp.test(t), 'depwarden\'s status bar item to say "looking up"');
    await readmeShot(page, README_SHOTS.progress);

    // Answered (150 ms each): the lookup ends and its progress and notification go.
    registry.resume();
    await first.item.waitFor({ state: 'hidden', timeout: WAIT_MS }).catch(() => {
      throw new Error('the progress stayed in the status bar after every lookup was answered');
    });
    await first.notification.waitFor({ state: 'hidden', timeout: WAIT_MS }).catch(() => {
      throw new Error('the progress notification stayed after every lookup was answered');
    });
    const settled = await waitForStatus(page, (t) => !PROGRESS.lookingUp.test(t), 'the lookups to end');
    if (PROGRESS.cancelled.test(settled)) throw new Error(`lookups incomplete although every one was answered: "${settled}"`);
    const asked = new Set(registry.requests.map((r) => r.name));
    const unasked = names.filter((n) => !asked.has(n));
    if (unasked.length) throw new Error(`the registry was never asked about ${unasked.join(', ')}`);

    // The README's pictures, online: hover, Problems panel, report.
    await hoverOnceLoaded(page, PROGRESS.hover.token, PROGRESS.hover.contains);
    await readmeShot(page, README_SHOTS.hover);
    await dismissHover(page);
    await runCommand(page, 'View: Focus Problems');
    const rows = page.locator('.markers-panel .monaco-list-row');
    for (const entry of PROGRESS.problems) {
      await rows.filter({ hasText: entry }).first().waitFor({ timeout: WAIT_MS }).catch(async () => {
        throw new Error(`no Problems entry matches ${entry}; entries: ${JSON.stringify(await rows.allInnerTexts())}`);
      });
    }
    await focusEditorAt(page, '"dependencies"');
    await readmeShot(page, README_SHOTS.problems);
    // The report gets the whole editor area in its picture.
    await runCommand(page, 'View: Hide Panel');
    await page.locator('.markers-panel').first().waitFor({ state: 'hidden', timeout: WAIT_MS });
    await runCommand(page, EDITOR_VIEWS.report.command);
    const preview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await preview.locator('a').filter({ hasText: EDITOR_VIEWS.report.link }).first().waitFor({ timeout: WAIT_MS }).catch(async () => {
      throw new Error(`the report preview shows no file:line link: ${(await preview.locator('body').innerText().catch(() => '?')).slice(0, 300)}`);
    });
    await readmeShot(page, README_SHOTS.report);

    // Cancel: the cache cleared, every name is looked up again and held; the user cancels.
    registry.pause();
    await runCommand(page, 'depwarden: Clear Registry and Advisory Cache');
    const again = await waitForProgress(page);
    const cancel = again.notification.locator('.monaco-button').filter({ hasText: /^\s*Cancel\s*$/ }).first();
    await cancel.waitFor({ timeout: WAIT_MS }).catch(async () => {
      throw new Error(`the progress notification has no Cancel: ${await again.notification.innerText()}`);
    });
    await cancel.click();
    await again.item.waitFor({ state: 'hidden', timeout: WAIT_MS }).catch(() => {
      throw new Error('the progress stayed in the status bar after Cancel (the registry still holds every answer)');
    });
    await waitForStatus(page, (t) => PROGRESS.cancelled.test(t) && !PROGRESS.lookingUp.test(t), 'depwarden\'s status bar item to say "lookups incomplete" after Cancel');
  } catch (err) {
    await screenshot(page, 'e2e-failed-progress.png').catch(() => {});
    throw err;
  } finally {
    await page.close().catch(() => {});
    await registry.close();
  }
}

/** Copies the README's pictures from this run into docs/images (DEPWARDEN_E2E_README=1). */
function copyReadmeShots(): void {
  for (const name of [README_SHOTS.progress, README_SHOTS.hover, README_SHOTS.problems, README_SHOTS.report]) {
    cpSync(join(RESULTS, `e2e-readme-${name}`), join(ROOT, README_SHOTS.dir, name));
  }
  console.log(`# README screenshots copied to ${README_SHOTS.dir}`);
}

// ---------------------------------------------------------------- audit this version (issue #14)

/** AUDIT_VERSION's workspace: env-stealer 1.0.1 (a new postinstall that posts process.env) locked from the loopback registry. */
function writeAuditWorkspace(dir: string, registry: FakeRegistry): void {
  const { name, version } = AUDIT_VERSION;
  const repository = `github:acme/${name}`;
  const bytes = buildPackageTarball(envStealer.manifest, envStealer.files);
  const previous = buildPackageTarball({ name, version: '1.0.0', main: 'index.js' }, [{ path: 'index.js', content: 'module.exports = 1;\n' }]);
  registry.addPackage(name, {
    versions: {
      '1.0.0': { tarball: previous, repository },
      [version]: { tarball: bytes, repository, scripts: { postinstall: 'node index.js' }, time: new Date(Date.now() - 10 * 86_400_000).toISOString() },
    },
  });
  mkdirSync(dir, { recursive: true });
  const deps = { [name]: version };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify({ name: 'audit-workspace', version: '1.0.0', private: true, dependencies: deps }, null, 2)}\n`);
  const lock = {
    name: 'audit-workspace',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'audit-workspace', version: '1.0.0', dependencies: deps },
      [`node_modules/${name}`]: { version, resolved: `${registry.url}${name}/-/${name}-${version}.tgz`, integrity: sriOf(bytes), hasInstallScript: true },
    },
  };
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  onlineSettings(dir, registry);
}

/** The light bulb's audit action, the notification it ends with, and the finding's hover with file:line. */
async function runAuditVersion(browser: Browser, serverUrl: string, base: string): Promise<void> {
  const registry = await startFakeRegistry();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    const dir = join(base, AUDIT_VERSION.folder);
    writeAuditWorkspace(dir, registry);
    await page.bringToFront();
    await page.goto(`${serverUrl}/?folder=${encodeURIComponent(dir)}`, GOTO);
    await openManifest(page);
    // The action is offered on a registry-backed finding (install-script): wait for the lookup to land.
    await hoverOnceLoaded(page, AUDIT_VERSION.token, [/install script/]);
    await dismissHover(page);
    const tarballs = () => registry.requests.filter((r) => r.path.endsWith('.tgz')).map((r) => r.path);
    if (tarballs().length) throw new Error(`a tarball was downloaded before the user asked (background audits are off): ${tarballs().join(', ')}`);

    await waitForStatus(page, (t) => !PROGRESS.lookingUp.test(t), 'the lookups to end');
    // The menu's actions are VS Code's cached copies of the server's: when the actions are
    // computed again meanwhile (diagnostics re-published), the picked one is gone and VS Code
    // only logs "command not found". Then nothing reaches the registry: open the menu again.
    const downloaded = () => tarballs().some((p) => p.endsWith(`/${AUDIT_VERSION.name}-${AUDIT_VERSION.version}.tgz`));
    for (let attempt = 1; ; attempt++) {
      await (await quickFixMenuItem(page, AUDIT_VERSION.token, AUDIT_VERSION.action)).click();
      const deadline = Date.now() + WAIT_MS / 2;
      while (!downloaded() && Date.now() < deadline) await page.waitForTimeout(100);
      if (downloaded()) break;
      if (attempt === 3) throw new Error('picking the audit action three times never downloaded the tarball');
      await page.keyboard.press('Escape');
    }
    const toast = page.locator('.notification-toast').filter({ hasText: AUDIT_VERSION.notification }).first();
    await toast.waitFor({ timeout: WAIT_MS }).catch(async () => {
      throw new Error(`no notification matching ${AUDIT_VERSION.notification}; notifications: ${JSON.stringify(await page.locator('.notification-toast').allInnerTexts())}`);
    });
    await screenshot(page, 'e2e-audit-notification.png');

    // The audit's finding sits on the version; its hover names the signal and where.
    await hoverOnceLoaded(page, AUDIT_VERSION.findingToken, AUDIT_VERSION.finding);
    await screenshot(page, 'e2e-audit-hover.png');
    await dismissHover(page);

    // The same from the hover's "Audit this version" link (answered from the session's audit).
    await runCommand(page, 'Notifications: Clear All Notifications');
    await toast.waitFor({ state: 'hidden', timeout: WAIT_MS });
    const card = await hoverOnceLoaded(page, AUDIT_VERSION.token, [/Audit this version/]);
    await card.locator('a').filter({ hasText: 'Audit this version' }).first().click();
    await toast.waitFor({ timeout: WAIT_MS }).catch(async () => {
      throw new Error(`the hover's "Audit this version" link gave no notification matching ${AUDIT_VERSION.notification}; notifications: ${JSON.stringify(await page.locator('.notification-toast').allInnerTexts())}`);
    });
  } catch (err) {
    await screenshot(page, 'e2e-failed-audit.png').catch(() => {});
    throw err;
  } finally {
    await page.close().catch(() => {});
    await registry.close();
  }
}

/** DEPWARDEN_E2E_ONLY: a regular expression over the titles, to run one scenario while working on it. */
function selected(title: string): boolean {
  const only = process.env.DEPWARDEN_E2E_ONLY;
  return !only || new RegExp(only, 'i').test(title);
}

async function runAll(): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const started = Date.now();
  let base: string | undefined;
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let profile: Profile | undefined;
  let page: Page | undefined;
  let serverUrl: string | undefined;
  let failed = false;
  try {
    const paths = readSetupPaths();
    const vsix = ensureVsix();
    const t0 = Date.now();
    base = mkdtempSync(join(tmpdir(), 'depwarden-e2e-'));
    profile = makeProfile(base);
    installExtension(paths, profile, vsix);
    const cs = await startCodeServer(paths, profile);
    const listening = Date.now();
    server = cs.child;
    serverUrl = cs.url;
    browser = await chromium.launch({ executablePath: paths.chromium, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${cs.url}/?folder=${encodeURIComponent(profile.workspace)}`, GOTO);
    await openManifest(page);
    console.log(`# code-server listening ${((listening - t0) / 1000).toFixed(1)} s after start; manifest open ${((Date.now() - listening) / 1000).toFixed(1)} s later`);
  } catch (err) {
    failed = true;
    const msg = `set-up failed: ${(err as Error).message}`;
    console.log(`not ok - ${msg}`);
    for (const s of [...SCENARIOS, HOSTILE_HOVER, PROBLEM_COUNT, EDITOR_VIEWS, PROGRESS, AUDIT_VERSION, RESTRICTED_MODE]) outcomes.push({ title: s.title, error: msg, ms: 0 });
  }

  if (page && profile && !failed) {
    for (const [i, s] of SCENARIOS.entries()) {
      if (!selected(s.title)) continue;
      const t0 = Date.now();
      try {
        await runScenario(page, s, profile.workspace);
        outcomes.push({ title: s.title, ms: Date.now() - t0 });
        console.log(`ok ${i + 1} - ${s.title} (${Date.now() - t0} ms)`);
      } catch (err) {
        failed = true;
        const message = (err as Error).message.split('\n')[0];
        outcomes.push({ title: s.title, error: message, ms: Date.now() - t0 });
        console.log(`not ok ${i + 1} - ${s.title}: ${message}`);
        await screenshot(page, `e2e-failed-${i + 1}-${s.kind}.png`).catch(() => {});
        await dismissHover(page).catch(() => {});
        await page.keyboard.press('Escape').catch(() => {});
      }
      // The picture a person would see: squiggles and the Problems panel, before the fix.
      if (s.kind === 'problems') await screenshot(page, 'e2e-package-json.png').catch(() => {});
    }
    // Each in a workspace (and window) of its own, after SCENARIOS: the hostile hover and
    // the progress and audit ones need network settings the others must not have, the
    // problem count its files' counts alone; Restricted Mode last (it turns workspace trust on).
    const windows: [string, () => Promise<void>][] = [
      [HOSTILE_HOVER.title, () => runHostileHover(browser!, serverUrl!, base!)],
      [PROBLEM_COUNT.title, () => runProblemCount(browser!, serverUrl!, base!)],
      [EDITOR_VIEWS.title, () => runEditorViews(browser!, serverUrl!, base!)],
      [PROGRESS.title, () => runProgress(browser!, serverUrl!, base!)],
      [AUDIT_VERSION.title, () => runAuditVersion(browser!, serverUrl!, base!)],
      [RESTRICTED_MODE.title, () => runRestrictedMode(browser!, serverUrl!, base!, profile!.userData)],
    ];
    for (const [i, [title, run]] of windows.entries()) {
      if (!selected(title)) continue;
      const n = SCENARIOS.length + 1 + i;
      const t0 = Date.now();
      try {
        await run();
        outcomes.push({ title, ms: Date.now() - t0 });
        console.log(`ok ${n} - ${title} (${Date.now() - t0} ms)`);
      } catch (err) {
        failed = true;
        const message = (err as Error).message.split('\n')[0];
        outcomes.push({ title, error: message, ms: Date.now() - t0 });
        console.log(`not ok ${n} - ${title}: ${message}`);
      }
    }
    if (process.env.DEPWARDEN_E2E_README && outcomes.some((o) => o.title === PROGRESS.title && !o.error)) copyReadmeShots();
  }

  if (failed && page) await screenshot(page, 'e2e-failed-final.png').catch(() => {});
  await browser?.close().catch(() => {});
  stopCodeServer(server);
  if (failed && profile) saveLogs(profile);
  if (base && !process.env.DEPWARDEN_E2E_KEEP) rmSync(base, { recursive: true, force: true });
  else if (base) console.log(`# kept ${base}`);
  console.log(`# total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outcomes;
}

function saveLogs(profile: Profile): void {
  try {
    if (existsSync(profile.log)) cpSync(profile.log, join(RESULTS, 'e2e-code-server.log'));
    const logs = join(profile.userData, 'logs');
    if (existsSync(logs)) cpSync(logs, join(RESULTS, 'e2e-logs'), { recursive: true });
    console.log(`# screenshots and logs in ${RESULTS}`);
  } catch (err) {
    console.log(`# could not save logs: ${(err as Error).message}`);
  }
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
  mkdirSync(RESULTS, { recursive: true });
  for (const name of readdirSync(RESULTS)) {
    if (name.startsWith('e2e-')) rmSync(join(RESULTS, name), { recursive: true, force: true });
  }
  const outcomes = await runAll();
  const failed = outcomes.filter((o) => o.error).length;
  console.log(`${outcomes.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// Only when run directly: test/e2e/scale.ts imports the helpers above.
if (require.main === module) void main();
