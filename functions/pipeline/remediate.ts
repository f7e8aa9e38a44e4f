import type { ParsedTrigger } from '../core/cloudtrail.js';
import { toChange } from '../core/change.js';
import { NotApplicableEventError, UnsupportedEventError } from '../core/errors.js';
import { ignoreReason, toTrigger, unreachableReason } from '../core/guards.js';
import type { Outcome } from '../core/outcome.js';
import type { PipelineDeps, Remediator, Remediators } from './deps.js';
import { describeError, makeOutcome } from './outcomes.js';

/**
 * One trigger through guard, read, evaluate, plan, apply and verify. Returns exactly one outcome;
 * an AWS error becomes `failed` (the caller retries it); input it cannot read throws
 * `UnsupportedEventError` before any AWS call.
 */
export async function remediate(parsed: ParsedTrigger, remediators: Remediators, deps: PipelineDeps): Promise<Outcome> {
  const trigger = toTrigger(parsed);
  const ignored = ignoreReason(parsed.record, deps.policy) ?? unreachableReason(parsed.record, deps.reach?.account);
  if (ignored) return makeOutcome(trigger, 'ignored', ignored);
  // Judged and reverted where the change happened: the event's region, not the function's.
  const here = deps.reach ? { ...deps, network: deps.reach.network(parsed.record.awsRegion) } : deps;
  const change = toChange(parsed.record);
  const remediator = remediators[change.kind] as Remediator | undefined;
  if (!remediator) throw new NotApplicableEventError(`${parsed.record.eventName} is not handled by this function`);
  try {
    return await remediator(change, trigger, here);
  } catch (error) {
    if (error instanceof UnsupportedEventError) throw error;
    const described = describeError(error);
    return makeOutcome(trigger, 'failed', `remediation failed: ${described.message}`, {
      error: described,
      humanAction: `Check ${trigger.eventName} ${trigger.eventId} by hand: LayerGuard could not finish the revert (${described.code ?? described.name}). The event is retried, then dead-lettered.`,
    });
  }
}
