import type { ParsedTrigger } from '../core/cloudtrail.js';
import { type Change, toChange } from '../core/change.js';
import { NotApplicableEventError, UnsupportedEventError } from '../core/errors.js';
import { ignoreReason, toTrigger, unreachableReason } from '../core/guards.js';
import type { Outcome, Trigger } from '../core/outcome.js';
import { fightAction, isFight, repeatKeyText, windowStart } from '../core/repeats.js';
import type { PipelineDeps, Remediator, Remediators } from './deps.js';
import { describeError, failureAction, makeOutcome, withAccountAlias } from './outcomes.js';
import { placeDeps } from './place.js';

/** The resource a change is about, as the event names it: the same on every repeat of that change. */
const resourceOf = (change: Change): string => {
  if (change.kind === 'sg-ingress') return change.groupId ?? `group-name:${change.groupName ?? ''}`;
  if (change.kind === 'route') return change.routeTableId;
  // The record names only the association, new after each revert (AssociateRouteTable makes another), so
  // a reconciler that keeps disassociating is known by its actor in the account and region alone.
  if (change.kind === 'disassociation') return 'main-route-tables';
  if (change.kind === 'nacl-entry') return `${change.networkAclId}#${change.entry.ruleNumber}`;
  // The record names the ACL the subnet moved onto, and the association, new after each revert.
  if (change.kind === 'nacl-association') return change.networkAclId;
  if (change.kind === 'prefix-list-entries') return change.prefixListId;
  return change.subnetId ?? change.routeTableId;
};

/** The ledger key of this change by this actor; none when the actor is not known (then nothing is counted). */
function repeatKeyOf(change: Change, trigger: Trigger, parsed: ParsedTrigger): string | undefined {
  if (!trigger.actorArn) return undefined;
  return repeatKeyText({
    account: trigger.account ?? parsed.record.recipientAccountId ?? '',
    region: trigger.region ?? parsed.record.awsRegion,
    resourceId: resourceOf(change),
    kind: change.kind,
    actorArn: trigger.actorArn,
  });
}

/**
 * The same drift by the same actor came back after `maxRepeats` reverts in the window: judged on live
 * state as in dry-run (nothing changes), and when it stands, `alert-only` naming the actor, told to
 * people once per window.
 */
async function answerFight(
  key: string,
  reverts: number,
  change: Change,
  remediator: Remediator,
  trigger: Trigger,
  deps: PipelineDeps,
): Promise<Outcome> {
  const { reconciler } = deps.policy;
  const judged = await remediator(change as never, trigger, { ...deps, policy: { ...deps.policy, mode: 'dry-run' } });
  if (judged.outcome !== 'dry-run') return judged;
  const now = deps.clock();
  const toldKey = `${key}#told`;
  const ledger = deps.repeats!;
  const quiet = (await ledger.since(toldKey, windowStart(now, reconciler))).length > 0;
  if (!quiet) await ledger.record(toldKey, now, reconciler.windowMinutes * 60);
  const actorArn = trigger.actorArn!;
  const resource = judged.resources[0] ?? resourceOf(change);
  return makeOutcome(
    trigger,
    'alert-only',
    `not reverted: ${actorArn} re-created this drift after ${reverts} reverts within ${reconciler.windowMinutes} minutes (a reconciler LayerGuard will not fight); ${judged.reason}`,
    {
      resources: judged.resources,
      drift: judged.drift,
      ...(judged.before !== undefined ? { before: judged.before } : {}),
      humanAction: fightAction(actorArn, resource),
      fight: { actorArn, reverts, windowMinutes: reconciler.windowMinutes, quiet },
    },
  );
}

/**
 * One trigger through guard, read, evaluate, plan, apply and verify. Returns exactly one outcome;
 * an AWS error becomes `failed` (the caller retries it); input it cannot read throws
 * `UnsupportedEventError` before any AWS call. Each revert by a known actor is counted: past
 * `reconciler.maxRepeats` in the window, the same drift by the same actor is no longer reverted.
 */
export async function remediate(parsed: ParsedTrigger, remediators: Remediators, deps: PipelineDeps): Promise<Outcome> {
  const trigger = toTrigger(parsed);
  const organization = deps.reach?.organization;
  const ignored =
    ignoreReason(parsed.record, deps.policy, organization) ?? unreachableReason(parsed.record, deps.reach?.account, organization);
  if (ignored) return makeOutcome(trigger, 'ignored', ignored);
  const change = toChange(parsed.record);
  const remediator = remediators[change.kind] as Remediator | undefined;
  if (!remediator) throw new NotApplicableEventError(`${parsed.record.eventName} is not handled by this function`);
  // The account's name is looked up beside the remediation (never fails it), for the notice.
  const alias = trigger.account ? deps.reach?.alias?.(trigger.account).catch(() => undefined) : undefined;
  return withAccountAlias(await judge(change, remediator, trigger, parsed, deps), alias);
}

async function judge(change: Change, remediator: Remediator, trigger: Trigger, parsed: ParsedTrigger, deps: PipelineDeps): Promise<Outcome> {
  const key = deps.repeats ? repeatKeyOf(change, trigger, parsed) : undefined;
  try {
    // Judged and reverted where the change happened: the event's account and region, not the function's,
    // under the policy of that account.
    const here = await placeDeps(deps, trigger.account, parsed.record.awsRegion);
    if (key && deps.repeats) {
      const now = deps.clock();
      const prior = await deps.repeats.since(key, windowStart(now, deps.policy.reconciler));
      if (isFight(prior, now, deps.policy.reconciler)) return await answerFight(key, prior.length, change, remediator, trigger, here);
    }
    const outcome = await remediator(change, trigger, here);
    if (key && deps.repeats && outcome.outcome === 'remediated') {
      await deps.repeats.record(key, deps.clock(), deps.policy.reconciler.windowMinutes * 60).catch(() => undefined);
    }
    return outcome;
  } catch (error) {
    if (error instanceof UnsupportedEventError) throw error;
    const described = describeError(error);
    const where = [trigger.account, trigger.region].filter(Boolean).join('/');
    return makeOutcome(trigger, 'failed', `remediation failed${where ? ` in ${where}` : ''}: ${described.message}`, {
      error: described,
      humanAction: failureAction(
        error,
        `Check ${trigger.eventName} ${trigger.eventId}${where ? ` in ${where}` : ''} by hand: LayerGuard could not finish the revert (${described.code ?? described.name}).`,
        'The event is retried, then dead-lettered.',
      ),
    });
  }
}
