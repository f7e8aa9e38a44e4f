import 'aws-sdk-client-mock-vitest/extend';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand as DescribeClassicLoadBalancersCommand, ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeAccountCommand, ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OUS_TTL_MS } from '../../functions/adapters/organizations.js';
import { createAwsReach, withAccessErrors } from '../../functions/adapters/reach.js';
import { AccountAccessError, AwsCallError, LayerGuardError } from '../../functions/core/errors.js';
import type { NetworkApi } from '../../functions/core/network.js';
import { parseOrganization } from '../../functions/core/organization.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';

/**
 * The reach: which network answers for which account and region, that each is built once, and that a
 * member's access errors name the member role. EC2, the load balancers and Organizations are mocked
 * (mockClient patches the classes, so the reach's own clients are mocked too).
 */

const ec2 = mockClient(EC2Client);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const classic = mockClient(ElasticLoadBalancingClient);
const orgs = mockClient(OrganizationsClient);
afterEach(() => {
  ec2.reset();
  elbv2.reset();
  classic.reset();
  orgs.reset();
});

const HUB = '111122223333';
const B = '222233334444';
const ROLE_B = `arn:aws:iam::${B}:role/layerguard-member`;
const ORG = parseOrganization({ id: 'o-a1b2c3d4e5', hub: { account: HUB, region: 'us-east-1' }, memberRegions: ['us-east-1'] }, DEFAULT_POLICY);
// EC2's error for a call the caller's policy does not allow (EC2 API reference, "Error codes": UnauthorizedOperation).
const unauthorized = () => Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
const noLoadBalancers = () => {
  elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
  classic.on(DescribeClassicLoadBalancersCommand).resolves({ LoadBalancerDescriptions: [] });
};

