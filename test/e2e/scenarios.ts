// What the end-to-end suites check, shared by the code-server + Chromium driver
// (test/e2e/run.ts, which reads the DOM) and the @vscode/test-electron suite
// (test/electron/suite.ts, which asks the VS Code API). Each runner implements every
// scenario kind; the facts (which text, which rule, which fix) live here once.

/** The fixture workspace, relative to the repository root; runners open a copy of it. */
export const FIXTURE_DIR = 'test/fixtures/e2e-workspace';
export const MANIFEST = 'package.json';

/** User settings for the test profile: no trust prompt, no network, no distractions. */
export const USER_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'depwarden.offline': true,
  // VS Code's npm extension would fetch package info for its hovers (see editorEnv).
  'npm.fetchOnlinePackageInfo': false,
  'json.schemaDownload.enable': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.hover.delay': 200,
};

/**
 * Environment for the editor under test. VS Code's built-in npm extension runs `npm view`
 * for its package.json hovers whenever npm is on PATH, whatever npm.fetchOnlinePackageInfo
 * says: an empty cache and offline mode make that fail at once instead of reaching the
 * registry (and keep screenshots the same from run to run).
 */
export function editorEnv(scratch: string): Record<string, string> {
  return { npm_config_offline: 'true', npm_config_cache: `${scratch}/npm-cache` };
}

export const TYPO = 'expresss';
export const TARGET = 'express';
export const UNPINNED = 'left-pad';
/** The version of the typosquat in the fixture's package-lock.json. */
export const LOCKED_VERSION = '4.0.0';

export type Scenario =
  | { kind: 'status-bar'; title: string; prefix: string }
  | {
      kind: 'squiggle';
      title: string;
      /** Text of the JSON token (quotes included) the squiggle must cover. */
      token: string;
      /** A rule id or a phrase of its message; any one must match the diagnostic. */
      match: RegExp;
    }
  | { kind: 'problems'; title: string; entries: RegExp[] }
  | {
      kind: 'suppress';
      title: string;
      token: string;
      /** The start of the quick fix's title. */
      action: string;
      /** The file the fix creates. */
      file: string;
    }
  | {
      kind: 'graph-view';
      title: string;
      /** The explorer view's title. */
      view: string;
      /** A node label that must appear once the tree is expanded. */
      node: string;
    }
  | {
      kind: 'hover';
      title: string;
      token: string;
      /** Every one must match the hover's text. */
      contains: RegExp[];
    }
  | {
      kind: 'quick-fix';
      title: string;
      token: string;
      action: string;
      /** What the document must contain after the fix, and must no longer contain. */
      after: string;
      gone: string;
    };

// The order matters: the quick fix edits the document, so it comes last.
export const SCENARIOS: Scenario[] = [
  { kind: 'status-bar', title: 'a status bar item starting with "depwarden"', prefix: 'depwarden' },
  {
    kind: 'squiggle',
    title: `a squiggle on the typosquat key "${TYPO}"`,
    token: `"${TYPO}"`,
    match: /typosquat|looks like a typo/i,
  },
  {
    kind: 'squiggle',
    title: `a squiggle on the unpinned "*" of "${UNPINNED}"`,
    token: '"*"',
    match: /unpinned-range/,
  },
  {
    kind: 'problems',
    title: 'the Problems panel lists the typosquat and the unpinned range',
    entries: [/typosquat|looks like a typo/i, /unpinned-range/],
  },
  {
    kind: 'hover',
    title: `hovering "${TYPO}" names "${TARGET}"`,
    token: `"${TYPO}"`,
    contains: [
      // A word boundary, so the typo itself ("expresss") does not count.
      new RegExp(`\\b${TARGET}\\b`),
      // From depwarden's own card rather than the diagnostic's message: the manifest's
      // dependency joined with its lockfile entry.
      new RegExp(`locked at ${LOCKED_VERSION.replace(/\./g, '\\.')}`),
    ],
  },
  {
    kind: 'graph-view',
    title: `the dependency graph view shows ${TYPO}@${LOCKED_VERSION}`,
    view: 'Dependencies',
    node: `${TYPO}@${LOCKED_VERSION}`,
  },
  {
    kind: 'suppress',
    title: `"Suppress" on the unpinned range creates .depwarden.json, shows it with the reason selected, and the squiggle goes`,
    token: '"*"',
    action: `Suppress unpinned-range for ${UNPINNED}`,
    file: '.depwarden.json',
  },
  {
    kind: 'quick-fix',
    title: `the quick fix "Replace with "${TARGET}"" rewrites the key and the file`,
    token: `"${TYPO}"`,
    action: `Replace with "${TARGET}"`,
    after: `"${TARGET}":`,
    gone: `"${TYPO}"`,
  },
];

