import { describe, expect, it } from 'vitest';
import {
  CANARY_METRIC,
  CANARY_PORT,
  CANARY_RULE_DESCRIPTION,
  CanaryRefusedError,
  canaryCidr,
  canaryRevertOf,
  isCanaryOutcome,
  isCanaryRule,
  planCanary,
} from '../../functions/core/canary.js';
import { ConfigError } from '../../functions/core/errors.js';
import type { SgRule } from '../../functions/core/network.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { parsePolicy } from '../../functions/core/policy.js';

/** The canary's decision, as pure functions: what it opens, when it refuses, which reverts it measures. */

const GROUP = 'sg-0ca0a1e0000000001';
const probe = { groupId: GROUP, port: CANARY_PORT, cidr: '0.0.0.0/2' };
const rule = (over: Partial<SgRule> = {}): SgRule => ({
  ruleId: 'sgr-0ca0000000000001',
  groupId: GROUP,
  isEgress: false,
  protocol: 'tcp',
  fromPort: CANARY_PORT,
  toPort: CANARY_PORT,
  cidrIpv4: '0.0.0.0/2',
  ...over,
});

describe('the canary\'s names', () => {
  it('marks its rule for a person reading the group, and names its metric as the alarm and README do', () => {
    expect(CANARY_RULE_DESCRIPTION).toBe('LayerGuard canary: reverted by LayerGuard within minutes');
    expect(CANARY_METRIC).toBe('secondsToRevert');
    expect(new CanaryRefusedError('in use')).toMatchObject({ name: 'CanaryRefusedError', message: 'in use' });
  });
});

describe('isCanaryRule', () => {
  it("is the probe's rule: ingress, tcp (by name or number), its port, its CIDR", () => {
    expect(isCanaryRule(rule(), probe)).toBe(true);
    expect(isCanaryRule(rule({ protocol: '6' }), probe)).toBe(true);
  });

  it.each<[string, Partial<SgRule>]>([
    ['egress', { isEgress: true }],
    ['udp', { protocol: 'udp' }],
    ['all protocols', { protocol: '-1' }],
    ['another from-port', { fromPort: 8 }],
    ['another to-port', { toPort: 10 }],
    ['another CIDR', { cidrIpv4: '0.0.0.0/0' }],
    ['IPv6', { cidrIpv4: undefined, cidrIpv6: '::/0' }],
  ])('is not %s', (_name, over) => {
    expect(isCanaryRule(rule(over), probe)).toBe(false);
  });
});

describe('planCanary', () => {
  it('authorizes in a group with no interfaces and no ingress (egress does not count)', () => {
    expect(planCanary({ interfaceIds: [], rules: [rule({ isEgress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' })] }, probe)).toEqual({
      kind: 'authorize',
    });
    expect(planCanary({ interfaceIds: [], rules: [] }, probe)).toEqual({ kind: 'authorize' });
  });

  it('refuses a group in use, naming how many interfaces and the first five', () => {
    const ids = ['eni-1', 'eni-2', 'eni-3', 'eni-4', 'eni-5', 'eni-6'];
    const plan = planCanary({ interfaceIds: ids, rules: [] }, probe);
    expect(plan).toEqual({
      kind: 'refuse',
      reason: `${GROUP} is used by 6 network interface(s) (eni-1, eni-2, eni-3, eni-4, eni-5): the canary opens nothing in a group that is in use`,
    });
  });

  it('refuses in use before it looks at the rules', () => {
    expect(planCanary({ interfaceIds: ['eni-1'], rules: [rule()] }, probe)).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/in use/) });
  });

  it("refuses a group holding ingress that is not the canary's, naming the count and the first five", () => {
    const foreign = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => rule({ ruleId: `sgr-${x}`, fromPort: 22, toPort: 22 }));
    const plan = planCanary({ interfaceIds: [], rules: [rule(), ...foreign] }, probe);
    expect(plan).toEqual({
      kind: 'refuse',
      reason: `${GROUP} has 6 ingress rule(s) that are not the canary's (sgr-a, sgr-b, sgr-c, sgr-d, sgr-e): the canary's group must stay empty`,
    });
  });

  it('reports every previous probe still open, and opens nothing new', () => {
    const plan = planCanary({ interfaceIds: [], rules: [rule({ ruleId: 'sgr-1' }), rule({ ruleId: 'sgr-2' })] }, probe);
    expect(plan).toEqual({ kind: 'still-open', ruleIds: ['sgr-1', 'sgr-2'] });
  });
});

