import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeManagedPrefixListsCommand,
  DescribeNetworkAclsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetManagedPrefixListAssociationsCommand,
  ModifyManagedPrefixListCommand,
} from '@aws-sdk/client-ec2';
import type { ManagedPrefixList } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createEc2Network, toAclEntry, toNetworkAcl, toPrefixList } from '../../functions/adapters/ec2-network.js';

/**
 * The EC2 adapter's managed-prefix-list calls (the ModifyManagedPrefixList revert), with the exact
 * requests each sends and what each answer becomes. The shapes are the SDK's: DescribeManagedPrefixLists
 * (`ManagedPrefixList`), GetManagedPrefixListAssociations (`PrefixListAssociation`: ResourceId,
 * ResourceOwner), ModifyManagedPrefixList (`PrefixListId`, `CurrentVersion`, `RemoveEntries[].Cidr`),
 * in @aws-sdk/client-ec2's models.
 */

const ec2Mock = mockClient(EC2Client);
afterEach(() => ec2Mock.reset());

const network = () => createEc2Network(new EC2Client({}));

const ec2Error = (code: string, status = 400) =>
  Object.assign(new Error(`${code} message`), {
    name: code,
    Code: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

const inputs = <T>(command: T) =>
  ec2Mock.commandCalls(command as never).map((c) => (c.args[0] as { input: unknown }).input);

const sdkList = {
  PrefixListId: 'pl-office',
  PrefixListName: 'office',
  AddressFamily: 'IPv4',
  OwnerId: '111122223333',
  Version: 7,
  State: 'modify-complete',
  Tags: [{ Key: 'Team', Value: 'net' }, { Value: 'no key' }],
} satisfies ManagedPrefixList;

const domainList = {
  prefixListId: 'pl-office',
  name: 'office',
  addressFamily: 'IPv4',
  ownerId: '111122223333',
  version: 7,
  state: 'modify-complete',
  tags: { Team: 'net' },
};

describe('toPrefixList', () => {
  it('maps every field, dropping tags without a key and fields the answer lacks', () => {
    expect(toPrefixList(sdkList)).toStrictEqual(domainList);
    expect(toPrefixList({ PrefixListId: 'pl-bare' })).toStrictEqual({ prefixListId: 'pl-bare', tags: {} });
  });
});

describe('getPrefixList', () => {
  it('describes by PrefixListIds and keeps only the list asked for', async () => {
    ec2Mock.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [{ ...sdkList, PrefixListId: 'pl-other' }, sdkList] });

    expect(await network().getPrefixList('pl-office')).toStrictEqual(domainList);
    expect(inputs(DescribeManagedPrefixListsCommand)).toStrictEqual([{ PrefixListIds: ['pl-office'] }]);
  });

  it('answers undefined when the answer holds no such list, or holds none', async () => {
    ec2Mock.on(DescribeManagedPrefixListsCommand).resolvesOnce({ PrefixLists: [{ ...sdkList, PrefixListId: 'pl-other' }] }).resolvesOnce({});
    expect(await network().getPrefixList('pl-office')).toBeUndefined();
    expect(await network().getPrefixList('pl-office')).toBeUndefined();
  });

  it('reads InvalidPrefixListID.NotFound as "does not exist"; any other error fails the read', async () => {
    ec2Mock.on(DescribeManagedPrefixListsCommand).rejectsOnce(ec2Error('InvalidPrefixListID.NotFound')).rejectsOnce(ec2Error('UnauthorizedOperation', 403));
    expect(await network().getPrefixList('pl-gone')).toBeUndefined();
    await expect(network().getPrefixList('pl-office')).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'DescribeManagedPrefixLists',
      code: 'UnauthorizedOperation',
    });
  });
});

describe('getPrefixListAssociations', () => {
  it('reads every page at 100 a page, keeping the associations that name a resource', async () => {
    ec2Mock
      .on(GetManagedPrefixListAssociationsCommand)
      .resolvesOnce({
        PrefixListAssociations: [{ ResourceId: 'sg-1', ResourceOwner: '111122223333' }, { ResourceOwner: '111122223333' }],
        NextToken: 'p2',
      })
      .resolvesOnce({ NextToken: 'p3' })
      .resolvesOnce({ PrefixListAssociations: [{ ResourceId: 'rtb-1' }] });

    expect(await network().getPrefixListAssociations('pl-office')).toStrictEqual([
      { resourceId: 'sg-1', resourceOwner: '111122223333' },
      { resourceId: 'rtb-1' },
    ]);
    expect(inputs(GetManagedPrefixListAssociationsCommand)).toStrictEqual([
      { PrefixListId: 'pl-office', MaxResults: 100 },
      { PrefixListId: 'pl-office', MaxResults: 100, NextToken: 'p2' },
      { PrefixListId: 'pl-office', MaxResults: 100, NextToken: 'p3' },
    ]);
  });

  it('fails the read on an error: never "nothing references it"', async () => {
    ec2Mock.on(GetManagedPrefixListAssociationsCommand).rejects(ec2Error('InvalidAction'));
    await expect(network().getPrefixListAssociations('pl-office')).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'GetManagedPrefixListAssociations',
      code: 'InvalidAction',
    });
  });
});

