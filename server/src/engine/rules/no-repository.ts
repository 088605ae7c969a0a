import type { Finding } from '../model';
import type { Rule } from './context';
import { describeTarget, remoteTargets, targetFinding } from '../data/targets';

/** Without a `repository`, nobody can compare the published code with its source. */
export const noRepository: Rule = {
  id: 'no-repository',
  defaultSeverity: 'hint',
  needsRemote: true,
  run(ctx) {
    const findings: Finding[] = [];
    for (const t of remoteTargets(ctx)) {
      if (!t.info || t.info.hasRepository) continue;
      findings.push(targetFinding(t, 'no-repository', 'hint', `${describeTarget(t)} names no source repository: its published code cannot be compared with a public source.`));
    }
    return findings;
  },
};
