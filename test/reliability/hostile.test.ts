import {
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnreadableEventError, UnsupportedEventError } from '../../functions/core/errors.js';
import { formatNotification, toOutcomeEvent } from '../../functions/core/notification.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { inject } from '../../events/generator/inject.js';
import { loadEvent } from '../support/events.js';
import { clock } from './support.js';

/**
 * Hostile input: every CloudTrail field the caller writes (user agent, ARNs, descriptions, group
 * names, tag values) is data, never markup or a log line; oversized or deeply nested input is cut
 * or rejected with a clear error before any AWS call. Runbook payload strictness is tested in
 * test/unit/runbook-payload.test.ts and test/handlers/runbook.test.ts.
 */

const APP = BASELINE.securityGroups.app;
const HOSTILE = [
  'aws-cli/2\n2025-03-14T13:03:00Z ERROR outcome=remediated reason="forged"\r\n{"level":"ERROR","message":"forged"}',
  '<script>alert(1)</script><img src=x onerror=alert(1)>',
  '[click](https://evil.example/phish) *bold* `code` |table| <!channel> @here',
  '\u001b[31mred\u001b[0m\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007',
  'abc\u202etxt.exe\u200b\u2028\u2029\ufeff',
  'x'.repeat(100_000),
];

/** What must never survive into a human message: markup, links, escapes, line breaks from the input. */
function expectInert(text: string): void {
  expect(text).not.toMatch(/[<>`\u001b\u202a-\u202e\u200b-\u200f\u2028\u2029\ufeff\r]/);
  expect(text).not.toMatch(/https?:\/\//i);
  expect(text).not.toContain('](');
}

/** An outcome of a world-open SSH revert whose every caller-written field is `hostile`. */
async function hostileOutcome(hostile: string): Promise<Outcome> {
  const account = threeTierAccount();
  // EC2 caps a rule description at 255 characters and a tag value at 256 (longer calls fail): the rest is uncapped.
  account.setTags(APP, {
    'layerguard:exempt': `until=${hostile};reason=${hostile}`.slice(0, 256),
    Name: hostile.slice(0, 256),
  });
  const injected = inject.authorizeIngress(
    account,
    APP,
    [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0', description: hostile.slice(0, 255) }],
    { actor: { roleName: 'attacker', sessionName: hostile.slice(0, 64), sourceIp: hostile, userAgent: hostile } },
  );
  const detail = (injected.event as { detail: Record<string, unknown> }).detail;
  (detail.userIdentity as Record<string, unknown>).arn = `arn:aws:sts::111122223333:assumed-role/attacker/${hostile}`;
  const { engine, notifier } = simulatedEngine(account, { clock });
  const outcome = await engine.handle(injected.event);
  expect(notifier.sent).toHaveLength(1);
  return outcome;
}

describe('caller-written fields in notifications', () => {
  it.each(HOSTILE.map((h) => [JSON.stringify(h).slice(0, 60), h]))(
    '%s is shown as inert text',
    async (_name, hostile) => {
      const outcome = await hostileOutcome(hostile);
      expect(outcome.outcome).toBe('remediated'); // the event is still acted on: hostile text is not a reason to drop it
      expect(outcome.trigger.userAgent?.length).toBeLessThanOrEqual(4096);
      const { subject, message } = formatNotification(outcome);
      expect(subject).toMatch(/^[\x20-\x7e]{1,100}$/);
      expectInert(message);
      // No line of the message starts with text from the input: it cannot forge a header or a log line.
      for (const line of message.split('\n')) expect(line).not.toMatch(/^(\d{4}-\d\d-\d\d|\{|ERROR|<)/);
      // The machine event is JSON: the hostile text round-trips as data, byte for byte (up to the caps).
      const detail = JSON.parse(toOutcomeEvent(outcome).Detail) as Outcome;
      expect(detail.trigger.userAgent).toBe(outcome.trigger.userAgent);
    },
  );

  it('an exemption tag whose date is hostile is named as a problem, escaped', async () => {
    const account = threeTierAccount();
    account.setTags(APP, { 'layerguard:exempt': 'until=<b>2099</b>\n[x](https://evil.example);reason=r' });
    const { event } = inject.authorizeIngress(account, APP, [
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
    ]);
    const { engine } = simulatedEngine(account, { clock });
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.reason).toContain('invalid date');
    expectInert(formatNotification(outcome).message);
  });

  it('random strings in every caller-written field never produce markup, escapes or line breaks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (hostile) => {
        const outcome = await hostileOutcome(`<${hostile}>\n`);
        const { subject, message } = formatNotification(outcome);
        expect(subject).toMatch(/^[\x20-\x7e]{1,100}$/);
        expectInert(message);
      }),
      { numRuns: 100 },
    );
  });
});

describe('oversized and deeply nested input', () => {
  const base = () =>
    structuredClone(loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh.json')) as {
      detail: Record<string, unknown>;
    };
  const nested = (depth: number): unknown => {
    let v: unknown = 'leaf';
    for (let i = 0; i < depth; i += 1) v = { items: [v] };
    return v;
  };
  const cases: Array<[string, (e: { detail: Record<string, unknown> }) => void, RegExp]> = [
    ['an event id of 10,000 characters', (e) => void (e.detail.eventID = 'e'.repeat(10_000)), /eventID/],
    [
      '1,001 permissions in one request',
      (e) => {
        const rp = e.detail.requestParameters as { ipPermissions: { items: unknown[] } };
        rp.ipPermissions.items = Array.from({ length: 1001 }, () => rp.ipPermissions.items[0]);
      },
      /ipPermissions/,
    ],
    [
      'permissions nested 10,000 levels deep',
      (e) => void ((e.detail.requestParameters as Record<string, unknown>).ipPermissions = nested(10_000)),
      /ipPermissions/,
    ],
    ['a 1 MB event name', (e) => void (e.detail.eventName = 'A'.repeat(1_000_000)), /eventName/],
    [
      'a group id of 1 MB',
      (e) => void ((e.detail.requestParameters as Record<string, unknown>).groupId = `sg-${'0'.repeat(1_000_000)}`),
      /groupId/,
    ],
  ];

  it.each(cases)('%s: rejected with a clear error, no AWS call', async (_name, arrange, field) => {
    const event = base();
    arrange(event);
    const { engine, network, notifier } = simulatedEngine(threeTierAccount(), { clock });
    const error = await engine.handle(event).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect((error as Error).message).toMatch(field);
    expect((error as Error).message.length).toBeLessThan(2000);
    expect(network.calls).toEqual([]);
    // A watched call that could not be read: a person is told once, in a message of bounded size.
    expect(notifier.sent.map((o) => o.outcome)).toEqual(error instanceof UnreadableEventError ? ['ignored'] : []);
    for (const o of notifier.sent) {
      expect(o.eventId.length).toBeLessThanOrEqual(128);
      expect(formatNotification(o).message.length).toBeLessThan(10_000);
    }
  });

  it('a 1 MB user agent and ARN are cut, not a reason to drop the event', async () => {
    const account = threeTierAccount();
    const { event } = inject.authorizeIngress(
      account,
      APP,
      [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
      {
        actor: { roleName: 'r', sessionName: 's', sourceIp: '1.2.3.4', userAgent: 'u'.repeat(1_000_000) },
      },
    );
    const { engine } = simulatedEngine(account, { clock });
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.trigger.userAgent).toHaveLength(4096);
    expect(Buffer.byteLength(toOutcomeEvent(outcome).Detail)).toBeLessThan(256 * 1024);
  });

  it('a deeply nested field LayerGuard does not read is left alone: the event is handled', async () => {
    const event = base();
    (event.detail.requestParameters as Record<string, unknown>).unknownField = nested(10_000);
    event.detail.additionalEventData = nested(10_000);
    const account = threeTierAccount();
    const { engine } = simulatedEngine(account, { clock });
    const outcome = await engine.handle(event);
    expect(['remediated', 'already-compliant']).toContain(outcome.outcome);
  });
});

// ---- logs: the real handler with Powertools Logger, SDK mocked ----------------------------------

const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
type Handler = (event: unknown, context: Context) => Promise<unknown>;
let handler: Handler;
const context = {
  functionName: 'layerguard-security-group',
  awsRequestId: 'req-h',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:layerguard';
  process.env.LAYERGUARD_EVENT_BUS = 'layerguard-outcomes';
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  delete process.env.POWERTOOLS_DEV;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  ({ handler } = (await import('../../functions/security-group/handler.js')) as { handler: Handler });
});
beforeEach(() => {
  ec2
    .on(DescribeSecurityGroupsCommand)
    .resolves({ SecurityGroups: [{ GroupId: APP, GroupName: 'app-tier', Tags: [] }] });
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});
afterEach(() => {
  ec2.reset();
  sns.reset();
  events.reset();
  vi.restoreAllMocks();
});

function captureStdout(): () => string {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stdout.write);
  return () => out;
}

describe('logs (Powertools Logger, one JSON document per line)', () => {
  it('a user agent with line breaks and a forged log record stays inside one JSON log line', async () => {
    const event = structuredClone(loadEvent('_malformed/hostile-user-agent.json')) as {
      detail: Record<string, unknown>;
    };
    event.detail.eventID = `hostile-log-${Date.now()}`;
    event.detail.userAgent = HOSTILE[0];
    const stdout = captureStdout();
    await handler(event, context);
    const lines = stdout().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>); // every line is one JSON document
    expect(records.some((r) => r.message === 'forged')).toBe(false);
    const outcomeLine = records.find((r) => r.message === 'outcome') as { outcome: Outcome } | undefined;
    expect(outcomeLine?.outcome.trigger.userAgent).toBe(HOSTILE[0]);
    expect(lines.filter((l) => l.includes('forged'))).toHaveLength(1);
  });

  it('a hostile event id (the correlation id) cannot break a log line either', async () => {
    const event = structuredClone(loadEvent('AuthorizeSecurityGroupIngress/narrow-cidr.json')) as {
      detail: Record<string, unknown>;
    };
    event.detail.eventID = `id\n{"level":"ERROR","message":"forged"}`;
    const stdout = captureStdout();
    await handler(event, context);
    const records = stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.some((r) => r.message === 'forged')).toBe(false);
  });
});
