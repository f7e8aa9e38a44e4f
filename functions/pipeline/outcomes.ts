import { definedOnly } from '../core/defined.js';
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

/** Seconds from the change (the event's time) to now, never negative (clocks differ a little). */
export const secondsSince = (eventTime: string, now: Date): number =>
  Math.max(0, Math.round((now.getTime() - Date.parse(eventTime)) / 10) / 100);

/** An error as an outcome carries it: name, message and, for AWS errors, the code. */
export const describeError = (error: unknown): { name: string; message: string; code?: string } => {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
};
