import { describe, expect, it } from 'vitest';
import {
  DETAIL_MAX_BYTES,
  formatNotification,
  SUBJECT_MAX,
  sanitize,
  sanitizeAscii,
  toOutcomeEvent,
} from '../../functions/core/notification.js';
import type { RouteDestination, RouteTarget, SgRule } from '../../functions/core/network.js';
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

/** An outcome with nothing optional: no actor, place, time, resources, drift or actions. */
const bare: Outcome = {
  outcome: 'already-compliant',
  reason: 'no world-open rule left',
  eventId: 'e-2',
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: {
    eventId: 'e-2',
    eventName: 'AuthorizeSecurityGroupIngress',
    eventSource: 'ec2.amazonaws.com',
    source: 'aws.ec2',
  },
  resources: [],
  drift: [],
  actions: [],
};

const sgRule = (fromPort: number) => ({
  ruleId: `sgr-${fromPort}`,
  groupId: 'sg-0abc',
  isEgress: false,
  protocol: 'tcp',
  fromPort,
  toPort: fromPort,
  cidrIpv4: '0.0.0.0/0',
});
const messageOf = (patch: Partial<Outcome>): string => formatNotification({ ...bare, ...patch }).message;
const lineOf = (message: string, prefix: string): string | undefined =>
  message.split('\n').find((l) => l.startsWith(prefix));

describe('formatNotification: the whole message', () => {
  it('renders every section, saying "unknown", "none" and "nothing" for what the outcome lacks', () => {
    const { subject, message } = formatNotification(bare);

    expect(subject).toBe('[LayerGuard] ALREADY COMPLIANT: AuthorizeSecurityGroupIngress');
    expect(message).toBe(
      [
        'LayerGuard: ALREADY COMPLIANT',
        'Outcome: already-compliant - no world-open rule left',
        '',
        'Where',
        '  Account:    unknown',
        '  Region:     unknown',
        '  Resources:  none',
        '',
        'Who',
        '  Actor:      unknown',
        '  Source IP:  unknown',
        '  User agent: unknown',
        '',
        'When',
        '  Event time: unknown',
        '',
        'What LayerGuard did',
        '  - nothing',
        '',
        'Trigger',
        '  Event:      AuthorizeSecurityGroupIngress (ec2.amazonaws.com)',
        '  Event id:   e-2',
        '  Source:     aws.ec2',
      ].join('\n'),
    );
  });

  it('renders a revert with its resources, drift, action and time open, line for line', () => {
    expect(formatNotification(base).message).toBe(
      [
        'LayerGuard: REVERTED',
        'Outcome: remediated - security group sg-0abc opened tcp/22 to 0.0.0.0/0',
        '',
        'Where',
        '  Account:    111122223333',
        '  Region:     eu-west-1',
        '  Resources:',
        '  - sg-0abc',
        '',
        'Who',
        '  Actor:      arn:aws:iam::111122223333:user/mallory',
        '  Source IP:  203.0.113.9',
        '  User agent: aws-cli/2.15.0 Python/3.11',
        '',
        'When',
        '  Event time: 2026-03-01T10:00:00Z',
        '  Open for:   42 s',
        '',
        'Drift found',
        '  - security group sg-0abc open to the internet: tcp/22 from 0.0.0.0/0',
        '',
        'What LayerGuard did',
        '  - revoke ingress rule(s) sgr-1 from sg-0abc: done',
        '',
        'Trigger',
        '  Event:      AuthorizeSecurityGroupIngress (ec2.amazonaws.com)',
        '  Event id:   e-1111',
        '  Source:     aws.ec2',
      ].join('\n'),
    );
  });

  it('renders a failure with a blank line before what a person must do, and an error without a code', () => {
    const message = messageOf({
      outcome: 'failed',
      reason: 'revoke failed',
      humanAction: 'Revoke sgr-1 by hand.',
      error: { name: 'AwsCallError', message: 'throttled' },
    });
    expect(message.split('\n').slice(0, 6)).toEqual([
      'LayerGuard: FAILED - ACTION REQUIRED',
      'Outcome: failed - revoke failed',
      '',
      'ACTION REQUIRED: Revoke sgr-1 by hand.',
      'Error: AwsCallError: throttled',
      '',
    ]);
  });

  it.each([
    ['remediated', undefined, 'REVERTED'],
    ['already-compliant', undefined, 'ALREADY COMPLIANT'],
    ['ignored', undefined, 'IGNORED'],
    ['ignored', 'Read the event by hand.', 'NOT JUDGED - ACTION REQUIRED'],
    ['exempt', undefined, 'EXEMPT'],
    ['dry-run', undefined, 'DRY RUN (would revert)'],
    ['alert-only', 'Move the subnet back.', 'ACTION REQUIRED'],
    ['failed', undefined, 'FAILED - ACTION REQUIRED'],
  ] as const)('heads a %s outcome (human action: %s) with "%s"', (outcome, humanAction, headline) => {
    const { subject, message } = formatNotification({ ...bare, outcome, humanAction });
    expect(subject).toBe(`[LayerGuard] ${headline}: AuthorizeSecurityGroupIngress`);
    expect(message.split('\n')[0]).toBe(`LayerGuard: ${headline}`);
  });
});

