import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateLoadBalancerCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSubnetCommand, DescribeSecurityGroupRulesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizeIngressRecord } from '../../events/generator/cloudtrail.js';
import { dayFrom } from '../../functions/core/exemption.js';
import { EVENTS_DIR } from '../support/events.js';
import { motoEndpoint } from '../support/moto.js';
import { groupIn, motoCliEnv, openToWorld, run, tempDir, twoSubnets, vpcWithGroup, writeJson } from './support.js';

/*
 * `layerguard check` (the pre-flight) and `layerguard backtest` (the account's own history), as a
 * user runs them: against moto for the live state, and on CloudTrail's own file formats.
 */

const endpoint = motoEndpoint();
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const MOTO_ACCOUNT = '123456789012';
const recordOf = (sample: string) => {
  const doc = JSON.parse(readFileSync(join(EVENTS_DIR, `${sample}.json`), 'utf8'));
  return doc.detail ?? doc;
};

describe.skipIf(!endpoint)('layerguard check (moto)', { timeout: 120_000 }, () => {
  let ec2: EC2Client;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    env = motoCliEnv(endpoint as string);
    ec2 = new EC2Client({ endpoint, region: 'us-east-1', credentials });
  });

  it('--json counts what the policy sees and what enforcing now would revert; exit 1 when it would', async () => {
    const { vpcId, groupId: web } = await vpcWithGroup(ec2, { Tier: 'Web' });
    const balanced = await groupIn(ec2, vpcId);
    const stray = await groupIn(ec2, vpcId);
    const app = await groupIn(ec2, vpcId);
    const exempt = await groupIn(ec2, vpcId, { 'layerguard:exempt': `until=${dayFrom(new Date(), 30)};reason=vendor test` });
    const subnets = await twoSubnets(ec2, vpcId);
    const elbv2 = new ElasticLoadBalancingV2Client({ endpoint, region: 'us-east-1', credentials });
    await elbv2.send(
      new CreateLoadBalancerCommand({ Name: `lg-${Math.random().toString(36).slice(2, 10)}`, Subnets: subnets, SecurityGroups: [balanced], Scheme: 'internet-facing' }),
    );
    await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: '10.42.9.0/24',
        TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Tier', Value: 'Database' }] }],
      }),
    );
    for (const g of [web, balanced, stray]) await openToWorld(ec2, g, 443);
    const sshRule = await openToWorld(ec2, app, 22);
    await openToWorld(ec2, exempt, 22);

    const r = await run(['check', '--vpc-id', vpcId, '--json'], env, { cwd: tempDir() });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ account: MOTO_ACCOUNT, region: 'us-east-1', mode: 'enforce', wouldChange: true });
    expect(report.counts).toEqual({
      vpcs: 1,
      webTierByTag: 1,
      webTierByLoadBalancer: 1,
      isolatedSubnets: 1,
      exemptions: 1,
      wouldRevert: 2,
      // The database subnet is on the VPC's default ACL, which allows all traffic from 0.0.0.0/0, and other
      // subnets share it: no entry may go, and the VPC has no isolated ACL to move it to (a person must act).
      alertOnly: 1,
      failed: 0,
      warnings: 1,
    });
    const [vpc] = report.vpcs;
    expect(vpc.webTier.byTag).toEqual([web]);
    expect(vpc.webTier.byLoadBalancer).toEqual([{ groupId: balanced, loadBalancers: [expect.stringMatching(/^lg-/)] }]);
    expect(vpc.exemptions).toEqual([expect.objectContaining({ resource: exempt, exempt: true, reason: 'vendor test' })]);
    expect(vpc.wouldRevert.map((f: { resources: string[] }) => f.resources[0]).sort()).toEqual([app, stray].sort());
    expect(JSON.stringify(vpc.needsPerson)).toMatch(/isolated subnet subnet-\w+ is on acl-\w+: acl-\w+ admits rule 100: allow all traffic from 0.0.0.0\/0/);
    expect(vpc.warnings).toEqual([expect.stringMatching(new RegExp(`^${stray} is open on 443 and attached to nothing internet-facing`))]);
    // Read-only: the drift is still there.
    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [app] }] }));
    expect(rules.SecurityGroupRules?.some((x) => x.SecurityGroupRuleId === sshRule)).toBe(true);
  });

  it('a clean VPC: exit 0, and a warning when no subnet is isolated', async () => {
    const { vpcId } = await vpcWithGroup(ec2);
    const r = await run(['check', '--vpc-id', vpcId, '--json'], env, { cwd: tempDir() });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.counts).toMatchObject({ vpcs: 1, wouldRevert: 0, isolatedSubnets: 0, warnings: 1 });
    expect(report.vpcs[0].warnings).toEqual([`no isolated subnet found in ${vpcId}: tag them \`Tier=Database\` (nothing in this VPC is guarded as the database tier)`]);
  });

  it('a VPC that does not exist: not found, exit 2', async () => {
    const r = await run(['check', '--vpc-id', 'vpc-0123456789abcdef0'], env, { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`vpc-0123456789abcdef0 not found in account ${MOTO_ACCOUNT}, region us-east-1`);
  });
});

