import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../events/scenarios/catalogue.js';
import {
  belongsTo,
  injectedResources,
  NOTIFY_NOT_MEASURED,
  type OutcomeMatch,
  parseOutcomeMessage,
  runDeployedGameday,
  watchOutcomes,
} from '../../events/scenarios/deployed.js';
import { HANDLERS } from '../../events/scenarios/runner.js';
import { verdictLine } from '../../bin/commands/gameday-report.js';
import type { Injection } from '../../events/scenarios/target.js';
import { ec2Client, resetClients } from '../../functions/adapters/clients.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import { createAwsChannels } from '../../functions/adapters/notifier.js';
import { matchesPattern } from '../../functions/core/event-pattern.js';
import { toOutcomeEvent } from '../../functions/core/notification.js';
import type { Outcome, OutcomeStatus } from '../../functions/core/outcome.js';
import { buildRulePatterns, matchingRules } from '../../functions/core/patterns.js';
import { DEFAULT_POLICY, type Policy, parsePolicy } from '../../functions/core/policy.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import { GAMEDAY_OUTCOMES_PATTERN } from '../../infra/constructs/gameday-outcomes.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/*
 * `layerguard gameday --target aws --via deployed --outcomes-queue URL`: the game day reads
 * LayerGuard's outcomes from the game-day queue (infra/constructs/gameday-outcomes.ts) while it
 * waits for each scenario. First the queue reading on aws-sdk-client-mock; then whole runs on moto
 * (EC2 and SQS over HTTP) with a stand-in for the deployed stack, whose outcomes go through the real
 * notifier, the game-day rule's pattern, and into a real (moto) queue, as EventBridge delivers them.
 */

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/LayerGuard-GamedayOutcomesQueue';

const outcome = (resources: string[], eventTime: string, status: OutcomeStatus = 'remediated'): Outcome => ({
  outcome: status,
  reason: `${status} by LayerGuard`,
  eventId: 'e-1',
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: {
    eventId: 'e-1',
    eventName: 'AuthorizeSecurityGroupIngress',
    eventTime,
    eventSource: 'ec2.amazonaws.com',
    source: 'aws.ec2',
  },
  resources,
  drift: [],
  actions: [],
});

/** An outcome as the game-day rule's SQS target delivers it: the whole EventBridge event as the body. */
const delivered = (o: Outcome, time = o.trigger.eventTime) => {
  const entry = toOutcomeEvent(o);
  return JSON.stringify({
    version: '0',
    id: `id-${Math.random()}`,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '111122223333',
    time,
    region: 'us-east-1',
    resources: [],
    detail: JSON.parse(entry.Detail),
  });
};

const injection = (requestParameters: Record<string, unknown>): Injection => ({
  event: { detail: { requestParameters } },
  eventId: 'x',
  injectedAt: 0,
});

