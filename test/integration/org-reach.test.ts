import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizeIngressRecord, eventBridgeEnvelope } from '../../events/generator/cloudtrail.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/*
 * The hub's security-group function over real HTTP against moto, reverting drift in a member account.
 * moto scopes its resources to the account of the credentials that call it, and AssumeRole into any
 * account id answers credentials of that account (moto 5.2: sts/models.py assume_role; the account
 * is the role ARN's). So the drift is made in account B through a role assumed there, and the hub's
 * own account (moto's default) must stay untouched. moto does not enforce IAM by default, so a member
 * whose role denies is a mocked test (test/handlers/org-reach.test.ts), not this one.
 */

const endpoint = motoEndpoint();
/** moto's default account: the hub's own. */
const HUB = '123456789012';
const MEMBER = '210987654321';
const ROLE = 'layerguard-member';
const unique = () => `lg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const context = { functionName: 'LayerGuard-security-group', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
type Handler = (event: unknown, context: Context) => Promise<Outcome>;

describe.skipIf(!endpoint)(`hub reverts drift in a member account, against moto (${endpoint ?? 'unavailable'})`, () => {
  useMoto();
  let handler: Handler;
  let member: EC2Client;
  let hub: EC2Client;

  beforeAll(async () => {
    const assumed = await new STSClient({}).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/${ROLE}`, RoleSessionName: 'test-setup' }),
    );
    const c = assumed.Credentials;
    const credentials = { accessKeyId: c?.AccessKeyId as string, secretAccessKey: c?.SecretAccessKey as string, sessionToken: c?.SessionToken as string };
    // The premise: moto answers these credentials as account MEMBER.
    const identity = await new STSClient({ credentials }).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(MEMBER);
    member = new EC2Client({ credentials });
    hub = new EC2Client({});
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
    delete process.env.LAYERGUARD_TOPIC_ARN;
    delete process.env.LAYERGUARD_EVENT_BUS;
    process.env.LAYERGUARD_ACCOUNT_ID = HUB;
    process.env.LAYERGUARD_ORGANIZATION = JSON.stringify({
      id: 'o-a1b2c3d4e5',
      hub: { account: HUB, region: 'us-east-1' },
      memberRegions: ['us-east-1', 'us-west-2'],
      memberRoleName: ROLE,
      externalId: 'lg-moto-ext',
    });
    const { resetClients } = await import('../../functions/adapters/clients.js');
    resetClients();
    ({ handler } = (await import('../../functions/security-group/handler.js')) as { handler: Handler });
  });

  /** A group in `client`'s account with a narrow rule and a world-open SSH rule; the open rule's CloudTrail event. */
  async function openGroup(client: EC2Client, account: string, region = 'us-east-1') {
    const vpc = (await client.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc?.VpcId as string;
    const groupId = (await client.send(new CreateSecurityGroupCommand({ GroupName: unique(), Description: 'app', VpcId: vpc }))).GroupId as string;
    await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.40.1.0/24' }] }],
      }),
    );
    const open = await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    const created: SecurityGroupRule[] = open.SecurityGroupRules ?? [];
    const event = eventBridgeEnvelope(
      authorizeIngressRecord(
        groupId,
        created.map((r) => ({
          ruleId: r.SecurityGroupRuleId as string,
          groupId,
          isEgress: false,
          protocol: r.IpProtocol as string,
          fromPort: r.FromPort,
          toPort: r.ToPort,
          cidrIpv4: r.CidrIpv4,
        })),
        { account, region },
      ),
    );
    return { groupId, event };
  }

  const ingress = async (client: EC2Client, groupId: string) =>
    ((await client.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [])
      .filter((r) => !r.IsEgress)
      .map((r) => r.CidrIpv4)
      .sort();

  it('an event of account B: the rule is revoked in B, and the hub account is unchanged', async () => {
    const { groupId, event } = await openGroup(member, MEMBER);
    // A group of the same shape in the hub, which must stay open: the revert is B's alone.
    const inHub = await openGroup(hub, HUB);
    // The premise of "in B, not in the hub": the hub's credentials do not see B's group.
    expect((await hub.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroups).toEqual([]);

    const outcome = await handler(event, context);
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.trigger).toMatchObject({ account: MEMBER, region: 'us-east-1' });
    expect(await ingress(member, groupId)).toEqual(['10.40.1.0/24']);
    expect(await ingress(hub, inHub.groupId)).toEqual(['0.0.0.0/0', '10.40.1.0/24']);
  });

  it('an event of B in another region is reverted there, with B’s credentials', async () => {
    const west = new EC2Client({ region: 'us-west-2', credentials: await member.config.credentials() });
    const { groupId, event } = await openGroup(west, MEMBER, 'us-west-2');
    const outcome = await handler(event, context);
    expect(outcome.outcome).toBe('remediated');
    expect(await ingress(west, groupId)).toEqual(['10.40.1.0/24']);
  });

  it('the hub’s own account is reverted with its own credentials, as a single account is', async () => {
    const { groupId, event } = await openGroup(hub, HUB);
    expect((await handler(event, context)).outcome).toBe('remediated');
    expect(await ingress(hub, groupId)).toEqual(['10.40.1.0/24']);
  });
});
