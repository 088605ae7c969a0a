import type { Rule } from './context';
import { unparsedFile } from './unparsed-file';
import { insecureUrl } from './insecure-url';
import { nonRegistrySource } from './non-registry-source';
import { unpinnedRange } from './unpinned-range';
import { lockfileHost } from './lockfile-host';
import { lockfileIntegrity } from './lockfile-integrity';
import { lockfileNameMismatch } from './lockfile-name-mismatch';
import { lockfileDrift } from './lockfile-drift';
import { installScript } from './install-script';
import { knownMalware } from './known-malware';
import { securityHolder } from './security-holder';
import { removedFromRegistry } from './removed-from-registry';
import { knownVulnerability } from './known-vulnerability';
import { releaseCooldown } from './release-cooldown';
import { newPackage } from './new-package';
import { trustChange } from './trust-change';
import { versionAnomaly } from './version-anomaly';
import { dependencyConfusion } from './dependency-confusion';
import { deprecated } from './deprecated';
import { noRepository } from './no-repository';
import { lookupIncomplete } from './lookup-incomplete';
import { missingLockfile } from './missing-lockfile';
import { duplicateVersions } from './duplicate-versions';
import { typosquat } from './typosquat';
import { unusedDependency } from './unused-dependency';
import { suspiciousCode } from './suspicious-code';
import { remoteDynamicDependency } from './remote-dynamic-dependency';
import { unknownPackage } from './unknown-package';

/**
 * Every rule, one declaration each. Findings are sorted after the scan, so the order here
 * only decides which rule runs first. test/unit/rule-declarations.test.ts fails when an id
 * of model.ts RULE_IDS has no declaration here.
 */
export const RULES: readonly Rule[] = [
  unparsedFile,
  insecureUrl,
  nonRegistrySource,
  unpinnedRange,
  lockfileHost,
  lockfileIntegrity,
  lockfileNameMismatch,
  lockfileDrift,
  installScript,
  knownMalware,
  securityHolder,
  removedFromRegistry,
  knownVulnerability,
  releaseCooldown,
  newPackage,
  trustChange,
  versionAnomaly,
  dependencyConfusion,
  deprecated,
  noRepository,
  lookupIncomplete,
  missingLockfile,
  duplicateVersions,
  typosquat,
  unusedDependency,
  suspiciousCode,
  remoteDynamicDependency,
  unknownPackage,
];