describe('which outcome is the scenario’s', () => {
  it('names the group or route table of the injecting call', () => {
    expect(injectedResources(injection({ groupId: 'sg-1', ipPermissions: {} }))).toEqual(['sg-1']);
    expect(
      injectedResources(injection({ ModifySecurityGroupRulesRequest: { GroupId: 'sg-2', SecurityGroupRule: {} } })),
    ).toEqual(['sg-2']);
    expect(injectedResources(injection({ routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0' }))).toEqual([
      'rtb-1',
    ]);
    expect(injectedResources(injection({ associationId: 'rtbassoc-1', routeTableId: 'rtb-pub' }))).toEqual([
      'rtb-pub',
    ]);
    expect(injectedResources(injection({}))).toEqual([]);
  });

  it('reads an outcome event and nothing else', () => {
    const o = outcome(['sg-1'], '2026-06-15T12:00:00Z');
    expect(parseOutcomeMessage(delivered(o, '2026-06-15T12:00:02Z'))).toEqual({
      outcome: o,
      busTime: '2026-06-15T12:00:02Z',
    });
    expect(parseOutcomeMessage('not json')).toBeUndefined();
    expect(parseOutcomeMessage(undefined)).toBeUndefined();
    expect(parseOutcomeMessage(JSON.stringify({ source: 'aws.ec2', 'detail-type': 'x', detail: o }))).toBeUndefined();
    expect(
      parseOutcomeMessage(JSON.stringify({ source: 'layerguard', 'detail-type': 'LayerGuard Outcome', detail: {} })),
    ).toBeUndefined();
  });

  it('belongs when it names the resource and its trigger is not before the injection', () => {
    const m: OutcomeMatch = { resources: ['sg-1'], notBefore: Date.parse('2026-06-15T12:00:00Z') };
    expect(belongsTo(outcome(['sg-1'], '2026-06-15T12:00:00Z'), m)).toBe(true);
    expect(belongsTo(outcome(['rtb-9', 'sg-1'], '2026-06-15T12:00:05Z'), m)).toBe(true);
    expect(belongsTo(outcome(['sg-2'], '2026-06-15T12:00:05Z'), m)).toBe(false);
    expect(belongsTo(outcome(['sg-1'], '2026-06-15T11:59:59Z'), m)).toBe(false);
    expect(belongsTo(outcome(['sg-1'], 'not a time'), m)).toBe(false);
  });
});

describe('watchOutcomes (aws-sdk-client-mock)', () => {
  // The instance only: the moto tests below use real SQS clients.
  const client = new SQSClient({ region: 'us-east-1' });
  const sqs = mockClient(client);
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const match = (): OutcomeMatch => ({ resources: ['sg-1'], notBefore: Date.now() - 2_000 });
  beforeEach(() => {
    sqs.reset();
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  });
  afterEach(() => sqs.reset());

  it('returns the scenario’s outcome when it arrives, long-polling, and deletes what it read', async () => {
    const other = outcome(['sg-other'], now());
    const mine = outcome(['sg-1'], now(), 'remediated');
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({})
      .resolvesOnce({ Messages: [{ ReceiptHandle: 'r1', Body: delivered(other) }] })
      .resolvesOnce({
        Messages: [
          { ReceiptHandle: 'r2', Body: 'garbage' },
          { ReceiptHandle: 'r3', Body: delivered(mine, '2026-06-15T12:00:01Z') },
        ],
      });
    const before = Date.now();
    const arrived = await watchOutcomes({ client, url: QUEUE }, match(), {
      deadline: Date.now() + 60_000,
      sleep: async () => {},
    });
    expect(arrived?.outcome).toEqual(mine);
    expect(arrived?.busTime).toBe('2026-06-15T12:00:01Z');
    expect(arrived?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(sqs).toHaveReceivedCommandTimes(ReceiveMessageCommand, 3);
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: QUEUE,
      WaitTimeSeconds: 20,
      MaxNumberOfMessages: 10,
    });
    expect(sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries?.map((e) => e.ReceiptHandle))).toEqual([
      ['r1'],
      ['r2', 'r3'],
    ]);
  });

  it('ignores an outcome for another resource, or an older one, and gives up at the deadline', async () => {
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        { ReceiptHandle: 'r1', Body: delivered(outcome(['sg-other'], now())) },
        { ReceiptHandle: 'r2', Body: delivered(outcome(['sg-1'], '2020-01-01T00:00:00Z')) },
      ],
    });
    const arrived = await watchOutcomes({ client, url: QUEUE }, match(), { deadline: Date.now() + 1_500 });
    expect(arrived).toBeNull();
    // Never a long poll past the deadline.
    for (const call of sqs.commandCalls(ReceiveMessageCommand))
      expect(call.args[0].input.WaitTimeSeconds).toBeLessThanOrEqual(2);
  });

  it('fails with the SQS error when the queue cannot be read', async () => {
    sqs.on(ReceiveMessageCommand).rejects(Object.assign(new Error('no such queue'), { name: 'QueueDoesNotExist' }));
    await expect(
      watchOutcomes({ client, url: QUEUE }, match(), { deadline: Date.now() + 5_000 }),
    ).rejects.toThrow('ReceiveMessage failed: QueueDoesNotExist: no such queue');
  });

  it('stops at once when aborted', async () => {
    sqs.on(ReceiveMessageCommand).resolves({});
    const controller = new AbortController();
    controller.abort();
    expect(
      await watchOutcomes({ client, url: QUEUE }, match(), { deadline: Date.now() + 60_000, signal: controller.signal }),
    ).toBeNull();
    expect(sqs).toHaveReceivedCommandTimes(ReceiveMessageCommand, 0);
  });
});

/*
 * On moto: EC2 (the canaries) and SQS (the game-day queue) over HTTP. EventBridge and SNS are mocked:
 * a game-day event put on the default bus is handed, a moment later, to LayerGuard's engine through
 * the deployed patterns (the stand-in stack); the engine's real notifier puts each outcome on the
 * outcomes bus, where the game-day rule's pattern sends it to the queue as EventBridge would.
 */
const endpoint = motoEndpoint();

