import { describe, expect, it } from 'vitest';
import { ASFF_MAX, type FindingContext, findingId, toFindings } from '../../functions/core/finding.js';
import { SEVERITY, tierPlace } from '../../functions/core/finding-severity.js';
import { unitsOf } from '../../functions/core/finding-units.js';
import type { SgRule } from '../../functions/core/network.js';
import type { Drift, Outcome, OutcomeStatus } from '../../functions/core/outcome.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const NOW = new Date('2026-03-01T10:05:00.000Z');
const ctx: FindingContext = { now: NOW, account: '999988887777', region: 'us-east-1' };

const rule = (ruleId: string, patch: Partial<SgRule> = {}): SgRule => ({
  ruleId,
  groupId: 'sg-0abc',
  isEgress: false,
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  cidrIpv4: '0.0.0.0/0',
  ...patch,
});

const worldOpen = (tier?: string, rules = [rule('sgr-1')]): Drift => ({
  kind: 'sg-world-open',
  groupId: 'sg-0abc',
  rules,
  ...(tier ? { tier } : {}),
});

const outcome = (status: OutcomeStatus, patch: Partial<Outcome> = {}): Outcome => ({
  outcome: status,
  reason: 'sg-0abc admits tcp/22 from 0.0.0.0/0',
  eventId: 'e-1',
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: {
    eventId: 'e-1',
    eventName: 'AuthorizeSecurityGroupIngress',
    eventTime: '2026-03-01T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    source: 'aws.ec2',
    actorArn: 'arn:aws:iam::111122223333:user/mallory',
    sourceIp: '203.0.113.9',
    account: ACCOUNT,
    region: REGION,
  },
  resources: ['sg-0abc'],
  drift: [worldOpen('application')],
  actions: [],
  ...patch,
});

const revoked = { type: 'revoke-ingress' as const, groupId: 'sg-0abc', ruleIds: ['sgr-1'], result: 'done' as const };
const ID = `layerguard/${ACCOUNT}/${REGION}/sg-world-open/sg-0abc/sgr-1`;

