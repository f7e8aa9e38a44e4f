import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS } from '../../functions/adapters/metrics.js';
import type { Outcome } from '../../functions/core/outcome.js';
import type { Engine } from '../../functions/pipeline/engine.js';

/**
 * The metric a reconciler's fight is counted in, as the function writes it (Powertools EMF on stdout):
 * the name, namespace and dimensions the stack's alarm watches (test/infra/counted-alarms.test.ts).
 */

const context = { functionName: 'LayerGuard-SecurityGroupFunction', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const base: Outcome = {
  outcome: 'alert-only',
  reason: 'not reverted',
  eventId: 'e-1',
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: { eventId: 'e-1', eventName: 'AuthorizeSecurityGroupIngress', eventSource: 'ec2.amazonaws.com', source: 'aws.ec2' },
  resources: ['sg-1'],
  drift: [],
  actions: [],
};
const fight = { actorArn: 'arn:aws:sts::111122223333:assumed-role/terraform-apply/ci', reverts: 3, windowMinutes: 60, quiet: false };
let createLambdaHandler: typeof import('../../functions/adapters/lambda-handler.js').createLambdaHandler;

beforeAll(async () => {
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.LAYERGUARD_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
  process.env.LAYERGUARD_EVENT_BUS = 'layerguard-outcomes';
  process.env.AWS_REGION = 'us-east-1';
  ({ createLambdaHandler } = await import('../../functions/adapters/lambda-handler.js'));
});

/** The EMF documents one handler call wrote to stdout. */
async function emfOf(outcome: Outcome): Promise<Array<Record<string, unknown>>> {
  const engine: Engine = { handleBatch: async () => [], handle: async () => outcome };
  const handler = createLambdaHandler('security-group', engine, undefined);
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await handler({}, context);
  } finally {
    spy.mockRestore();
  }
  return written
    .flatMap((w) => w.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('ReconcilerFights', () => {
  it.each([false, true])('counts a fight (quiet: %s) once, with the service and function dimensions', async (quiet) => {
    const docs = (await emfOf({ ...base, fight: { ...fight, quiet } })).filter((d) => d[METRICS.reconcilerFights] !== undefined);
    expect(docs).toHaveLength(1);
    const [doc] = docs as [Record<string, unknown>];
    expect(doc[METRICS.reconcilerFights]).toBe(1);
    expect(doc.service).toBe(METRICS.service);
    expect(doc.function).toBe('security-group');
    const cw = (doc._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }).CloudWatchMetrics[0];
    expect(cw?.Namespace).toBe(METRICS.namespace);
    expect(cw?.Dimensions.map((d) => [...d].sort())).toContainEqual(['function', 'service']);
  });

  it('does not count an alert-only that is not a fight', async () => {
    expect((await emfOf(base)).filter((d) => d[METRICS.reconcilerFights] !== undefined)).toEqual([]);
  });
});
