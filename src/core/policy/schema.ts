import { z } from 'zod';
import { OPAQUE_REASONS } from '../actions/types';

/** `.agentpolicy.yaml`, version 1. Unknown keys are errors: a typo must not weaken a policy. */

const effect = z.enum(['allow', 'ask', 'deny']).describe('allow runs it; ask prompts the developer; deny blocks it');
const risk = z.enum(['low', 'medium', 'high', 'critical']);
const list = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const ruleId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'use letters, digits and - _ . : (it is shown to people and in the audit log)');

const ruleBase = {
  id: ruleId.describe('Stable id, shown in prompts, explain and the audit log'),
  effect,
  reason: z.string().optional().describe('Shown to the developer when this rule decides'),
  agents: list.optional().describe('Only for these agent ids (globs); default: every agent'),
  agent_risk: z.array(z.enum(['low', 'medium', 'high'])).min(1).optional().describe('Only for registered agents of these risk tiers'),
  risk: risk.optional().describe('Overrides the computed risk (high and critical asks are modal)'),
};

const commandRule = z.strictObject({
  ...ruleBase,
  action: z.literal('command'),
  match: list.describe('Token patterns against the analysed argv: words in order (globs, `...` for any words); flags (-x, --long) anywhere'),
  except: list.optional().describe('Patterns that exempt a command from this rule'),
});

const fileRule = z.strictObject({
  ...ruleBase,
  action: z.enum(['file.read', 'file.write', 'file.delete']),
  paths: list.optional().describe('gitignore-style globs: no slash = any folder; with slash = from the workspace; ~/ and / absolute; !negates'),
  outside_workspace: z.boolean().optional().describe('true: only paths outside the workspace; false: only inside'),
  recursive: z.boolean().optional().describe('file.delete only: match recursive deletes (true) or single-file deletes (false)'),
});

const pushRule = z.strictObject({
  ...ruleBase,
  action: z.literal('git.push'),
  remotes: list.optional(),
  branches: list.optional().describe('Branch globs matched against source and destination of every ref; --all and wildcards count as every branch'),
  force: z.boolean().optional(),
  delete: z.boolean().optional(),
  all_branches: z.boolean().optional(),
  unresolved: z.boolean().optional().describe('true: git config decides the branch (bare `git push`)'),
});

const networkRule = z.strictObject({ ...ruleBase, action: z.literal('network'), hosts: list.optional() });
const envRule = z.strictObject({ ...ruleBase, action: z.literal('env.set'), names: list });
const mcpRule = z.strictObject({
  ...ruleBase,
  action: z.literal('mcp'),
  servers: list.optional().describe('MCP server names (globs) as the agent configured them; default: any server'),
  tools: list.optional().describe('Tool names (globs); default: any tool'),
});
const opaqueRule = z.strictObject({ ...ruleBase, action: z.literal('opaque'), reasons: z.array(z.enum(OPAQUE_REASONS)).min(1).optional() });

export const ruleSchema = z.discriminatedUnion('action', [commandRule, fileRule, pushRule, networkRule, envRule, mcpRule, opaqueRule]);

const defaultsSchema = z
  .strictObject({
    command: effect.optional(),
    'file.read': effect.optional(),
    'file.write': effect.optional(),
    'file.delete': effect.optional(),
    'git.push': effect.optional(),
    network: effect.optional(),
    'env.set': effect.optional(),
    mcp: effect.optional(),
    opaque: z.enum(['ask', 'deny']).optional().describe('What analysis cannot determine: never allow'),
  })
  .describe('What happens when no rule matches, per action kind');

const agentMatchSchema = z
  .strictObject({
    executables: list.optional().describe('The program, by base name (claude) or path glob (**/@google/gemini-cli/**); for interpreters, the script they run'),
    hooks: list.optional().describe('Hook adapters that speak for this agent (agentpolicy hook <name>)'),
  })
  .describe('How a request is recognised as this agent’s: the program `run` starts or found among the requester’s processes, or the hook it calls');

const agentSchema = z.strictObject({
  id: ruleId,
  owner: z.string().min(1).describe('The person or team accountable for this agent'),
  purpose: z.string().optional(),
  risk: z.enum(['low', 'medium', 'high']).default('medium'),
  expires: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional().describe('After this date the agent is treated as unregistered'),
  match: agentMatchSchema.optional(),
});

const personSchema = z
  .strictObject({
    default: effect.optional().describe('What the person’s own commands and edits get when no person rule matches (default allow)'),
    rules: z.array(z.lazy(() => ruleSchema)).optional().describe('Opt-in rules for the person (e.g. deny a force push to main for everyone)'),
  })
  .describe('The person at the keyboard: their own terminal commands and editor edits are never judged like an agent’s');

const unidentifiedSchema = z
  .strictObject({
    effect: effect.optional().describe('The most a request from an unregistered, expired or unattributed agent gets: ask (default) or deny; allow treats it like any agent'),
  })
  .describe('Requests nobody could attribute to a registered agent');

const approvalSchema = z.strictObject({
  timeout_seconds: z.number().int().min(5).max(3600).optional(),
  on_timeout: z.literal('deny').optional().describe('An unanswered prompt always denies'),
  allow_session: z.boolean().optional().describe('Offer "Allow for this session"'),
});

const testSchema = z.union([
  z.strictObject({ command: z.string(), expect: effect, agent: z.string().optional(), cwd: z.string().optional() }),
  z.strictObject({ action: z.enum(['file.read', 'file.write', 'file.delete']), path: z.string(), expect: effect, agent: z.string().optional() }),
]);

export const policySchema = z
  .strictObject({
    version: z.literal(1),
    defaults: defaultsSchema.optional(),
    protected: z.array(z.string().min(1)).optional().describe('Paths agents may never write, move or delete'),
    secrets: z.array(z.string().min(1)).optional().describe('Paths agents may never read (prefix ! for exceptions, e.g. !.env.example)'),
    agents: z.array(agentSchema).optional(),
    person: personSchema.optional(),
    unidentified: unidentifiedSchema.optional(),
    approval: approvalSchema.optional(),
    rules: z.array(ruleSchema).optional(),
    tests: z.array(testSchema).optional().describe('Self-tests run by `agentpolicy lint`'),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, string>();
    const check = (rules: readonly RuleDocument[] | undefined, at: (string | number)[]) =>
      (rules ?? []).forEach((r, i) => {
        const where = `${at.join('.')}[${i}]`;
        if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: [...at, i, 'id'], message: `duplicate rule id "${r.id}" (first at ${seen.get(r.id)})` });
        else seen.set(r.id, where);
        if (r.action === 'file.read' || r.action === 'file.write') {
          if ((r as { recursive?: boolean }).recursive !== undefined) ctx.addIssue({ code: 'custom', path: [...at, i, 'recursive'], message: 'recursive applies to file.delete rules only' });
        }
      });
    check(p.rules, ['rules']);
    check(p.person?.rules, ['person', 'rules']);
  });

export type PolicyDocument = z.infer<typeof policySchema>;
export type RuleDocument = z.infer<typeof ruleSchema>;
export type TestDocument = z.infer<typeof testSchema>;

/** JSON Schema for editors (the YAML extension completes and validates with it). */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(policySchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $id: 'https://agentpolicy.dev/schema/agentpolicy-v1.json', title: 'Agent Policy (.agentpolicy.yaml)', ...schema };
}