describe('removePrefixListEntries', () => {
  it('sends RemoveEntries and CurrentVersion, nothing else, and answers done', async () => {
    ec2Mock.on(ModifyManagedPrefixListCommand).resolves({});

    expect(await network().removePrefixListEntries('pl-office', 7, ['0.0.0.0/0', '::/0'])).toBe('done');
    expect(await network().removePrefixListEntries('pl-office', undefined, ['0.0.0.0/1'])).toBe('done');
    expect(inputs(ModifyManagedPrefixListCommand)).toStrictEqual([
      { PrefixListId: 'pl-office', CurrentVersion: 7, RemoveEntries: [{ Cidr: '0.0.0.0/0' }, { Cidr: '::/0' }] },
      { PrefixListId: 'pl-office', RemoveEntries: [{ Cidr: '0.0.0.0/1' }] },
    ]);
  });

  it('a stale version or a list that is gone fails the call (no "already gone": the pipeline reads again)', async () => {
    // "If you specify a current version number that does not match the true current version number, the
    // request fails" (ModifyManagedPrefixList, EC2 API Reference).
    ec2Mock.on(ModifyManagedPrefixListCommand).rejectsOnce(ec2Error('PrefixListVersionMismatch')).rejectsOnce(ec2Error('InvalidPrefixListID.NotFound'));
    for (const code of ['PrefixListVersionMismatch', 'InvalidPrefixListID.NotFound']) {
      await expect(network().removePrefixListEntries('pl-office', 6, ['0.0.0.0/0'])).rejects.toMatchObject({
        name: 'AwsCallError',
        operation: 'ModifyManagedPrefixList',
        code,
      });
    }
  });
});

describe('network ACL mapping edges', () => {
  it('an ICMP entry with only a type, or only a code, reads the other as any (-1)', () => {
    // NetworkAclEntry.IcmpTypeCode { Code?, Type? } (models_1.d.ts): either may be absent.
    expect(toAclEntry({ RuleNumber: 100, Protocol: '1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0', IcmpTypeCode: { Type: 8 } })).toStrictEqual({
      ruleNumber: 100,
      egress: false,
      ruleAction: 'allow',
      protocol: '1',
      cidrIpv4: '0.0.0.0/0',
      icmpTypeCode: { type: 8, code: -1 },
    });
    expect(toAclEntry({ RuleNumber: 100, Protocol: '1', RuleAction: 'allow', CidrBlock: '0.0.0.0/0', IcmpTypeCode: { Code: 4 } }).icmpTypeCode).toStrictEqual({
      type: -1,
      code: 4,
    });
  });

  it('an ACL without associations, entries or tags maps to empty lists', () => {
    expect(toNetworkAcl({ NetworkAclId: 'acl-1', VpcId: 'vpc-1' })).toStrictEqual({
      networkAclId: 'acl-1',
      vpcId: 'vpc-1',
      isDefault: false,
      entries: [],
      associations: [],
      tags: {},
    });
  });

  it('listNetworkAcls keeps an association of the ACL with its own id when the association omits it', async () => {
    ec2Mock.on(DescribeNetworkAclsCommand).resolves({
      NetworkAcls: [{ NetworkAclId: 'acl-1', VpcId: 'vpc-1', Associations: [{ NetworkAclAssociationId: 'aclassoc-1', SubnetId: 'subnet-1' }] }],
    });
    const [acl] = await network().listNetworkAcls('vpc-1');
    expect(acl?.associations).toStrictEqual([{ associationId: 'aclassoc-1', networkAclId: 'acl-1', subnetId: 'subnet-1' }]);
  });
});

describe('a group by name', () => {
  it('with no default VPC (an answer without Vpcs) and no group of that name: undefined, looked up without a VPC filter', async () => {
    ec2Mock.on(DescribeVpcsCommand).resolves({});
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({});
    expect(await network().getSecurityGroup({ groupName: 'db' })).toBeUndefined();
    expect(inputs(DescribeSecurityGroupsCommand)).toStrictEqual([{ Filters: [{ Name: 'group-name', Values: ['db'] }] }]);
  });
});
