import 'aws-sdk-client-mock-vitest/extend';
import { ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { FAILURE_TTL_MS, REFRESH_BEFORE_MS, createMemberCredentials, roleSessionName } from '../../functions/adapters/member-credentials.js';
import { OUS_TTL_MS, createOrganizationsReader } from '../../functions/adapters/organizations.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import { withAccessErrors } from '../../functions/adapters/reach.js';
import { AccountAccessError, AwsCallError } from '../../functions/core/errors.js';
import type { NetworkApi } from '../../functions/core/network.js';
import { parseOrganization } from '../../functions/core/organization.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';

/**
 * The member-role credentials cache and the OU reader, on a clock the tests move: what is kept, for
 * how long, and that one account's failure is not another's. STS and Organizations are mocked.
 */

const sts = mockClient(STSClient);
const orgs = mockClient(OrganizationsClient);
afterEach(() => {
  sts.reset();
  orgs.reset();
});

const B = '222233334444';
const C = '333344445555';
const ORG = parseOrganization({ id: 'o-a1b2c3d4e5', hub: { account: '111122223333', region: 'us-east-1' }, memberRegions: ['us-east-1'] }, DEFAULT_POLICY);
const T0 = Date.parse('2026-05-01T10:00:00Z');
const denied = () => Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
const answer = (key: string, expiresAt: number) => ({
  Credentials: { AccessKeyId: key, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(expiresAt) },
});

function setup() {
  let now = T0;
  const credentials = createMemberCredentials(new STSClient({ region: 'us-east-1' }), {
    organization: ORG,
    sessionName: 'layerguard-test',
    partition: 'aws',
    now: () => now,
  });
  return { credentials, advance: (ms: number) => (now += ms) };
}

describe('member credentials', () => {
  it('are kept until REFRESH_BEFORE_MS before they expire, then assumed again', async () => {
    sts.on(AssumeRoleCommand).resolvesOnce(answer('K1', T0 + 3600_000)).resolvesOnce(answer('K2', T0 + 7200_000));
    const { credentials, advance } = setup();
    const provider = credentials.provider(B);
    expect((await provider()).accessKeyId).toBe('K1');
    advance(3600_000 - REFRESH_BEFORE_MS - 1);
    expect((await provider()).accessKeyId).toBe('K1');
    advance(1);
    expect((await provider()).accessKeyId).toBe('K2');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('a failure is kept FAILURE_TTL_MS for that account only; then it is asked again', async () => {
    sts.on(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${B}:role/layerguard-member` }).rejectsOnce(denied()).resolves(answer('KB', T0 + 3600_000));
    sts.on(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${C}:role/layerguard-member` }).resolves(answer('KC', T0 + 3600_000));
    const { credentials, advance } = setup();
    const error = await credentials.provider(B)().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccountAccessError);
    expect(error).toMatchObject({ step: 'assume-role', account: B, roleArn: `arn:aws:iam::${B}:role/layerguard-member`, code: 'AccessDenied', operation: 'sts:AssumeRole' });
    expect((await credentials.provider(C)()).accessKeyId).toBe('KC');
    advance(FAILURE_TTL_MS - 1);
    await expect(credentials.provider(B)()).rejects.toBe(error);
    advance(1);
    expect((await credentials.provider(B)()).accessKeyId).toBe('KB');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 3);
  });

  it('through a real EC2 client (its own middleware, not a mock), a denied AssumeRole reaches the pipeline as it was thrown, before any request', async () => {
    sts.on(AssumeRoleCommand).rejects(denied());
    // The client must be EC2's own: undo any mock another file left on the class (the mutation run
    // shares modules between test files; mockClient replaces a previous stub, restore() removes it).
    mockClient(EC2Client).restore();
    const { credentials } = setup();
    // Nothing listens on port 9: had a request been sent, the error would be a connection error.
    const client = new EC2Client({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1, credentials: credentials.provider(B) });
    const error = await createEc2Network(client).getSecurityGroup({ groupId: 'sg-0abc1234' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccountAccessError);
    expect(error).toMatchObject({ step: 'assume-role', account: B });
  });

  it('throttling is not the member’s fault: a retryable AwsCallError, not an access error', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    const error = await setup().credentials.provider(B)().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).not.toBeInstanceOf(AccountAccessError);
    expect(error).toMatchObject({ code: 'Throttling', retryable: true });
  });

  it('concurrent callers of one account share one AssumeRole', async () => {
    sts.on(AssumeRoleCommand).resolves(answer('K', T0 + 3600_000));
    const provider = setup().credentials.provider(B);
    await Promise.all([provider(), provider(), provider()]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it.each([
    ['security-group', 'layerguard-security-group'],
    ['a b/c', 'layerguard-a-b-c'],
    ['x'.repeat(80), `layerguard-${'x'.repeat(53)}`],
  ])('RoleSessionName of %s is %s (2 to 64 of [\\w+=,.@-])', (name, expected) => {
    expect(roleSessionName(name)).toBe(expected);
  });
});

describe('organisation units', () => {
  const reader = (now: () => number) => createOrganizationsReader(new OrganizationsClient({ region: 'us-east-1' }), { now, roleArn: (a) => `arn:aws:iam::${a}:role/m` });

  it('are walked to the root, root first, and kept OUS_TTL_MS; a failure is not kept', async () => {
    orgs
      .on(ListParentsCommand, { ChildId: B })
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
      .resolves({ Parents: [{ Id: 'ou-ab12-child001', Type: 'ORGANIZATIONAL_UNIT' }] });
    orgs.on(ListParentsCommand, { ChildId: 'ou-ab12-child001' }).resolves({ Parents: [{ Id: 'ou-ab12-parent01', Type: 'ORGANIZATIONAL_UNIT' }] });
    orgs.on(ListParentsCommand, { ChildId: 'ou-ab12-parent01' }).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
    let now = T0;
    const ous = reader(() => now);
    await expect(ous.ous(B)).rejects.toMatchObject({ step: 'organization-units', account: B, code: 'AccessDeniedException' });
    expect(await ous.ous(B)).toEqual(['ou-ab12-parent01', 'ou-ab12-child001']);
    now += OUS_TTL_MS - 1;
    await ous.ous(B);
    expect(orgs).toHaveReceivedCommandTimes(ListParentsCommand, 4);
    now += 1;
    await ous.ous(B);
    expect(orgs).toHaveReceivedCommandTimes(ListParentsCommand, 7);
  });

  it('a chain deeper than Organizations allows is refused, not followed for ever', async () => {
    orgs.on(ListParentsCommand).callsFake(async (input: { ChildId: string }) => ({ Parents: [{ Id: `${input.ChildId}x`, Type: 'ORGANIZATIONAL_UNIT' }] }));
    await expect(reader(() => T0).ous(B)).rejects.toMatchObject({ step: 'organization-units', code: 'TooDeep' });
    expect(orgs).toHaveReceivedCommandTimes(ListParentsCommand, 6);
  });
});

describe('withAccessErrors', () => {
  const unauthorized = new AwsCallError('DescribeSecurityGroups', 'UnauthorizedOperation', 'You are not authorized');
  const network = {
    getSecurityGroup: async () => {
      throw unauthorized;
    },
    listRules: async () => {
      throw new AwsCallError('DescribeSecurityGroupRules', 'RequestLimitExceeded', 'slow down', { retryable: true });
    },
    async *pageSecurityGroups() {
      yield [];
      throw unauthorized;
    },
  } as unknown as NetworkApi;
  const wrapped = withAccessErrors(network, B, 'arn:aws:iam::222233334444:role/m', 'eu-west-1');

  it('turns a denied call of the member role into an AccountAccessError naming the account, region and call', async () => {
    const error = await wrapped.getSecurityGroup({ groupId: 'sg-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccountAccessError);
    expect(error).toMatchObject({ step: 'member-permission', account: B, region: 'eu-west-1', operation: 'DescribeSecurityGroups', code: 'UnauthorizedOperation', cause: unauthorized });
    expect((error as AccountAccessError).fix).toContain('arn:aws:iam::222233334444:role/m may not call DescribeSecurityGroups in account 222233334444, eu-west-1');
  });

  it('in a page of a sweep too; anything else passes as it is', async () => {
    const pages: unknown[] = [];
    const error = await (async () => {
      for await (const page of wrapped.pageSecurityGroups()) pages.push(page);
    })().catch((e: unknown) => e);
    expect(pages).toEqual([[]]);
    expect(error).toMatchObject({ step: 'member-permission' });
    await expect(wrapped.listRules('sg-1')).rejects.toMatchObject({ name: 'AwsCallError', code: 'RequestLimitExceeded' });
  });
});

describe('member credentials, what STS is asked and what a caller sees', () => {
  const ROLE_B = `arn:aws:iam::${B}:role/layerguard-member`;

  it('refreshes 10 minutes before expiry, more than the SDK’s own 5-minute margin', () => {
    expect(REFRESH_BEFORE_MS).toBe(10 * 60 * 1000);
  });

  it('asks for the member role with the session name, the duration and the external ID when the organisation has one', async () => {
    // AssumeRoleRequest: RoleArn, RoleSessionName, DurationSeconds, ExternalId (client-sts models_0.d.ts).
    sts.on(AssumeRoleCommand).resolves(answer('K', T0 + 3600_000));
    const org = parseOrganization(
      { id: 'o-a1b2c3d4e5', hub: { account: '111122223333', region: 'us-east-1' }, memberRegions: ['us-east-1'], externalId: 'ext-123' },
      DEFAULT_POLICY,
    );
    const credentials = createMemberCredentials(new STSClient({ region: 'us-east-1' }), { organization: org, sessionName: 'layerguard-test', partition: 'aws', now: () => T0 });
    await credentials.provider(B)();
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({ RoleArn: ROLE_B, RoleSessionName: 'layerguard-test', DurationSeconds: 3600, ExternalId: 'ext-123' });
  });

  it.each([
    // AssumeRoleResponse.Credentials and each of its fields are optional in the SDK model (client-sts models_0.d.ts).
    ['no Credentials', {}],
    ['no AccessKeyId', { Credentials: { SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(T0 + 3600_000) } }],
    ['no SecretAccessKey', { Credentials: { AccessKeyId: 'K', SessionToken: 't', Expiration: new Date(T0 + 3600_000) } }],
    ['no SessionToken', { Credentials: { AccessKeyId: 'K', SecretAccessKey: 's', Expiration: new Date(T0 + 3600_000) } }],
    ['no Expiration', { Credentials: { AccessKeyId: 'K', SecretAccessKey: 's', SessionToken: 't' } }],
  ])('an answer with %s is refused as incomplete credentials', async (_name, response) => {
    sts.on(AssumeRoleCommand).resolves(response as never);
    const error = await setup().credentials.provider(B)().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).not.toBeInstanceOf(AccountAccessError);
    expect(error).toMatchObject({ operation: 'sts:AssumeRole', code: 'IncompleteCredentials' });
    expect((error as Error).message).toBe(`sts:AssumeRole failed: IncompleteCredentials: STS answered without credentials for ${ROLE_B}`);
  });

  it('a denied AssumeRole names the role in its message and keeps the cause', async () => {
    const cause = denied();
    sts.on(AssumeRoleCommand).rejects(cause);
    const error = await setup().credentials.provider(B)().catch((e: unknown) => e);
    expect((error as Error).message).toBe(`sts:AssumeRole failed: AccessDenied: ${ROLE_B}: not authorized to perform: sts:AssumeRole`);
    expect((error as Error).cause).toBe(cause);
  });

  it('a throttled AssumeRole names the call and the role', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    const error = await setup().credentials.provider(B)().catch((e: unknown) => e);
    expect(error).toMatchObject({ operation: 'sts:AssumeRole', message: `sts:AssumeRole failed: Throttling: ${ROLE_B}: Rate exceeded` });
  });
});
