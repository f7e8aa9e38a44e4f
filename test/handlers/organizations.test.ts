import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeAccountCommand, ListAccountsCommand, ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALIAS_FAILURE_TTL_MS,
  ALIAS_TTL_MS,
  OUS_TTL_MS,
  createOrganizationsReader,
  enabledRegions,
  listActiveAccounts,
} from '../../functions/adapters/organizations.js';
import { AccountAccessError } from '../../functions/core/errors.js';

const orgs = mockClient(OrganizationsClient);
const ec2 = mockClient(EC2Client);
afterEach(() => {
  orgs.reset();
  ec2.reset();
});

describe('listActiveAccounts (Organizations ListAccounts)', () => {
  it('follows NextToken over every page and keeps the ACTIVE accounts only, by State when it is there, else by Status', async () => {
    // Prepare: two pages; State is the lifecycle, Status the field retired in September 2026.
    orgs
      .on(ListAccountsCommand, {})
      .resolves({
        Accounts: [
          { Id: '111111111111', Name: 'hub', State: 'ACTIVE', Status: 'ACTIVE' },
          { Id: '222222222222', Name: 'leaving', State: 'PENDING_CLOSURE', Status: 'PENDING_CLOSURE' },
          { Id: '333333333333', State: 'SUSPENDED', Status: 'ACTIVE' },
        ],
        NextToken: 'page-2',
      })
      .on(ListAccountsCommand, { NextToken: 'page-2' })
      .resolves({
        Accounts: [
          { Id: '444444444444', Name: 'old-api', Status: 'ACTIVE' },
          { Id: '555555555555', State: 'CLOSED' },
          { Id: '666666666666', State: 'PENDING_ACTIVATION' },
        ],
      });
    // Act
    const accounts = await listActiveAccounts(new OrganizationsClient({ region: 'us-east-1' }));
    // Assess
    expect(accounts).toEqual([
      { id: '111111111111', name: 'hub' },
      { id: '444444444444', name: 'old-api' },
    ]);
    // Two calls: the paginator reuses one input object, so the first call's input reads as page 2's by now.
    expect(orgs.commandCalls(ListAccountsCommand)).toHaveLength(2);
  });

  it("passes the caller's error on (not the management account, or no organisation)", async () => {
    orgs.on(ListAccountsCommand).rejects(Object.assign(new Error('You don’t have permissions'), { name: 'AccessDeniedException' }));
    await expect(listActiveAccounts(new OrganizationsClient({ region: 'us-east-1' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('enabledRegions (EC2 DescribeRegions)', () => {
  it('asks without AllRegions (enabled regions only) and keeps the opted-in and the opt-in-not-required, sorted', async () => {
    ec2.on(DescribeRegionsCommand).resolves({
      Regions: [
        { RegionName: 'us-east-1', OptInStatus: 'opt-in-not-required' },
        { RegionName: 'af-south-1', OptInStatus: 'opted-in' },
        { RegionName: 'ap-east-1', OptInStatus: 'not-opted-in' },
        { RegionName: 'eu-west-1' },
      ],
    });
    expect(await enabledRegions(new EC2Client({ region: 'us-east-1' }))).toEqual(['af-south-1', 'eu-west-1', 'us-east-1']);
    expect(ec2.commandCalls(DescribeRegionsCommand)[0]?.args[0].input).toEqual({});
  });
});

describe('enabledRegions, incomplete answers', () => {
  it('skips a region without a name, and reads no Regions as none', async () => {
    // DescribeRegions' Region.RegionName is optional in the SDK model (client-ec2 models, `Region`).
    ec2.on(DescribeRegionsCommand).resolvesOnce({ Regions: [{ OptInStatus: 'opted-in' }, { RegionName: 'eu-west-1' }] }).resolvesOnce({});
    const client = new EC2Client({ region: 'us-east-1' });
    expect(await enabledRegions(client)).toEqual(['eu-west-1']);
    expect(await enabledRegions(client)).toEqual([]);
  });
});

describe('createOrganizationsReader', () => {
  const B = '222233334444';
  const T0 = Date.parse('2026-05-01T10:00:00Z');
  const setup = () => {
    let now = T0;
    const reader = createOrganizationsReader(new OrganizationsClient({ region: 'us-east-1' }), { now: () => now, roleArn: (a) => `arn:aws:iam::${a}:role/m` });
    return { reader, advance: (ms: number) => (now += ms) };
  };

  it('keeps OUs 15 minutes, a name an hour and a failure to read one 5 minutes', () => {
    expect(OUS_TTL_MS).toBe(15 * 60 * 1000);
    expect(ALIAS_TTL_MS).toBe(60 * 60 * 1000);
    expect(ALIAS_FAILURE_TTL_MS).toBe(5 * 60 * 1000);
  });

  it.each([
    // ListParentsResponse.Parents and Parent.Id / Parent.Type are all optional in the SDK model (client-organizations models_0.d.ts).
    ['no Parents', {}],
    ['an empty Parents', { Parents: [] }],
    ['a parent without a Type', { Parents: [{ Id: 'ou-ab12-child001' }] }],
    ['a parent without an Id', { Parents: [{ Type: 'ROOT' as const }] }],
  ])('an answer with %s is refused as naming no parent', async (_name, response) => {
    orgs.on(ListParentsCommand).resolves(response);
    const error = await setup().reader.ous(B).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccountAccessError);
    expect(error).toMatchObject({ step: 'organization-units', account: B, roleArn: `arn:aws:iam::${B}:role/m`, operation: 'organizations:ListParents', code: 'NoParent' });
    expect((error as Error).message).toBe(`organizations:ListParents failed: NoParent: ListParents of ${B} named no parent`);
    expect((error as Error).cause).toMatchObject({ name: 'NoParent' });
    expect(orgs.commandCalls(ListParentsCommand)[0]?.args[0].input).toEqual({ ChildId: B });
  });

  it('a chain deeper than five OUs is refused with a message that says so', async () => {
    orgs.on(ListParentsCommand).callsFake(async (input: { ChildId: string }) => ({ Parents: [{ Id: `${input.ChildId}x`, Type: 'ORGANIZATIONAL_UNIT' }] }));
    await expect(setup().reader.ous(B)).rejects.toMatchObject({ code: 'TooDeep', message: `organizations:ListParents failed: TooDeep: more than 5 OUs above ${B}` });
  });

  it("a name is DescribeAccount's Name; an empty or missing one, or a failure, is no name", async () => {
    // DescribeAccountResponse.Account and Account.Name are optional in the SDK model (client-organizations models_0.d.ts).
    orgs.on(DescribeAccountCommand, { AccountId: B }).resolves({ Account: { Id: B, Name: 'workloads' } });
    orgs.on(DescribeAccountCommand, { AccountId: '333344445555' }).resolves({ Account: { Id: '333344445555', Name: '' } });
    orgs.on(DescribeAccountCommand, { AccountId: '444455556666' }).resolves({});
    orgs.on(DescribeAccountCommand, { AccountId: '555566667777' }).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const { reader } = setup();
    expect(await reader.alias(B)).toBe('workloads');
    expect(orgs.commandCalls(DescribeAccountCommand)[0]?.args[0].input).toEqual({ AccountId: B });
    expect(await reader.alias('333344445555')).toBeUndefined();
    expect(await reader.alias('444455556666')).toBeUndefined();
    expect(await reader.alias('555566667777')).toBeUndefined();
  });

  it('a name is kept until ALIAS_TTL_MS has passed, a failure until ALIAS_FAILURE_TTL_MS, each account on its own', async () => {
    const C = '333344445555';
    orgs.on(DescribeAccountCommand, { AccountId: B }).resolvesOnce({ Account: { Name: 'one' } }).resolves({ Account: { Name: 'two' } });
    orgs.on(DescribeAccountCommand, { AccountId: C }).rejectsOnce(new Error('throttled')).resolves({ Account: { Name: 'c' } });
    const { reader, advance } = setup();
    expect(await reader.alias(B)).toBe('one');
    expect(await reader.alias(C)).toBeUndefined();
    advance(ALIAS_FAILURE_TTL_MS - 1);
    expect(await reader.alias(C)).toBeUndefined();
    advance(1);
    expect(await reader.alias(C)).toBe('c');
    expect(await reader.alias(B)).toBe('one');
    advance(ALIAS_TTL_MS - ALIAS_FAILURE_TTL_MS - 1);
    expect(await reader.alias(B)).toBe('one');
    advance(1);
    expect(await reader.alias(B)).toBe('two');
    expect(orgs.commandCalls(DescribeAccountCommand, { AccountId: B })).toHaveLength(2);
    expect(orgs.commandCalls(DescribeAccountCommand, { AccountId: C })).toHaveLength(2);
  });
});