describe('formatNotification: subject', () => {
  it.each([
    [{ account: '111122223333' }, [], '[LayerGuard] ALREADY COMPLIANT: CreateRoute (111122223333)'],
    [{ region: 'eu-west-1' }, [], '[LayerGuard] ALREADY COMPLIANT: CreateRoute (eu-west-1)'],
    [{}, ['rtb-1'], '[LayerGuard] ALREADY COMPLIANT: CreateRoute on rtb-1'],
    [{}, ['rtb-1', 'subnet-1', 'subnet-2'], '[LayerGuard] ALREADY COMPLIANT: CreateRoute on rtb-1 +2'],
  ])('with trigger %j and resources %j reads "%s"', (trigger, resources, expected) => {
    const outcome: Outcome = { ...bare, eventName: 'CreateRoute', resources, trigger: { ...bare.trigger, ...trigger } };
    expect(formatNotification(outcome).subject).toBe(expected);
  });
});

describe('formatNotification: lists', () => {
  const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

  it('lists 20 resources in full and says "and N more" only past 20', () => {
    const twenty = messageOf({ resources: ids(20, 'sg') });
    expect(twenty).toContain('  Resources:\n  - sg-0\n');
    expect(twenty).toContain('  - sg-19\n\nWho');

    const twentyOne = messageOf({ resources: ids(21, 'sg') });
    expect(twentyOne).toContain('  - sg-19\n  - ... and 1 more\n\nWho');
    expect(twentyOne).not.toContain('sg-20');
  });

  it('names at most 20 revoked rule ids, comma-separated, then "+N more"', () => {
    const revoke = (ruleIds: string[]) =>
      lineOf(messageOf({ actions: [{ type: 'revoke-ingress', groupId: 'sg-0abc', ruleIds, result: 'done' }] }), '  - revoke');
    expect(revoke(ids(20, 'sgr'))).toBe(`  - revoke ingress rule(s) ${ids(20, 'sgr').join(', ')} from sg-0abc: done`);
    expect(revoke(ids(21, 'sgr'))).toBe(`  - revoke ingress rule(s) ${ids(20, 'sgr').join(', ')} +1 more from sg-0abc: done`);
  });

  it('shows up to 5 world-open rules, "; "-separated, then "; +N more", and "?" for a rule without a source', () => {
    const drift = (rules: SgRule[]) =>
      lineOf(messageOf({ drift: [{ kind: 'sg-world-open', groupId: 'sg-0abc', rules }] }), '  - security group');
    const five = [1, 2, 3, 4, 5].map(sgRule);
    const shown = 'tcp/1 from 0.0.0.0/0; tcp/2 from 0.0.0.0/0; tcp/3 from 0.0.0.0/0; tcp/4 from 0.0.0.0/0; tcp/5 from 0.0.0.0/0';
    expect(drift(five)).toBe(`  - security group sg-0abc open to the internet: ${shown}`);
    expect(drift([...five, sgRule(6)])).toBe(`  - security group sg-0abc open to the internet: ${shown}; +1 more`);
    const { cidrIpv4: _, ...noSource } = sgRule(22);
    expect(drift([noSource])).toBe('  - security group sg-0abc open to the internet: tcp/22 from ?');
  });

  it('shows up to 5 isolated subnets of a forbidden route, comma-separated, then "+N more"', () => {
    const drift = (subnetIds: string[]) =>
      lineOf(
        messageOf({
          drift: [
            {
              kind: 'forbidden-route-on-isolated-subnet',
              routeTableId: 'rtb-1',
              destination: { cidrIpv4: '0.0.0.0/0' },
              target: { gatewayId: 'igw-1' },
              subnetIds,
            },
          ],
        }),
        '  - route',
      );
    const head = '  - route 0.0.0.0/0 -> igw-1 in rtb-1, used by isolated subnet(s)';
    expect(drift(ids(5, 'subnet'))).toBe(`${head} subnet-0, subnet-1, subnet-2, subnet-3, subnet-4`);
    expect(drift(ids(6, 'subnet'))).toBe(`${head} subnet-0, subnet-1, subnet-2, subnet-3, subnet-4 +1 more`);
  });
});

