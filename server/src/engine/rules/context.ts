import type { Finding, Fix, FixKind, RuleId, Settings, Severity } from '../model';
import type { Project } from '../project';
import type { RemoteData } from '../data/remote-data';
import { ScanData } from './scan-data';
import type { EvaluatedTarget } from '../data/targets';

/** What a scan hands every rule. */
export interface ScanInput {
  project: Project;
  settings: Settings;
  now: Date;
  /** Registry and advisory data; absent in offline scans and before lookups land. */
  remote?: RemoteData;
  /**
   * Per-scan data (indexes, registry view, allowed hosts), built on first use and shared by
   * every rule of the scan. A rule run on its own (tests) gets a fresh one.
   */
  data?: ScanData;
  /**
   * Only findings on these files are wanted (the editor's pass right after an edit, see
   * scanFocused): a rule may skip the files outside it. Absent: every file.
   */
  focus?: ReadonlySet<string>;
  /**
   * Only findings about these registry names are wanted (a rescan after their data landed,
   * see scan.ts rescanLanded): ScanData.targets holds theirs alone, and a `perName` rule
   * that reads lockfile entries or package.json dependencies itself skips the others.
   * Absent: every package.
   */
  only?: ReadonlySet<string>;
}

/**
 * A finding as a rule reports it: the context fills in the rule id, and the rule's default
 * severity unless the rule says otherwise (e.g. install-script is a warning when the
 * package manager would run the script).
 */
export type Report = Omit<Finding, 'rule' | 'severity' | 'fixes'> & { severity?: Severity; fixes?: Fix[] };

export interface RuleContext extends ScanInput {
  data: ScanData;
  report(finding: Report): void;
}

/**
 * Where a rule's input comes from: 'local' (files in the workspace), 'registry'
 * (packuments) and 'advisories' (OSV, malware feeds, IOC lists). A rule that lacks
 * 'local' only runs when the scan has remote data.
 */
export type DataSource = 'local' | 'registry' | 'advisories';

/**
 * Everything about a rule, in one place (ESLint's rule `meta`, Biome's declarations): the
 * catalog, the package.json settings, the schema enums and the SARIF rule table are
 * generated from these (scripts/sync-rule-contributes.ts, checked by contributes.test.ts).
 */
export interface RuleDeclaration {
  /** A public interface (diagnostic code, CLI `rule`, SARIF `ruleId`, suppressions): never rename. */
  id: RuleId;
  /** One sentence: what a finding means (settings, SARIF, docs index). */
  summary: string;
  /** The severity of a finding that does not set one. */
  severity: Severity;
  data: readonly DataSource[];
  /** Kinds of fixes the rule attaches itself (standard fixes such as suppress come on top). */
  fixes: readonly FixKind[];
  /**
   * Set when the rule judges each registry package on its own: every finding is about one
   * package, placed on that package's lockfile entry or package.json dependency, and comes
   * from the files, the settings, the clock and that package's registry and advisory data
   * alone, plus the data of the names `reads` returns for its target (or `alsoReads` for
   * its name). Such a rule honours
   * ScanInput.only; while lookups land it is run again only for the names whose data
   * landed, and its other findings are kept (scan.ts rescanLanded; a unit test checks the
   * result against a full scan).
   */
  perName?: {
    reads?(t: EvaluatedTarget): Iterable<string>;
    /**
     * The other name whose data a finding about `name` reads, fixed by the name alone
     * (typosquat: the popular package it may imitate), for every name the rule judges,
     * targets or not: rescanLanded indexes these once per project.
     */
    alsoReads?(name: string): string | undefined;
  };
  check(ctx: RuleContext): void;
}

export interface Rule extends RuleDeclaration {
  /** The rule's page, docs/rules/<id>.md; diagnostics and SARIF link to it. */
  docs: string;
  /** Runs the rule alone and returns what it reported. */
  run(input: ScanInput): Finding[];
}

/** Where the rule pages live; diagnostics and SARIF link here. */
export const RULE_DOCS_BASE = 'https://github.com/depwarden/depwarden/blob/main/docs/rules/';

export function ruleDocUrl(id: RuleId): string {
  return `${RULE_DOCS_BASE}${id}.md`;
}

export function defineRule(declaration: RuleDeclaration): Rule {
  return {
    ...declaration,
    docs: ruleDocUrl(declaration.id),
    run(input) {
      const findings: Finding[] = [];
      const ctx: RuleContext = {
        ...input,
        data: input.data ?? new ScanData(input),
        report({ severity, message, file, span, package: pkg, version, via, fixes, ...rest }) {
          // Fields in one order for every rule (the CLI's JSON prints findings as they are).
          const finding: Finding = { rule: declaration.id, severity: severity ?? declaration.severity, message, file, span, package: pkg, version, via, fixes: fixes ?? [], ...rest };
          // The id is the declaration's, whatever a report built elsewhere carries.
          finding.rule = declaration.id;
          // An optional field left undefined is left out, as if never written.
          for (const key of Object.keys(finding) as (keyof Finding)[]) if (finding[key] === undefined) delete finding[key];
          findings.push(finding);
        },
      };
      declaration.check(ctx);
      return findings;
    },
  };
}

/** Whether findings about the registry package `name` are wanted by this scan (see ScanInput.only). */
export function wanted(input: ScanInput, name: string): boolean {
  return !input.only || input.only.has(name);
}

/** Whether findings on `file` are wanted by this scan (see ScanInput.focus). */
export function inFocus(input: ScanInput, file: string): boolean {
  return !input.focus || input.focus.has(file);
}

/** True when the rule has what it needs: local rules always, remote-only rules with remote data. */
export function canRun(rule: RuleDeclaration, input: ScanInput): boolean {
  return rule.data.includes('local') || input.remote !== undefined;
}
