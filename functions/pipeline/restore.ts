import { changeTime } from '../core/cloudtrail.js';
import { VerificationError } from '../core/errors.js';
import type { RuleDefinition, SecurityGroup, SgRule } from '../core/network.js';
import type { Action, Outcome, Trigger } from '../core/outcome.js';
import { type ConfigHistory, type ConfigResourceType, type ConfigItem, forbiddenRestore, planRuleRestore } from '../core/restore.js';
import { describeRule, isSamePermission, prefixListsOf, type SgDrift } from '../core/security-group.js';
import type { PipelineDeps } from './deps.js';
import { makeOutcome, secondsSince } from './outcomes.js';
import { readPrefixLists, tierReader } from './security-group.js';

/**
 * The restore path of `configRestore` (the switch on, a ModifySecurityGroupRules or ReplaceRoute with
 * drift): read the resource's configuration item from before the change and, where core/restore.ts
 * finds a previous definition the policy allows, put it back instead of revoking or deleting.
 */

/** The history of the trigger's place, when the switch is on there. */
export const historyFor = (trigger: Trigger, deps: PipelineDeps): ConfigHistory | undefined =>
  deps.configHistory?.(trigger.region, trigger.account);

/** The configuration item just before the change, or why there is none. */
export async function itemBefore(
  history: ConfigHistory,
  resourceType: ConfigResourceType,
  resourceId: string,
  trigger: Trigger,
): Promise<{ item: ConfigItem } | { why: string }> {
  const at = changeTime(trigger.eventTime);
  if (at === undefined) return { why: 'the event does not say when the change was made' };
  return history.previous(resourceType, resourceId, new Date(at));
}

/** The outcome said as a revoke or delete with the reason no restore was made. */
export const notRestored = (outcome: Outcome, why: string): Outcome =>
  outcome.outcome === 'remediated' || outcome.outcome === 'dry-run' ? { ...outcome, restoredFrom: 'none', restore: { why } } : outcome;

type RulePlan = { ruleId: string; definition: RuleDefinition };

/**
 * A security group's restore, decided: the edited rules' previous definitions (all of them or none),
 * allowed by the policy on the group as it would be. `why` when there is no restore to make.
 */
export async function planSgRestore(
  drifts: readonly SgDrift[],
  group: SecurityGroup,
  liveRules: readonly SgRule[],
  trigger: Trigger,
  deps: PipelineDeps,
  history: ConfigHistory,
): Promise<{ plans: RulePlan[]; capturedAt: string } | { why: string }> {
  const answer = await itemBefore(history, 'AWS::EC2::SecurityGroup', group.groupId, trigger);
  if ('why' in answer) return answer;
  const ruleIds = drifts.flatMap((d) => d.rules.map((r) => r.ruleId));
  const found = planRuleRestore(answer.item, ruleIds, liveRules);
  if (!found.ok) return { why: found.why };
  // The restored sources are judged as the decision judges any rule: their prefix lists by their
  // entries, their tiers by what they land in.
  const restored: SgRule[] = found.value.map((p) => ({ ...p.definition, ruleId: p.ruleId, groupId: group.groupId, isEgress: false }));
  const lists = await readPrefixLists(prefixListsOf(restored), deps.network);
  const tiers = await tierReader(deps).read(group, restored, lists);
  const forbidden = forbiddenRestore(group, liveRules, found.value, deps.policy, lists, tiers);
  if (forbidden) return { why: forbidden };
  return { plans: found.value, capturedAt: found.capturedAt };
}

/** Apply the restore (one ModifySecurityGroupRules per rule, by id), read the rules back, and say so. */
export async function applySgRestore(
  restore: { plans: RulePlan[]; capturedAt: string },
  drifts: readonly SgDrift[],
  reason: string,
  group: SecurityGroup,
  liveRules: readonly SgRule[],
  trigger: Trigger,
  deps: PipelineDeps,
): Promise<Outcome> {
  const { network, policy } = deps;
  const groupId = group.groupId;
  const action: Action = { type: 'restore-ingress', groupId, rules: restore.plans };
  const said = restore.plans.map((p) => `${p.ruleId} to ${describeRule(p.definition, policy)}`).join(', ');
  const source = `its definition before the change, from the AWS Config item captured at ${restore.capturedAt}`;
  const before = { groupId, ingress: liveRules.filter((r) => !r.isEgress) };
  const parts = { resources: [groupId], drift: [...drifts], before, restoredFrom: 'aws-config' as const, restore: { capturedAt: restore.capturedAt } };
  if (policy.mode === 'dry-run') {
    return makeOutcome(trigger, 'dry-run', `would restore ${said} (${source}): ${reason}`, { ...parts, actions: [{ ...action, result: 'skipped' }], after: before });
  }
  const results = [];
  for (const p of restore.plans) results.push(await network.modifyIngressRule(groupId, p.ruleId, p.definition));
  const after = await network.listRules(groupId);
  // Each rule still there must now hold its old definition; a rule that went meanwhile is no drift.
  const wrong = restore.plans.filter((p) => {
    const live = after.find((r) => r.ruleId === p.ruleId);
    return live !== undefined && !isSamePermission(live, p.definition);
  });
  if (wrong.length > 0) throw new VerificationError(`rules ${wrong.map((p) => p.ruleId).join(', ')} of ${groupId} do not hold their restored definition`);
  const result = results.every((r) => r === 'already-gone') ? 'already-gone' : 'done';
  const afterState = { groupId, ingress: after.filter((r) => !r.isEgress), verifiedBy: 'read-back' as const };
  if (result === 'already-gone') {
    return makeOutcome(trigger, 'already-compliant', 'the rules were gone before LayerGuard restored them', { ...parts, actions: [{ ...action, result }], after: afterState });
  }
  const secondsOpen = secondsSince(trigger.eventTime, deps.clock());
  return makeOutcome(trigger, 'remediated', `restored ${said} (${source}): ${reason}`, {
    ...parts,
    actions: [{ ...action, result }],
    after: afterState,
    ...(secondsOpen === undefined ? {} : { secondsOpen }),
  });
}
