import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLambdaHandler, RemediationFailedError } from '../../functions/adapters/lambda-handler.js';
import { METRICS } from '../../functions/adapters/metrics.js';
import { CANARY_METRIC } from '../../functions/core/canary.js';
import { UnreadableEventError, UnsupportedEventError } from '../../functions/core/errors.js';
import type { Outcome, Trigger } from '../../functions/core/outcome.js';
import type { Engine } from '../../functions/pipeline/engine.js';

/**
 * The handler factory every event function runs (createLambdaHandler), around an engine that answers
 * what each test needs: what it logs (Powertools Logger, JSON lines), what it counts (Powertools
 * Metrics, EMF documents), what it returns and what it throws. Logs and EMF are read from the
 * process's stdout and stderr, where Lambda's runtime takes them.
 */

const CANARY_GROUP = 'sg-0a1b2c3d4e5f6c001';
const context = { functionName: 'layerguard-security-group', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

beforeAll(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_DEV;
});
afterEach(() => {
  vi.restoreAllMocks();
});

const trigger: Trigger = {
  eventId: 'evt-1',
  eventName: 'AuthorizeSecurityGroupIngress',
  eventTime: '2026-12-02T10:00:00Z',
  eventSource: 'ec2.amazonaws.com',
  source: 'aws.ec2',
  account: '111122223333',
  region: 'eu-west-1',
};
const outcomeOf = (o: Partial<Outcome>): Outcome =>
  ({ outcome: 'ignored', reason: 'r', eventId: 'evt-1', eventName: trigger.eventName, trigger, resources: [], drift: [], actions: [], ...o }) as Outcome;

/** An engine that answers `answer` (or throws it). */
const engineOf = (answer: Outcome | Error): Engine => ({
  handleBatch: async (inputs) => Promise.allSettled(inputs.map(async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  })),
  handle: async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  },
});

/** Everything one invocation wrote: log lines and EMF documents (both JSON, one a line). */
async function run(engine: Engine, event: unknown, canaryGroupId?: string) {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const handler = createLambdaHandler('security-group', engine, canaryGroupId);
  let result: unknown;
  let error: unknown;
  try {
    result = await handler(event, context);
  } catch (e) {
    error = e;
  } finally {
    vi.restoreAllMocks();
  }
  const lines = written
    .flatMap((w) => w.split('\n'))
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const emf = lines.filter((l) => '_aws' in l);
  return { result, error, logs: lines.filter((l) => !('_aws' in l)), emf };
}

/** The metrics of the EMF documents, by name: value and unit. */
const metricsOf = (emf: Array<Record<string, unknown>>) =>
  Object.fromEntries(
    emf.flatMap((doc) =>
      (doc._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string; Unit: string }> }> }).CloudWatchMetrics.flatMap((cw) =>
        cw.Metrics.map((m) => [m.Name, { value: doc[m.Name], unit: m.Unit }]),
      ),
    ),
  );

const envelope = (eventID: unknown) => ({ 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', detail: { eventID } });

describe('createLambdaHandler: correlation, logs and counts of an outcome', () => {
  it('logs the outcome with the CloudTrail event id as correlation id, counts it, and its seconds open', async () => {
    const outcome = outcomeOf({ outcome: 'remediated', secondsOpen: 4.5 });
    const { result, logs, emf } = await run(engineOf(outcome), envelope('evt-1'));
    expect(result).toEqual(outcome);
    const line = logs.find((l) => l.message === 'outcome');
    expect(line).toMatchObject({ level: 'INFO', correlation_id: 'evt-1', outcome: { outcome: 'remediated', secondsOpen: 4.5 } });
    expect(metricsOf(emf)).toMatchObject({ remediated: { value: 1, unit: 'Count' }, secondsOpen: { value: 4.5, unit: 'Seconds' } });
  });

  it('reads the event id of a bare CloudTrail record too, cut to 128 characters; none when it is not a string', async () => {
    const long = 'e'.repeat(200);
    const bare = await run(engineOf(outcomeOf({})), { eventID: long });
    expect(bare.logs.find((l) => l.message === 'outcome')?.correlation_id).toBe('e'.repeat(128));
    const numeric = await run(engineOf(outcomeOf({})), envelope(42));
    expect(numeric.logs.find((l) => l.message === 'outcome')?.correlation_id).toBeUndefined();
    const none = await run(engineOf(outcomeOf({})), null);
    expect(none.result).toMatchObject({ outcome: 'ignored' });
  });

  it('an event without an id is not logged under the previous event\'s id (one logger serves every invocation)', async () => {
    const handler = createLambdaHandler('security-group', engineOf(outcomeOf({})));
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    await handler(envelope('evt-first'), context);
    written.length = 0;
    await handler({ detail: {} }, context);
    vi.restoreAllMocks();
    const line = written.flatMap((w) => w.split('\n')).find((l) => l.includes('"message":"outcome"'));
    expect(JSON.parse(line as string).correlation_id).toBeUndefined();
  });

  it('logs as the LayerGuard service', async () => {
    const { logs } = await run(engineOf(outcomeOf({})), envelope('evt-1'));
    expect(logs.find((l) => l.message === 'outcome')?.service).toBe(METRICS.service);
  });

  it('an outcome without seconds open counts no secondsOpen', async () => {
    const { emf } = await run(engineOf(outcomeOf({ outcome: 'ignored' })), envelope('evt-1'));
    const metrics = metricsOf(emf);
    expect(metrics.ignored).toEqual({ value: 1, unit: 'Count' });
    expect(metrics.secondsOpen).toBeUndefined();
  });

  it("counts a cold start once, on the function's first invocation", async () => {
    // Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE ("on-demand, provisioned-concurrency, or snap-start":
    // Lambda developer guide, defined runtime environment variables); Powertools counts a cold start only on-demand.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const handler = createLambdaHandler('security-group', engineOf(outcomeOf({})));
    delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    const docs: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      docs.push(String(chunk));
      return true;
    });
    await handler(envelope('a'), context);
    await handler(envelope('b'), context);
    vi.restoreAllMocks();
    const coldStarts = docs.flatMap((w) => w.split('\n')).filter((l) => l.includes('"ColdStart"'));
    expect(coldStarts).toHaveLength(1);
  });

  it('a canary revert writes its own metric (account and region only) and says so in the log', async () => {
    const outcome = outcomeOf({
      outcome: 'remediated',
      resources: [CANARY_GROUP],
      drift: [{ kind: 'sg-world-open', groupId: CANARY_GROUP, rules: [] }],
      secondsOpen: 12,
    });
    const { logs, emf } = await run(engineOf(outcome), envelope('evt-1'), CANARY_GROUP);
    const canary = emf.find((d) => d[CANARY_METRIC] !== undefined);
    expect(canary).toMatchObject({ [CANARY_METRIC]: 12, account: '111122223333', region: 'eu-west-1' });
    expect(logs.find((l) => l.message === 'canary reverted')).toMatchObject({ secondsToRevert: 12, account: '111122223333', region: 'eu-west-1' });
  });
});

