import { defineRule } from './context';
import { describeTarget, targetReport } from '../data/targets';

/** Without a `repository`, nobody can compare the published code with its source. */
export const noRepository = defineRule({
  id: 'no-repository',
  summary: 'The version names no source repository.',
  severity: 'hint',
  data: ['registry'],
  fixes: [],
  perName: {},
  check(ctx) {
    for (const t of ctx.data.targets) {
      if (!t.info || t.info.hasRepository) continue;
      ctx.report(targetReport(t, `${describeTarget(t)} names no source repository: its published code cannot be compared with a public source.`));
    }
  },
});
