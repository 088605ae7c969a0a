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
  // VS Code's npm extension would fetch package info from the registry for its hovers.
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

export const TYPO = 'expresss';
export const TARGET = 'express';
export const UNPINNED = 'left-pad';

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
  | { kind: 'hover'; title: string; token: string; contains: RegExp }
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
    // A word boundary, so the typo itself ("expresss") does not count.
    contains: new RegExp(`\\b${TARGET}\\b`),
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
