import { ConfigError, LayerGuardError } from './errors.js';
import type { SgRule } from './network.js';
import type { Outcome } from './outcome.js';
import type { Policy } from './policy.js';

/**
 * The canary: at a set interval, a real change through the real path. The canary function authorizes
 * one ingress rule that the policy counts as the internet, on an unused port, in a dedicated, empty
 * security group the stack owns; CloudTrail records the call, EventBridge delivers it to the
 * security-group rule, and the security-group function reverts it. The revert's `secondsOpen` (from
 * the call's CloudTrail time to the verified revert, CloudTrail's delivery included) is the
 * `secondsToRevert` metric; when none arrives within the configured time, an alarm fires. Pure: the
 * canary function's adapter reads and writes, this decides.
 */

/** tcp/9 (discard): no service listens on it, and the group is attached to nothing anyway. */
export const CANARY_PORT = 9;
/** Marks the canary's rule, so that a person reading the group sees what it is. */
export const CANARY_RULE_DESCRIPTION = 'LayerGuard canary: reverted by LayerGuard within minutes';
/** The metric the security-group function emits for a canary revert (namespace LayerGuard). */
export const CANARY_METRIC = 'secondsToRevert';

/**
 * The canary's source: broader than the policy's IPv4 bound, so that LayerGuard counts it as the
 * internet, but not `0.0.0.0/0`, so that other tools' "unrestricted ingress" checks (which look for
 * `0.0.0.0/0` and `::/0`) raise no finding every interval. `/2` unless the bound is narrower still.
 */
export function canaryCidr(policy: Policy): string {
  const prefix = Math.min(2, policy.worldOpen.ipv4MinPrefix - 1);
  if (prefix < 1) {
    throw new ConfigError(
      `the canary needs a CIDR broader than the policy's IPv4 bound /${policy.worldOpen.ipv4MinPrefix} other than 0.0.0.0/0; raise worldOpen.ipv4MinPrefix to 2 or more, or turn the canary off`,
    );
  }
  return `0.0.0.0/${prefix}`;
}

/** What the canary probes: its group, and the rule it opens there. */
export interface CanaryProbe {
  readonly groupId: string;
  readonly port: number;
  readonly cidr: string;
}

/** What the canary found before it probed. */
export interface CanaryObservation {
  /** Network interfaces that use the group: any at all, and the canary refuses. */
  readonly interfaceIds: readonly string[];
  /** The group's ingress rules. */
  readonly rules: readonly SgRule[];
}

/** What the canary does this run. */
export type CanaryPlan =
  | { readonly kind: 'authorize' }
  /** Its previous rule is still there: the path did not revert it. Nothing new is opened. */
  | { readonly kind: 'still-open'; readonly ruleIds: readonly string[] }
  | { readonly kind: 'refuse'; readonly reason: string };

/** The canary refused to probe: the group is in use, or holds rules that are not the canary's. */
export class CanaryRefusedError extends LayerGuardError {
  constructor(message: string) {
    super(message);
    this.name = 'CanaryRefusedError';
  }
}

/** True for the rule the canary opens (tcp, its port, its CIDR). */
export const isCanaryRule = (r: SgRule, probe: CanaryProbe): boolean =>
  !r.isEgress &&
  (r.protocol === 'tcp' || r.protocol === '6') &&
  r.fromPort === probe.port &&
  r.toPort === probe.port &&
  r.cidrIpv4 === probe.cidr;

/**
 * Decides the run: refuse when any network interface uses the group (a real exposure, however
 * brief) or when the group holds ingress that is not the canary's (the group is not empty, so
 * someone uses it); report `still-open` when the previous probe was never reverted; else authorize.
 */
export function planCanary(observed: CanaryObservation, probe: CanaryProbe): CanaryPlan {
  if (observed.interfaceIds.length > 0) {
    return {
      kind: 'refuse',
      reason: `${probe.groupId} is used by ${observed.interfaceIds.length} network interface(s) (${observed.interfaceIds.slice(0, 5).join(', ')}): the canary opens nothing in a group that is in use`,
    };
  }
  const ingress = observed.rules.filter((r) => !r.isEgress);
  const foreign = ingress.filter((r) => !isCanaryRule(r, probe));
  if (foreign.length > 0) {
    return {
      kind: 'refuse',
      reason: `${probe.groupId} has ${foreign.length} ingress rule(s) that are not the canary's (${foreign
        .slice(0, 5)
        .map((r) => r.ruleId)
        .join(', ')}): the canary's group must stay empty`,
    };
  }
  const open = ingress.filter((r) => isCanaryRule(r, probe));
  if (open.length > 0) return { kind: 'still-open', ruleIds: open.map((r) => r.ruleId) };
  return { kind: 'authorize' };
}

/** A canary revert, as the metric records it. */
export interface CanaryRevert {
  readonly secondsToRevert: number;
  readonly account: string;
  readonly region: string;
}

/** True when an outcome is about the canary's group (and nothing else). */
export const isCanaryOutcome = (outcome: Outcome, canaryGroupId: string | undefined): boolean =>
  canaryGroupId !== undefined &&
  outcome.resources.length > 0 &&
  outcome.resources.every((r) => r === canaryGroupId);

/**
 * The canary's revert by the event path (a CloudTrail event, not a sweep or a runbook), with the
 * seconds from the call to the verified revert; `undefined` for any other outcome.
 */
export function canaryRevertOf(outcome: Outcome, canaryGroupId: string | undefined): CanaryRevert | undefined {
  if (!isCanaryOutcome(outcome, canaryGroupId)) return undefined;
  if (outcome.outcome !== 'remediated' || outcome.trigger.source !== 'aws.ec2') return undefined;
  if (outcome.secondsOpen === undefined) return undefined;
  return {
    secondsToRevert: outcome.secondsOpen,
    account: outcome.trigger.account ?? 'unknown',
    region: outcome.trigger.region ?? 'unknown',
  };
}