describe('toFindings: what each outcome becomes', () => {
  const cases: { name: string; given: Outcome; workflow?: string; compliance?: string; says?: RegExp }[] = [
    { name: 'remediated: resolved, passed', given: outcome('remediated', { actions: [revoked] }), workflow: 'RESOLVED', compliance: 'PASSED', says: /reverted this and read it back/ },
    {
      name: 'alert-only: new, failed, with what a person must do',
      given: outcome('alert-only', { humanAction: 'Fix the pipeline that re-adds the rule.' }),
      workflow: 'NEW',
      compliance: 'FAILED',
      says: /^Fix the pipeline that re-adds the rule\.$/,
    },
    { name: 'failed: new, failed', given: outcome('failed', { error: { name: 'AwsCallError', message: 'throttled' } }), workflow: 'NEW', compliance: 'FAILED', says: /could not revert this \(throttled\)/ },
    { name: 'dry-run: new, failed, would have reverted', given: outcome('dry-run'), workflow: 'NEW', compliance: 'FAILED', says: /would have reverted this/ },
    {
      name: 'exempt: suppressed, with the reason and the expiry',
      given: outcome('exempt', { reason: 'sg-0abc is exempt until 2026-04-30: load test' }),
      workflow: 'SUPPRESSED',
      compliance: 'FAILED',
      says: /^Exempt until 2026-04-30: sg-0abc is exempt until 2026-04-30: load test\./,
    },
    { name: 'ignored: no finding', given: outcome('ignored') },
    { name: 'already-compliant: no finding', given: outcome('already-compliant', { actions: [{ ...revoked, result: 'already-gone' }] }) },
  ];
  it.each(cases)('$name', ({ given, workflow, compliance, says }) => {
    const findings = toFindings(given, ctx);
    if (!workflow) {
      expect(findings).toEqual([]);
      return;
    }
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.Id).toBe(ID);
    expect(f?.Workflow.Status).toBe(workflow);
    expect(f?.Compliance.Status).toBe(compliance);
    expect(f?.RecordState).toBe('ACTIVE');
    expect(f?.Remediation.Recommendation.Text).toMatch(says as RegExp);
    expect(f?.ProductFields['layerguard/outcome']).toBe(given.outcome);
  });

  it('writes the whole finding of a remediated world-open rule', () => {
    expect(toFindings(outcome('remediated', { actions: [revoked] }), ctx)).toEqual([
      {
        SchemaVersion: '2018-10-08',
        Id: ID,
        ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
        GeneratorId: 'layerguard/sg-world-open',
        AwsAccountId: ACCOUNT,
        Region: REGION,
        CreatedAt: '2026-03-01T10:00:00.000Z',
        UpdatedAt: '2026-03-01T10:05:00.000Z',
        FirstObservedAt: '2026-03-01T10:00:00.000Z',
        LastObservedAt: '2026-03-01T10:00:00.000Z',
        Title: 'sg-0abc: sg-world-open tcp/22 from 0.0.0.0/0',
        Description:
          'sg-world-open on sg-0abc: tcp/22 from 0.0.0.0/0. LayerGuard outcome: remediated: sg-0abc admits tcp/22 from 0.0.0.0/0. ' +
          'Trigger: AuthorizeSecurityGroupIngress e-1 by arn:aws:iam::111122223333:user/mallory from 203.0.113.9 at 2026-03-01T10:00:00Z.',
        FindingProviderFields: {
          Severity: { Label: 'HIGH', Original: 'sg-world-open:application' },
          Types: ['Software and Configuration Checks/AWS Security Best Practices/Network Reachability'],
        },
        Resources: [{ Type: 'AwsEc2SecurityGroup', Id: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0abc`, Partition: 'aws', Region: REGION }],
        Remediation: { Recommendation: { Text: 'LayerGuard reverted this and read it back: sg-0abc admits tcp/22 from 0.0.0.0/0.' } },
        Compliance: { Status: 'PASSED' },
        Workflow: { Status: 'RESOLVED' },
        RecordState: 'ACTIVE',
        Note: {
          Text: 'LayerGuard remediated (AuthorizeSecurityGroupIngress e-1): sg-0abc admits tcp/22 from 0.0.0.0/0',
          UpdatedBy: 'layerguard',
          UpdatedAt: '2026-03-01T10:05:00.000Z',
        },
        ProductFields: {
          'layerguard/outcome': 'remediated',
          'layerguard/eventId': 'e-1',
          'layerguard/eventName': 'AuthorizeSecurityGroupIngress',
          'layerguard/actorArn': 'arn:aws:iam::111122223333:user/mallory',
        },
      },
    ]);
  });

  it('an exemption worded without a day is still suppressed', () => {
    const [f] = toFindings(outcome('exempt', { reason: 'only exempt groups are opened' }), ctx);
    expect([f?.Workflow.Status, f?.Remediation.Recommendation.Text, f?.ProductFields['layerguard/exemptUntil']]).toEqual([
      'SUPPRESSED',
      'Exempt: only exempt groups are opened. LayerGuard reverts it once the exemption ends.',
      undefined,
    ]);
  });

  it('a trigger that names no actor, address or time, and an empty id, still make a finding', () => {
    const { actorArn: _a, sourceIp: _s, eventTime: _t, ...bare } = outcome('dry-run').trigger;
    const [f] = toFindings(outcome('dry-run', { trigger: { ...bare, eventId: '' } }), ctx);
    expect(f?.Description).toMatch(/Trigger: AuthorizeSecurityGroupIngress \.$/);
    expect(f?.ProductFields).toEqual({ 'layerguard/outcome': 'dry-run', 'layerguard/eventId': '-', 'layerguard/eventName': 'AuthorizeSecurityGroupIngress' });
  });

  it('an exempt finding carries the expiry as a product field', () => {
    const [f] = toFindings(outcome('exempt', { reason: 'rtb-0db is exempt until 2026-04-30: migration' }), ctx);
    expect(f?.ProductFields['layerguard/exemptUntil']).toBe('2026-04-30');
  });

  it('in an alert-only outcome, the reverted unit is resolved and the other needs a person', () => {
    const given = outcome('alert-only', {
      drift: [worldOpen('application', [rule('sgr-1'), rule('sgr-2', { fromPort: 3389, toPort: 3389 })])],
      actions: [revoked],
      humanAction: 'Revoke sgr-2 by hand.',
    });
    expect(toFindings(given, ctx).map((f) => [f.Id.split('/').pop(), f.Workflow.Status, f.Compliance.Status])).toEqual([
      ['sgr-1', 'RESOLVED', 'PASSED'],
      ['sgr-2', 'NEW', 'FAILED'],
    ]);
  });

  it('in a remediated outcome, a unit no action names (set aside as exempt) makes no finding', () => {
    const given = outcome('remediated', { drift: [worldOpen('application', [rule('sgr-1'), rule('sgr-2')])], actions: [revoked] });
    expect(toFindings(given, ctx).map((f) => f.Id)).toEqual([ID]);
  });

  it('an exempt group: its drift set aside is a suppressed finding with the exemption and its last day', () => {
    const exemption = 'sg-0abc is exempt until 2026-04-30: vendor load test';
    const given = outcome('exempt', { reason: exemption, drift: [], setAside: [{ drift: worldOpen('application'), reason: exemption }] });
    const findings = toFindings(given, ctx);
    expect(findings.map((f) => [f.Id, f.Workflow.Status, f.Compliance.Status, f.ProductFields['layerguard/exemptUntil']])).toEqual([
      [ID, 'SUPPRESSED', 'FAILED', '2026-04-30'],
    ]);
    expect(findings[0]?.Remediation.Recommendation.Text).toBe(`Exempt until 2026-04-30: ${exemption}. LayerGuard reverts it once the exemption ends.`);
  });

  it('an exempt group with nothing set aside (the rule asked about is not drift) makes no finding', () => {
    expect(toFindings(outcome('exempt', { reason: 'sg-0abc is exempt until 2026-04-30: x', drift: [] }), ctx)).toEqual([]);
  });

  it('beside a revert, an exemption wins over the outcome: resolved for the revert, suppressed for what it set aside', () => {
    const route = (cidrIpv4: string): Drift => ({
      kind: 'forbidden-route-on-isolated-subnet',
      routeTableId: 'rtb-0db',
      destination: { cidrIpv4 },
      target: { gatewayId: 'igw-0a' },
      subnetIds: ['subnet-0db1'],
    });
    const exemption = 'subnet-0db1 is exempt until 2026-05-01: cutover';
    const deleted = { type: 'delete-route' as const, routeTableId: 'rtb-0db', destination: { cidrIpv4: '0.0.0.0/0' }, result: 'done' as const };
    for (const status of ['remediated', 'alert-only', 'dry-run'] as const) {
      const given = outcome(status, {
        drift: [route('0.0.0.0/0'), route('198.51.100.0/24')],
        setAside: [{ drift: route('198.51.100.0/24'), reason: exemption }],
        actions: status === 'dry-run' ? [{ ...deleted, result: 'skipped' as const }] : [deleted],
      });
      const byDestination = Object.fromEntries(toFindings(given, ctx).map((f) => [f.Id.split('/').slice(-2).join('/'), f.Workflow.Status]));
      expect(byDestination['198.51.100.0/24'], status).toBe('SUPPRESSED');
      expect(byDestination['0.0.0.0/0'], status).toBe(status === 'dry-run' ? 'NEW' : 'RESOLVED');
    }
  });

  it("the evidence follow-up updates the revert's finding: still resolved, the evidence in its note and product fields", () => {
    const evidence = { status: 'used' as const, text: 'used: 3 flows from 2 public addresses (top 2: 198.51.100.7 2, 203.0.113.9 1)' };
    const given = outcome('remediated', { actions: [revoked], reason: `flow-log evidence: ${evidence.text}`, evidence });
    const [f] = toFindings(given, ctx);
    expect([f?.Id, f?.Workflow.Status, f?.ProductFields['layerguard/flowEvidence'], f?.ProductFields['layerguard/flowEvidenceText']]).toEqual([ID, 'RESOLVED', 'used', evidence.text]);
    expect(f?.Note.Text).toContain(`flow-log evidence: ${evidence.text}`);
    expect(toFindings(outcome('remediated', { actions: [revoked] }), ctx)[0]?.ProductFields).not.toHaveProperty('layerguard/flowEvidence');
  });

  it("the canary's revert makes no finding; its failure does", () => {
    const canary = { ...ctx, canaryGroupId: 'sg-0abc' };
    expect(toFindings(outcome('remediated', { actions: [revoked] }), canary)).toEqual([]);
    expect(toFindings(outcome('failed'), canary)).toHaveLength(1);
  });
});

describe('toFindings: per drift kind', () => {
  const subnets = ['subnet-0db1', 'subnet-0db2'];
  const entry = { ruleNumber: 120, egress: false, ruleAction: 'allow' as const, protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 3306, to: 3306 } };
  const cases: { drift: Drift; id: string; types: string[]; severity: string }[] = [
    { drift: worldOpen('database'), id: 'sg-world-open/sg-0abc/sgr-1', types: ['AwsEc2SecurityGroup'], severity: 'CRITICAL' },
    {
      drift: { kind: 'sg-tier-skip', groupId: 'sg-0abc', tier: 'database', rules: [rule('sgr-3', { cidrIpv4: undefined, referencedGroupId: 'sg-0web' })], reached: { 'sgr-3': 'web (sg-0web)' } },
      id: 'sg-tier-skip/sg-0abc/sgr-3',
      types: ['AwsEc2SecurityGroup'],
      severity: 'HIGH',
    },
    {
      drift: { kind: 'forbidden-route-on-isolated-subnet', routeTableId: 'rtb-0db', destination: { cidrIpv4: '0.0.0.0/0' }, target: { gatewayId: 'igw-0a' }, subnetIds: subnets },
      id: 'forbidden-route-on-isolated-subnet/rtb-0db/0.0.0.0/0',
      types: ['AwsEc2RouteTable', 'AwsEc2Subnet', 'AwsEc2Subnet'],
      severity: 'CRITICAL',
    },
    {
      drift: { kind: 'unknown-default-route-on-isolated-subnet', routeTableId: 'rtb-0db', destination: { cidrIpv6: '::/0' }, target: { networkInterfaceId: 'eni-0a' }, subnetIds: subnets },
      id: 'unknown-default-route-on-isolated-subnet/rtb-0db/::/0',
      types: ['AwsEc2RouteTable', 'AwsEc2Subnet', 'AwsEc2Subnet'],
      severity: 'HIGH',
    },
    {
      drift: { kind: 'isolated-subnet-on-internet-table', subnetId: 'subnet-0db1', associationId: 'rtbassoc-0a', routeTableId: 'rtb-0web', isolatedRouteTableId: 'rtb-0db' },
      id: 'isolated-subnet-on-internet-table/subnet-0db1',
      types: ['AwsEc2Subnet', 'AwsEc2RouteTable'],
      severity: 'CRITICAL',
    },
    {
      drift: { kind: 'internet-entry-on-isolated-acl', networkAclId: 'acl-0db', entry, subnetIds: subnets },
      id: 'internet-entry-on-isolated-acl/acl-0db/ingress-120',
      types: ['AwsEc2NetworkAcl', 'AwsEc2Subnet', 'AwsEc2Subnet'],
      severity: 'HIGH',
    },
    {
      drift: { kind: 'isolated-subnet-on-internet-acl', subnetId: 'subnet-0db1', associationId: 'aclassoc-0a', networkAclId: 'acl-0web' },
      id: 'isolated-subnet-on-internet-acl/subnet-0db1',
      types: ['AwsEc2Subnet', 'AwsEc2NetworkAcl'],
      severity: 'HIGH',
    },
    {
      drift: { kind: 'prefix-list-internet-entry', prefixListId: 'pl-0a', cidrs: ['0.0.0.0/0'], groupIds: ['sg-0app'], referencedBy: ['sg-0app'] },
      id: 'prefix-list-internet-entry/pl-0a/0.0.0.0/0',
      types: ['Other', 'AwsEc2SecurityGroup'],
      severity: 'HIGH',
    },
    {
      drift: { kind: 'prefix-list-tier-entry', prefixListId: 'pl-0a', cidrs: ['10.0.1.0/24'], groupIds: ['sg-0db'], reached: { '10.0.1.0/24': 'web (subnet-0a) into sg-0db (database)' }, referencedBy: ['sg-0db'] },
      id: 'prefix-list-tier-entry/pl-0a/10.0.1.0/24',
      types: ['Other', 'AwsEc2SecurityGroup'],
      severity: 'MEDIUM',
    },
  ];
  it.each(cases)('$drift.kind', ({ drift, id, types, severity }) => {
    const [f] = toFindings(outcome('dry-run', { drift: [drift] }), ctx);
    expect(f?.Id).toBe(`layerguard/${ACCOUNT}/${REGION}/${id}`);
    expect(f?.GeneratorId).toBe(`layerguard/${drift.kind}`);
    expect(f?.Resources.map((r) => r.Type)).toEqual(types);
    expect(f?.Resources[0]?.Id).toMatch(new RegExp(`^arn:aws:ec2:${REGION}:${ACCOUNT}:(security-group|route-table|subnet|network-acl|prefix-list)/`));
    expect(f?.FindingProviderFields.Severity.Label).toBe(severity);
  });

  it('each reverted unit of a kind is matched by its own action', () => {
    const done = { result: 'done' as const };
    const [route, placement, aclEntry, aclPlacement, list] = [cases[2], cases[4], cases[5], cases[6], cases[7]].map((c) => c?.drift as Drift);
    const given = outcome('remediated', {
      drift: [route, placement, aclEntry, aclPlacement, list] as Drift[],
      actions: [
        { type: 'delete-route', routeTableId: 'rtb-0db', destination: { cidrIpv4: '0.0.0.0/0' }, ...done },
        { type: 'associate-subnet', subnetId: 'subnet-0db1', fromRouteTableId: 'rtb-0web', toRouteTableId: 'rtb-0db', ...done },
        { type: 'delete-nacl-entry', networkAclId: 'acl-0db', ruleNumber: 120, egress: false, ...done },
        { type: 'replace-nacl-association', associationId: 'aclassoc-0a', subnetId: 'subnet-0db1', fromNetworkAclId: 'acl-0web', toNetworkAclId: 'acl-0db', ...done },
        { type: 'remove-prefix-list-entries', prefixListId: 'pl-0a', cidrs: ['0.0.0.0/0'], result: 'already-gone' },
      ],
    });
    expect(toFindings(given, ctx).map((f) => f.Workflow.Status)).toEqual(['RESOLVED', 'RESOLVED', 'RESOLVED', 'RESOLVED', 'RESOLVED']);
  });

  it('an egress entry, a replaced association and an entry with no landing named are matched too', () => {
    const egress = { ruleNumber: 90, egress: true, ruleAction: 'allow' as const, protocol: '-1', cidrIpv4: '0.0.0.0/0' };
    const given = outcome('remediated', {
      drift: [
        { kind: 'internet-entry-on-isolated-acl', networkAclId: 'acl-0db', entry: egress, subnetIds: [] },
        { kind: 'isolated-subnet-on-internet-table', subnetId: 'subnet-0db1', associationId: 'rtbassoc-0a', routeTableId: 'rtb-0web' },
        { kind: 'prefix-list-tier-entry', prefixListId: 'pl-0a', cidrs: ['10.0.1.0/24'], groupIds: ['eni-0odd'], reached: {}, referencedBy: [] },
      ],
      actions: [
        { type: 'delete-nacl-entry', networkAclId: 'acl-0db', ruleNumber: 90, egress: true, result: 'done' },
        { type: 'replace-association', associationId: 'rtbassoc-0a', subnetId: 'subnet-0db1', fromRouteTableId: 'rtb-0web', toRouteTableId: 'rtb-0db', result: 'done' },
        { type: 'remove-prefix-list-entries', prefixListId: 'pl-0a', cidrs: ['10.0.1.0/24'], result: 'done' },
      ],
    });
    const findings = toFindings(given, ctx);
    expect(findings.map((f) => [f.Id.split('/').slice(3).join('/'), f.Workflow.Status])).toEqual([
      ['internet-entry-on-isolated-acl/acl-0db/egress-90', 'RESOLVED'],
      ['isolated-subnet-on-internet-table/subnet-0db1', 'RESOLVED'],
      ['prefix-list-tier-entry/pl-0a/10.0.1.0/24', 'RESOLVED'],
    ]);
    expect(findings[2]?.Title).toBe('pl-0a: prefix-list-tier-entry entry 10.0.1.0/24 (another tier)');
    // A resource of no kind ASFF or LayerGuard names is filed as Other.
    expect(findings[2]?.Resources[1]).toEqual({ Type: 'Other', Id: `arn:aws:ec2:${REGION}:${ACCOUNT}:resource/eni-0odd`, Partition: 'aws', Region: REGION });
  });

  it('a skipped action reverts nothing', () => {
    const given = outcome('alert-only', { actions: [{ ...revoked, result: 'skipped' }] });
    expect(toFindings(given, ctx).map((f) => f.Workflow.Status)).toEqual(['NEW']);
  });
});

describe('severity', () => {
  it.each([
    ['web', 'MEDIUM'],
    ['application', 'HIGH'],
    ['database', 'CRITICAL'],
    [undefined, 'HIGH'],
  ])('world-open ingress on the %s tier is %s', (tier, label) => {
    const [f] = toFindings(outcome('dry-run', { drift: [worldOpen(tier)] }), ctx);
    expect(f?.FindingProviderFields.Severity.Label).toBe(label);
  });

  it('database above application above web, for world-open ingress', () => {
    const rank = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
    const of = (place: 'outermost' | 'middle' | 'innermost') => rank.indexOf(SEVERITY['sg-world-open'][place]);
    expect(of('innermost')).toBeGreaterThan(of('middle'));
    expect(of('middle')).toBeGreaterThan(of('outermost'));
  });

  it('places tiers by their position in the chain, whatever their names', () => {
    const chain = ['dmz', 'core', 'vault'];
    expect([tierPlace('dmz', chain), tierPlace('core', chain), tierPlace('vault', chain), tierPlace('web', chain)]).toEqual([
      'outermost',
      'middle',
      'innermost',
      'none',
    ]);
    expect(tierPlace('only', ['only'])).toBe('innermost');
  });
});

describe('finding Id', () => {
  const idOf = (given: Outcome, context = ctx) => toFindings(given, context).map((f) => f.Id);

  it('is the same for two spellings of one drift', () => {
    const route = (cidrIpv6: string, routeTableId: string): Drift => ({
      kind: 'forbidden-route-on-isolated-subnet',
      routeTableId,
      destination: { cidrIpv6 },
      target: { gatewayId: 'igw-0a' },
      subnetIds: ['subnet-0db1'],
    });
    const a = idOf(outcome('dry-run', { drift: [route('2001:DB8:0::/32', 'rtb-0DB')] }));
    const b = idOf(outcome('dry-run', { drift: [route('2001:db8::5/32', 'rtb-0db')] }));
    expect(a).toEqual([`layerguard/${ACCOUNT}/${REGION}/forbidden-route-on-isolated-subnet/rtb-0db/2001:db8::/32`]);
    expect(b).toEqual(a);
    const list = (cidr: string): Drift => ({ kind: 'prefix-list-internet-entry', prefixListId: 'pl-0a', cidrs: [cidr], groupIds: [], referencedBy: [] });
    expect(idOf(outcome('dry-run', { drift: [list('0.0.0.0/0')] }))).toEqual(idOf(outcome('dry-run', { drift: [list('10.9.9.9/0')] })));
  });

  it('is the same for two outcomes of one drift, and for a redelivery', () => {
    const first = idOf(outcome('dry-run'));
    expect(idOf(outcome('remediated', { actions: [revoked], eventId: 'e-2' }))).toEqual(first);
    expect(idOf(outcome('alert-only'))).toEqual(first);
    expect(idOf(outcome('dry-run'), { ...ctx, now: new Date('2026-03-02T00:00:00Z') })).toEqual(first);
  });

  it('differs for two drifts', () => {
    const two = idOf(outcome('dry-run', { drift: [worldOpen('application', [rule('sgr-1'), rule('sgr-2')])] }));
    expect(new Set(two).size).toBe(2);
    const tierSkip: Drift = { kind: 'sg-tier-skip', groupId: 'sg-0abc', tier: 'database', rules: [rule('sgr-1')], reached: {} };
    expect(idOf(outcome('dry-run', { drift: [tierSkip] }))).not.toEqual(idOf(outcome('dry-run')));
    const elsewhere = (patch: Partial<Outcome['trigger']>) => idOf(outcome('dry-run', { trigger: { ...outcome('dry-run').trigger, ...patch } }));
    expect(elsewhere({ account: '444455556666' })).not.toEqual(idOf(outcome('dry-run')));
    expect(elsewhere({ region: 'eu-central-1' })).not.toEqual(idOf(outcome('dry-run')));
  });

  it('one unit named twice in an outcome is one finding', () => {
    expect(idOf(outcome('dry-run', { drift: [worldOpen('application'), worldOpen('application')] }))).toEqual([ID]);
  });

  it('stays within 512 characters, readable while it fits', () => {
    const unit = unitsOf(worldOpen())[0];
    if (!unit) throw new Error('no unit');
    expect(findingId(ACCOUNT, REGION, unit)).toBe(ID);
    const long = findingId(ACCOUNT, REGION, { ...unit, detail: 'x'.repeat(600) });
    expect(long).toMatch(new RegExp(`^layerguard/${ACCOUNT}/${REGION}/sg-world-open/sha256-[0-9a-f]{64}$`));
    expect(long.length).toBeLessThanOrEqual(ASFF_MAX.id);
  });
});

describe('bounds and places', () => {
  it('keeps every text within ASFF length limits', () => {
    const long = 'x'.repeat(5000);
    const given = outcome('alert-only', { reason: long, humanAction: long, trigger: { ...outcome('dry-run').trigger, actorArn: long } });
    const [f] = toFindings(given, ctx);
    expect(f?.Title.length).toBeLessThanOrEqual(ASFF_MAX.title);
    expect(f?.Description.length).toBeLessThanOrEqual(ASFF_MAX.description);
    expect(f?.Remediation.Recommendation.Text.length).toBeLessThanOrEqual(ASFF_MAX.recommendation);
    expect(f?.Note.Text.length).toBeLessThanOrEqual(ASFF_MAX.note);
    for (const value of Object.values(f?.ProductFields ?? {})) expect(value.length).toBeLessThanOrEqual(ASFF_MAX.productField);
  });

  it('names at most 32 resources', () => {
    const subnetIds = Array.from({ length: 40 }, (_, i) => `subnet-0${i}`);
    const drift: Drift = { kind: 'forbidden-route-on-isolated-subnet', routeTableId: 'rtb-0db', destination: { cidrIpv4: '0.0.0.0/0' }, target: { gatewayId: 'igw-0a' }, subnetIds };
    const [f] = toFindings(outcome('dry-run', { drift: [drift] }), ctx);
    expect(f?.Resources).toHaveLength(ASFF_MAX.resources);
  });

  it("files a runbook's drift (no account, region or time in the trigger) in the function's own", () => {
    const { account: _a, region: _r, eventTime: _t, ...bare } = outcome('dry-run').trigger;
    const [f] = toFindings(outcome('dry-run', { trigger: bare }), { ...ctx, region: 'cn-north-1' });
    expect([f?.AwsAccountId, f?.ProductArn, f?.Resources[0]?.Partition, f?.CreatedAt]).toEqual([
      '999988887777',
      'arn:aws-cn:securityhub:cn-north-1:999988887777:product/999988887777/default',
      'aws-cn',
      NOW.toISOString(),
    ]);
  });

  it('makes no finding without a 12-digit account or a region', () => {
    const trigger = outcome('dry-run').trigger;
    expect(toFindings(outcome('dry-run', { trigger: { ...trigger, account: 'not-an-account' } }), ctx)).toEqual([]);
    const { region: _r, ...noRegion } = trigger;
    expect(toFindings(outcome('dry-run', { trigger: noRegion }), { now: NOW })).toEqual([]);
  });

  it('never dates a change after now (a clock ahead) nor by an unreadable time', () => {
    const at = (eventTime: string) => toFindings(outcome('dry-run', { trigger: { ...outcome('dry-run').trigger, eventTime } }), ctx)[0]?.CreatedAt;
    expect(at('2030-01-01T00:00:00Z')).toBe(NOW.toISOString());
    expect(at('yesterday')).toBe(NOW.toISOString());
  });
});
