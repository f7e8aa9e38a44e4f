import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeAccountCommand, ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authorizeIngressRecord, eventBridgeEnvelope } from '../../events/generator/cloudtrail.js';
import type { Outcome } from '../../functions/core/outcome.js';

/**
 * The security-group handler deployed as an organisation's hub, with the SDK mocked: the real
 * handler, engine, reach (STS AssumeRole per member, Organizations for OUs and names), EC2 adapter
 * and notifier run. Each EC2 answer records which credentials and region its client resolved, so the
 * tests see exactly which account's credentials acted where.
 *
 * A member whose role denies cannot be made on moto (it does not enforce IAM by default), so the
 * broken members are emulated here: STS answers AccessDenied (what it answers for a missing role, an
 * untrusted caller or a wrong external id), EC2 answers UnauthorizedOperation.
 */

const HUB = '111122223333';
const MEMBER = '222233334444';
const SANDBOX = '333344445555';
const BROKEN = '444455556666';
const DENIED = '555566667777';
const NO_OUS = '666677778888';
const DRY = '777788889999';
const SHARED = '888899990000';
const ROLE = 'layerguard-member';
const EXTERNAL_ID = 'lg-hub-7f3a';
const OU_PROD = 'ou-ab12-prod0001';
const OU_SANDBOXES = 'ou-ab12-sandbox1';
const OU_TEAM = 'ou-ab12-team0001';
const roleOf = (account: string) => `arn:aws:iam::${account}:role/${ROLE}`;
const OWN_ROLE_ARNS = ['security-group', 'route-table', 'runbook'].map((fn) => `arn:aws:iam::${HUB}:role/LayerGuard-${fn}-us-east-1`);

const APP = 'sg-0a1b2c3d4e5f67002';
const OPEN_RULE = 'sgr-0a1b2c3d4e5f6e101';
const openRule: SecurityGroupRule = { SecurityGroupRuleId: OPEN_RULE, GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' };

const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
const orgs = mockClient(OrganizationsClient);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);

type Handler = (event: unknown, context: Context) => Promise<Outcome>;
let handler: Handler;
const context = { functionName: 'LayerGuard-security-group', awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

beforeAll(async () => {
  delete process.env.AWS_PROFILE;
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  process.env.AWS_REGION = 'us-east-1';
  // The hub function's own credentials (its Lambda role's, in the environment).
  process.env.AWS_ACCESS_KEY_ID = 'ASIAHUBOWNKEY';
  process.env.AWS_SECRET_ACCESS_KEY = 'hub-secret';
  process.env.AWS_SESSION_TOKEN = 'hub-token';
  process.env.LAYERGUARD_TOPIC_ARN = `arn:aws:sns:us-east-1:${HUB}:layerguard`;
  process.env.LAYERGUARD_EVENT_BUS = 'layerguard-outcomes';
  process.env.LAYERGUARD_ACCOUNT_ID = HUB;
  // Every test reverts the same group as the same actor: lift the repeat limit (no reconciler here).
  process.env.LAYERGUARD_POLICY = JSON.stringify({ ownRoleArns: OWN_ROLE_ARNS, reconciler: { maxRepeats: 100 } });
  process.env.LAYERGUARD_ORGANIZATION = JSON.stringify({
    id: 'o-a1b2c3d4e5',
    hub: { account: HUB, region: 'us-east-1' },
    memberRegions: ['us-east-1', 'eu-west-1'],
    memberRoleName: ROLE,
    externalId: EXTERNAL_ID,
    overrides: [
      { ous: [OU_SANDBOXES], policy: { mode: 'dry-run' } },
      { accounts: [DRY], policy: { mode: 'dry-run' } },
    ],
  });
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  ({ handler } = (await import('../../functions/security-group/handler.js')) as { handler: Handler });
});

/** Each EC2 call: the command, the access key its client signed with, and the client's region. */
let seen: { command: string; key: string; region: string }[];
/** Releases BROKEN's AssumeRole answer (it is held to show that other accounts do not wait for it). */
let releaseBroken: () => void;

const denied = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 403 } });

