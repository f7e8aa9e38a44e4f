import { prng } from '../support/prng.js';
import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_MAX_ATTEMPTS, retryConfig } from '../../functions/adapters/clients.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { Ec2Error } from '../../events/simulated-account/ec2-error.js';
import { ALL_REMEDIATORS, simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import {
  type Operation,
  SimulatedNetwork,
  type SimulatedNetworkOptions,
} from '../../events/simulated-account/network.js';
import { RecordingNotifier } from '../../events/simulated-account/notifier.js';
import { inject } from '../../events/generator/inject.js';
import { type Delivery, deliver, invoke, isInProgress } from './lambda.js';
import { clock } from './support.js';

/**
 * Faults injected into the simulated account (SimulatedNetwork `fault`, `retry`, `latencyMs`), into the
 * notification channels (RecordingNotifier `failWith`) and into the AWS SDK (aws-sdk-client-mock under
 * the real Lambda handler). Lambda's asynchronous retries are modelled by ./lambda.ts.
 */

const APP = BASELINE.securityGroups.app;
const SSH = { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' };

/** World-open SSH on the app tier, made on the account, and its CloudTrail event. */
const openSsh = (account: SimulatedAccount) => {
  const injected = inject.authorizeIngress(account, APP, [SSH]);
  const ruleId = account.rulesOf(APP).find((r) => !r.isEgress && r.fromPort === 22 && r.cidrIpv4 === '0.0.0.0/0')
    ?.ruleId as string;
  return { ...injected, ruleId };
};

const failOn =
  (operation: Operation, code: string, attempts: number, fault: 'client' | 'server' = 'client') =>
  (op: Operation, attempt: number) =>
    op === operation && attempt <= attempts ? new Ec2Error(code, `${code} (injected)`, fault) : undefined;

const FAST_RETRY = { maxAttempts: DEFAULT_MAX_ATTEMPTS, baseDelayMs: 1, maxDelayMs: 4 };

describe('EC2 throttling (RequestLimitExceeded)', () => {
  it('is retried with backoff and remediated in the end (simulated account)', async () => {
    const account = threeTierAccount();
    const { event, ruleId } = openSsh(account);
    const network: SimulatedNetworkOptions = {
      fault: (_op, attempt) =>
        attempt <= 2 ? new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.') : undefined,
      retry: FAST_RETRY,
    };
    const { engine, network: net, notifier } = simulatedEngine(account, { network, clock });
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('remediated');
    expect(account.rules.has(ruleId)).toBe(false);
    // Every operation was throttled twice, then went through on its third attempt.
    const revokes = net.calls.filter((c) => c.operation === 'RevokeSecurityGroupIngress');
    expect(revokes.map((c) => [c.attempt, c.result, c.errorCode])).toEqual([
      [1, 'error', 'RequestLimitExceeded'],
      [2, 'error', 'RequestLimitExceeded'],
      [3, 'ok', undefined],
    ]);
    expect(notifier.sent.map((o) => o.outcome)).toEqual(['remediated']);
  });

  it('the deployed clients retry it: standard mode, 5 attempts, and the SDK classifies RequestLimitExceeded as throttling', async () => {
    expect(retryConfig({})).toEqual({ retryMode: 'standard', maxAttempts: 5 });
    const ec2 = new EC2Client({ region: 'us-east-1', ...retryConfig({}) });
    const value = async (v: unknown) => (typeof v === 'function' ? await (v as () => Promise<unknown>)() : v);
    expect(await value(ec2.config.maxAttempts)).toBe(5);
    expect(await value(ec2.config.retryMode)).toBe('standard');
    const throttled = Object.assign(new Error('Request limit exceeded.'), {
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503 },
    });
    expect(isThrottlingError(throttled as never)).toBe(true);
    expect(isTransientError(Object.assign(new Error('t'), { name: 'TimeoutError' }) as never)).toBe(true);
  });

  it('when throttling outlasts every retry: failed, then redelivered by Lambda and remediated', async () => {
    const account = threeTierAccount();
    const { event, ruleId } = openSsh(account);
    let throttledFor = 7; // calls: more than one invocation's retries
    const { engine, network } = simulatedEngine(account, {
      clock,
      network: {
        retry: FAST_RETRY,
        fault: (op) =>
          op === 'RevokeSecurityGroupIngress' && throttledFor-- > 0
            ? new Ec2Error('RequestLimitExceeded', 'slow down')
            : undefined,
      },
    });
    const delivery = await deliver(engine, event);
    expect(delivery).toMatchObject({ kind: 'outcome', attempts: 2, outcome: { outcome: 'remediated' } });
    expect(account.rules.has(ruleId)).toBe(false);
    expect(network.calls.filter((c) => c.operation === 'RevokeSecurityGroupIngress' && c.result === 'ok')).toHaveLength(
      1,
    );
  });
});

describe('EC2 5xx and timeouts (simulated account)', () => {
  it.each([
    ['InternalError', 'server'],
    ['ServiceUnavailable', 'server'],
    ['TimeoutError', 'client'],
  ] as const)('%s on the reads and the revoke is retried and remediated', async (code, fault) => {
    const account = threeTierAccount();
    const { event, ruleId } = openSsh(account);
    const { engine } = simulatedEngine(account, {
      clock,
      network: {
        retry: FAST_RETRY,
        fault: (_op, attempt) => (attempt === 1 ? new Ec2Error(code, 'injected', fault) : undefined),
      },
    });
    expect((await engine.handle(event)).outcome).toBe('remediated');
    expect(account.rules.has(ruleId)).toBe(false);
  });
});

describe('access denied (UnauthorizedOperation), simulated account', () => {
  it('outcome failed, a notification that a person must act, nothing changed, retried then dead-lettered', async () => {
    const account = threeTierAccount();
    const { event, ruleId } = openSsh(account);
    const { engine, notifier } = simulatedEngine(account, {
      clock,
      network: { fault: failOn('RevokeSecurityGroupIngress', 'UnauthorizedOperation', 99) },
    });
    const first = await engine.handle(event);
    expect(first.outcome).toBe('failed');
    expect(first.error).toMatchObject({ code: 'UnauthorizedOperation' });
    expect(first.humanAction).toMatch(/by hand/);
    expect(account.rules.has(ruleId)).toBe(true);
    const delivery = await deliver(engine, event);
    expect(delivery.kind).toBe('dead-letter');
    // One notification for the failure, however often Lambda retries.
    expect(notifier.sent.map((o) => o.outcome)).toEqual(['failed']);
  });
});

describe('races: the drift disappears between the read and the write', () => {
  it('a rule revoked by someone else just before the revoke: already-compliant', async () => {
    const account = threeTierAccount();
    const { event, ruleId } = openSsh(account);
    const { engine } = simulatedEngine(account, {
      clock,
      network: {
        fault: (op, attempt) => {
          if (op === 'RevokeSecurityGroupIngress' && attempt === 1 && account.rules.has(ruleId))
            account.revokeIngress(APP, [ruleId]);
          return undefined;
        },
      },
    });
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('already-compliant');
    expect(outcome.actions).toMatchObject([{ type: 'revoke-ingress', result: 'already-gone' }]);
  });

  it('a route deleted by someone else just before DeleteRoute: already-compliant', async () => {
    const account = threeTierAccount();
    const table = BASELINE.routeTables.database;
    const { event } = inject.createRoute(
      account,
      table,
      { cidrIpv4: '0.0.0.0/0' },
      { gatewayId: BASELINE.internetGatewayId },
    );
    const { engine } = simulatedEngine(account, {
      clock,
      network: {
        fault: (op) => {
          if (op === 'DeleteRoute' && account.routeTable(table)?.routes.some((r) => r.cidrIpv4 === '0.0.0.0/0'))
            account.deleteRoute(table, { cidrIpv4: '0.0.0.0/0' });
          return undefined;
        },
      },
    });
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('already-compliant');
    expect(outcome.actions).toMatchObject([{ type: 'delete-route', result: 'already-gone' }]);
  });

  it('a subnet moved back by someone else just before the move: already-compliant', async () => {
    const account = threeTierAccount();
    const subnet = BASELINE.subnets.database1;
    const { event } = inject.moveSubnet(account, subnet, BASELINE.routeTables.public);
    const { engine } = simulatedEngine(account, {
      clock,
      network: {
        fault: (op) => {
          const current = [...account.associations.values()].find((a) => a.subnetId === subnet);
          if (op === 'ReplaceRouteTableAssociation' && current?.routeTableId === BASELINE.routeTables.public)
            account.replaceAssociation(current.associationId, BASELINE.routeTables.database);
          return undefined;
        },
      },
    });
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('already-compliant');
  });
});

/** The engine with two channels, as deployed: SNS (people) and EventBridge (machines). */
function twoChannelEngine(account: SimulatedAccount, network: SimulatedNetworkOptions = {}) {
  const net = new SimulatedNetwork(account, network);
  const sns = new RecordingNotifier('sns');
  const eventBridge = new RecordingNotifier('eventbridge');
  const engine = createEngine({
    network: net,
    channels: [sns, eventBridge],
    makeStore: () => new MemoryIdempotencyStore(),
    policy: DEFAULT_POLICY,
    clock,
    remediators: ALL_REMEDIATORS,
    // Thousands of events by one actor on one group: about faults, not a reconciler's fight
    // (test/scenarios/reconciler.test.ts), so no revert is remembered.
    repeats: { record: async () => {}, since: async () => [] },
  });
  return { engine, network: net, sns, eventBridge };
}

describe('the notification fails after the revert', () => {
  it('the revert stands, the notification is retried, and redeliveries neither revert nor notify twice', async () => {
    const account = threeTierAccount();
    const { event, ruleId } = openSsh(account);
    const { engine, network, sns, eventBridge } = twoChannelEngine(account);
    sns.failWith = new Error('SNS is down');
    eventBridge.failWith = new Error('EventBridge is down');
    await expect(invoke(engine, event)).rejects.toThrow(/down/);
    expect(account.rules.has(ruleId)).toBe(false);
    sns.failWith = undefined;
    eventBridge.failWith = undefined;
    const second = await invoke(engine, structuredClone(event));
    const third = await invoke(engine, structuredClone(event));
    expect(second).toEqual(third);
    expect((second as Outcome).outcome).toBe('remediated');
    expect(network.calls.filter((c) => c.operation === 'RevokeSecurityGroupIngress')).toHaveLength(1);
    expect(sns.sent).toHaveLength(1);
    expect(eventBridge.sent).toHaveLength(1);
  });

  it('a partial failure (SNS sent, EventBridge failed) re-sends only EventBridge', async () => {
    const account = threeTierAccount();
    const { event } = openSsh(account);
    const { engine, sns, eventBridge } = twoChannelEngine(account);
    eventBridge.failWith = new Error('InternalFailure');
    await expect(invoke(engine, event)).rejects.toThrow(/InternalFailure/);
    expect([sns.sent.length, eventBridge.sent.length]).toEqual([1, 0]);
    eventBridge.failWith = undefined;
    await invoke(engine, event);
    expect([sns.sent.length, eventBridge.sent.length]).toEqual([1, 1]);
  });
});

describe('the same event delivered 10 times at once', () => {
  it('one revert, one notification per channel; concurrent duplicates are retried as Lambda retries them', async () => {
    const account = threeTierAccount();
    const { event, ruleId } = openSsh(account);
    const { engine, network, sns, eventBridge } = twoChannelEngine(account, { latencyMs: 5 });
    const inProgress: unknown[] = [];
    const pause = () => new Promise<void>((r) => setTimeout(r, 30));
    const deliveries = await Promise.all(
      Array.from({ length: 10 }, () => deliver(engine, structuredClone(event), pause).then((d) => d)),
    );
    // Collect what the duplicates saw on their first attempts.
    for (const d of deliveries) if (d.attempts > 1) inProgress.push(d);
    expect(deliveries.every((d) => d.kind === 'outcome' && d.outcome.outcome === 'remediated')).toBe(true);
    expect(inProgress.length).toBeGreaterThan(0); // some were refused while the first was in progress
    expect(network.calls.filter((c) => c.operation === 'RevokeSecurityGroupIngress')).toHaveLength(1);
    expect([sns.sent.length, eventBridge.sent.length]).toEqual([1, 1]);
    expect(account.rules.has(ruleId)).toBe(false);
  });

  it('a duplicate still in progress throws IdempotencyAlreadyInProgressError (so Lambda retries it)', async () => {
    const account = threeTierAccount();
    const { event } = openSsh(account);
    const { engine } = twoChannelEngine(account, { latencyMs: 5 });
    const results = await Promise.allSettled([engine.handle(event), engine.handle(structuredClone(event))]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(isInProgress(rejected[0]?.reason)).toBe(true);
  });
});


describe('count check: 10,000 events with 10 % injected faults', () => {
  it('every event ends in an outcome or in the dead-letter path; none is lost, none is handled twice', async () => {
    const ACCOUNTS = 100;
    const PER_ACCOUNT = 100;
    const random = prng(0x1a7e6a4d);
    const CODES = ['RequestLimitExceeded', 'UnauthorizedOperation', 'InternalError', 'TimeoutError'];
    const results = new Map<string, Delivery>();
    const sent = new Map<string, string[]>();
    let malformed = 0;

    for (let a = 0; a < ACCOUNTS; a += 1) {
      const account = threeTierAccount();
      const { engine, sns } = twoChannelEngine(account, {
        // 10 % of EC2 calls fail (no retry inside the invocation: Lambda's retries must recover them).
        fault: () =>
          random() < 0.1 ? new Ec2Error(CODES[Math.floor(random() * CODES.length)] as string, 'injected') : undefined,
      });
      const channelFault = () => (random() < 0.1 ? new Error('notification channel down') : undefined);
      const events: Array<{ id: string; event: unknown }> = [];
      for (let i = 0; i < PER_ACCOUNT; i += 1) {
        const roll = random();
        if (roll < 0.05) {
          malformed += 1;
          events.push({
            id: `malformed-${a}-${i}`,
            event: {
              'detail-type': 'AWS API Call via CloudTrail',
              source: 'aws.ec2',
              detail: { eventID: `malformed-${a}-${i}` },
            },
          });
        } else if (roll < 0.2) {
          // A narrow public range, outside the tiers' address space: decided from the request, no EC2 call.
          const injected = inject.authorizeIngress(account, APP, [
            { protocol: 'tcp', fromPort: 1000 + i, toPort: 1000 + i, cidrIpv4: '198.51.100.0/24' },
          ]);
          events.push({ id: injected.eventId, event: injected.event });
        } else {
          const injected = inject.authorizeIngress(account, APP, [
            { protocol: 'tcp', fromPort: 2000 + i, toPort: 2000 + i, cidrIpv4: '0.0.0.0/0' },
          ]);
          events.push({ id: injected.eventId, event: injected.event });
        }
      }
      for (const { id, event } of events) {
        const eb = { failWith: channelFault() };
        sns.failWith = eb.failWith;
        const delivery = await deliver(engine, event, async () => {
          sns.failWith = channelFault();
        });
        expect(results.has(id)).toBe(false);
        results.set(id, delivery);
      }
      for (const o of sns.sent) sent.set(o.eventId, [...(sent.get(o.eventId) ?? []), o.outcome]);
      // Every remediated event's rule is gone; nothing world-open is left except behind a dead letter.
      const deadLettered = [...results.values()].filter((d) => d.kind === 'dead-letter').length;
      const open = account.rulesOf(APP).filter((r) => !r.isEgress && r.cidrIpv4 === '0.0.0.0/0').length;
      expect(open).toBeLessThanOrEqual(deadLettered);
    }

    const all = [...results.values()];
    expect(all).toHaveLength(ACCOUNTS * PER_ACCOUNT);
    const kinds = { outcome: 0, rejected: 0, 'dead-letter': 0 };
    for (const d of all) kinds[d.kind] += 1;
    expect(kinds.outcome + kinds.rejected + kinds['dead-letter']).toBe(10_000);
    expect(kinds.rejected).toBe(malformed);
    expect(kinds['dead-letter']).toBeGreaterThan(0); // faults on all three attempts happen
    expect(kinds['dead-letter']).toBeLessThan(200);
    // An event that ended in an outcome told people exactly once about that outcome.
    for (const [id, d] of results) {
      if (d.kind !== 'outcome') continue;
      expect(sent.get(id)?.filter((o) => o === d.outcome.outcome)).toHaveLength(1);
    }
  }, 30_000);
});

// ---- the real Lambda handler, with the AWS SDK mocked ------------------------------------------

const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
type Handler = (event: unknown, context: Context) => Promise<Outcome | { outcome: string; reason: string }>;
let handler: Handler;
const context = {
  functionName: 'layerguard-security-group',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
const OPEN = 'sgr-0a1b2c3d4e5f6e101';
const openRule = {
  SecurityGroupRuleId: OPEN,
  GroupId: APP,
  IsEgress: false,
  IpProtocol: 'tcp',
  FromPort: 22,
  ToPort: 22,
  CidrIpv4: '0.0.0.0/0',
};

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:layerguard';
  process.env.LAYERGUARD_EVENT_BUS = 'layerguard-outcomes';
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  // The same actor reverts the same group in every test here: these tests are about faults, not about
  // a reconciler's fight (test/scenarios/reconciler.test.ts), so the repeat limit is lifted.
  process.env.LAYERGUARD_POLICY = JSON.stringify({ reconciler: { maxRepeats: 100 } });
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.AWS_REGION = 'us-east-1';
  ({ handler } = (await import('../../functions/security-group/handler.js')) as { handler: Handler });
});

let n = 0;
/** A fresh world-open SSH event (its own id) for the mocked handler. */
function sshEvent() {
  n += 1;
  const account = threeTierAccount();
  const { event } = inject.authorizeIngress(account, APP, [SSH], { eventId: `fault-${n}-${Date.now()}` });
  const detail = (
    event as {
      detail: { responseElements: { securityGroupRuleSet: { items: Array<{ securityGroupRuleId: string }> } } };
    }
  ).detail;
  (detail.responseElements.securityGroupRuleSet.items[0] as { securityGroupRuleId: string }).securityGroupRuleId = OPEN;
  return event;
}

beforeEach(() => {
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [{ GroupId: APP, GroupName: 'app-tier', Tags: [{ Key: 'Tier', Value: 'Application' }] }],
  });
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [openRule] });
  ec2
    .on(RevokeSecurityGroupIngressCommand)
    .resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: OPEN, GroupId: APP }] });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});
