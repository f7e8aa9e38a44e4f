import { describe, expect, it } from 'vitest';
import type { LoadBalancer, SecurityGroup, SgRule } from '../../functions/core/network.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import { evaluateSecurityGroup, findWorldOpenRules, publicTierBasis } from '../../functions/core/security-group.js';
import { internetFacingByGroup, loadBalancerIndex, needsLoadBalancers } from '../../functions/pipeline/public-tier.js';
import type { NetworkApi } from '../../functions/core/network.js';

/** The public tier by tag or by internet-facing load balancer, and when the load balancers are read at all. */

const NOW = new Date('2026-01-01T00:00:00Z');
const group = (over: Partial<SecurityGroup> = {}): SecurityGroup => ({
  groupId: 'sg-0a1b2c3d4e5f6a001',
  groupName: 'edge',
  vpcId: 'vpc-0a1b2c3d4e5f60001',
  tags: {},
  ...over,
});
const rule = (port: number, cidrIpv4 = '0.0.0.0/0', protocol = 'tcp'): SgRule => ({
  ruleId: `sgr-0a1b2c3d4e5f6${String(port).padStart(4, '0')}`,
  groupId: 'sg-0a1b2c3d4e5f6a001',
  isEgress: false,
  protocol,
  fromPort: port,
  toPort: port,
  cidrIpv4,
});
const balanced = group({ internetFacingLoadBalancers: ['edge-alb'] });

describe('publicTierBasis', () => {
  it.each([
    ['a policy tag', group({ tags: { Tier: 'Web' } }), DEFAULT_POLICY, 'tagged Tier=Web'],
    ['an internet-facing load balancer', balanced, DEFAULT_POLICY, 'attached to the internet-facing load balancer edge-alb'],
    ['several', group({ internetFacingLoadBalancers: ['a', 'b', 'c'] }), DEFAULT_POLICY, 'attached to the internet-facing load balancer a (and 2 more)'],
    ['the tag wins when both hold', group({ tags: { Tier: 'Web' }, internetFacingLoadBalancers: ['a'] }), DEFAULT_POLICY, 'tagged Tier=Web'],
    ['none read', group(), DEFAULT_POLICY, undefined],
    ['read, and none', group({ internetFacingLoadBalancers: [] }), DEFAULT_POLICY, undefined],
    ['a load balancer, but the policy says tags only', balanced, parsePolicy({ publicTier: { internetFacingLoadBalancers: false } }), undefined],
  ])('%s', (_name, g, policy, expected) => {
    expect(publicTierBasis(g, policy)).toBe(expected);
  });
});

describe('the decision with a load balancer', () => {
  it('443 from the world on a balanced group is allowed, and the reason names the load balancer', () => {
    const r443 = rule(443);
    expect(evaluateSecurityGroup([r443], balanced, [r443], DEFAULT_POLICY, NOW)).toEqual({
      status: 'ignored',
      reason: 'sg-0a1b2c3d4e5f6a001 is the public tier (attached to the internet-facing load balancer edge-alb) and the rule is on an allowed port',
    });
  });

  it('the same group without the load balancer: 443 is drift', () => {
    const r443 = rule(443);
    expect(evaluateSecurityGroup([r443], group({ internetFacingLoadBalancers: [] }), [r443], DEFAULT_POLICY, NOW).status).toBe('drift');
  });

  it('drift on a balanced group says why its 443 stays', () => {
    const rules = [rule(443), rule(22)];
    const decision = evaluateSecurityGroup(rules, balanced, rules, DEFAULT_POLICY, NOW);
    expect(decision).toMatchObject({
      status: 'drift',
      reason: 'sg-0a1b2c3d4e5f6a001 admits tcp/22 from 0.0.0.0/0; 1 on allowed ports kept: the public tier (attached to the internet-facing load balancer edge-alb)',
    });
  });

  it('a load balancer allows the allowed ports only: 22 on a balanced group is still drift', () => {
    const rules = [rule(443), rule(22)];
    expect(findWorldOpenRules(balanced, rules, DEFAULT_POLICY).map((r) => r.fromPort)).toEqual([22]);
  });
});

describe('needsLoadBalancers: read them only when they can change the decision', () => {
  it.each([
    ['a world-open rule on an allowed port of an untagged group', group(), [rule(443)], true],
    ['a world-open rule on another port', group(), [rule(22)], false],
    ['a narrow source on an allowed port', group(), [rule(443, '10.0.0.0/16')], false],
    ['a tagged group (the tag decides)', group({ tags: { Tier: 'Web' } }), [rule(443)], false],
    ['egress', group(), [{ ...rule(443), isEgress: true }], false],
  ])('%s: %s', (_name, g, rules, expected) => {
    expect(needsLoadBalancers(g, rules, { policy: DEFAULT_POLICY })).toBe(expected);
  });

  it('never with the policy switch off', () => {
    expect(needsLoadBalancers(group(), [rule(443)], { policy: parsePolicy({ publicTier: { internetFacingLoadBalancers: false } }) })).toBe(false);
  });
});

describe('internetFacingByGroup and loadBalancerIndex', () => {
  const lbs: LoadBalancer[] = [
    { name: 'edge', kind: 'application', internetFacing: true, securityGroupIds: ['sg-a', 'sg-b'] },
    { name: 'old', kind: 'classic', internetFacing: true, securityGroupIds: ['sg-a'] },
    { name: 'inside', kind: 'network', internetFacing: false, securityGroupIds: ['sg-c'] },
  ];

  it('indexes internet-facing load balancers by group; internal ones count for nothing', () => {
    const index = internetFacingByGroup(lbs);
    expect(Object.fromEntries(index)).toEqual({ 'sg-a': ['edge', 'old'], 'sg-b': ['edge'] });
  });

  it('reads once per run; a failed read is not remembered', async () => {
    let calls = 0;
    let fail = true;
    const network = {
      listLoadBalancers: async () => {
        calls += 1;
        if (fail) throw new Error('AccessDenied');
        return lbs;
      },
    } as unknown as NetworkApi;
    const index = loadBalancerIndex(network);
    await expect(index()).rejects.toThrow('AccessDenied');
    fail = false;
    await Promise.all([index(), index(), index()]);
    expect(calls).toBe(2);
  });
});