describe('canaryCidr', () => {
  it('is /2 under any bound of /3 or more, and one bit broader than a bound of /2', () => {
    expect(canaryCidr(parsePolicy({ worldOpen: { ipv4MinPrefix: 8 } }))).toBe('0.0.0.0/2');
    expect(canaryCidr(parsePolicy({ worldOpen: { ipv4MinPrefix: 3 } }))).toBe('0.0.0.0/2');
    expect(canaryCidr(parsePolicy({ worldOpen: { ipv4MinPrefix: 2 } }))).toBe('0.0.0.0/1');
  });

  it('refuses a bound of /1: the only broader CIDR is 0.0.0.0/0', () => {
    expect(() => canaryCidr(parsePolicy({ worldOpen: { ipv4MinPrefix: 1 } }))).toThrow(ConfigError);
    expect(() => canaryCidr(parsePolicy({ worldOpen: { ipv4MinPrefix: 1 } }))).toThrow(/bound \/1/);
  });
});

const outcome = (over: Partial<Outcome> = {}): Outcome =>
  ({
    outcome: 'remediated',
    reason: 'reverted',
    eventId: 'e-1',
    eventName: 'AuthorizeSecurityGroupIngress',
    trigger: {
      eventId: 'e-1',
      eventName: 'AuthorizeSecurityGroupIngress',
      eventSource: 'ec2.amazonaws.com',
      source: 'aws.ec2',
      account: '111122223333',
      region: 'eu-west-1',
    },
    resources: [GROUP],
    drift: [],
    actions: [],
    secondsOpen: 42,
    ...over,
  }) as Outcome;

describe('isCanaryOutcome', () => {
  it("is an outcome about the canary's group alone", () => {
    expect(isCanaryOutcome(outcome(), GROUP)).toBe(true);
    expect(isCanaryOutcome(outcome({ resources: [GROUP, GROUP] }), GROUP)).toBe(true);
  });

  it('is not one without a canary, without resources, or about another group too', () => {
    expect(isCanaryOutcome(outcome(), undefined)).toBe(false);
    expect(isCanaryOutcome(outcome({ resources: [] }), GROUP)).toBe(false);
    expect(isCanaryOutcome(outcome({ resources: [GROUP, 'sg-0ffffffffffffffff'] }), GROUP)).toBe(false);
  });
});

describe('canaryRevertOf', () => {
  it("measures the event path's revert of the canary, with its account and region", () => {
    expect(canaryRevertOf(outcome(), GROUP)).toEqual({ secondsToRevert: 42, account: '111122223333', region: 'eu-west-1' });
  });

  it('names an unknown account or region as such', () => {
    const bare = outcome();
    const trigger = { ...bare.trigger, account: undefined, region: undefined };
    expect(canaryRevertOf({ ...bare, trigger }, GROUP)).toEqual({ secondsToRevert: 42, account: 'unknown', region: 'unknown' });
  });

  it.each<[string, Partial<Outcome>]>([
    ['another group', { resources: ['sg-0ffffffffffffffff'] }],
    ['an outcome other than remediated', { outcome: 'already-compliant' }],
    ['a revert of unknown duration', { secondsOpen: undefined }],
  ])('does not measure %s', (_name, over) => {
    expect(canaryRevertOf(outcome(over), GROUP)).toBeUndefined();
  });

  it('does not measure a sweep or a game day', () => {
    const o = outcome();
    expect(canaryRevertOf({ ...o, trigger: { ...o.trigger, source: 'runbook' } }, GROUP)).toBeUndefined();
    expect(canaryRevertOf({ ...o, trigger: { ...o.trigger, source: 'layerguard.gameday' } }, GROUP)).toBeUndefined();
  });
});
