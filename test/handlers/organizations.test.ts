import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { enabledRegions, listActiveAccounts } from '../../functions/adapters/organizations.js';

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
