import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLambdaHandler } from '../../functions/adapters/lambda-handler.js';
import { CANARY_METRIC } from '../../functions/core/canary.js';
import type { Outcome } from '../../functions/core/outcome.js';
import type { Engine } from '../../functions/pipeline/engine.js';

/**
 * The metric the canary alarm watches (infra/constructs/canary.ts), as the security-group function
 * writes it: CloudWatch's embedded metric format on stdout, whose `_aws.CloudWatchMetrics[].Dimensions`
 * name the dimension set CloudWatch files the value under ("Specification: Embedded metric format",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * The alarm's dimensions must be exactly that set, or it watches a metric that never exists.
 */

const GROUP = 'sg-0ca0a1e0000000001';
const context = { functionName: 'sg', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

const outcome = (over: Partial<Outcome> = {}): Outcome => ({
  outcome: 'remediated',
  reason: 'r',
  eventId: 'e-1',
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: {
    eventId: 'e-1',
    eventName: 'AuthorizeSecurityGroupIngress',
    eventTime: '2026-06-15T12:00:01Z',
    eventSource: 'ec2.amazonaws.com',
    source: 'aws.ec2',
    account: '111122223333',
    region: 'eu-west-1',
  },
  resources: [GROUP],
  drift: [],
  actions: [],
  secondsOpen: 95,
  ...over,
});

/** Every EMF document the handler printed. */
async function emitted(result: Outcome, canaryGroupId: string | undefined): Promise<Array<Record<string, any>>> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    const engine: Engine = { handleBatch: async () => [], handle: async () => result };
    await createLambdaHandler('security-group', engine, canaryGroupId)({}, context);
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l));
}

describe("the canary's secondsToRevert", () => {
  const saved = { disabled: process.env.POWERTOOLS_METRICS_DISABLED, level: process.env.POWERTOOLS_LOG_LEVEL };
  beforeEach(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  });
  afterEach(() => {
    if (saved.disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = saved.disabled;
    if (saved.level === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
    else process.env.POWERTOOLS_LOG_LEVEL = saved.level;
  });

  it('is written for a revert of the canary group, under the dimensions service, account and region', async () => {
    const docs = await emitted(outcome(), GROUP);
    const canary = docs.filter((d) => d[CANARY_METRIC] !== undefined);
    expect(canary).toHaveLength(1);
    expect(canary[0]?._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'LayerGuard', Dimensions: [['service', 'account', 'region']], Metrics: [{ Name: CANARY_METRIC, Unit: 'Seconds' }] },
    ]);
    expect(canary[0]).toMatchObject({ service: 'layerguard', account: '111122223333', region: 'eu-west-1', [CANARY_METRIC]: 95 });
  });

  it('is not written for any other group, or for a revert the event path did not make', async () => {
    // The handler's own metrics are written all the same: the absence below is not metrics being off.
    expect((await emitted(outcome(), 'sg-0ffffffffffffffff')).some((d) => d.remediated === 1)).toBe(true);
    expect((await emitted(outcome(), 'sg-0ffffffffffffffff')).filter((d) => d[CANARY_METRIC] !== undefined)).toEqual([]);
    const sweep = outcome({ trigger: { ...outcome().trigger, source: 'runbook' } });
    expect((await emitted(sweep, GROUP)).filter((d) => d[CANARY_METRIC] !== undefined)).toEqual([]);
  });
});
