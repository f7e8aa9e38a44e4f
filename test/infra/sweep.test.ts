import { describe, expect, it } from 'vitest';
import { parseRunbookPayload } from '../../functions/core/runbook.js';
import { RUNBOOK_TIMEOUT } from '../../infra/layerguard-stack.js';
import { resourcesOf, synth } from './support.js';

/**
 * The scheduled sweep (infra/constructs/sweep.ts): the runbook function, every interval, over the
 * region, so that drift whose CloudTrail event never arrived is reverted within one interval plus one
 * sweep.
 */

const sweepSchedules = (template: ReturnType<typeof synth>['template']) =>
  Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule')).filter((s) =>
    JSON.stringify(s.Properties.Target).includes('RunbookFunction'),
  );

describe('the scheduled sweep', () => {
  const { template } = synth();

  it('invokes the runbook function every 15 minutes with a valid sweep payload, and no retry', () => {
    const [schedule] = sweepSchedules(template);
    expect(schedule?.Properties).toMatchObject({
      ScheduleExpression: 'rate(15 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
    const input = JSON.parse((schedule?.Properties.Target as { Input: string }).Input);
    expect(parseRunbookPayload(input)).toEqual({ action: 'sweep', dryRun: false });
    template.hasOutput('SweepScheduleName', {});
  });

  it('gives the sweep its own cap on EC2 calls in flight, and time for a whole region', () => {
    const { template: capped } = synth({ sweep: { intervalMinutes: 1, concurrency: 2 } });
    expect(sweepSchedules(capped)[0]?.Properties.ScheduleExpression).toBe('rate(1 minute)');
    const [, runbook] =
      Object.entries(resourcesOf(capped, 'AWS::Lambda::Function')).find(([id]) => id.startsWith('RunbookFunction')) ?? [];
    expect((runbook?.Properties.Environment as { Variables: Record<string, unknown> }).Variables.LAYERGUARD_SWEEP_CONCURRENCY).toBe('2');
    expect(runbook?.Properties.Timeout).toBe(RUNBOOK_TIMEOUT.toSeconds());
  });

  it('can be turned off, and refuses an interval under a minute', () => {
    expect(sweepSchedules(synth({ sweep: { enabled: false } }).template)).toEqual([]);
    expect(() => synth({ sweep: { intervalMinutes: 0 } })).toThrow(/sweep\.intervalMinutes/);
  });
});