/**
 * Issue #10 (row 1): hovers built from a hostile spec and hostile registry text. Runs in a
 * workspace of its own after SCENARIOS (its package.json, lockfile and workspace settings
 * are written by the runner, since they name the test registry's port): the registry is
 * the runner's loopback test registry serving HOSTILE_PACKAGE (test/support/fake-registry.ts),
 * whose publisher, install script, deprecation and repository carry Markdown links,
 * command links, images and HTML; "odd" has such a spec. The cards must show that text
 * and render no link we did not build and no image (and nothing may fetch the images).
 */
export const HOSTILE_HOVER = {
  title: 'hovers built from a hostile spec and hostile registry text render no link or image we did not build',
  /** Folder name of the workspace the runner writes. */
  folder: 'hostile-workspace',
  /** What to hover, and what its card shows once the registry data is in (whether or not the hostile text got out). */
  hovers: [
    { token: '"sneaky-md"', contains: [/install script/, /published .* by mallory/] },
    { token: '"odd"', contains: [/\bodd\b.*1\.0\.0/] },
  ],
  /** The only links a card may have: npm, the rule docs, repositories on known hosts, Copy IOC by id, Audit this version (its arguments percent-encoded). */
  allowedLinks: [
    /^https:\/\/www\.npmjs\.com\//,
    /^https:\/\/github\.com\/depwarden\/depwarden\/blob\/main\/docs\/rules\//,
    /^https:\/\/(github\.com|gitlab\.com|bitbucket\.org)\/[\w.-]+\/[\w.-]+(\/|$)/,
    /^command:depwarden\.copyIocById\?%5B%22[a-z0-9]{1,32}%22%5D$/,
    /^command:depwarden\.auditVersion\?%5B%22file%3A%2F%2F[A-Za-z0-9%._~-]+%22%2C%22[A-Za-z0-9%._~-]+%22%2C%22[A-Za-z0-9%._~-]+%22%5D$/,
  ],
} as const;

/**
 * Issue #12 item 5 / #15 item 6: one problem per finding. In a workspace (and window) of its
 * own, written by the runner from `files`: a lockfile finding about a direct dependency (b,
 * from another host), one about a package another pulls in (c, via a) and a typosquat both
 * package.json and the lockfile show. The Problems panel's counts (VS Code's indicator)
 * must equal depwarden's own (its status bar item); they differed while lockfile findings
 * were copied onto package.json lines. Offline, as every run: these findings are local.
 */
export const PROBLEM_COUNT = {
  title: 'the Problems panel counts each finding once: its errors and warnings equal the depwarden status bar item',
  folder: 'one-problem-workspace',
  files: {
    'package.json': `${JSON.stringify({ name: 'one-problem', version: '1.0.0', private: true, dependencies: { expresss: '^4.0.0', a: '^1.0.0', b: '^1.0.0' } }, null, 2)}\n`,
    'package-lock.json': `${JSON.stringify(
      {
        name: 'one-problem',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'one-problem', version: '1.0.0', dependencies: { expresss: '^4.0.0', a: '^1.0.0', b: '^1.0.0' } },
          'node_modules/expresss': { version: '4.0.0', resolved: 'https://registry.npmjs.org/expresss/-/expresss-4.0.0.tgz', integrity: `sha512-${'E'.repeat(86)}==` },
          'node_modules/a': { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz', integrity: `sha512-${'A'.repeat(86)}==`, dependencies: { c: '^1.0.0' } },
          'node_modules/b': { version: '1.0.0', resolved: 'https://evil.example.com/b/-/b-1.0.0.tgz', integrity: `sha512-${'B'.repeat(86)}==` },
          'node_modules/c': { version: '1.0.0', resolved: 'https://evil.example.com/c/-/c-1.0.0.tgz', integrity: `sha512-${'C'.repeat(86)}==` },
        },
      },
      null,
      2,
    )}\n`,
  } as Record<string, string>,
  /** At least this many errors (b and c resolved from another host), so that agreeing on nothing does not pass. */
  minErrors: 2,
} as const;

/**
 * Issue #15 items 3-5 (the editor's views): in a window and a workspace of its own (a copy
 * of FIXTURE_DIR, offline as USER_SETTINGS say), after SCENARIOS.
 * - A hover shows no text twice: VS Code's diagnostic part above the card has the messages,
 *   the card (depwarden's) adds the verdict and what was not checked (offline here).
 * - "Show Report" opens a read-only preview (never a dirty untitled buffer) whose file:line
 *   links are links, and one opens the file at its line.
 * Then RESTRICTED_MODE, in one more window with workspace trust on and this folder untrusted.
 */
