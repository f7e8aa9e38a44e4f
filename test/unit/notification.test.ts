import { describe, expect, it } from 'vitest';
import {
  DETAIL_MAX_BYTES,
  formatNotification,
  SUBJECT_MAX,
  sanitize,
  sanitizeAscii,
  toOutcomeEvent,
} from '../../functions/core/notification.js';
import type { Outcome } from '../../functions/core/outcome.js';

const base: Outcome = {
  outcome: 'remediated',
  reason: 'security group sg-0abc opened tcp/22 to 0.0.0.0/0',
  eventId: 'e-1111',
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: {
    eventId: 'e-1111',
    eventName: 'AuthorizeSecurityGroupIngress',
    eventTime: '2026-03-01T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    source: 'aws.ec2',
    actorArn: 'arn:aws:iam::111122223333:user/mallory',
    sourceIp: '203.0.113.9',
    userAgent: 'aws-cli/2.15.0 Python/3.11',
    account: '111122223333',
    region: 'eu-west-1',
  },
  resources: ['sg-0abc'],
  drift: [
    {
      kind: 'sg-world-open',
      groupId: 'sg-0abc',
      rules: [
        {
          ruleId: 'sgr-1',
          groupId: 'sg-0abc',
          isEgress: false,
          protocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          cidrIpv4: '0.0.0.0/0',
        },
      ],
    },
  ],
  actions: [{ type: 'revoke-ingress', groupId: 'sg-0abc', ruleIds: ['sgr-1'], result: 'done' }],
  secondsOpen: 42,
};