describe('formatNotification: drift and actions of every kind', () => {
  it('describes an unknown default route, naming the first target id that is set, or "?"', () => {
    const drift = (target: RouteTarget, destination: RouteDestination = { cidrIpv6: '::/0' }) =>
      lineOf(
        messageOf({
          drift: [
            { kind: 'unknown-default-route-on-isolated-subnet', routeTableId: 'rtb-1', destination, target, subnetIds: ['subnet-1'] },
          ],
        }),
        '  - route',
      );
    expect(drift({ gatewayId: undefined, natGatewayId: 'nat-1' })).toBe(
      '  - route ::/0 -> nat-1 in rtb-1, used by isolated subnet(s) subnet-1',
    );
    expect(drift({}, {})).toBe('  - route (none) -> ? in rtb-1, used by isolated subnet(s) subnet-1');
  });

  it('describes an isolated subnet on an internet table, with or without a table to go back to', () => {
    const drift = (isolatedRouteTableId?: string) =>
      lineOf(
        messageOf({
          drift: [
            { kind: 'isolated-subnet-on-internet-table', subnetId: 'subnet-db1', routeTableId: 'rtb-pub', isolatedRouteTableId },
          ],
        }),
        '  - isolated',
      );
    const head = '  - isolated subnet subnet-db1 associated with route table rtb-pub, which has a forbidden route';
    expect(drift('rtb-iso')).toBe(`${head}; isolated table rtb-iso`);
    expect(drift()).toBe(`${head}; no isolated table known`);
  });

  it('describes a planned action as "planned", an explicit association, and a route without destination', () => {
    const message = messageOf({
      actions: [
        { type: 'revoke-ingress', groupId: 'sg-0abc', ruleIds: ['sgr-1', 'sgr-2'] },
        { type: 'associate-subnet', subnetId: 'subnet-db1', fromRouteTableId: 'rtb-main', toRouteTableId: 'rtb-iso', result: 'done' },
        { type: 'delete-route', routeTableId: 'rtb-1', destination: {}, result: 'skipped' },
      ],
    });
    expect(message).toContain(
      [
        'What LayerGuard did',
        '  - revoke ingress rule(s) sgr-1, sgr-2 from sg-0abc: planned',
        '  - move subnet subnet-db1 from rtb-main to rtb-iso: done',
        '  - delete route to (none) from rtb-1: skipped',
        '',
      ].join('\n'),
    );
  });

  it.each([
    [0, '0 s'],
    [119.4, '119 s'],
    [120, '2 min 0 s'],
    [7_199, '119 min 59 s'],
    [7_200, '2 h 0 min'],
    [7_325, '2 h 2 min'],
    [-1, 'unknown'],
    [Number.NaN, 'unknown'],
    [Number.POSITIVE_INFINITY, 'unknown'],
  ])('says a change open for %d seconds was open for "%s"', (secondsOpen, text) => {
    expect(lineOf(messageOf({ secondsOpen }), '  Open for:')).toBe(`  Open for:   ${text}`);
  });
});