describe('withAccessErrors', () => {
  const ROLE = 'arn:aws:iam::222233334444:role/m';

  it('names the member role in the message of the access error it makes', async () => {
    const network = {
      getSecurityGroup: async () => {
        throw new AwsCallError('DescribeSecurityGroups', 'UnauthorizedOperation', 'You are not authorized');
      },
    } as unknown as NetworkApi;
    const error = await withAccessErrors(network, B, ROLE, 'eu-west-1').getSecurityGroup({ groupId: 'sg-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccountAccessError);
    // (The message repeats the inner error's "<operation> failed: <code>:" prefix; reported, not pinned here.)
    expect((error as Error).message).toMatch(new RegExp(`^DescribeSecurityGroups failed: UnauthorizedOperation: ${ROLE}: .*You are not authorized$`));
  });

  it('passes an access error that already names its step, and a denial that is not an AwsCallError, as they are', async () => {
    const assumeRole = new AccountAccessError('assume-role', B, ROLE, 'sts:AssumeRole', 'AccessDenied', 'not authorized to perform: sts:AssumeRole');
    const raw = Object.assign(new Error('denied'), { name: 'AccessDenied' });
    const network = {
      getSecurityGroup: async () => {
        throw assumeRole;
      },
      listRules: async () => {
        throw raw;
      },
    } as unknown as NetworkApi;
    const wrapped = withAccessErrors(network, B, ROLE, 'eu-west-1');
    await expect(wrapped.getSecurityGroup({ groupId: 'sg-1' })).rejects.toBe(assumeRole);
    await expect(wrapped.listRules('sg-1')).rejects.toBe(raw);
  });

  it('leaves what is not a call alone: a property is read as it is, a synchronous answer is returned as it is', () => {
    const answer = { ok: true };
    const network = { region: 'eu-west-1', describe: () => answer, count: () => 3 } as unknown as NetworkApi;
    const wrapped = withAccessErrors(network, B, ROLE, 'eu-west-1') as unknown as { region: string; describe(): unknown; count(): unknown };
    expect(wrapped.region).toBe('eu-west-1');
    expect(wrapped.describe()).toBe(answer);
    expect(wrapped.count()).toBe(3);
  });
});

describe('createAwsReach without an organisation', () => {
  it('answers for its own account only, one network per region, built once, with a load balancer reader', async () => {
    noLoadBalancers();
    const reach = createAwsReach({ account: HUB, functionName: 'test' });
    expect(reach.account).toBe(HUB);
    expect(reach.organization).toBeUndefined();
    const east = reach.network('us-east-1');
    expect(east).toBeDefined();
    expect(reach.network('us-east-1')).toBe(east);
    expect(reach.network('us-east-1', HUB)).toBe(east);
    expect(reach.network('eu-west-1')).not.toBe(east);
    expect(await east.listLoadBalancers()).toEqual([]);
    expect(() => reach.network('us-east-1', B)).toThrow(LayerGuardError);
    expect(() => reach.network('us-east-1', B)).toThrow(`account ${B} is not reachable from account ${HUB}: no organisation is configured`);
  });

  it('with no account known, takes any account for its own', () => {
    const reach = createAwsReach({ functionName: 'cli' });
    expect(reach.account).toBeUndefined();
    expect('account' in reach).toBe(false);
    const east = reach.network('us-east-1');
    expect(reach.network('us-east-1', B)).toBe(east);
  });
});

describe('createAwsReach from a hub', () => {
  it("is the hub's account unless told otherwise, with the organisation's OUs and names", async () => {
    let now = Date.parse('2026-05-01T10:00:00Z');
    orgs.on(ListParentsCommand, { ChildId: B }).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
    orgs.on(DescribeAccountCommand, { AccountId: B }).resolves({ Account: { Id: B, Name: 'workloads' } });
    const reach = createAwsReach({ organization: ORG, functionName: 'test', now: () => now });
    expect(reach.account).toBe(HUB);
    expect(reach.organization).toBe(ORG);
    expect(await reach.ous?.(B)).toEqual([]);
    expect(await reach.alias?.(B)).toBe('workloads');
    // The OU cache runs on the reach's clock.
    now += OUS_TTL_MS;
    await reach.ous?.(B);
    expect(orgs).toHaveReceivedCommandTimes(ListParentsCommand, 2);
    expect(createAwsReach({ account: B, organization: ORG, functionName: 'test' }).account).toBe(B);
  });

  it("an OU read that fails names the member role the hub would assume", async () => {
    orgs.on(ListParentsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const reach = createAwsReach({ organization: ORG, functionName: 'test' });
    await expect(reach.ous?.(B)).rejects.toMatchObject({ name: 'AccountAccessError', step: 'organization-units', roleArn: ROLE_B });
  });

  it("reaches the hub with its own credentials and a member through its role, one network per account and region", async () => {
    noLoadBalancers();
    ec2.on(DescribeSecurityGroupsCommand).rejects(unauthorized());
    const reach = createAwsReach({ organization: ORG, functionName: 'test' });
    const own = reach.network('us-east-1');
    expect(reach.network('us-east-1', HUB)).toBe(own);
    expect(reach.network('eu-west-1')).not.toBe(own);
    const member = reach.network('us-east-1', B);
    expect(member).not.toBe(own);
    expect(reach.network('us-east-1', B)).toBe(member);
    expect(reach.network('eu-west-1', B)).not.toBe(member);
    expect(await member.listLoadBalancers()).toEqual([]);
    // The hub's own denial is not a member's: it passes as an AwsCallError, not an AccountAccessError.
    const ownError = await own.getSecurityGroup({ groupId: 'sg-0abc1234' }).catch((e: unknown) => e);
    expect(ownError).toBeInstanceOf(AwsCallError);
    expect(ownError).not.toBeInstanceOf(AccountAccessError);
    const memberError = await member.getSecurityGroup({ groupId: 'sg-0abc1234' }).catch((e: unknown) => e);
    expect(memberError).toBeInstanceOf(AccountAccessError);
    expect(memberError).toMatchObject({ step: 'member-permission', account: B, roleArn: ROLE_B, region: 'us-east-1' });
  });
});

describe('createAwsReach, the member credentials', () => {
  it("are cached on the reach's clock: credentials it takes for expired are assumed again for the next client", async () => {
    const sts = mockClient(STSClient);
    const real = Date.now();
    // Valid for an hour by the wall clock; the reach's clock is two hours on, so it takes them for expired.
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'K', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(real + 3600_000) } });
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:9');
    // Real EC2 clients (their own middleware resolves the credentials); nothing listens on port 9.
    ec2.restore();
    try {
      const reach = createAwsReach({ organization: ORG, functionName: 'test', now: () => real + 7200_000 });
      await reach.network('us-east-1', B).getSecurityGroup({ groupId: 'sg-0abc1234' }).catch(() => undefined);
      await reach.network('eu-west-1', B).getSecurityGroup({ groupId: 'sg-0abc1234' }).catch(() => undefined);
      expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    } finally {
      vi.unstubAllEnvs();
      sts.restore();
    }
  });
});
