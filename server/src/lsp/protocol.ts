/**
 * Every depwarden/* message between the client and the server, typed once (as
 * vscode-eslint's shared protocol and rust-analyzer's lsp_ext do). The server registers
 * its handlers with these constants and the client sends with them, so a renamed method
 * or a changed shape fails to compile on both sides.
 *
 * The client bundles this module: it may import types from the rest of the server, and at
 * runtime only vscode-jsonrpc (in the client bundle already) and the engine's list of
 * lockfile and config file names (data only). It also says how the client starts the
 * server (SERVER_ENV, SERVER_EXEC_ARGV).
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { LspViewNode, NodeRef, WhyAnswer } from './graph-view';
// Data only (file names per format): safe in the client bundle.
import { anyFolderGlob, LOCKFILE_NAMES, PACKAGE_MANAGER_CONFIG_NAMES } from '../engine/lockfile/formats';

export type { LspViewNode, NodeRef, WhyAnswer, WhyPath } from './graph-view';
export type { Severity } from '../engine/model';

/** Sent to the client after every publish: what the status bar shows. */
export interface StatusParams {
  manifests: number;
  lockfiles: number;
  packages: number;
  unparsed: number;
  error: number;
  warning: number;
  info: number;
  hint: number;
  offline: boolean;
  lookupsIncomplete: number;
  enabled: boolean;
  /** Registry/advisory lookups are running. */
  lookingUp: boolean;
}

