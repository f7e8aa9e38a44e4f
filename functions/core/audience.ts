import { isCanaryOutcome } from './canary.js';
import type { Outcome, OutcomeStatus } from './outcome.js';

/**
 * Who is told about an outcome: decided here, once, for every entry point (the event path's engine, the
 * runbook and the sweep). Machines (the outcomes bus) receive every outcome. People (the SNS topic)
 * receive every outcome but the canary's, unless it failed: the canary is proven by its metric every
 * interval, and a person hears of it only when it needs one. What each subscription then receives is
 * its filter policy on the `outcome` message attribute, by default `PEOPLE_OUTCOMES`.
 */

export type Audience = 'people' | 'machines';

/**
 * What the topic's subscriptions receive by default: what LayerGuard did or would do, and what needs a
 * person. `already-compliant`, `ignored` and `exempt` stay on the bus. An exemption tag with a problem
 * (expired, malformed, no reason) does not exempt: that outcome is one of these, and its reason names
 * the problem.
 */
export const PEOPLE_OUTCOMES: readonly OutcomeStatus[] = ['remediated', 'dry-run', 'alert-only', 'failed'];

/** LayerGuard could not act (alert-only, failed), or did not judge the change at all (an unreadable event, `ignored` with a `humanAction`). */
export const undone = (o: Outcome): boolean =>
  o.outcome === 'alert-only' || o.outcome === 'failed' || (o.outcome === 'ignored' && o.humanAction !== undefined);

/**
 * A person must act: what LayerGuard left undone, or a revert that leaves a person something to do
 * (`humanAction` on any outcome: an edited rule or a replaced network-ACL entry to re-create).
 */
export const needsPerson = (o: Outcome): boolean => undone(o) || o.humanAction !== undefined;

/**
 * The SNS message attributes people's subscriptions filter on: the outcome, and `attention`
 * (`required` when a person must act, whatever the outcome; else `none`). Both are always set, so a
 * filter never depends on an attribute being absent.
 */
export const peopleAttributes = (o: Outcome): { outcome: string; attention: 'required' | 'none' } => ({
  outcome: o.outcome,
  attention: needsPerson(o) ? 'required' : 'none',
});

/**
 * The filter policy of one person's subscription: the outcomes they asked for, or anything that needs
 * a person (an unreadable event is `ignored` yet needs one). SNS's `$or` across attributes, on the
 * message attributes (https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html#or-operator).
 */
export const peopleFilterPolicy = (outcomes: readonly OutcomeStatus[]): Record<string, unknown> => ({
  $or: [{ outcome: [...outcomes] }, { attention: ['required'] }],
});

/** What the decision needs to know beyond the outcome. */
export interface AudienceContext {
  /** The canary's security group, when the stack has a canary. */
  readonly canaryGroupId?: string | undefined;
}

/** The audiences of one outcome. */
export function audiencesOf(outcome: Outcome, context: AudienceContext = {}): readonly Audience[] {
  const quietCanary = isCanaryOutcome(outcome, context.canaryGroupId) && outcome.outcome !== 'failed';
  // A fight is told to people once per window; its later repeats are recorded on the bus only.
  const quietFight = outcome.fight?.quiet === true;
  return quietCanary || quietFight ? ['machines'] : ['people', 'machines'];
}