const withTrigger = (patch: Partial<Outcome['trigger']>, extra: Partial<Outcome> = {}): Outcome => ({
  ...base,
  ...extra,
  trigger: { ...base.trigger, ...patch },
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u001b]/;

describe('formatNotification', () => {
  it('names the account by its organisation name when known, sanitised like the rest', () => {
    expect(formatNotification(withTrigger({ accountAlias: 'payments-prod' })).message).toContain('Account:    111122223333 (payments-prod)\n');
    const { message } = formatNotification(withTrigger({ accountAlias: 'evil\u001b[31m <a href="https://x">' }));
    expect(message).toContain('Account:    111122223333 (evil \u2039a href="hxxps://x"\u203a)');
    expect(formatNotification(base).message).toContain('Account:    111122223333\n');
  });

  it('says what, where, who, when, what was reverted and how long it was open', () => {
    const { subject, message } = formatNotification(base);

    expect(subject).toBe(
      '[LayerGuard] REVERTED: AuthorizeSecurityGroupIngress on sg-0abc (111122223333/eu-west-1)',
    );
    expect(message).toContain('LayerGuard: REVERTED');
    expect(message).toContain('Outcome: remediated - security group sg-0abc opened tcp/22 to 0.0.0.0/0');
    expect(message).toContain('Account:    111122223333');
    expect(message).toContain('Region:     eu-west-1');
    expect(message).toContain('  - sg-0abc');
    expect(message).toContain('Actor:      arn:aws:iam::111122223333:user/mallory');
    expect(message).toContain('Source IP:  203.0.113.9');
    expect(message).toContain('User agent: aws-cli/2.15.0 Python/3.11');
    expect(message).toContain('Event time: 2026-03-01T10:00:00Z');
    expect(message).toContain('Open for:   42 s');
    expect(message).toContain('revoke ingress rule(s) sgr-1 from sg-0abc: done');
    expect(message).toContain('security group sg-0abc open to the internet: tcp/22 from 0.0.0.0/0');
    expect(message).toContain('Event id:   e-1111');
    expect(message).not.toContain('ACTION REQUIRED');
  });

  it.each([
    [{ protocol: 'icmp', fromPort: 8, toPort: -1 }, 'icmp type 8, any code from 0.0.0.0/0'],
    [{ protocol: '1', fromPort: 3, toPort: 4 }, 'icmp type 3, code 4 from 0.0.0.0/0'],
    [{ protocol: 'icmp', fromPort: -1, toPort: -1 }, 'icmp, any type from 0.0.0.0/0'],
    [{ protocol: '-1' }, 'all traffic from 0.0.0.0/0'],
    [{ protocol: 'tcp', fromPort: 1024, toPort: 65535 }, 'tcp/1024-65535 from 0.0.0.0/0'],
  ])('words the permission of %j as "%s" (EC2: an ICMP rule keeps its type in FromPort, its code in ToPort)', (fields, text) => {
    const rule = { ruleId: 'sgr-1', groupId: 'sg-0abc', isEgress: false, cidrIpv4: '0.0.0.0/0', ...fields };
    const { message } = formatNotification({ ...base, drift: [{ kind: 'sg-world-open', groupId: 'sg-0abc', rules: [rule] }] });
    expect(message).toContain(`open to the internet: ${text}`);
    expect(message).not.toMatch(/--1/);
  });

  it('puts what a person must do at the top for alert-only and failed outcomes', () => {
    const alert = formatNotification({
      ...base,
      outcome: 'alert-only',
      reason: 'isolated subnet moved onto an internet route table; no isolated table known',
      actions: [],
      secondsOpen: undefined,
      humanAction: 'Move subnet-db1 back to its isolated route table.',
    });
    expect(alert.subject.startsWith('[LayerGuard] ACTION REQUIRED:')).toBe(true);
    const lines = alert.message.split('\n');
    expect(lines.findIndex((l) => l.startsWith('ACTION REQUIRED: Move subnet-db1'))).toBeLessThan(5);
    expect(alert.message).toContain('  - nothing');
    expect(alert.message).not.toContain('Open for');

    const failed = formatNotification({
      ...base,
      outcome: 'failed',
      reason: 'revoke failed',
      error: { name: 'AwsCallError', code: 'UnauthorizedOperation', message: 'not allowed' },
    });
    expect(failed.subject).toContain('FAILED - ACTION REQUIRED');
    expect(failed.message).toContain('ACTION REQUIRED: LayerGuard could not revert this change');
    expect(failed.message).toContain('Error: AwsCallError UnauthorizedOperation: not allowed');
  });

  it('describes route and association actions', () => {
    const { message } = formatNotification({
      ...base,
      eventName: 'CreateRoute',
      resources: ['rtb-1', 'subnet-1'],
      drift: [
        {
          kind: 'forbidden-route-on-isolated-subnet',
          routeTableId: 'rtb-1',
          destination: { cidrIpv4: '0.0.0.0/0' },
          target: { gatewayId: 'igw-1' },
          subnetIds: ['subnet-1'],
        },
      ],
      actions: [
        {
          type: 'delete-route',
          routeTableId: 'rtb-1',
          destination: { cidrIpv4: '0.0.0.0/0' },
          result: 'already-gone',
        },
        {
          type: 'replace-association',
          associationId: 'rtbassoc-1',
          subnetId: 'subnet-1',
          fromRouteTableId: 'rtb-1',
          toRouteTableId: 'rtb-db',
          newAssociationId: 'rtbassoc-2',
          result: 'done',
        },
      ],
      secondsOpen: 3_725,
    });
    expect(message).toContain('route 0.0.0.0/0 -> igw-1 in rtb-1, used by isolated subnet(s) subnet-1');
    expect(message).toContain('delete route to 0.0.0.0/0 from rtb-1: already-gone');
    expect(message).toContain(
      'move subnet subnet-1 from rtb-1 to rtb-db: done (new association rtbassoc-2)',
    );
    expect(message).toContain('Open for:   62 min 5 s');
  });

  it('neutralises a user agent with a newline and a script tag', () => {
    const hostile = 'aws-cli/2\n<script>alert(1)</script>\r\nX-Injected: yes';
    const { subject, message } = formatNotification(
      withTrigger({ userAgent: hostile }, { resources: [hostile] }),
    );

    const uaLine = message.split('\n').find((l) => l.startsWith('  User agent:'));
    expect(uaLine).toBe('  User agent: aws-cli/2 ‹script›alert(1)‹/script› X-Injected: yes');
    expect(message).not.toMatch(/[<>]/);
    expect(message.split('\n').some((l) => l.startsWith('X-Injected'))).toBe(false);
    expect(subject).not.toMatch(/[<>\r\n]/);
    expect(subject).toContain('(script)');
  });

  it('strips ANSI escapes, control and bidi characters, and defangs links', () => {
    const actor =
      'arn:aws:iam::1:user/\u001b[31mroot\u001b[0m\u0007\u202e\u200bevil http://evil.example/x [click](https://x.test)';
    const { subject, message } = formatNotification(withTrigger({ actorArn: actor }, { resources: [actor] }));

    expect(message).toContain(
      'Actor:      arn:aws:iam::1:user/rootevil hxxp://evil.example/x (click)(hxxps://x.test)',
    );
    expect(message).not.toMatch(CONTROL);
    expect(message).not.toMatch(/[\u202a-\u202e\u200b]/);
    expect(subject).not.toMatch(CONTROL);
  });

  it('caps 10 KB strings and keeps the subject within SNS limits', () => {
    const huge = 'A'.repeat(10_240);
    const outcome = withTrigger(
      { userAgent: huge, actorArn: huge, sourceIp: huge, account: huge, region: huge },
      { reason: huge, eventName: huge, resources: Array.from({ length: 500 }, (_, i) => `sg-${i}${huge}`) },
    );
    const { subject, message } = formatNotification(outcome);

    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.endsWith('...')).toBe(true);
    for (const line of message.split('\n')) expect(line.length).toBeLessThan(1_100);
    expect(message.length).toBeLessThan(20_000);
    expect(message).toContain('  - ... and 480 more');
  });

  it('builds an ASCII subject from non-ASCII input', () => {
    const { subject } = formatNotification({ ...base, eventName: 'Créer\u00a0règle 🔥', resources: [] });
    expect(subject).toBe('[LayerGuard] REVERTED: Cr?er?r?gle ? (111122223333/eu-west-1)');
  });
});

