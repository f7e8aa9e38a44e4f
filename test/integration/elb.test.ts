import { CreateLoadBalancerCommand as CreateClassicCommand, ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { CreateLoadBalancerCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoadBalancerReader } from '../../functions/adapters/elb.js';
import { internetFacingByGroup } from '../../functions/pipeline/public-tier.js';
import { motoEndpoint, useMoto } from '../support/moto.js';
import { groupIn, twoSubnets, vpcWithGroup } from '../cli/support.js';

/*
 * The load balancer reader over real HTTP against moto 5.2: ELBv2 and Classic DescribeLoadBalancers,
 * their `Scheme` and `SecurityGroups` (the SDK models' `LoadBalancer` and `LoadBalancerDescription`).
 * Other files share moto: each test makes its own VPC and names, and looks only at those.
 */

const endpoint = motoEndpoint();
const unique = (p: string) => `${p}${Math.random().toString(36).slice(2, 10)}`;

describe.skipIf(!endpoint)(`load balancer reader against moto (${endpoint ?? 'unavailable'})`, () => {
  useMoto();
  let ec2: EC2Client;
  let elbv2: ElasticLoadBalancingV2Client;
  let classic: ElasticLoadBalancingClient;
  beforeAll(() => {
    ec2 = new EC2Client({});
    elbv2 = new ElasticLoadBalancingV2Client({});
    classic = new ElasticLoadBalancingClient({});
  });

  it('reads v2 and Classic load balancers with their scheme and groups; only internet-facing ones make the public tier', async () => {
    const { vpcId, groupId: publicGroup } = await vpcWithGroup(ec2);
    const internalGroup = await groupIn(ec2, vpcId);
    const classicGroup = await groupIn(ec2, vpcId);
    const subnets = await twoSubnets(ec2, vpcId);
    const alb = unique('lg-alb-');
    const internal = unique('lg-int-');
    const old = unique('lg-clb-');
    await elbv2.send(new CreateLoadBalancerCommand({ Name: alb, Subnets: subnets, SecurityGroups: [publicGroup], Scheme: 'internet-facing', Type: 'application' }));
    await elbv2.send(new CreateLoadBalancerCommand({ Name: internal, Subnets: subnets, SecurityGroups: [internalGroup], Scheme: 'internal', Type: 'application' }));
    await classic.send(
      new CreateClassicCommand({
        LoadBalancerName: old,
        Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 80 }],
        Subnets: [subnets[0] as string],
        SecurityGroups: [classicGroup],
        Scheme: 'internet-facing',
      }),
    );

    const all = await createLoadBalancerReader(elbv2, classic)();
    const mine = all.filter((lb) => [alb, internal, old].includes(lb.name));
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: alb, kind: 'application', internetFacing: true, securityGroupIds: [publicGroup] }),
        expect.objectContaining({ name: internal, kind: 'application', internetFacing: false, securityGroupIds: [internalGroup] }),
        expect.objectContaining({ name: old, kind: 'classic', internetFacing: true, securityGroupIds: [classicGroup] }),
      ]),
    );
    const index = internetFacingByGroup(all);
    expect(index.get(publicGroup)).toEqual([alb]);
    expect(index.get(classicGroup)).toEqual([old]);
    expect(index.has(internalGroup)).toBe(false);
  });
});
