import type { RuleId } from '../model';
import { RULES } from './index';
import type { Rule } from './context';

export { RULE_DOCS_BASE, ruleDocUrl } from './context';

/** The declarations by id (SARIF's rule table, help texts, the generated settings). */
export const RULE_CATALOG: Record<RuleId, Rule> = Object.fromEntries(RULES.map((r) => [r.id, r])) as Record<RuleId, Rule>;