describe('layerguard backtest on CloudTrail files', { timeout: 120_000 }, () => {
  const records = [
    recordOf('AuthorizeSecurityGroupIngress/world-open-ssh'),
    recordOf('AuthorizeSecurityGroupIngress/narrow-cidr'),
    recordOf('AuthorizeSecurityGroupIngress/failed-call'),
    recordOf('CreateRoute/igw-on-database-table'),
    // A call LayerGuard does not watch: read, counted, not judged.
    { ...recordOf('AuthorizeSecurityGroupIngress/world-open-ssh'), eventName: 'DescribeInstances', eventID: 'd0000000-0000-4000-8000-000000000001' },
  ];

  it('a gzipped trail file of several records: --json summary per outcome, drift kind, account and region; a Markdown report', async () => {
    const dir = tempDir();
    const file = join(dir, '111122223333_CloudTrail_us-east-1_20260101T0000Z_abc.json.gz');
    writeFileSync(file, gzipSync(JSON.stringify({ Records: records })));
    const report = join(dir, 'backtest.md');
    const r = await run(['backtest', file, '--json', '--report', report], undefined, { cwd: dir });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ events: 4, read: 5, unwatched: 1, target: 'simulated', mode: 'enforce', unreadable: [] });
    expect(s.byOutcome).toMatchObject({ remediated: 2, ignored: 2 });
    expect(s.byDrift['sg-world-open'].events).toBe(1);
    expect(s.byDrift['forbidden-route-on-isolated-subnet'].events).toBe(1);
    expect(s.byDrift.none).toMatchObject({ events: 2, byOutcome: { ignored: 2 } });
    expect(Object.keys(s.accounts)).toEqual(['111122223333']);
    expect(s.accounts['111122223333'].events).toBe(4);
    expect(Object.keys(s.regions)).toEqual(['us-east-1']);
    const md = readFileSync(report, 'utf8');
    expect(md).toMatch(/^# LayerGuard backtest/);
    expect(md).toContain('| remediated | 2 |');
  });

  it('a folder, lookup-events output and standard input read the same events', async () => {
    const dir = tempDir();
    writeJson(dir, 'a.json', { Records: records.slice(0, 2) });
    writeFileSync(join(dir, 'b.json.gz'), gzipSync(JSON.stringify({ Records: records.slice(2) })));
    const folder = JSON.parse((await run(['backtest', dir, '--json'])).stdout);
    const lookup = writeJson(tempDir(), 'lookup.json', { Events: records.map((x) => ({ EventId: x.eventID, CloudTrailEvent: JSON.stringify(x) })) });
    const fromLookup = JSON.parse((await run(['backtest', lookup, '--json'])).stdout);
    const fromStdin = JSON.parse((await run(['backtest', '--json'], undefined, { input: JSON.stringify({ Records: records }) })).stdout);
    for (const s of [folder, fromLookup, fromStdin]) expect(s).toMatchObject({ events: 4, read: 5, byOutcome: { remediated: 2, ignored: 2 } });
  });

  it('explain and replay read a trail file too (one answer per record)', async () => {
    const file = writeJson(tempDir(), 'trail.json', { Records: records.slice(0, 2) });
    const explained = (await run(['explain', file, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    // The narrow CIDR matches too: the security-group rule passes every IPv4 CIDR while tiers are judged.
    expect(explained.map((e) => e.triggers)).toEqual([['security-group'], ['security-group']]);
    const replayed = (await run(['replay', file, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(replayed.map((o) => [o.file, o.outcome])).toEqual([
      [`${file}#1`, 'remediated'],
      [`${file}#2`, 'ignored'],
    ]);
  });

  it.skipIf(!endpoint)('--target aws: judged against the live state, read-only (moto)', async () => {
    const env = motoCliEnv(endpoint as string);
    const ec2 = new EC2Client({ endpoint, region: 'us-east-1', credentials });
    const { groupId } = await vpcWithGroup(ec2);
    const ruleId = await openToWorld(ec2, groupId, 22);
    const live = authorizeIngressRecord(
      groupId,
      [{ ruleId, groupId, isEgress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
      { account: MOTO_ACCOUNT, region: 'us-east-1' },
    );
    const dir = tempDir();
    const file = join(dir, 'trail.json.gz');
    writeFileSync(file, gzipSync(JSON.stringify({ Records: [live, records[1]] })));
    const r = await run(['backtest', file, '--target', 'aws', '--json'], env, { cwd: dir });
    expect(r.code).toBe(0);
    // The narrow sample's group is not in moto: read live (its CIDR may name a tier), it no longer exists.
    expect(JSON.parse(r.stdout)).toMatchObject({
      events: 2,
      target: 'aws',
      byOutcome: { 'dry-run': 1, 'already-compliant': 1 },
      accounts: { [MOTO_ACCOUNT]: { events: 1 } },
    });
    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
    expect(rules.SecurityGroupRules?.some((x) => x.SecurityGroupRuleId === ruleId)).toBe(true);
  });
});