describe('sanitize', () => {
  it.each([
    ['plain', 'sg-123', 'sg-123'],
    ['newlines and tabs fold to one space', 'a\n\n\tb', 'a b'],
    ['markup is replaced by look-alikes', '<b>&`*|', "‹b›＆'∗∣"],
    ['ANSI colour codes go', '\u001b[1;31mred\u001b[0m', 'red'],
    ['OSC sequences go', '\u001b]0;title\u0007text', 'text'],
    ['undefined is empty', undefined, ''],
  ])('%s', (_name, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it('cuts at the cap with an ellipsis, without splitting surrogate pairs', () => {
    expect(sanitize('🔥'.repeat(10), 5)).toBe('🔥🔥🔥🔥…');
  });

  it('ASCII variant replaces everything outside printable ASCII', () => {
    expect(sanitizeAscii('é<x>\u0000\n1')).toBe('?(x) 1');
  });
});

describe('toOutcomeEvent', () => {
  it('carries the outcome JSON unchanged when it fits', () => {
    const event = toOutcomeEvent({ ...base, before: { rules: 1 }, after: { rules: 0 } });
    expect(event.Source).toBe('layerguard');
    expect(event.DetailType).toBe('LayerGuard Outcome');
    expect(JSON.parse(event.Detail)).toEqual({ ...base, before: { rules: 1 }, after: { rules: 0 } });
  });

  it('drops before/after first when the detail is too large, and says so', () => {
    const big = 'x'.repeat(200_000);
    const event = toOutcomeEvent({ ...base, before: big, after: big });
    const detail = JSON.parse(event.Detail);

    expect(new TextEncoder().encode(event.Detail).length).toBeLessThanOrEqual(DETAIL_MAX_BYTES);
    expect(detail.before).toBeUndefined();
    expect(detail.after).toBeUndefined();
    expect(detail.detailTruncated).toMatchObject({ dropped: ['before', 'after'] });
    expect(detail.detailTruncated.originalBytes).toBeGreaterThan(400_000);
    expect(detail.actions).toEqual(base.actions);
    expect(detail.trigger).toEqual(base.trigger);
  });

  it('cuts long strings when dropping before/after is not enough', () => {
    const event = toOutcomeEvent(withTrigger({ userAgent: 'u'.repeat(300_000) }, { before: 'b'.repeat(10) }));
    const detail = JSON.parse(event.Detail);

    expect(new TextEncoder().encode(event.Detail).length).toBeLessThanOrEqual(DETAIL_MAX_BYTES);
    expect(detail.trigger.userAgent.length).toBe(2048);
    expect(detail.detailTruncated.capped).toMatch(/strings over 2048/);
    expect(detail.outcome).toBe('remediated');
  });

  it('falls back to a minimal detail in pathological cases', () => {
    const manyKeys = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'.repeat(2_000)]));
    const resources = Array.from({ length: 100 }, () => 'r'.repeat(2_500));
    const event = toOutcomeEvent({ ...base, resources, drift: [], actions: [], error: manyKeys as never });
    const detail = JSON.parse(event.Detail);

    expect(new TextEncoder().encode(event.Detail).length).toBeLessThanOrEqual(DETAIL_MAX_BYTES);
    expect(detail.detailTruncated.dropped).toContain('trigger');
    expect(detail.eventId).toBe('e-1111');
  });
});