describe.skipIf(!endpoint)(`deployed game day, time to notify (moto ${endpoint ?? 'unavailable'})`, () => {
  useMoto();
  const events = mockClient(EventBridgeClient);
  const sns = mockClient(SNSClient);
  let handled: Promise<unknown>[];
  let sqs: SQSClient;
  let queueUrl: string;

  beforeEach(async () => {
    resetClients();
    sqs = new SQSClient({});
    queueUrl =
      (await sqs.send(new CreateQueueCommand({ QueueName: `gameday-outcomes-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` })))
        .QueueUrl ?? '';
    handled = [];
    events.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
  });
  afterAll(() => {
    events.restore();
    sns.restore();
  });
  afterEach(async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    sqs.destroy();
    resetClients();
  });

  /** The stand-in deployed stack, on the EC2 client the game day uses. */
  function standIn(
    ec2: ReturnType<typeof ec2Client>,
    rewrite: (resources: string[]) => string[] = (r) => r,
    policy: Policy = DEFAULT_POLICY,
  ) {
    events.on(PutEventsCommand).callsFake(async (input: { Entries: { Source: string; DetailType: string; Detail: string; EventBusName?: string }[] }) => {
      const entry = input.Entries[0] as { Source: string; DetailType: string; Detail: string; EventBusName?: string };
      const event = {
        version: '0',
        id: `ev-${Math.random()}`,
        source: entry.Source,
        'detail-type': entry.DetailType,
        account: '123456789012',
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: 'us-east-1',
        resources: [],
        detail: JSON.parse(entry.Detail),
      };
      if (entry.EventBusName === 'layerguard-outcomes') {
        // The game-day rule on the outcomes bus, and its SQS target.
        event.detail.resources = rewrite(event.detail.resources);
        if (matchesPattern(GAMEDAY_OUTCOMES_PATTERN, event))
          await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
        return { FailedEntryCount: 0, Entries: [{ EventId: 'o' }] };
      }
      const rules = matchingRules(buildRulePatterns(policy, { gameday: true }), event);
      handled.push(
        new Promise((r) => setTimeout(r, 300)).then(async () => {
          for (const rule of rules) {
            const engine = createEngine({
              network: createEc2Network(ec2),
              channels: createAwsChannels({
                sns: new SNSClient({}),
                eventBridge: new EventBridgeClient({}),
                topicArn: 'arn:aws:sns:us-east-1:123456789012:layerguard',
                eventBusName: 'layerguard-outcomes',
              }),
              policy,
              clock: () => new Date(),
              remediators: HANDLERS[rule],
              makeStore: () => new MemoryIdempotencyStore(),
            });
            await engine.handle(event);
          }
        }),
      );
      return { FailedEntryCount: 0, Entries: [{ EventId: 'x' }] };
    });
  }

  it('reads each scenario’s outcome from the queue: notified, time to notify, LayerGuard’s own outcome', async () => {
    const ec2 = ec2Client();
    standIn(ec2);
    // Left in the queue by something else: an outcome for another resource, just now.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: delivered(outcome(['sg-0123456789abcdef0'], new Date().toISOString())),
      }),
    );
    try {
      const scenarios = CATALOGUE.filter((s) =>
        ['ssh-open-to-world', 'igw-route-on-database-table', 'control-exempt-group', 'control-narrow-cidr'].includes(
          s.name,
        ),
      );
      const run = await runDeployedGameday({
        client: ec2,
        policy: DEFAULT_POLICY,
        policySource: 'layerguard.config.json',
        scenarios,
        inject: new EventBridgeClient({}),
        outcomes: { client: sqs, url: queueUrl },
        timeoutMs: 15_000,
        graceMs: 2_500,
        wait: { intervalMs: 100, maxIntervalMs: 200 },
        warn: () => {},
      });
      await Promise.all(handled);
      expect(run.card.scenarios.map((s) => [s.name, s.outcome, s.notified, s.passed, s.reason])).toEqual([
        ['ssh-open-to-world', 'remediated', true, true, expect.stringMatching(/outcome arrived on the outcomes queue/)],
        ['igw-route-on-database-table', 'remediated', true, true, expect.stringMatching(/outcome arrived/)],
        // The security-group rule passes every IPv4 CIDR while tiers are judged (the default): the handler
        // reads the tiers, leaves the app subnet's rule on the database tier, and says so on the queue.
        [
          'control-narrow-cidr',
          'ignored',
          true,
          true,
          expect.stringMatching(/^untouched after 3 s; LayerGuard's outcome arrived on the outcomes queue .*: no rule asked for is open to the internet; no source is in a tier the database tier may not be reached from \(only application and database\)$/),
        ],
        ['control-exempt-group', 'exempt', true, true, expect.stringMatching(/outcome arrived/)],
      ]);
      // Every scenario here is now told on the queue (the narrow control too): each has a time to notify.
      for (const s of run.card.scenarios.filter((x) => x.notified)) {
        // Not before the stand-in stack acted (300 ms), and soon after.
        expect(s.secondsToNotify, s.name).toBeGreaterThanOrEqual(0.3);
        expect(s.secondsToNotify, s.name).toBeLessThan(5);
        expect(s.reason).not.toMatch(/inferred/);
      }
      for (const s of run.card.scenarios.slice(0, 2)) {
        expect(s.secondsToRevert).toBeGreaterThanOrEqual(0.3);
        expect(s).toMatchObject({ detected: true, reverted: true });
      }
      expect(run.card.verdict).toBe('pass');
      // The scorecard says the deployed stack's mode and where the CLI read it, like the local game day.
      expect(run.card).toMatchObject({ mode: 'enforce', modeSource: 'layerguard.config.json' });
      expect(verdictLine(run.card)).toMatch(/on the aws \(deployed, injected\) target, mode enforce \(from layerguard\.config\.json\) in /);
      expect(run.leftovers).toEqual([]);
      // Everything read was deleted, the foreign outcome too.
      const left = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expect(left.Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    } finally {
      ec2.destroy();
    }
  }, 90_000);

  it('under a dry-run stack a drift scenario expects dry-run: told, left in place, and the scorecard says the mode', async () => {
    const ec2 = ec2Client();
    const dryRun = parsePolicy({ mode: 'dry-run' });
    standIn(ec2, (r) => r, dryRun);
    try {
      const scenarios = CATALOGUE.filter((s) => ['ssh-open-to-world', 'control-narrow-cidr'].includes(s.name));
      const run = await runDeployedGameday({
        client: ec2,
        policy: dryRun,
        policySource: 'layerguard.config.json',
        scenarios,
        inject: new EventBridgeClient({}),
        outcomes: { client: sqs, url: queueUrl },
        timeoutMs: 15_000,
        graceMs: 2_500,
        wait: { intervalMs: 100, maxIntervalMs: 200 },
        warn: () => {},
      });
      await Promise.all(handled);
      expect(run.card.scenarios.map((s) => [s.name, s.expected, s.outcome, s.reverted, s.notified, s.passed])).toEqual([
        ['ssh-open-to-world', 'dry-run', 'dry-run', false, true, true],
        ['control-narrow-cidr', 'ignored', 'ignored', false, true, true],
      ]);
      expect(run.card).toMatchObject({ verdict: 'pass', mode: 'dry-run', modeSource: 'layerguard.config.json' });
      expect(run.leftovers).toEqual([]);
    } finally {
      ec2.destroy();
    }
  }, 90_000);

  it('an outcome for another resource does not count: not notified, and the scenario fails', async () => {
    const ec2 = ec2Client();
    // A stand-in that reverts but whose outcome names some other group.
    standIn(ec2, () => ['sg-0fffffffffffffff0']);
    try {
      const run = await runDeployedGameday({
        client: ec2,
        policy: DEFAULT_POLICY,
        scenarios: CATALOGUE.filter((s) => s.name === 'ssh-open-to-world'),
        inject: new EventBridgeClient({}),
        outcomes: { client: sqs, url: queueUrl },
        timeoutMs: 3_000,
        wait: { intervalMs: 100, maxIntervalMs: 200 },
        warn: () => {},
      });
      await Promise.all(handled);
      const [s] = run.card.scenarios;
      expect(s).toMatchObject({ outcome: 'remediated', reverted: true, notified: false, secondsToNotify: null, passed: false });
      expect(s?.reason).toMatch(/no outcome for it on the outcomes queue within 3 s/);
      expect(run.leftovers).toEqual([]);
    } finally {
      ec2.destroy();
    }
  }, 60_000);

  it('without a queue: the honest path, time to notify not measured', async () => {
    const ec2 = ec2Client();
    standIn(ec2);
    try {
      const run = await runDeployedGameday({
        client: ec2,
        policy: DEFAULT_POLICY,
        scenarios: CATALOGUE.filter((s) => s.name === 'ssh-open-to-world'),
        inject: new EventBridgeClient({}),
        timeoutMs: 10_000,
        wait: { intervalMs: 100, maxIntervalMs: 200 },
        warn: () => {},
      });
      await Promise.all(handled);
      const [s] = run.card.scenarios;
      expect(s).toMatchObject({ outcome: 'remediated', reverted: true, notified: false, secondsToNotify: null, passed: true });
      expect(s?.reason).toContain(NOTIFY_NOT_MEASURED);
      expect(s?.reason).toMatch(/outcome inferred from the state/);
    } finally {
      ec2.destroy();
    }
  }, 60_000);
});
