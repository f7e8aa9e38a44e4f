import { CreateLoadBalancerCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSecurityGroupRulesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizeIngressRecord, eventBridgeEnvelope } from '../../events/generator/cloudtrail.js';
import { motoEndpoint } from '../support/moto.js';
import { groupIn, motoCliEnv, openToWorld, run, tempDir, twoSubnets, vpcWithGroup, writeJson } from './support.js';

/*
 * The public tier as AWS shows it, against moto: a group attached to an internet-facing load
 * balancer may be open on the allowed ports without a tag; the same group without the load
 * balancer is drift. Each test sweeps only its own VPC (moto is shared).
 */

const endpoint = motoEndpoint();
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

describe.skipIf(!endpoint)('the public tier by load balancer (moto)', { timeout: 120_000 }, () => {
  let ec2: EC2Client;
  let elbv2: ElasticLoadBalancingV2Client;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    env = motoCliEnv(endpoint as string);
    ec2 = new EC2Client({ endpoint, region: 'us-east-1', credentials });
    elbv2 = new ElasticLoadBalancingV2Client({ endpoint, region: 'us-east-1', credentials });
  });
  const rules = async (groupId: string) =>
    (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [];

  async function vpcWithBalancedGroup(scheme: 'internet-facing' | 'internal') {
    const { vpcId, groupId: balanced } = await vpcWithGroup(ec2);
    const alone = await groupIn(ec2, vpcId);
    await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: `lg-${Math.random().toString(36).slice(2, 10)}`,
        Subnets: await twoSubnets(ec2, vpcId),
        SecurityGroups: [balanced],
        Scheme: scheme,
        Type: 'application',
      }),
    );
    return { vpcId, balanced, alone, balancedRule: await openToWorld(ec2, balanced, 443), aloneRule: await openToWorld(ec2, alone, 443) };
  }

  it("sweep --apply: the internet-facing load balancer's group open on 443 is left alone, the same rule on a group without it is reverted", async () => {
    const { vpcId, balanced, alone, balancedRule, aloneRule } = await vpcWithBalancedGroup('internet-facing');
    const r = await run(['sweep', '--vpc-id', vpcId, '--apply', '--yes', '--json'], env, { cwd: tempDir() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.outcomes.map((o: { resources: string[]; outcome: string }) => [o.resources[0], o.outcome])).toEqual([[alone, 'remediated']]);
    expect((await rules(balanced)).some((x) => x.SecurityGroupRuleId === balancedRule)).toBe(true);
    expect((await rules(alone)).some((x) => x.SecurityGroupRuleId === aloneRule)).toBe(false);
  });

  it('an internal load balancer does not make the public tier: both are reverted', async () => {
    const { vpcId, balanced, alone } = await vpcWithBalancedGroup('internal');
    const r = await run(['sweep', '--vpc-id', vpcId, '--apply', '--yes', '--json'], env, { cwd: tempDir() });
    expect(r.code).toBe(0);
    const reverted = JSON.parse(r.stdout).outcomes.filter((o: { outcome: string }) => o.outcome === 'remediated').map((o: { resources: string[] }) => o.resources[0]);
    expect(reverted.sort()).toEqual([balanced, alone].sort());
  });

  it('publicTier.internetFacingLoadBalancers off: tags only, the balanced group is reverted too', async () => {
    const { vpcId, balanced } = await vpcWithBalancedGroup('internet-facing');
    const dir = tempDir();
    writeJson(dir, 'layerguard.config.json', { policy: { publicTier: { internetFacingLoadBalancers: false } } });
    const r = await run(['sweep', '--vpc-id', vpcId, '--json'], env, { cwd: dir });
    const flagged = JSON.parse(r.stdout).outcomes.map((o: { resources: string[] }) => o.resources[0]);
    expect(flagged).toContain(balanced);
  });

  it('replay --target aws: the decision says the group is public by its load balancer', async () => {
    const { balanced, balancedRule } = await vpcWithBalancedGroup('internet-facing');
    const record = authorizeIngressRecord(
      balanced,
      [{ ruleId: balancedRule, groupId: balanced, isEgress: false, protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }],
      { account: '123456789012', region: 'us-east-1' },
    );
    const file = writeJson(tempDir(), 'event.json', eventBridgeEnvelope(record));
    const r = await run(['replay', file, '--target', 'aws', '--json'], env, { cwd: tempDir() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.outcome).toBe('ignored');
    expect(out.reason).toMatch(new RegExp(`^${balanced} is the public tier \\(attached to the internet-facing load balancer lg-\\w+\\) and the rule is on an allowed port$`));
  });
});