describe('createLambdaHandler: what is thrown, and what is answered', () => {
  it('a failed outcome throws RemediationFailedError (Lambda retries, then dead-letters), after counting it', async () => {
    const failed = outcomeOf({ outcome: 'failed', reason: 'remediation failed: UnauthorizedOperation' });
    const { error, emf } = await run(engineOf(failed), envelope('evt-1'));
    expect(error).toBeInstanceOf(RemediationFailedError);
    expect((error as Error).name).toBe('RemediationFailedError');
    expect((error as Error).message).toBe('AuthorizeSecurityGroupIngress evt-1: remediation failed: UnauthorizedOperation');
    expect((error as RemediationFailedError).outcome).toBe(failed);
    expect(metricsOf(emf).failed).toEqual({ value: 1, unit: 'Count' });
  });

  it('an unexpected error is logged at ERROR with the event id, counted as error, and thrown', async () => {
    const boom = new Error('boom');
    const { error, logs, emf } = await run(engineOf(boom), envelope('evt-9'));
    expect(error).toBe(boom);
    expect(logs.find((l) => l.message === 'trigger not handled')).toMatchObject({ level: 'ERROR', eventId: 'evt-9', error: { message: 'boom' } });
    expect(metricsOf(emf).error).toEqual({ value: 1, unit: 'Count' });
  });

  it('the same event in progress elsewhere is thrown for a retry, logged at INFO, and not counted as an error', async () => {
    const busy = new IdempotencyAlreadyInProgressError('in progress');
    const { error, logs, emf } = await run(engineOf(busy), envelope('evt-7'));
    expect(error).toBe(busy);
    expect(logs.find((l) => l.message === 'the same event is being handled by another invocation; retrying later')).toMatchObject({
      level: 'INFO',
      eventId: 'evt-7',
    });
    expect(logs.some((l) => l.level === 'ERROR')).toBe(false);
    expect(metricsOf(emf).error).toBeUndefined();
  });

  it('an unsupported event is answered ignored with its reason and event id, warned and counted, never thrown', async () => {
    const { result, error, logs, emf } = await run(engineOf(new UnsupportedEventError('unsupported eventName "X"')), envelope('evt-3'));
    expect(error).toBeUndefined();
    expect(result).toEqual({ outcome: 'ignored', reason: 'unsupported eventName "X"', eventId: 'evt-3' });
    expect(logs.find((l) => l.message === 'unsupported event: no action taken')).toMatchObject({
      level: 'WARN',
      reason: 'unsupported eventName "X"',
      eventId: 'evt-3',
    });
    expect(metricsOf(emf).unsupported).toEqual({ value: 1, unit: 'Count' });
    // Without an event id: the answer has none.
    const bare = await run(engineOf(new UnsupportedEventError('malformed')), {});
    expect(bare.result).toEqual({ outcome: 'ignored', reason: 'malformed' });
  });

  it("an unreadable event of a watched call: answered with the told outcome's event id, warned, counted", async () => {
    const unreadable = new UnreadableEventError('malformed AuthorizeSecurityGroupIngress request', trigger);
    unreadable.outcome = outcomeOf({ eventId: 'told-1' });
    const { result, logs, emf } = await run(engineOf(unreadable), envelope('evt-4'));
    expect(result).toEqual({ outcome: 'ignored', reason: 'malformed AuthorizeSecurityGroupIngress request', eventId: 'told-1' });
    expect(logs.find((l) => l.message === 'unreadable event of a watched call: no action taken, a person is told')).toMatchObject({
      level: 'WARN',
      reason: 'malformed AuthorizeSecurityGroupIngress request',
      eventId: 'told-1',
    });
    expect(metricsOf(emf)[METRICS.unreadableEvents]).toEqual({ value: 1, unit: 'Count' });
    // Not told yet (no outcome): the event's own id is logged, and the answer names none.
    const untold = await run(engineOf(new UnreadableEventError('malformed', trigger)), envelope('evt-5'));
    expect(untold.result).toEqual({ outcome: 'ignored', reason: 'malformed' });
    expect(untold.logs.find((l) => l.level === 'WARN')?.eventId).toBe('evt-5');
  });
});