/** A new malware or critical advisory on a locked version (one notification per advisory). */
export interface AlertParams {
  message: string;
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

/** A lockfile changed on disk: what the change brought in (the review itself is `lastChangeReview`). */
export interface LockfileChangedParams {
  files: string[];
  added: number;
  upgraded: number;
  downgraded: number;
  removed: number;
  flagged: number;
  /** What the notice says, e.g. "package-lock.json changed: 1 added, 1 downgraded; 1 needs a look." */
  message: string;
}

export interface CheckIocsParams {
  text: string;
}

export interface CheckIocsResult {
  /** name@version entries taken from the text. */
  accepted: number;
  /** Entries that were not name@version. */
  rejected: string[];
  /** known-malware findings that the user's indicator list produced. */
  matches: number;
  /** Names given without a version: not indicators (name@* says every version). */
  bareNames: string[];
  /** What the notice says (built by the server so that tests read what the user reads). */
  message: string;
}

export interface GraphChildrenParams {
  /** The node to expand; the roots without it. */
  parent?: NodeRef;
  riskyOnly?: boolean;
}

/** A position in a package.json or lockfile, or a package by name (and version). */
export interface WhyParams {
  uri?: string;
  position?: { line: number; character: number };
  package?: string;
  version?: string;
}

/** For the report and the reviews: where their file links start. */
export interface ReportParams {
  /**
   * The first workspace folder's URI, as the client orders them: the Markdown preview
   * resolves the report's "/path#L12" links against it (markdown.ts workspaceFileLink).
   * The server's first folder when absent.
   */
  linkBase?: string;
}

export interface ReviewParams extends ReportParams {
  /** A git revision; HEAD when empty. */
  base?: string;
}

/** "Audit this version": a package version to read, and the file the user asked from (which folder's registry settings apply). */
export interface AuditVersionParams {
  uri: string;
  name: string;
  version: string;
}

export interface AuditVersionResult {
  status: 'ok' | 'error' | 'refused';
  /** One line for the notification: the verdict, or why the version was not read. Server-built; untrusted parts escaped. */
  summary: string;
  /** How many signals of each strength (ok only). */
  high?: number;
  medium?: number;
  low?: number;
}

export interface IocTextParams {
  id?: unknown;
}

/** The method names, for the rare place that needs the string (logs, tests). */
export const Methods = {
  status: 'depwarden/status',
  alert: 'depwarden/alert',
  lockfileChanged: 'depwarden/lockfileChanged',
  scan: 'depwarden/scan',
  clearCache: 'depwarden/clearCache',
  report: 'depwarden/report',
  review: 'depwarden/review',
  lastChangeReview: 'depwarden/lastChangeReview',
  checkIocs: 'depwarden/checkIocs',
  iocText: 'depwarden/iocText',
  graphChildren: 'depwarden/graphChildren',
  why: 'depwarden/why',
  auditVersion: 'depwarden/auditVersion',
} as const;

// Server → client.
export const StatusNotification = new NotificationType<StatusParams>(Methods.status);
export const AlertNotification = new NotificationType<AlertParams>(Methods.alert);
export const LockfileChangedNotification = new NotificationType<LockfileChangedParams>(Methods.lockfileChanged);

// Client → server.
/** Re-read every folder from disk and scan it ("depwarden: Scan Workspace"). */
export const ScanRequest = new RequestType0<{ folders: number }, void>(Methods.scan);
/** Empty the registry/advisory cache and scan again. */
export const ClearCacheRequest = new RequestType0<{ cleared: boolean }, void>(Methods.clearCache);
/** Markdown of every finding in the workspace ("depwarden: Show Report"). */
export const ReportRequest = new RequestType<ReportParams | undefined, string, void>(Methods.report);
/** Markdown review of every lockfile against a git revision. */
export const ReviewRequest = new RequestType<ReviewParams | undefined, string, void>(Methods.review);
/** Markdown review of the last on-disk lockfile change. */
export const LastChangeReviewRequest = new RequestType<ReportParams | undefined, string, void>(Methods.lastChangeReview);
/** Add an indicator list for the session and say how many locked packages it matches. */
export const CheckIocsRequest = new RequestType<CheckIocsParams, CheckIocsResult, void>(Methods.checkIocs);
/** The text behind a hover's "Copy IOC" link id; null for an id the server did not hand out. */
export const IocTextRequest = new RequestType<IocTextParams | undefined, string | null, void>(Methods.iocText);
export const GraphChildrenRequest = new RequestType<GraphChildrenParams | undefined, LspViewNode[], void>(Methods.graphChildren);
export const WhyRequest = new RequestType<WhyParams, WhyAnswer, void>(Methods.why);
/** Read a version's tarball (package audit) and re-check: its suspicious-code findings appear like any other. */
export const AuditVersionRequest = new RequestType<AuditVersionParams | undefined, AuditVersionResult, void>(Methods.auditVersion);

/** The client command the "Audit this version" quick fix runs (arguments: uri, name, version). */
export const AUDIT_VERSION_COMMAND = 'depwarden.auditVersion';

/** The command a hover's "Copy IOC" link runs: the one command the client trusts in Markdown. */
export const COPY_IOC_BY_ID = 'depwarden.copyIocById';

/** VS Code's command that opens the workspace trust editor: linked from Restricted Mode cards and the status bar. */
export const MANAGE_TRUST = 'workbench.trust.manage';

/** What a "Copy IOC" link may carry: an id, never the text (see IocTexts in report-links.ts). */
export const IOC_ID = /^[a-z0-9]{1,32}$/;

/** The project's own policy file (suppressions, rule settings). */
const PROJECT_CONFIG_NAME = '.depwarden.json';

/**
 * The files the server reads, as VS Code globs: the client syncs the open ones and
 * watches all of them on disk. Built from the engine's file names, so a new lockfile
 * format or config file is watched without touching the client.
 */
export const SCANNED_FILE_GLOBS = {
  manifests: '**/package.json',
  lockfiles: anyFolderGlob(LOCKFILE_NAMES),
  projectConfig: `**/${PROJECT_CONFIG_NAME}`,
  /** Everything whose change on disk the server must hear about (sources have globs of their own in the client). */
  watched: anyFolderGlob(['package.json', ...LOCKFILE_NAMES, ...PACKAGE_MANAGER_CONFIG_NAMES, PROJECT_CONFIG_NAME]),
};

/**
 * How the client starts the language server (client/src/extension.ts): environment
 * variables and Node options on top of its own. bench/server-memory.ts starts
 * dist/server.js the same way.
 *
 * MALLOC_MMAP_THRESHOLD_ (glibc's malloc, Linux; ignored elsewhere): allocations of 8 KiB
 * and more get pages of their own, which go back to the system when freed. By default the
 * threshold rises with the largest block freed, so after the first large response body
 * the later ones (registry answers of up to tens of megabytes, read while a cold lookup
 * runs) came from malloc's heap, and the heap kept them: after a cold lookup of sentry the
 * server's memory outside the V8 heap stayed 40 MB larger (146-155 MB against 107-113 MB).
 * At 64 KiB the smaller blocks of a cold lookup (response chunks, decompression buffers)
 * still came from the heap, and the few that stay among them kept it large: theia +
 * sentry cold settled at 202-209 MB with malloc's heap at 64-74 MB, at 16 KiB at 189-193
 * MB with 53-56 MB (Node 20); on Node 24 (code-server's) at 208-215 MB with 60-64 MB at
 * 16 KiB, 177-178 MB with 28-30 MB at 8 KiB, for the same CPU time (bench/server-memory.ts).
 */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '8192' };

/**
 * --max-semi-space-size=4 (MB): V8's young generation grows to two 16 MB halves once the
 * server has allocated fast (every cold or warm lookup does), and keeps them committed,
 * empty, for as long as the server lives. With halves of 4 MB it keeps 8: with theia and
 * sentry open the server settled at 198 MB instead of 220-222 (warm cache). The cost is
 * more frequent young collections while lookups land (CPU until settled 15.5-16.8 s
 * against 13.6-15.5 s, same runs); what they promote early is compacted away once idle
 * (idle-gc.ts).
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=4'];
