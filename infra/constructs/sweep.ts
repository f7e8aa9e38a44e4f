import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { FunctionSchedule } from './schedule.js';

/**
 * The scheduled sweep: EventBridge delivers CloudTrail events on a best-effort basis, so an event that
 * never arrives must not leave drift open for good. Every interval, EventBridge Scheduler invokes the
 * runbook function with `{ "action": "sweep", "dryRun": false }` (the whole region; the policy's dry-run mode still holds); the sweep finds and reverts every
 * drift the policy defines, with the same decisions as the event path, and notifies each outcome like
 * any other (its trigger is the runbook's `sweep`). Drift whose event was lost is open at most one
 * interval plus one sweep's duration.
 *
 * In an organisation's hub the schedule sends `{ "action": "sweep-organization", "dryRun": false }`
 * instead: the runbook function queues one such region sweep per account and member region, each its
 * own asynchronous invocation (functions/pipeline/org-fan-out.ts).
 */
export interface SweepScheduleProps {
  readonly runbook: lambda.IFunction;
  readonly intervalMinutes: number;
  /** The organisation's fan-out instead of the one region's sweep. */
  readonly organization?: boolean;
}

/** The payload the schedule sends (functions/core/runbook.ts RunbookPayloadSchema). */
export const SWEEP_PAYLOAD = { action: 'sweep', dryRun: false } as const;
/** The payload the schedule sends from an organisation's hub (functions/core/runbook.ts FunctionPayloadSchema). */
export const SWEEP_ORGANIZATION_PAYLOAD = { action: 'sweep-organization', dryRun: false } as const;

export class SweepSchedule extends Construct {
  readonly schedule: FunctionSchedule;

  constructor(scope: Construct, id: string, props: SweepScheduleProps) {
    super(scope, id);
    // No retry: the next interval is the retry, and a sweep that failed is alarmed (runbook Errors).
    this.schedule = new FunctionSchedule(this, 'Schedule', {
      description: `LayerGuard sweep${props.organization ? ' of every account and member region' : ''}: finds and reverts drift whose event never arrived, every ${props.intervalMinutes} min`,
      expression: props.intervalMinutes === 1 ? 'rate(1 minute)' : `rate(${props.intervalMinutes} minutes)`,
      fn: props.runbook,
      input: props.organization ? SWEEP_ORGANIZATION_PAYLOAD : SWEEP_PAYLOAD,
    });
  }
}