describe('sanitize: edge cases', () => {
  it.each([
    ['runs of spaces fold to one', 'sg-1    sg-2', 'sg-1 sg-2'],
    ['leading and trailing space is trimmed', '  \n sg-1 \t ', 'sg-1'],
    ['a vertical tab is a line break; the letter V is kept', 'VPC\vsg', 'VPC sg'],
    ['an OSC sequence cut off at the end of the field goes to the end', 'ok\u001b]0;forged title', 'ok'],
    ['two-byte escapes (ESC M, ESC backslash) go whole', 'a\u001bMb\u001b\\c', 'abc'],
  ])('%s', (_name, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it('keeps a value of exactly the cap and cuts one longer', () => {
    expect(sanitize('abcde', 5)).toBe('abcde');
    expect(sanitize('abcdef', 5)).toBe('abcd\u2026');
  });
});

describe('sanitizeAscii: edge cases', () => {
  it.each([
    ['undefined is empty', undefined, ''],
    ['ANSI colour codes go', '\u001b[1;31mred\u001b[0m', 'red'],
    ['every markup character has an ASCII stand-in', '<>&`[]*|', "()+'()./"],
    ['runs of spaces fold to one', 'a    b', 'a b'],
    ['leading and trailing space is trimmed', '  \t x \n ', 'x'],
    ['a vertical tab is a line break; the letter V is kept', 'VPC\vsg', 'VPC sg'],
  ])('%s', (_name, input, expected) => {
    expect(sanitizeAscii(input)).toBe(expected);
  });
});

describe('toOutcomeEvent: size limits', () => {
  const utf8 = (text: string): number => new TextEncoder().encode(text).length;
  const TRUNCATED = 'detail over the EventBridge size limit';
  // EventBridge rejects a PutEvents entry over 256 KB (Source, DetailType, Detail, Resources and the
  // bus name together: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
  // LayerGuard keeps the detail to 254 KiB, leaving 2 KiB for the rest of the entry.
  const LIMIT = 254 * 1024;
  /** `outcome` with `field` padded so that `measure(outcome)` is exactly `bytes`. */
  const paddedTo = (bytes: number, outcome: Outcome, field: 'reason' | 'before', measure: (o: Outcome) => number): Outcome => {
    const size = measure({ ...outcome, [field]: '' });
    expect(bytes - size).toBeGreaterThanOrEqual(0);
    return { ...outcome, [field]: 'p'.repeat(bytes - size) };
  };
  const withoutState = ({ before: _b, after: _a, ...rest }: Outcome) => rest;

  it('sends an outcome of exactly 254 KiB whole, and drops before/after from one a byte larger', () => {
    const exact = paddedTo(LIMIT, base, 'before', (o) => utf8(JSON.stringify(o)));
    expect(toOutcomeEvent(exact)).toEqual({ Source: 'layerguard', DetailType: 'LayerGuard Outcome', Detail: JSON.stringify(exact) });

    const over = { ...exact, before: `${exact.before as string}p` };
    const event = toOutcomeEvent(over);
    expect(JSON.parse(event.Detail)).toEqual({
      ...withoutState(over),
      detailTruncated: { reason: TRUNCATED, originalBytes: LIMIT + 1, dropped: ['before', 'after'] },
    });
  });

  it('keeps everything but before/after, uncut, when that makes exactly 254 KiB', () => {
    const big: Outcome = { ...base, before: 'b'.repeat(300_000), after: 'a'.repeat(10) };
    const detailOf = (o: Outcome) => ({
      ...withoutState(o),
      detailTruncated: { reason: TRUNCATED, originalBytes: utf8(JSON.stringify(o)), dropped: ['before', 'after'] },
    });
    const outcome = paddedTo(LIMIT, big, 'reason', (o) => utf8(JSON.stringify(detailOf(o))));
    const event = toOutcomeEvent(outcome);

    expect(utf8(event.Detail)).toBe(LIMIT);
    expect(event.Source).toBe('layerguard');
    expect(event.DetailType).toBe('LayerGuard Outcome');
    expect(JSON.parse(event.Detail)).toEqual(detailOf(outcome));
  });

  it('cuts lists to 100 items, and keeps numbers and booleans, when the cut detail is exactly 254 KiB', () => {
    const resources = Array.from({ length: 150 }, (_, i) => `${i}`.padEnd(2_048, 'r'));
    const ruleIds = Array.from({ length: 100 }, (_, i) => `sgr-${i}`.padEnd(520, 'x'));
    const big: Outcome = {
      ...base,
      resources,
      actions: [{ type: 'revoke-ingress', groupId: 'sg-0abc', ruleIds, result: 'done' }],
      before: 'b',
    };
    const detailOf = (o: Outcome) => ({
      ...withoutState(o),
      resources: o.resources.slice(0, 100),
      detailTruncated: {
        reason: TRUNCATED,
        originalBytes: utf8(JSON.stringify(o)),
        dropped: ['before', 'after'],
        capped: 'strings over 2048 characters and lists over 100 items were cut',
      },
    });
    const outcome = paddedTo(LIMIT, big, 'reason', (o) => utf8(JSON.stringify(detailOf(o))));
    const event = toOutcomeEvent(outcome);

    expect(utf8(event.Detail)).toBe(LIMIT);
    expect(event.Source).toBe('layerguard');
    expect(event.DetailType).toBe('LayerGuard Outcome');
    const detail = JSON.parse(event.Detail);
    expect(detail).toEqual(detailOf(outcome));
    expect(detail.secondsOpen).toBe(42);
    expect(detail.drift[0].rules[0].isEgress).toBe(false);
  });

  it('cuts long strings and keys with "...", objects to 100 keys, and nesting below depth 8', () => {
    const wrap = (levels: number, leaf: unknown, box: (v: unknown) => unknown): unknown =>
      levels === 0 ? leaf : box(wrap(levels - 1, leaf, box));
    const inObject = (v: unknown) => ({ a: v });
    const inList = (v: unknown) => [v];
    const manyKeys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    const error = {
      name: 'AwsCallError',
      message: 'm',
      ['k'.repeat(200)]: 'long key',
      many: manyKeys(150),
      deep: wrap(12, 'leaf', inObject),
      list: wrap(12, { a: 1 }, inList),
    };
    const event = toOutcomeEvent(withTrigger({ userAgent: 'u'.repeat(300_000) }, { error: error as never }));
    const detail = JSON.parse(event.Detail);

    expect(detail.trigger.userAgent).toBe(`${'u'.repeat(2_045)}...`);
    // The outcome is depth 0 and `error` depth 1: `deep` is depth 2, so its 7th `a` is depth 9, cut.
    expect(detail.error).toEqual({
      name: 'AwsCallError',
      message: 'm',
      [`${'k'.repeat(125)}...`]: 'long key',
      many: manyKeys(100),
      deep: wrap(7, '[nested too deep]', inObject),
      list: wrap(12, '[nested too deep]', inList),
    });
  });

  it('falls back to the outcome, ids, reason and resources, each cut with "...", and names all it dropped', () => {
    const manyKeys = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'.repeat(2_000)]));
    const outcome: Outcome = {
      ...base,
      eventId: 'e'.repeat(300),
      eventName: 'n'.repeat(300),
      reason: 'x'.repeat(2_000),
      resources: Array.from({ length: 150 }, () => 'r'.repeat(2_500)),
      error: manyKeys as never,
    };
    const event = toOutcomeEvent(outcome);

    expect(event.Source).toBe('layerguard');
    expect(event.DetailType).toBe('LayerGuard Outcome');
    expect(JSON.parse(event.Detail)).toEqual({
      outcome: 'remediated',
      eventId: `${'e'.repeat(253)}...`,
      eventName: `${'n'.repeat(253)}...`,
      reason: `${'x'.repeat(1_021)}...`,
      resources: Array.from({ length: 100 }, () => `${'r'.repeat(253)}...`),
      detailTruncated: {
        reason: TRUNCATED,
        originalBytes: utf8(JSON.stringify(outcome)),
        dropped: ['before', 'after', 'trigger', 'drift', 'actions', 'humanAction', 'error'],
      },
    });
  });
});

describe('formatNotification: network ACLs', () => {
  const DB_ACL = 'acl-0a1b2c3d4e5f6a003';
  const DEFAULT_ACL = 'acl-0a1b2c3d4e5f6a000';
  const subnet = (n: number) => `subnet-0a1b2c3d4e5f6300${n}`;
  const mysql = {
    ruleNumber: 90,
    egress: false,
    ruleAction: 'allow' as const,
    protocol: '6',
    cidrIpv4: '0.0.0.0/0',
    portRange: { from: 3306, to: 3306 },
  };
  const entryDrift = (subnetIds: readonly string[]): Outcome['drift'][number] => ({
    kind: 'internet-entry-on-isolated-acl',
    networkAclId: DB_ACL,
    entry: mysql,
    subnetIds,
  });
  const driftLine = (drift: Outcome['drift'][number]): string | undefined =>
    lineOf(messageOf({ drift: [drift] }), '  - ')?.replace(/^ {2}- /, '');
  const actionLine = (action: Outcome['actions'][number]): string | undefined =>
    lineOf(messageOf({ actions: [action] }), '  - ')?.replace(/^ {2}- /, '');

  // A ReplaceNetworkAclEntry reverted: the entry is deleted, and a person is told what to restore
  // (CloudTrail does not record the definition it replaced: functions/pipeline/network-acl.ts).
  const replaced: Outcome = {
    ...bare,
    outcome: 'remediated',
    reason: `deleted ingress entry 100 of ${DB_ACL}: rule 100: allow all traffic from 0.0.0.0/0`,
    eventName: 'ReplaceNetworkAclEntry',
    trigger: { ...bare.trigger, eventName: 'ReplaceNetworkAclEntry', account: '111122223333', region: 'eu-west-1' },
    resources: [DB_ACL],
    drift: [
      {
        kind: 'internet-entry-on-isolated-acl',
        networkAclId: DB_ACL,
        entry: { ruleNumber: 100, egress: false, ruleAction: 'allow', protocol: '-1', cidrIpv4: '0.0.0.0/0' },
        subnetIds: [subnet(1), subnet(2)],
      },
    ],
    actions: [{ type: 'delete-nacl-entry', networkAclId: DB_ACL, ruleNumber: 100, egress: false, result: 'done' }],
    humanAction: `Ingress rule 100 of ${DB_ACL} was deleted, not restored.\nCreate it again with its previous definition.`,
    secondsOpen: 7,
  };

  it('renders a reverted entry with what a person must still restore as a FOLLOW-UP, line for line', () => {
    const { subject, message } = formatNotification(replaced);
    expect(subject).toBe(`[LayerGuard] REVERTED: ReplaceNetworkAclEntry on ${DB_ACL} (111122223333/eu-west-1)`);
    expect(message).toBe(
      [
        'LayerGuard: REVERTED',
        `Outcome: remediated - deleted ingress entry 100 of ${DB_ACL}: rule 100: allow all traffic from 0.0.0.0/0`,
        '',
        // The line break of the text is folded: one line per field.
        `FOLLOW-UP: Ingress rule 100 of ${DB_ACL} was deleted, not restored. Create it again with its previous definition.`,
        '',
        'Where',
        '  Account:    111122223333',
        '  Region:     eu-west-1',
        '  Resources:',
        `  - ${DB_ACL}`,
        '',
        'Who',
        '  Actor:      unknown',
        '  Source IP:  unknown',
        '  User agent: unknown',
        '',
        'When',
        '  Event time: unknown',
        '  Open for:   7 s',
        '',
        'Drift found',
        `  - network ACL ${DB_ACL} admits the internet: rule 100: allow all traffic from 0.0.0.0/0, used by isolated subnet(s) ${subnet(1)}, ${subnet(2)}`,
        '',
        'What LayerGuard did',
        `  - delete ingress entry 100 from network ACL ${DB_ACL}: done`,
        '',
        'Trigger',
        '  Event:      ReplaceNetworkAclEntry (ec2.amazonaws.com)',
        '  Event id:   e-2',
        '  Source:     aws.ec2',
      ].join('\n'),
    );
  });

  it('says FOLLOW-UP only for an outcome that needs no person, and nothing without a human action', () => {
    expect(messageOf({ outcome: 'remediated', humanAction: 'Restore rule 100.' }).split('\n').slice(0, 5)).toEqual([
      'LayerGuard: REVERTED',
      'Outcome: remediated - no world-open rule left',
      '',
      'FOLLOW-UP: Restore rule 100.',
      '',
    ]);
    const alert = messageOf({ outcome: 'alert-only', humanAction: 'Move the subnet.' });
    expect(alert).toContain('\nACTION REQUIRED: Move the subnet.\n');
    expect(alert).not.toContain('FOLLOW-UP');
    expect(messageOf({ outcome: 'remediated' }).split('\n').slice(0, 3)).toEqual([
      'LayerGuard: REVERTED',
      'Outcome: remediated - no world-open rule left',
      '',
    ]);
    expect(messageOf({ outcome: 'remediated' })).not.toContain('FOLLOW-UP');
  });

  it('describes an entry that admits the internet with the isolated subnets that use its ACL', () => {
    expect(driftLine(entryDrift([subnet(1), subnet(2)]))).toBe(
      `network ACL ${DB_ACL} admits the internet: rule 90: allow tcp/3306 from 0.0.0.0/0, used by isolated subnet(s) ${subnet(1)}, ${subnet(2)}`,
    );
    // An ACL tagged as the isolated tier's, with no subnet on it yet.
    expect(driftLine(entryDrift([]))).toBe(`network ACL ${DB_ACL} admits the internet: rule 90: allow tcp/3306 from 0.0.0.0/0 (tagged as isolated)`);
  });

  it('names five subnets of an entry\'s ACL, then says how many more', () => {
    const five = [1, 2, 3, 4, 5].map(subnet);
    expect(driftLine(entryDrift(five))).toBe(
      `network ACL ${DB_ACL} admits the internet: rule 90: allow tcp/3306 from 0.0.0.0/0, used by isolated subnet(s) ${five.join(', ')}`,
    );
    const seven = [1, 2, 3, 4, 5, 6, 7].map(subnet);
    expect(driftLine(entryDrift(seven))).toBe(
      `network ACL ${DB_ACL} admits the internet: rule 90: allow tcp/3306 from 0.0.0.0/0, used by isolated subnet(s) ${five.join(', ')} +2 more`,
    );
  });

  it('sanitises and caps the subnet ids of an entry\'s ACL (they come from live state, named by people)', () => {
    const long = `subnet-${'a'.repeat(80)}`;
    expect(driftLine(entryDrift([`${subnet(1)}<b>`, long]))).toBe(
      `network ACL ${DB_ACL} admits the internet: rule 90: allow tcp/3306 from 0.0.0.0/0, used by isolated subnet(s) ${subnet(1)}\u2039b\u203a, subnet-${'a'.repeat(56)}\u2026`,
    );
  });

  it('describes an isolated subnet on an internet ACL, with where it goes back to or that none is known', () => {
    const placement = { kind: 'isolated-subnet-on-internet-acl' as const, subnetId: subnet(1), associationId: 'aclassoc-0a1b2c3d4e5f6b031', networkAclId: DEFAULT_ACL };
    expect(driftLine({ ...placement, isolatedNetworkAclId: DB_ACL })).toBe(
      `isolated subnet ${subnet(1)} associated with network ACL ${DEFAULT_ACL}, which admits the internet; isolated network ACL ${DB_ACL}`,
    );
    expect(driftLine(placement)).toBe(
      `isolated subnet ${subnet(1)} associated with network ACL ${DEFAULT_ACL}, which admits the internet; no isolated network ACL known`,
    );
  });

  it('describes the deletion of an ingress or an egress entry, planned or done', () => {
    expect(actionLine({ type: 'delete-nacl-entry', networkAclId: DB_ACL, ruleNumber: 90, egress: false, result: 'done' })).toBe(
      `delete ingress entry 90 from network ACL ${DB_ACL}: done`,
    );
    expect(actionLine({ type: 'delete-nacl-entry', networkAclId: DB_ACL, ruleNumber: 120, egress: true })).toBe(
      `delete egress entry 120 from network ACL ${DB_ACL}: planned`,
    );
  });

  it('describes moving a subnet back onto its ACL, with the new association when there is one', () => {
    const move = {
      type: 'replace-nacl-association' as const,
      associationId: 'aclassoc-0a1b2c3d4e5f6b102',
      subnetId: subnet(1),
      fromNetworkAclId: DEFAULT_ACL,
      toNetworkAclId: DB_ACL,
    };
    expect(actionLine({ ...move, newAssociationId: 'aclassoc-0a1b2c3d4e5f6b103', result: 'done' })).toBe(
      `move subnet ${subnet(1)} from network ACL ${DEFAULT_ACL} to ${DB_ACL}: done (new association aclassoc-0a1b2c3d4e5f6b103)`,
    );
    expect(actionLine({ ...move, result: 'skipped' })).toBe(`move subnet ${subnet(1)} from network ACL ${DEFAULT_ACL} to ${DB_ACL}: skipped`);
  });
});

describe('a prefix list’s notice', () => {
  const PL = 'pl-0a1b2c3d4e5f6a001';
  const groups = Array.from({ length: 25 }, (_, i) => `sg-${String(i).padStart(17, '0')}`);
  const outcome: Outcome = {
    ...base,
    eventName: 'ModifyManagedPrefixList',
    reason: `removed 0.0.0.0/0 from ${PL}`,
    resources: [PL, ...groups],
    drift: [{ kind: 'prefix-list-internet-entry', prefixListId: PL, cidrs: ['0.0.0.0/0'], groupIds: groups.slice(0, 2), referencedBy: [...groups, 'rtb-0a1b2c3d4e5f60002'] }],
    actions: [{ type: 'remove-prefix-list-entries', prefixListId: PL, currentVersion: 7, cidrs: ['0.0.0.0/0'], result: 'done' }],
  };

  it('names the list, the entry, the groups it opened and what references it; the action with its version', () => {
    const { message } = formatNotification(outcome);
    expect(message).toContain(`prefix list ${PL} gained 0.0.0.0/0, opening the ingress of ${groups[0]}, ${groups[1]} to the internet; referenced by ${groups.slice(0, 20).join(', ')} +6 more`);
    expect(message).toContain(`remove entry 0.0.0.0/0 from prefix list ${PL} at version 7: done`);
  });

  // Exact lines: the drift and the action, each with one item, several, exactly LIST_MAX and more.
  const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const driftLine = (drift: Partial<Extract<Outcome['drift'][number], { kind: 'prefix-list-internet-entry' }>>) =>
    lineOf(formatNotification({ ...outcome, drift: [{ ...outcome.drift[0], ...drift } as Outcome['drift'][number]] }).message, '  - prefix list ');
  const actionLine = (action: Record<string, unknown>) =>
    lineOf(formatNotification({ ...outcome, actions: [{ ...outcome.actions[0], ...action } as Outcome['actions'][number]] }).message, '  - remove ');

  it('the drift line: at most five CIDRs, LIST_MAX groups and references, then how many more; "nothing" when nothing references the list', () => {
    expect(driftLine({ cidrs: ids(7, 'c'), groupIds: ids(20, 'g'), referencedBy: [] })).toBe(
      `  - prefix list ${PL} gained c-0, c-1, c-2, c-3, c-4, opening the ingress of ${ids(20, 'g').join(', ')} to the internet; referenced by nothing`,
    );
    expect(driftLine({ cidrs: ['0.0.0.0/1', '128.0.0.0/1'], groupIds: ids(22, 'g'), referencedBy: ids(20, 'r') })).toBe(
      `  - prefix list ${PL} gained 0.0.0.0/1, 128.0.0.0/1, opening the ingress of ${ids(20, 'g').join(', ')} +2 more to the internet; referenced by ${ids(20, 'r').join(', ')}`,
    );
    expect(driftLine({ groupIds: ['g-0'], referencedBy: ids(21, 'r') })).toBe(
      `  - prefix list ${PL} gained 0.0.0.0/0, opening the ingress of g-0 to the internet; referenced by ${ids(20, 'r').join(', ')} +1 more`,
    );
  });

  it('the action line: entry or entries, at most LIST_MAX then how many more, the version only when known', () => {
    expect(actionLine({ cidrs: ['0.0.0.0/0'], currentVersion: undefined })).toBe(`  - remove entry 0.0.0.0/0 from prefix list ${PL}: done`);
    expect(actionLine({ cidrs: ['0.0.0.0/1', '128.0.0.0/1'], currentVersion: 3 })).toBe(
      `  - remove entries 0.0.0.0/1, 128.0.0.0/1 from prefix list ${PL} at version 3: done`,
    );
    expect(actionLine({ cidrs: ids(20, 'c'), currentVersion: 3 })).toBe(`  - remove entries ${ids(20, 'c').join(', ')} from prefix list ${PL} at version 3: done`);
    expect(actionLine({ cidrs: ids(23, 'c'), currentVersion: 3 })).toBe(`  - remove entries ${ids(20, 'c').join(', ')} +3 more from prefix list ${PL} at version 3: done`);
  });

  it('caller-written text cannot reach it: the ids and CIDRs are sanitised', () => {
    const hostile: Outcome = { ...outcome, drift: [{ kind: 'prefix-list-internet-entry', prefixListId: 'pl-1\n<b>', cidrs: ['0.0.0.0/0\u001b[31m'], groupIds: ['sg-1'], referencedBy: ['sg-1'] }] };
    const { message } = formatNotification(hostile);
    expect(message).not.toMatch(CONTROL);
    expect(message).not.toContain('<b>');
  });
});

describe('a tier skip’s notice', () => {
  const rule = (ruleId: string, source: Record<string, string>) => ({ ruleId, groupId: 'sg-0db', isEgress: false, protocol: 'tcp', fromPort: 3306, toPort: 3306, ...source });
  const lineOfDrift = (rules: ReturnType<typeof rule>[], reached: Record<string, string>) =>
    lineOf(
      formatNotification({ ...base, drift: [{ kind: 'sg-tier-skip', groupId: 'sg-0db', tier: 'database', rules, reached }] }).message,
      '  - security group ',
    );

  it('names the group, its tier, each rule’s source and where the source lands', () => {
    expect(lineOfDrift([rule('sgr-1', { referencedGroupId: 'sg-0web' })], { 'sgr-1': 'web (sg-0web)' })).toBe(
      '  - security group sg-0db of the database tier admits a tier that may not reach it: tcp/3306 from sg-0web, in web (sg-0web)',
    );
  });

  it('five rules: all of them, and no "more"', () => {
    const rules = Array.from({ length: 5 }, (_, i) => rule(`sgr-${i}`, { cidrIpv4: `10.0.${i}.0/24` }));
    expect(lineOfDrift(rules, {})).not.toMatch(/more/);
  });

  it('at most five rules, then how many more; a rule without a known landing says ?', () => {
    const rules = Array.from({ length: 7 }, (_, i) => rule(`sgr-${i}`, { cidrIpv4: `10.0.${i}.0/24` }));
    const line = lineOfDrift(rules, { 'sgr-0': 'web (subnet-0)' });
    expect(line).toBe(
      '  - security group sg-0db of the database tier admits a tier that may not reach it: ' +
        'tcp/3306 from 10.0.0.0/24, in web (subnet-0); tcp/3306 from 10.0.1.0/24, in ?; tcp/3306 from 10.0.2.0/24, in ?; ' +
        'tcp/3306 from 10.0.3.0/24, in ?; tcp/3306 from 10.0.4.0/24, in ?; +2 more',
    );
  });
});

describe('a prefix list’s tier entries in the notice', () => {
  const line = (cidrs: string[], reached: Record<string, string>) =>
    lineOf(formatNotification({ ...base, drift: [{ kind: 'prefix-list-tier-entry', prefixListId: 'pl-0a', cidrs, groupIds: ['sg-0db'], reached, referencedBy: ['sg-0db'] }] }).message, '  - prefix list ');

  it('each entry with where it lands, at most five, then how many more', () => {
    expect(line(['10.0.1.0/24'], { '10.0.1.0/24': 'web (subnet-0a) into sg-0db (database)' })).toBe(
      '  - prefix list pl-0a gained ranges of tiers that may not reach the groups that name it: 10.0.1.0/24 (web (subnet-0a) into sg-0db (database))',
    );
    const six = Array.from({ length: 6 }, (_, i) => `10.0.${i}.0/24`);
    expect(line(six, {})).toBe(
      `  - prefix list pl-0a gained ranges of tiers that may not reach the groups that name it: ${six.slice(0, 5).map((c) => `${c} (?)`).join('; ')}; +1 more`,
    );
    expect(line(six.slice(0, 5), {})).not.toMatch(/more/);
  });
});