export const EDITOR_VIEWS = {
  title: 'a hover shows no text twice and says what was not checked; Show Report opens read-only with working file:line links',
  folder: 'editor-views-workspace',
  hover: { token: `"${TYPO}"`, contains: [/looks like a typo/, /Not checked/, /registry: offline/] },
  /** Hover lines at least this long must not appear twice (short ones, "Quick Fix..." and the like, may). */
  minRepeatedLine: 20,
  report: { command: 'depwarden: Show Report', tab: 'Preview depwarden report.md', link: /^package\.json:(\d+)$/ },
} as const;

export const RESTRICTED_MODE = {
  title: 'Restricted Mode: the status bar and a hover say only the local checks ran',
  folder: 'restricted-workspace',
  /** Added to the user settings for this window: trust on, no prompt (the folder opens untrusted). */
  settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } as Record<string, unknown>,
  status: /Restricted Mode: local checks only/,
  hover: { token: `"${UNPINNED}"`, contains: [/Not checked/, /Restricted Mode/] },
} as const;

/**
 * Issue #13 item 4 / #15 item 8: lookup progress in VS Code. In a copy of examples/risky-app
 * whose workspace settings send lookups to the runner's loopback registry (150 ms per
 * answer, and held unanswered while the runner pauses it, so that the lookup cannot end
 * before the progress is checked). The server's window/workDoneProgress shows as VS Code's
 * window progress ("depwarden: checking N/M packages") with a notification that has a
 * Cancel; it goes when the lookup ends. Then, after "Clear Cache" with the registry paused
 * again, Cancel stops the lookups and the status bar says they are incomplete.
 * The README's screenshots are taken in this window (see README_SHOTS).
 */
export const PROGRESS = {
  title: 'a cold lookup shows "depwarden: checking N/M packages" with a Cancel, which goes when the lookup ends; Cancel stops a lookup and the status bar says lookups incomplete',
  folder: 'risky-app',
  source: 'examples/risky-app',
  latencyMs: 150,
  /** VS Code's window progress: the server's title and message. */
  progress: /depwarden: checking (\d[\d,]*)\/(\d[\d,]*) packages/,
  /** What the server says in the notification (no title there). */
  notification: /checking \d[\d,]*\/\d[\d,]* packages/,
  /** depwarden's status bar item while looking up, and after the Cancel. */
  lookingUp: /looking up/,
  cancelled: /lookups incomplete/,
  /** The registry's answers for the example: true to the public registry where it matters (flatmap-stream was taken down, crossenv is a security placeholder). */
  takedowns: { 'flatmap-stream': '404', crossenv: 'placeholder' } as Record<string, '404' | 'placeholder'>,
  /** Online, the hover card of the typosquat has the registry facts and names the package it imitates. */
  hover: { token: `"${TYPO}"`, contains: [new RegExp(`\\b${TARGET}\\b`), /published/] },
  /** Online findings at the top of the Problems panel (errors first; the list only renders the rows in view). */
  problems: [/security-holder|removed-from-registry/],
} as const;

/**
 * Issue #15: the README's pictures, taken in PROGRESS's window (examples/risky-app, online
 * against the loopback registry). Written to test-results/ on every run; copied to
 * docs/images when DEPWARDEN_E2E_README=1 (`npm run e2e:readme`).
 */
export const README_SHOTS = {
  dir: 'docs/images',
  progress: 'risky-app-progress.png',
  hover: 'risky-app-hover.png',
  problems: 'risky-app-problems.png',
  report: 'risky-app-report.png',
} as const;

/**
 * Issue #14: "Audit the published code of name@version" from the light bulb, in real VS
 * Code. A workspace of its own (written by the runner: it names the registry's port) locks
 * env-stealer@1.0.1, whose tarball on the loopback registry has a postinstall that posts
 * process.env to a webhook (test/fixtures/audit/packages.ts); background audits are off, so
 * that only the user's click reads the tarball. The notification the user gets counts the
 * high signals; the suspicious-code finding's hover names the signal with file:line.
 */
export const AUDIT_VERSION = {
  title: '"Audit the published code" from the light bulb reads the tarball; the notification counts high signals and the hover names the signal with file:line',
  folder: 'audit-workspace',
  name: 'env-stealer',
  version: '1.0.1',
  /** Where the light bulb is opened: the install-script finding's line. */
  token: '"env-stealer"',
  action: 'Audit the published code of env-stealer@1.0.1',
  notification: /env-stealer@1\.0\.1: [1-9]\d* high/,
  /** The hover of the dependency, where the suspicious-code finding shows. */
  findingToken: '"env-stealer"',
  finding: [/suspicious-code/, /env-exfiltration/, /index\.js:\d+/],
} as const;
