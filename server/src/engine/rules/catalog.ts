import type { RuleId, Severity } from '../model';

/** Where the rule pages live; diagnostics and SARIF link here. */
export const RULE_DOCS_BASE = 'https://github.com/depwarden/depwarden/blob/main/docs/rules/';

export function ruleDocUrl(id: RuleId): string {
  return `${RULE_DOCS_BASE}${id}.md`;
}

/** One line per rule (RULES.md), for SARIF's rule table and help texts. */
export const RULE_CATALOG: Record<RuleId, { severity: Severity; summary: string }> = {
  'known-malware': { severity: 'error', summary: 'An advisory source lists this name and version as malware.' },
  'security-holder': { severity: 'error', summary: "The registry serves npm's security placeholder: the real package was removed as malicious." },
  'removed-from-registry': { severity: 'error', summary: 'The locked version, or the whole package, is no longer served by the registry.' },
  'known-vulnerability': { severity: 'warning', summary: 'A security advisory affects this version.' },
  typosquat: { severity: 'warning', summary: 'The name imitates a popular package.' },
  'install-script': { severity: 'info', summary: 'The package runs a script when installed.' },
  'release-cooldown': { severity: 'warning', summary: 'The resolved version was published very recently.' },
  'new-package': { severity: 'warning', summary: 'The package itself was first published very recently.' },
  'trust-change': { severity: 'warning', summary: 'Compared with the previous release, something that signals trust changed.' },
  'version-anomaly': { severity: 'warning', summary: 'An unusual version jump or a squatted high version.' },
  'dependency-confusion': { severity: 'warning', summary: 'A private or workspace name can be resolved from the public registry.' },
  deprecated: { severity: 'info', summary: 'The resolved version is deprecated.' },
  'no-repository': { severity: 'hint', summary: 'The version names no source repository.' },
  'lockfile-host': { severity: 'error', summary: 'A resolved URL points to a host that is not the configured registry.' },
  'insecure-url': { severity: 'error', summary: 'A dependency or tarball is fetched over an unencrypted protocol.' },
  'lockfile-integrity': { severity: 'warning', summary: 'A lockfile entry has no integrity hash, or only a weak one.' },
  'lockfile-name-mismatch': { severity: 'error', summary: "A lockfile entry's name does not match the package in its resolved URL." },
  'lockfile-drift': { severity: 'warning', summary: 'The lockfile and package.json disagree.' },
  'unpinned-range': { severity: 'warning', summary: 'The spec accepts future releases without an upper bound.' },
  'non-registry-source': { severity: 'warning', summary: 'The dependency comes from outside the registry (git, URL, path).' },
  'unparsed-file': { severity: 'error', summary: 'A manifest or lockfile could not be parsed; it was not (fully) checked.' },
  'lookup-incomplete': { severity: 'info', summary: 'Registry or advisory data could not be fetched for some packages.' },
  'missing-lockfile': { severity: 'warning', summary: 'A project with dependencies has no lockfile.' },
  'unused-dependency': { severity: 'info', summary: 'A declared dependency is never imported or used.' },
  'duplicate-versions': { severity: 'hint', summary: 'Many versions of one package are installed.' },
};
