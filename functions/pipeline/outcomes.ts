import { changeTime } from '../core/cloudtrail.js';
import { definedOnly } from '../core/defined.js';
import { AccountAccessError } from '../core/errors.js';
import type { Action, Drift, Outcome, OutcomeStatus, Trigger } from '../core/outcome.js';

/** Builds an outcome from its trigger and the parts a pipeline found; the rest defaults to empty. */
export function makeOutcome(
  trigger: Trigger,
  outcome: OutcomeStatus,
  reason: string,
  parts: Partial<Omit<Outcome, 'outcome' | 'reason' | 'eventId' | 'eventName' | 'trigger'>> = {},
): Outcome {
  const { resources, drift, actions, ...rest } = parts;
  return {
    outcome,
    reason,
    eventId: trigger.eventId,
    eventName: trigger.eventName,
    trigger,
    resources: resources ?? [],
    drift: drift ?? ([] as Drift[]),
    actions: actions ?? ([] as Action[]),
    ...definedOnly(rest),
  };
}

/**
 * The outcome of a watched call whose event could not be read: `ignored` (nothing was judged or changed),
 * with what a person must do, since the change may stand.
 */
export function unreadableOutcome(trigger: Trigger, why: string): Outcome {
  const call = trigger.eventName || 'EC2';
  const where = [trigger.account, trigger.region].filter(Boolean).join('/');
  return makeOutcome(trigger, 'ignored', `LayerGuard could not read this ${call} event, so the change was not judged: ${why}`, {
    humanAction:
      `Look at ${call} ${trigger.eventId}${where ? ` in ${where}` : ''} by hand: LayerGuard watches this call but could not read its event, ` +
      'so it neither judged nor reverted the change. If it opened a rule to the internet or routed an isolated subnet to one, revert it, or run a sweep of the VPC.',
  });
}

/**
 * Seconds from the change (the event's time) to now, never negative (clocks differ a little); unknown
 * (`undefined`) when the event's time is not in CloudTrail's form.
 */
export const secondsSince = (eventTime: string | undefined, now: Date): number | undefined => {
  const at = changeTime(eventTime);
  return at === undefined ? undefined : Math.max(0, Math.round((now.getTime() - at) / 10) / 100);
};

/** An error as an outcome carries it: name, message and, for AWS errors, the code. */
export const describeError = (error: unknown): { name: string; message: string; code?: string } => {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
};

/**
 * What a person does about a failure: for an account the hub cannot reach (`AccountAccessError`), its
 * fix (the account, the role, what to deploy or check); else `generic`. `then` says what happens next.
 */
export const failureAction = (error: unknown, generic: string, then: string): string =>
  `${error instanceof AccountAccessError ? error.fix : generic} ${then}`;

/** The outcome with its account's name in the trigger, once known (`undefined`: as it is). */
export async function withAccountAlias(outcome: Outcome, alias: Promise<string | undefined> | undefined): Promise<Outcome> {
  const name = await alias;
  return name ? { ...outcome, trigger: { ...outcome.trigger, accountAlias: name } } : outcome;
}
