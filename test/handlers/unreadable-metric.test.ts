import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS } from '../../functions/adapters/metrics.js';
import { loadEvent } from '../support/events.js';

/**
 * The metric an unreadable event of a watched call is counted in, as the function writes it (Powertools
 * EMF on stdout): the name, namespace and dimensions the stack's alarm watches (test/infra/counted-alarms.test.ts).
 */

const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
type Handler = (event: unknown, context: Context) => Promise<unknown>;
let handler: Handler;
const context = { functionName: 'LayerGuard-SecurityGroupFunction', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
  process.env.LAYERGUARD_EVENT_BUS = 'layerguard-outcomes';
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.AWS_REGION = 'us-east-1';
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  ({ handler } = (await import('../../functions/security-group/handler.js')) as { handler: Handler });
});

afterAll(() => {
  ec2.reset();
  sns.reset();
  events.reset();
});

/** The EMF documents a handler call wrote to stdout. */
async function emfOf(run: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return written
    .flatMap((w) => w.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('UnreadableEvents', () => {
  it('counts an unreadable event of a watched call once, with the service and function dimensions', async () => {
    const docs = await emfOf(() => handler(loadEvent('_malformed/missing-event-id.json'), context));
    const counted = docs.filter((d) => d[METRICS.unreadableEvents] !== undefined);
    expect(counted).toHaveLength(1);
    const [doc] = counted as [Record<string, unknown>];
    expect(doc[METRICS.unreadableEvents]).toBe(1);
    expect(doc.service).toBe(METRICS.service);
    expect(doc.function).toBe('security-group');
    const cw = (doc._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> })
      .CloudWatchMetrics[0];
    expect(cw?.Namespace).toBe(METRICS.namespace);
    expect(cw?.Metrics.map((m) => m.Name)).toContain(METRICS.unreadableEvents);
    expect(cw?.Dimensions.map((d) => [...d].sort())).toContainEqual(['function', 'service']);
  });

  it('does not count an event of a call LayerGuard does not watch', async () => {
    const docs = await emfOf(() => handler(loadEvent('AuthorizeSecurityGroupEgress/world-all-traffic.json'), context));
    expect(docs.filter((d) => d[METRICS.unreadableEvents] !== undefined)).toEqual([]);
  });
});
