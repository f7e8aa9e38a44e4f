import { describe, expect, it } from 'vitest';
import {
  buildFlowQuery,
  isPublicAddress,
  otherAccountEvidence,
  planFlowQuery,
  type QueryPlan,
  queryWindow,
  summariseFlows,
  wantsFlowEvidence,
  worldOpenGroups,
} from '../../functions/core/flow-evidence.js';
import type { Outcome } from '../../functions/core/outcome.js';

const CHANGE = new Date('2025-03-14T09:12:44Z');
const REVERT = new Date('2025-03-14T09:12:47Z');
const ENI = { id: 'eni-0a', subnetId: 'subnet-0a', vpcId: 'vpc-01' };

describe('isPublicAddress', () => {
  // The reference list is written out here, not read from NOT_PUBLIC: RFC 1918, RFC 6598, RFC 3927,
  // RFC 1122 (loopback, this network), RFC 4193 (ULA), RFC 4291 (link-local, loopback, unspecified).
  it.each([
    ['203.0.113.7', true],
    ['8.8.8.8', true],
    ['2001:db8::1', true],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['172.32.0.1', true],
    ['192.168.1.1', false],
    ['100.64.0.1', false],
    ['100.127.255.255', false],
    ['100.128.0.1', true],
    ['169.254.169.254', false],
    ['127.0.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['::', false],
    ['fd00::1', false],
    ['fe80::1', false],
    ['-', false],
    ['', false],
  ])('%s → %s', (address, expected) => expect(isPublicAddress(address)).toBe(expected));
});

describe('queryWindow', () => {
  it('widens the open window by one aggregation interval on each side, in epoch seconds', () => {
    expect(queryWindow(CHANGE, REVERT, 600)).toEqual({ startTime: 1741943564 - 600, endTime: 1741943567 + 600 });
    expect(queryWindow(new Date('2025-03-14T09:12:44.900Z'), new Date('2025-03-14T09:12:47.100Z'), 60)).toEqual({
      startTime: 1741943564 - 60,
      endTime: 1741943568 + 60,
    });
  });
});

describe('buildFlowQuery', () => {
  it('counts ACCEPT records from public sources on the interfaces', () => {
    const q = buildFlowQuery(['eni-0a', 'eni-0b']);
    expect(q.split('\n| ')[0]).toBe('filter action = "ACCEPT" and interfaceId in ["eni-0a", "eni-0b"]');
    expect(q).toContain('not isIpInSubnet(srcAddr, "10.0.0.0/8") and not isIpInSubnet(srcAddr, "100.64.0.0/10")');
    expect(q).toContain('not isIpInSubnet(srcAddr, "fe80::/10")');
    expect(q.split('\n| ').slice(2)).toEqual(['stats count(*) as flows by srcAddr', 'sort flows desc', 'limit 10000']);
  });
  it('cannot be broken out of by a quote in an id', () => {
    expect(buildFlowQuery(['eni-"] or 1=1'])).toContain('["eni-] or 1=1"]');
  });
});

describe('planFlowQuery', () => {
  it('no interface: not used', () => {
    expect(planFlowQuery([], [], CHANGE, REVERT)).toMatchObject({ kind: 'answer', evidence: { status: 'not-used' } });
  });
  it('no flow log covers any interface: unknown', () => {
    expect(planFlowQuery([ENI], [{ resourceId: 'vpc-other', logGroupName: 'g' }], CHANGE, REVERT)).toEqual({
      kind: 'answer',
      evidence: { status: 'unknown', text: 'unknown: no flow logs for this VPC' },
    });
  });
  it('covers by VPC, subnet or interface; the widest interval wins; log groups once', () => {
    const other = { id: 'eni-0b', subnetId: 'subnet-0b', vpcId: 'vpc-01' };
    const lone = { id: 'eni-0c', subnetId: 'subnet-0c', vpcId: 'vpc-02' };
    const plan = planFlowQuery(
      [ENI, other, lone],
      [
        { resourceId: 'vpc-01', logGroupName: 'vpc-flows', maxAggregationInterval: 60 },
        { resourceId: 'subnet-0b', logGroupName: 'vpc-flows', maxAggregationInterval: 600 },
      ],
      CHANGE,
      REVERT,
    );
    expect(plan).toMatchObject({
      kind: 'query',
      logGroupNames: ['vpc-flows'],
      interfaceIds: ['eni-0a', 'eni-0b'],
      uncovered: ['eni-0c'],
      startTime: 1741943564 - 600,
      endTime: 1741943567 + 600,
    });
  });
  it('an interval the flow log does not state is EC2’s default, 600 s', () => {
    expect(planFlowQuery([ENI], [{ resourceId: 'eni-0a', logGroupName: 'g' }], CHANGE, REVERT)).toMatchObject({ startTime: 1741943564 - 600 });
  });
});

describe('summariseFlows', () => {
  const plan = planFlowQuery([ENI], [{ resourceId: 'vpc-01', logGroupName: 'vpc-flows', maxAggregationInterval: 60 }], CHANGE, REVERT) as Extract<QueryPlan, { kind: 'query' }>;
  const row = (address: string, flows: number) => [
    { field: 'srcAddr', value: address },
    { field: 'flows', value: String(flows) },
  ];
  it('nothing public: not used', () => {
    expect(summariseFlows([row('10.0.0.5', 3)], plan)).toMatchObject({ status: 'not-used', text: 'not used', flows: 0, addresses: 0 });
  });
  it('public sources: used, counted, the top five by flows', () => {
    const rows = [row('198.51.100.1', 1), row('203.0.113.9', 40), row('192.0.2.1', 2), row('192.0.2.2', 2), row('192.0.2.3', 7), row('192.0.2.4', 1), row('10.0.0.1', 99)];
    const evidence = summariseFlows(rows, plan);
    expect(evidence).toMatchObject({ status: 'used', flows: 53, addresses: 6 });
    expect(evidence.text).toBe('used: 53 flows from 6 public addresses (top 5: 203.0.113.9 40, 192.0.2.3 7, 192.0.2.1 2, 192.0.2.2 2, 192.0.2.4 1)');
    expect(evidence.window).toEqual({ start: '2025-03-14T09:11:44.000Z', end: '2025-03-14T09:13:47.000Z' });
  });
  it('names the interfaces without flow logs', () => {
    const partial = { ...plan, uncovered: ['eni-0c'] };
    expect(summariseFlows([], partial).text).toBe('not used (1 interface(s) without flow logs: eni-0c)');
  });
});

describe('otherAccountEvidence', () => {
  const of = (account?: string) => ({ trigger: account ? { account } : {} }) as unknown as Outcome;
  it('is unknown for an event of another account (the member role is not granted the flow-log reads)', () =>
    expect(otherAccountEvidence(of('444455556666'), '111122223333')).toEqual({ status: 'unknown', text: 'unknown: flow logs are read in the hub account only' }));
  it.each([
    ['the own account', '111122223333', '111122223333'],
    ['an event naming no account', undefined, '111122223333'],
    ['a function that does not know its account', '444455556666', undefined],
  ])('leaves %s to the flow logs', (_name, account, own) => expect(otherAccountEvidence(of(account), own)).toBeUndefined());
});

describe('wantsFlowEvidence and worldOpenGroups: the groups a revert had opened', () => {
  const rule = { ruleId: 'sgr-1', groupId: 'sg-0a', isEgress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' };
  const outcome = (drift: Outcome['drift'], patch: Partial<Outcome> = {}) =>
    ({ outcome: 'remediated', drift, secondsOpen: 3, trigger: {}, ...patch }) as unknown as Outcome;
  const entry = { kind: 'prefix-list-internet-entry', prefixListId: 'pl-0a', cidrs: ['0.0.0.0/0'], groupIds: ['sg-0b', 'sg-0a'], referencedBy: ['sg-0a', 'sg-0b'] } as const;
  it('a world-open rule opens its group; an internet entry of a prefix list opens the groups that name the list, once each', () => {
    expect(worldOpenGroups(outcome([{ kind: 'sg-world-open', groupId: 'sg-0a', rules: [rule] }, entry]))).toEqual(['sg-0a', 'sg-0b']);
    expect(wantsFlowEvidence(outcome([entry]))).toBe(true);
  });
  it('asks nothing of a route, a tier skip, an unverified revert or an unknown window', () => {
    const route = { kind: 'forbidden-route-on-isolated-subnet', routeTableId: 'rtb-0a', destination: { cidrIpv4: '0.0.0.0/0' }, target: { gatewayId: 'igw-0a' }, subnetIds: ['subnet-0a'] } as const;
    expect(wantsFlowEvidence(outcome([route]))).toBe(false);
    expect(wantsFlowEvidence(outcome([{ ...entry, groupIds: [] }]))).toBe(false);
    expect(wantsFlowEvidence(outcome([entry], { outcome: 'dry-run' }))).toBe(false);
    expect(wantsFlowEvidence(outcome([entry], { secondsOpen: undefined }))).toBe(false);
  });
});