beforeEach(() => {
  seen = [];
  const brokenHeld = new Promise<void>((resolve) => {
    releaseBroken = resolve;
  });
  sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => {
    const account = input.RoleArn.split(':')[4] as string;
    if (account === BROKEN) {
      await brokenHeld;
      throw denied('AccessDenied', `User: arn:aws:sts::${HUB}:assumed-role/LayerGuard-security-group-us-east-1/x is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
    }
    return {
      Credentials: {
        AccessKeyId: `ASIA${account}`,
        SecretAccessKey: `secret-${account}`,
        SessionToken: `token-${account}`,
        Expiration: new Date(Date.now() + 3600_000),
      },
    };
  });
  const parents: Record<string, { Id: string; Type: 'ROOT' | 'ORGANIZATIONAL_UNIT' }> = {
    [HUB]: { Id: 'r-ab12', Type: 'ROOT' },
    [MEMBER]: { Id: OU_PROD, Type: 'ORGANIZATIONAL_UNIT' },
    [OU_PROD]: { Id: 'r-ab12', Type: 'ROOT' },
    // SANDBOX is two levels under the sandboxes OU: the override applies at any depth.
    [SANDBOX]: { Id: OU_TEAM, Type: 'ORGANIZATIONAL_UNIT' },
    [OU_TEAM]: { Id: OU_SANDBOXES, Type: 'ORGANIZATIONAL_UNIT' },
    [OU_SANDBOXES]: { Id: 'r-ab12', Type: 'ROOT' },
    [BROKEN]: { Id: OU_PROD, Type: 'ORGANIZATIONAL_UNIT' },
    [DENIED]: { Id: OU_PROD, Type: 'ORGANIZATIONAL_UNIT' },
    [DRY]: { Id: OU_PROD, Type: 'ORGANIZATIONAL_UNIT' },
    [SHARED]: { Id: OU_PROD, Type: 'ORGANIZATIONAL_UNIT' },
  };
  orgs.on(ListParentsCommand).callsFake(async (input: { ChildId: string }) => {
    if (input.ChildId === NO_OUS) throw denied('AccessDeniedException', 'You don’t have permissions to access this resource.');
    return { Parents: [parents[input.ChildId]] };
  });
  orgs.on(DescribeAccountCommand).rejects(denied('AccountNotFoundException', 'not found'));
  orgs.on(DescribeAccountCommand, { AccountId: MEMBER }).resolves({ Account: { Id: MEMBER, Name: 'payments-prod' } });
  orgs.on(DescribeAccountCommand, { AccountId: SANDBOX }).rejects(denied('AccessDeniedException', 'no'));
  const record = (command: string) => async (_input: unknown, getClient: () => EC2Client) => {
    const client = getClient();
    const credentials = await client.config.credentials();
    const key = credentials.accessKeyId;
    seen.push({ command, key, region: await client.config.region() });
    if (key === `ASIA${DENIED}`) throw denied('UnauthorizedOperation', 'You are not authorized to perform this operation.');
    if (command === 'DescribeSecurityGroups') return { SecurityGroups: [{ GroupId: APP, GroupName: 'app', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [] }] };
    if (command === 'DescribeSecurityGroupRules') return { SecurityGroupRules: [openRule] };
    return { Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: OPEN_RULE, GroupId: APP }] };
  };
  ec2.on(DescribeSecurityGroupsCommand).callsFake(record('DescribeSecurityGroups'));
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake(record('DescribeSecurityGroupRules'));
  ec2.on(RevokeSecurityGroupIngressCommand).callsFake(record('RevokeSecurityGroupIngress'));
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

afterEach(() => {
  releaseBroken();
  for (const mock of [ec2, sts, orgs, sns, events]) mock.reset();
});

let counter = 0;
/** A world-open SSH rule added in `account`, `region`, by `actor` (a person unless told). */
function openSsh(account: string, region = 'us-east-1', opts: { eventId?: string; roleName?: string } = {}) {
  counter += 1;
  const record = authorizeIngressRecord(
    APP,
    [{ ruleId: OPEN_RULE, groupId: APP, isEgress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
    {
      account,
      region,
      eventId: opts.eventId ?? `0f6c2c9e-org-reach-${counter}`,
      actor: { roleName: opts.roleName ?? 'Developer', sessionName: 'dev', sourceIp: '198.51.100.9', userAgent: 'aws-cli/2' },
    },
  );
  return eventBridgeEnvelope(record);
}

/** The handler throws for `failed` (so Lambda retries); the outcome rides on the error. */
async function failedOf(event: unknown): Promise<Outcome> {
  const error = await handler(event, context).then(
    () => undefined,
    (e: { outcome?: Outcome }) => e,
  );
  if (!error?.outcome) throw new Error(`expected a failed outcome, got ${String(error)}`);
  return error.outcome;
}

describe('hub: the functions act where the event happened', () => {
  it('a member event: AssumeRole of that account’s member role (exact input), then EC2 with the assumed credentials', async () => {
    const outcome = await handler(openSsh(MEMBER), context);
    expect(outcome.outcome).toBe('remediated');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: `arn:aws:iam::${MEMBER}:role/${ROLE}`,
      RoleSessionName: 'layerguard-security-group',
      DurationSeconds: 3600,
      ExternalId: EXTERNAL_ID,
    });
    expect(seen).toEqual([
      { command: 'DescribeSecurityGroups', key: `ASIA${MEMBER}`, region: 'us-east-1' },
      { command: 'DescribeSecurityGroupRules', key: `ASIA${MEMBER}`, region: 'us-east-1' },
      { command: 'RevokeSecurityGroupIngress', key: `ASIA${MEMBER}`, region: 'us-east-1' },
    ]);
    expect(outcome.trigger).toMatchObject({ account: MEMBER, region: 'us-east-1', accountAlias: 'payments-prod' });
    const message = sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '';
    expect(message).toContain(`Account:    ${MEMBER} (payments-prod)`);
    expect(message).toContain('Region:     us-east-1');
  });

  it('the hub’s own account: its own credentials, no AssumeRole', async () => {
    const outcome = await handler(openSsh(HUB), context);
    expect(outcome.outcome).toBe('remediated');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
    expect(seen.map((s) => s.key)).toEqual(['ASIAHUBOWNKEY', 'ASIAHUBOWNKEY', 'ASIAHUBOWNKEY']);
  });

  it('credentials are assumed once per account and shared by its regions; the clients are of the event’s region', async () => {
    await handler(openSsh(SHARED, 'us-east-1'), context);
    await Promise.all([handler(openSsh(SHARED, 'eu-west-1'), context), handler(openSsh(SHARED, 'eu-west-1'), context)]);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([roleOf(SHARED)]);
    expect(seen.map((s) => s.key)).toEqual(Array(9).fill(`ASIA${SHARED}`));
    expect(seen.filter((s) => s.region === 'eu-west-1')).toHaveLength(6);
  });

  it('the member role of the event’s own account is LayerGuard itself: ignored, no call at all', async () => {
    const outcome = await handler(openSsh(SANDBOX, 'us-east-1', { roleName: ROLE }), context);
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toBe('the call was made by LayerGuard itself');
    expect(seen).toEqual([]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  });

  it('the member role of another account acting here is not LayerGuard: reverted', async () => {
    const event = openSsh(MEMBER) as { detail: { userIdentity: { sessionContext: { sessionIssuer: { arn: string } } } } };
    event.detail.userIdentity.sessionContext.sessionIssuer.arn = roleOf(DRY);
    const outcome = await handler(event, context);
    expect(outcome.outcome).toBe('remediated');
  });
});

describe('hub: the policy of each account', () => {
  it('an account in an OU with a dry-run override (two levels down) is judged in dry-run: nothing revoked', async () => {
    const outcome = await handler(openSsh(SANDBOX), context);
    expect(outcome.outcome).toBe('dry-run');
    expect(seen.map((s) => s.command)).not.toContain('RevokeSecurityGroupIngress');
    expect(orgs.commandCalls(ListParentsCommand).map((c) => c.args[0].input.ChildId)).toEqual([SANDBOX, OU_TEAM, OU_SANDBOXES]);
    // Its name could not be read: the notice goes out without it.
    expect(outcome.trigger.accountAlias).toBeUndefined();
  });

  it('an account override (dry-run) applies to that account only', async () => {
    expect((await handler(openSsh(DRY), context)).outcome).toBe('dry-run');
    expect((await handler(openSsh(MEMBER), context)).outcome).toBe('remediated');
  });

  it('OUs that cannot be read fail the event (never the base policy), naming the account and the fix, before any EC2 call', async () => {
    const outcome = await failedOf(openSsh(NO_OUS));
    expect(outcome.outcome).toBe('failed');
    expect(outcome.reason).toContain(`in ${NO_OUS}/us-east-1`);
    expect(outcome.error).toMatchObject({ code: 'AccessDeniedException' });
    expect(outcome.humanAction).toContain(`could not read the OUs of account ${NO_OUS}`);
    expect(outcome.humanAction).toContain('organizations:ListParents');
    expect(seen).toEqual([]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  });
});

describe('hub: failure isolation', () => {
  it('a member whose role cannot be assumed fails with the account, role and fix, and another account is not held up', async () => {
    const broken = failedOf(openSsh(BROKEN));
    // MEMBER's event is handled while BROKEN's AssumeRole is still unanswered: no lock across accounts.
    const member = await handler(openSsh(MEMBER, 'eu-west-1'), context);
    expect(member.outcome).toBe('remediated');
    releaseBroken();
    const outcome = await broken;
    expect(outcome.outcome).toBe('failed');
    expect(outcome.trigger.account).toBe(BROKEN);
    expect(outcome.reason).toContain(`in ${BROKEN}/us-east-1`);
    expect(outcome.reason).toContain(roleOf(BROKEN));
    expect(outcome.error).toMatchObject({ name: 'AccountAccessError', code: 'AccessDenied' });
    expect(outcome.humanAction).toContain(`could not assume ${roleOf(BROKEN)} in account ${BROKEN}`);
    expect(outcome.humanAction).toContain(`Deploy the member StackSet instance to account ${BROKEN}`);
    expect(outcome.humanAction).toContain('organization.externalId');
    expect(seen.every((s) => s.key === `ASIA${MEMBER}`)).toBe(true);
    // People are told, once per channel.
    expect(sns.commandCalls(PublishCommand).filter((c) => (c.args[0].input.Message ?? '').includes(BROKEN))).toHaveLength(1);
  });

  it('a failed AssumeRole is not kept for others: the next account still gets its credentials', async () => {
    releaseBroken();
    await failedOf(openSsh(BROKEN));
    expect((await handler(openSsh(DRY), context)).outcome).toBe('dry-run');
    expect(seen.map((s) => s.key)).toEqual([`ASIA${DRY}`, `ASIA${DRY}`]);
  });

  it('EC2 UnauthorizedOperation in a member: failed, naming the account, the role, the call and the fix', async () => {
    const outcome = await failedOf(openSsh(DENIED, 'eu-west-1'));
    expect(outcome.error).toMatchObject({ name: 'AccountAccessError', code: 'UnauthorizedOperation' });
    expect(outcome.humanAction).toContain(`${roleOf(DENIED)} may not call`);
    expect(outcome.humanAction).toContain(`account ${DENIED}, eu-west-1`);
    expect(outcome.humanAction).toContain('update the member StackSet instance');
  });
});

describe('hub: duplicates across paths', () => {
  it('the same event on two paths (two envelopes, one CloudTrail record): one revert, one notice per channel', async () => {
    const first = openSsh(MEMBER);
    const second = { ...structuredClone(first), id: 'another-eventbridge-id' };
    const a = await handler(first, context);
    const b = await handler(second, context);
    expect(b).toEqual(a);
    expect(seen.filter((s) => s.command === 'RevokeSecurityGroupIngress')).toHaveLength(1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('the same event id in two accounts is two changes: two reverts, two notices', async () => {
    const id = '5b0e1c7a-same-id-two-accounts';
    expect((await handler(openSsh(MEMBER, 'us-east-1', { eventId: id }), context)).outcome).toBe('remediated');
    expect((await handler(openSsh(HUB, 'us-east-1', { eventId: id }), context)).outcome).toBe('remediated');
    expect(seen.filter((s) => s.command === 'RevokeSecurityGroupIngress').map((s) => s.key)).toEqual([`ASIA${MEMBER}`, 'ASIAHUBOWNKEY']);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
  });
});