afterEach(() => {
  ec2.reset();
  sns.reset();
  events.reset();
  vi.restoreAllMocks();
});

/** The EMF metric documents the handler printed (Powertools Metrics writes them to stdout). */
function captureMetrics() {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = chunk.toString();
    if (text.includes('"_aws"')) {
      lines.push(text);
      return true;
    }
    return write(chunk as string, ...(rest as []));
  }) as typeof process.stdout.write);
  return () =>
    lines
      .flatMap((l) => l.split('\n'))
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const err = (name: string, fault: 'client' | 'server' = 'client', status?: number) =>
  Object.assign(new Error(`${name} (injected)`), { name, $fault: fault, $metadata: { httpStatusCode: status } });

describe('the Lambda handler with the SDK mocked', () => {
  it('access denied: throws for Lambda to retry, counts `failed`, and tells a person to act', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(err('UnauthorizedOperation', 'client', 403));
    const metrics = captureMetrics();
    await expect(handler(sshEvent(), context)).rejects.toThrow(/UnauthorizedOperation/);
    const emf = metrics();
    expect(emf.some((m) => m.failed === 1)).toBe(true);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Subject).toMatch(/FAILED - ACTION REQUIRED/);
    expect(input?.Message).toMatch(/ACTION REQUIRED: .*by hand/);
  });

  it.each([
    ['a timeout', err('TimeoutError')],
    ['a 500', err('InternalError', 'server', 500)],
    ['a 503', err('Unavailable', 'server', 503)],
  ])('EC2 %s: failed and thrown; the redelivery remediates', async (_name, error) => {
    const event = sshEvent();
    ec2
      .on(DescribeSecurityGroupRulesCommand)
      .rejectsOnce(error)
      .resolves({ SecurityGroupRules: [openRule] });
    await expect(handler(event, context)).rejects.toThrow();
    const outcome = (await handler(structuredClone(event), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
  });

  it.each([
    ['a timeout', err('TimeoutError')],
    ['a 500', err('InternalError', 'server', 500)],
  ])(
    'SNS %s after the revert: thrown and counted as an error; the redelivery publishes once, does not revoke again nor re-send EventBridge',
    async (_name, error) => {
      const event = sshEvent();
      sns.on(PublishCommand).rejectsOnce(error).resolves({ MessageId: 'm-2' });
      const metrics = captureMetrics();
      await expect(handler(event, context)).rejects.toThrow();
      expect(metrics().some((m) => m.error === 1)).toBe(true);
      await handler(structuredClone(event), context);
      expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
      expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    },
  );

  it.each([
    [
      'a timeout',
      () =>
        events
          .on(PutEventsCommand)
          .rejectsOnce(err('TimeoutError'))
          .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] }),
    ],
    [
      'a 503',
      () =>
        events
          .on(PutEventsCommand)
          .rejectsOnce(err('ServiceUnavailable', 'server', 503))
          .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] }),
    ],
    [
      'a refused entry (InternalFailure)',
      () =>
        events
          .on(PutEventsCommand)
          .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] })
          .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] }),
    ],
  ])('EventBridge %s: thrown; the redelivery re-sends only EventBridge', async (_name, arrange) => {
    const event = sshEvent();
    arrange();
    await expect(handler(event, context)).rejects.toThrow();
    await handler(structuredClone(event), context);
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });
});
