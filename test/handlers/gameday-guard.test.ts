import 'aws-sdk-client-mock-vitest/extend';
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateManagedPrefixListCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteNetworkAclCommand,
  DeleteManagedPrefixListCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeManagedPrefixListsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ModifySecurityGroupRulesCommand,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
  ReplaceRouteTableAssociationCommand,
  type Tag,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GAMEDAY_TAG, SandboxGuardError } from '../../events/scenarios/sandbox.js';
import { pollUntilClean, putGamedayEvent } from '../../events/scenarios/deployed.js';
import { Ec2GamedayTarget, liveTargets } from '../../events/scenarios/ec2-target.js';

/*
 * The sandbox guard of `--target aws`, with aws-sdk-client-mock: the target only ever changes what
 * its run created and tagged (a Describe before every mutating call), and removes all of it.
 * A small fake EC2 behind the mock hands out ids and remembers each resource's tags.
 */

const RUN = 'gd-test-run';
const ec2Mock = mockClient(EC2Client);

const MUTATING = [
  AuthorizeSecurityGroupIngressCommand,
  ModifySecurityGroupRulesCommand,
  CreateRouteCommand,
  ReplaceRouteTableAssociationCommand,
  DisassociateRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteManagedPrefixListCommand,
  DeleteRouteTableCommand,
  DeleteSubnetCommand,
  DeleteInternetGatewayCommand,
  DetachInternetGatewayCommand,
  DeleteVpcCommand,
  CreateTagsCommand,
  CreateNetworkAclEntryCommand,
  ReplaceNetworkAclEntryCommand,
  ReplaceNetworkAclAssociationCommand,
  DeleteNetworkAclCommand,
] as const;

const notFound = (code: string) =>
  Object.assign(new Error(`${code} message`), {
    name: code,
    Code: code,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

/** A fake EC2: ids in creation order, tags per id, explicit associations per route table. */
function fakeEc2() {
  const tags = new Map<string, Tag[]>();
  const created: string[] = [];
  const associations = new Map<string, { id: string; subnetId: string }[]>();
  let n = 0;
  const make = (prefix: string, specs?: TagSpecification[]) => {
    n += 1;
    const id = `${prefix}-${String(n).padStart(17, '0')}`;
    tags.set(id, [...(specs?.[0]?.Tags ?? [])]);
    created.push(id);
    return id;
  };
  const mainTable = 'rtb-0000000000000main';
  const defaultAcl = 'acl-00000000000default';
  /** Network ACL associations: subnet -> [association id, ACL]; every new subnet is on the default ACL. */
  const aclOf = new Map<string, [string, string]>();
  const described = <T>(id: string | undefined, code: string, build: (id: string, t: Tag[]) => T) => {
    const t = id ? tags.get(id) : undefined;
    if (!id || !t) throw notFound(code);
    return build(id, t);
  };

  ec2Mock.on(CreateVpcCommand).callsFake((i) => ({
    Vpc: { VpcId: make('vpc', i.TagSpecifications), OwnerId: '111122223333' },
  }));
  ec2Mock.on(DescribeRouteTablesCommand).callsFake((i) => {
    if (i.Filters) {
      tags.set(mainTable, tags.get(mainTable) ?? []);
      return {
        RouteTables: [
          {
            RouteTableId: mainTable,
            VpcId: i.Filters[0].Values[0],
            Associations: [{ Main: true, RouteTableAssociationId: 'rtbassoc-main' }],
            Routes: [],
          },
        ],
      };
    }
    return described(i.RouteTableIds?.[0], 'InvalidRouteTableID.NotFound', (id, t) => ({
      RouteTables: [
        {
          RouteTableId: id,
          Tags: t,
          Associations: (associations.get(id) ?? []).map((a) => ({
            RouteTableAssociationId: a.id,
            SubnetId: a.subnetId,
            RouteTableId: id,
            Main: false,
          })),
        },
      ],
    }));
  });
  ec2Mock.on(CreateTagsCommand).callsFake((i) => {
    for (const r of i.Resources ?? []) tags.set(r, [...(tags.get(r) ?? []), ...(i.Tags ?? [])]);
    return {};
  });
  ec2Mock.on(CreateInternetGatewayCommand).callsFake((i) => ({
    InternetGateway: { InternetGatewayId: make('igw', i.TagSpecifications) },
  }));
  ec2Mock.on(AttachInternetGatewayCommand).resolves({});
  ec2Mock.on(CreateSubnetCommand).callsFake((i) => {
    const subnetId = make('subnet', i.TagSpecifications);
    aclOf.set(subnetId, [`aclassoc-${subnetId.slice(7)}`, defaultAcl]);
    return { Subnet: { SubnetId: subnetId } };
  });
  ec2Mock.on(CreateNetworkAclCommand).callsFake((i) => ({ NetworkAcl: { NetworkAclId: make('acl', i.TagSpecifications) } }));
  ec2Mock.on(CreateNetworkAclEntryCommand).resolves({});
  ec2Mock.on(ReplaceNetworkAclEntryCommand).resolves({});
  ec2Mock.on(DeleteNetworkAclCommand).resolves({});
  ec2Mock.on(ReplaceNetworkAclAssociationCommand).callsFake((i) => {
    const entry = [...aclOf].find(([, [id]]) => id === i.AssociationId);
    if (!entry) throw notFound('InvalidAssociationID.NotFound');
    n += 1;
    const id = `aclassoc-${String(n).padStart(17, '0')}`;
    aclOf.set(entry[0], [id, i.NetworkAclId]);
    return { NewAssociationId: id };
  });
  ec2Mock.on(DescribeNetworkAclsCommand).callsFake((i) => {
    const aclsOf = (ids: string[]) =>
      ids.map((id) => ({
        NetworkAclId: id,
        IsDefault: id === defaultAcl,
        VpcId: 'vpc-00000000000000001',
        Tags: tags.get(id) ?? [],
        Entries: [],
        Associations: [...aclOf].filter(([, [, acl]]) => acl === id).map(([subnetId, [assoc]]) => ({ NetworkAclAssociationId: assoc, NetworkAclId: id, SubnetId: subnetId })),
      }));
    if (i.NetworkAclIds) {
      const id = i.NetworkAclIds[0];
      if (id !== defaultAcl && !tags.has(id)) throw notFound('InvalidNetworkAclID.NotFound');
      return { NetworkAcls: aclsOf([id]) };
    }
    tags.set(defaultAcl, tags.get(defaultAcl) ?? []);
    return { NetworkAcls: aclsOf([defaultAcl, ...[...tags.keys()].filter((k) => k.startsWith('acl-') && k !== defaultAcl)]) };
  });
  ec2Mock.on(CreateRouteTableCommand).callsFake((i) => ({
    RouteTable: { RouteTableId: make('rtb', i.TagSpecifications) },
  }));
  ec2Mock.on(CreateRouteCommand).resolves({ Return: true });
  ec2Mock.on(AssociateRouteTableCommand).callsFake((i) => {
    n += 1;
    const id = `rtbassoc-${String(n).padStart(17, '0')}`;
    associations.set(i.RouteTableId, [
      ...(associations.get(i.RouteTableId) ?? []),
      { id, subnetId: i.SubnetId },
    ]);
    return { AssociationId: id };
  });
  ec2Mock.on(CreateSecurityGroupCommand).callsFake((i) => ({ GroupId: make('sg', i.TagSpecifications) }));
  ec2Mock.on(CreateManagedPrefixListCommand).callsFake((i) => ({
    PrefixList: { PrefixListId: make('pl', i.TagSpecifications), State: 'create-in-progress' },
  }));
  ec2Mock.on(DescribeManagedPrefixListsCommand).callsFake((i) => {
    const id = i.PrefixListIds?.[0];
    const t = id ? tags.get(id) : undefined;
    // An unknown list is simply not listed (no error), as moto answers.
    return { PrefixLists: t ? [{ PrefixListId: id, State: 'create-complete', Tags: t }] : [] };
  });
  ec2Mock.on(AuthorizeSecurityGroupIngressCommand).callsFake((i) => ({
    Return: true,
    SecurityGroupRules: (i.IpPermissions ?? []).map(
      (p: { UserIdGroupPairs?: { GroupId: string }[] }, k: number) => ({
        SecurityGroupRuleId: `sgr-${k}`,
        GroupId: i.GroupId,
        IsEgress: false,
        IpProtocol: 'tcp',
        ReferencedGroupInfo: p.UserIdGroupPairs?.[0] ? { GroupId: p.UserIdGroupPairs[0].GroupId } : undefined,
      }),
    ),
  }));
  ec2Mock.on(DescribeVpcsCommand).callsFake((i) =>
    described(i.VpcIds?.[0], 'InvalidVpcID.NotFound', (id, t) => ({
      Vpcs: [{ VpcId: id, Tags: t }],
    })),
  );
  ec2Mock.on(DescribeInternetGatewaysCommand).callsFake((i) =>
    described(i.InternetGatewayIds?.[0], 'InvalidInternetGatewayID.NotFound', (id, t) => ({
      InternetGateways: [{ InternetGatewayId: id, Tags: t }],
    })),
  );
  ec2Mock.on(DescribeSubnetsCommand).callsFake((i) =>
    described(i.SubnetIds?.[0], 'InvalidSubnetID.NotFound', (id, t) => ({
      Subnets: [{ SubnetId: id, Tags: t }],
    })),
  );
  ec2Mock.on(DescribeSecurityGroupsCommand).callsFake((i) =>
    described(i.GroupIds?.[0], 'InvalidGroup.NotFound', (id, t) => ({
      SecurityGroups: [{ GroupId: id, Tags: t }],
    })),
  );
  for (const command of [
    DeleteSecurityGroupCommand,
    DeleteManagedPrefixListCommand,
    DeleteRouteTableCommand,
    DeleteSubnetCommand,
    DeleteInternetGatewayCommand,
    DeleteVpcCommand,
  ]) {
    ec2Mock.on(command as never).resolves({} as never);
  }
  ec2Mock.on(DisassociateRouteTableCommand).resolves({});
  ec2Mock.on(DetachInternetGatewayCommand).resolves({});
  return { tags, created, mainTable, defaultAcl, aclOf };
}

const sentOf = (command: unknown) => ec2Mock.commandCalls(command as never).length;
const mutatingCalls = () => MUTATING.reduce((sum, c) => sum + sentOf(c), 0);
const inputsOf = <T>(command: T) =>
  ec2Mock.commandCalls(command as never).map((c) => (c.args[0] as { input: Record<string, unknown> }).input);

const newTarget = () =>
  Ec2GamedayTarget.create({
    client: new EC2Client({ region: 'eu-west-1' }),
    kind: 'aws',
    runId: RUN,
    deleteDelayMs: 0,
    settleDelaysMs: [0],
    warn: () => {},
  });

describe('the aws target: sandbox guard and cleanup (aws-sdk-client-mock)', () => {
  let fake: ReturnType<typeof fakeEc2>;
  beforeEach(() => {
    fake = fakeEc2();
  });
  afterEach(() => {
    ec2Mock.reset();
    liveTargets.clear();
  });

  it('tags everything it creates with the run id (the main route table after checking its VPC is ours)', async () => {
    const t = await newTarget();
    for (const command of [
      CreateVpcCommand,
      CreateInternetGatewayCommand,
      CreateSubnetCommand,
      CreateRouteTableCommand,
      CreateSecurityGroupCommand,
      CreateNetworkAclCommand,
      CreateManagedPrefixListCommand,
    ]) {
      const inputs = inputsOf(command);
      expect(inputs.length).toBeGreaterThan(0);
      for (const input of inputs) {
        const specTags = (input.TagSpecifications as TagSpecification[])[0]?.Tags ?? [];
        expect(specTags).toContainEqual({ Key: GAMEDAY_TAG, Value: RUN });
        expect(specTags.some((x) => x.Key === 'Name')).toBe(true);
      }
    }
    expect(ec2Mock).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: [fake.mainTable],
      Tags: expect.arrayContaining([{ Key: GAMEDAY_TAG, Value: RUN }]),
    });
    expect(t.ids.routeTables.main).toBe(fake.mainTable);
    // The default network ACL is tagged after checking its VPC; the database ACL is the run's, and the database subnets are on it.
    expect(ec2Mock).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: [fake.defaultAcl],
      Tags: expect.arrayContaining([{ Key: GAMEDAY_TAG, Value: RUN }]),
    });
    expect(t.ids.networkAcls?.default).toBe(fake.defaultAcl);
    expect(fake.aclOf.get(t.ids.subnets.database1)?.[1]).toBe(t.ids.networkAcls?.database);
    expect(fake.aclOf.get(t.ids.subnets.public1)?.[1]).toBe(fake.defaultAcl);
    expect(t.ids.dbFromAppRuleId).toBe('sgr-0');
    // The scenarios' prefix lists: office ranges (not the internet), and the internet in one entry.
    expect(inputsOf(CreateManagedPrefixListCommand).map((i) => [i.AddressFamily, i.Entries])).toEqual([
      ['IPv4', [{ Cidr: '203.0.113.0/24' }, { Cidr: '10.8.0.0/16' }]],
      ['IPv4', [{ Cidr: '0.0.0.0/0' }]],
    ]);
    expect(Object.values(t.ids.prefixLists)).toEqual([expect.stringMatching(/^pl-/), expect.stringMatching(/^pl-/)]);
    // No NAT gateway in the sandbox.
    expect(t.ids.natGatewayId).toBeUndefined();
  });

  it('refuses to change a resource without its run tag, and sends no mutating call', async () => {
    const t = await newTarget();
    const before = mutatingCalls();
    // Someone else's resources: no tag, another run's tag, or a resource that does not exist.
    fake.tags.set('sg-0000000000000other', [{ Key: 'Tier', Value: 'Application' }]);
    fake.tags.set('rtb-0000000000000other', [{ Key: GAMEDAY_TAG, Value: 'gd-another-run' }]);
    fake.tags.set(t.ids.subnets.database1, [{ Key: 'Tier', Value: 'Database' }]); // its tag removed since
    const tcp22 = {
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      cidrIpv4: '0.0.0.0/0',
    };

    await expect(t.authorizeIngress('sg-0000000000000other', [tcp22])).rejects.toThrow(SandboxGuardError);
    await expect(t.authorizeIngress('sg-0000000000000other', [tcp22])).rejects.toThrow(
      /has no layerguard:gameday tag/,
    );
    await expect(t.modifyRule('sg-0000000000000other', 'sgr-1', tcp22)).rejects.toThrow(SandboxGuardError);
    await expect(
      t.createRoute(
        'rtb-0000000000000other',
        { cidrIpv4: '0.0.0.0/0' },
        { gatewayId: t.ids.internetGatewayId },
      ),
    ).rejects.toThrow(/tag is 'gd-another-run', not this run's/);
    await expect(
      t.createRoute(
        'rtb-00000000000000404',
        { cidrIpv4: '0.0.0.0/0' },
        { gatewayId: t.ids.internetGatewayId },
      ),
    ).rejects.toThrow(/does not exist/);
    await expect(t.moveSubnet(t.ids.subnets.database1, t.ids.routeTables.public)).rejects.toThrow(
      SandboxGuardError,
    );
    await expect(t.useMainTable([t.ids.subnets.database1])).rejects.toThrow(SandboxGuardError);
    await expect(
      t.createRoute('eni-0123', { cidrIpv4: '0.0.0.0/0' }, { gatewayId: t.ids.internetGatewayId }),
    ).rejects.toThrow(SandboxGuardError);
    // Network ACLs: someone else's ACL, and a subnet whose run tag is gone.
    fake.tags.set('acl-0000000000000other', [{ Key: 'Tier', Value: 'Database' }]);
    const entry = { ruleNumber: 90, egress: false, ruleAction: 'allow' as const, protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 22, to: 22 } };
    await expect(t.aclEntry('acl-0000000000000other', entry)).rejects.toThrow(/has no layerguard:gameday tag/);
    await expect(t.aclEntry('acl-00000000000000404', entry, { replace: true })).rejects.toThrow(/does not exist/);
    await expect(t.moveSubnetAcl(t.ids.subnets.database1, t.ids.networkAcls?.default as string)).rejects.toThrow(SandboxGuardError);

    expect(mutatingCalls()).toBe(before);
  });

  it('changes its own tagged resources (the guard describes first)', async () => {
    const t = await newTarget();
    ec2Mock.resetHistory();
    const injected = await t.createRoute(
      t.ids.routeTables.database,
      { cidrIpv4: '0.0.0.0/0' },
      { gatewayId: t.ids.internetGatewayId },
    );
    expect(ec2Mock.call(0).args[0]).toBeInstanceOf(DescribeRouteTablesCommand);
    expect(ec2Mock).toHaveReceivedCommandWith(CreateRouteCommand, {
      RouteTableId: t.ids.routeTables.database,
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: t.ids.internetGatewayId,
    });
    // The CloudTrail record is written from the call: account from the VPC, region from the client.
    expect(injected.event).toMatchObject({
      source: 'aws.ec2',
      account: '111122223333',
      region: 'eu-west-1',
      detail: { eventName: 'CreateRoute' },
    });
    // A failed call (negative control) makes no call at all.
    ec2Mock.resetHistory();
    const failed = await t.authorizeIngress(
      t.ids.securityGroups.app,
      [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
      {
        failWith: 'Client.UnauthorizedOperation',
      },
    );
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(failed.event).toMatchObject({
      detail: {
        errorCode: 'Client.UnauthorizedOperation',
        responseElements: null,
      },
    });
  });

  it('asks again when a resource it created is not visible yet (eventual consistency), then proceeds', async () => {
    const t = await newTarget();
    const table = t.ids.routeTables.database;
    ec2Mock
      .on(DescribeRouteTablesCommand, { RouteTableIds: [table] })
      .rejectsOnce(notFound('InvalidRouteTableID.NotFound'))
      .resolves({ RouteTables: [{ RouteTableId: table, Tags: [{ Key: GAMEDAY_TAG, Value: RUN }] }] });
    ec2Mock.resetHistory();
    await t.createRoute(table, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: t.ids.internetGatewayId });
    expect(ec2Mock.commandCalls(DescribeRouteTablesCommand)).toHaveLength(2);
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateRouteCommand, 1);
  });

  it('deletes everything it created, in dependency order', async () => {
    const t = await newTarget();
    ec2Mock.resetHistory();
    await t.dispose();
    expect(t.leftovers).toEqual([]);
    const deleted = ec2Mock
      .calls()
      .map((c) => c.args[0])
      .filter((cmd) => /^(Delete|Detach|Disassociate|ReplaceNetworkAclAssociation)/.test(cmd.constructor.name))
      .map(
        (cmd) => `${cmd.constructor.name.replace(/Command$/, '')} ${Object.values(cmd.input as object)[0]}`,
      );
    const ids = t.ids;
    expect(deleted).toEqual([
      `DeleteSecurityGroup ${ids.canaryGroup}`,
      `DeleteSecurityGroup ${ids.securityGroups.exempt}`,
      `DeleteSecurityGroup ${ids.securityGroups.db}`,
      `DeleteSecurityGroup ${ids.securityGroups.app}`,
      `DeleteSecurityGroup ${ids.securityGroups.web}`,
      // After the groups, whose rules may name them.
      `DeleteManagedPrefixList ${ids.prefixLists.office}`,
      `DeleteManagedPrefixList ${ids.prefixLists.everywhere}`,
      expect.stringMatching(/^DisassociateRouteTable rtbassoc-/),
      `DeleteRouteTable ${ids.routeTables.public}`,
      expect.stringMatching(/^DisassociateRouteTable rtbassoc-/),
      `DeleteRouteTable ${ids.routeTables.private}`,
      expect.stringMatching(/^DisassociateRouteTable rtbassoc-/),
      expect.stringMatching(/^DisassociateRouteTable rtbassoc-/),
      `DeleteRouteTable ${ids.routeTables.database}`,
      // The database subnets back onto the default ACL (moto keeps a deleted subnet's ACL association).
      expect.stringMatching(/^ReplaceNetworkAclAssociation aclassoc-/),
      expect.stringMatching(/^ReplaceNetworkAclAssociation aclassoc-/),
      `DeleteSubnet ${ids.subnets.public1}`,
      `DeleteSubnet ${ids.subnets.private1}`,
      `DeleteSubnet ${ids.subnets.database1}`,
      `DeleteSubnet ${ids.subnets.database2}`,
      `DeleteNetworkAcl ${ids.networkAcls?.database}`,
      `DetachInternetGateway ${ids.internetGatewayId}`,
      `DeleteInternetGateway ${ids.internetGatewayId}`,
      `DeleteVpc ${ids.vpcId}`,
    ]);
    // Every id the run created was deleted.
    for (const id of fake.created)
      expect(
        deleted.some((d) => d.endsWith(id)),
        id,
      ).toBe(true);
    expect(liveTargets.size).toBe(0);
    // Twice is fine: nothing more is sent.
    const calls = ec2Mock.calls().length;
    await t.dispose();
    expect(ec2Mock.calls()).toHaveLength(calls);
  });

  it('does not delete what lost its tag, tolerates what is already gone, and reports the leftover', async () => {
    const t = await newTarget();
    fake.tags.set(t.ids.securityGroups.db, []); // untagged since: not ours to delete any more
    fake.tags.delete(t.ids.subnets.public1); // already gone
    await t.dispose();
    expect(ec2Mock).not.toHaveReceivedCommandWith(DeleteSecurityGroupCommand, {
      GroupId: t.ids.securityGroups.db,
    });
    expect(ec2Mock).not.toHaveReceivedCommandWith(DeleteSubnetCommand, {
      SubnetId: t.ids.subnets.public1,
    });
    expect(ec2Mock).toHaveReceivedCommandWith(DeleteVpcCommand, {
      VpcId: t.ids.vpcId,
    });
    expect(t.leftovers).toEqual([`${t.ids.securityGroups.db}: not deleted, it has no ${GAMEDAY_TAG} tag`]);
  });

  it('removes a sandbox that failed half-way, then rethrows', async () => {
    ec2Mock
      .on(CreateSecurityGroupCommand)
      .callsFakeOnce((i) => {
        const id = 'sg-00000000000000web';
        fake.tags.set(id, [...(i.TagSpecifications?.[0]?.Tags ?? [])]);
        fake.created.push(id);
        return { GroupId: id };
      })
      .rejects(
        Object.assign(new Error('too many groups'), {
          name: 'SecurityGroupLimitExceeded',
        }),
      );
    await expect(newTarget()).rejects.toThrow(/too many groups/);
    expect(ec2Mock).toHaveReceivedCommandWith(DeleteSecurityGroupCommand, {
      GroupId: 'sg-00000000000000web',
    });
    for (const id of fake.created) {
      const deletedIt = ec2Mock
        .calls()
        .some(
          (c) =>
            c.args[0].constructor.name.startsWith('Delete') &&
            Object.values(c.args[0].input as object)[0] === id,
        );
      expect(deletedIt, id).toBe(true);
    }
    expect(liveTargets.size).toBe(0);
  });
});

describe('--via deployed helpers', () => {
  const ebMock = mockClient(EventBridgeClient);
  afterEach(() => ebMock.reset());
  const injection = {
    eventId: 'evt-1',
    injectedAt: 0,
    event: { detail: { eventID: 'evt-1', eventTime: '2026-01-02T03:04:05Z', eventName: 'CreateRoute' } },
  };

  it('puts the record on the default bus as a game-day event, and fails on FailedEntryCount', async () => {
    ebMock.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
    await expect(putGamedayEvent(new EventBridgeClient({ region: 'eu-west-1' }), injection)).resolves.toBe(
      'eb-1',
    );
    expect(ebMock).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          Source: 'layerguard.gameday',
          DetailType: 'AWS API Call via CloudTrail',
          EventBusName: 'default',
          Detail: JSON.stringify(injection.event.detail),
        }),
      ],
    });
    ebMock
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'NotAuthorized', ErrorMessage: 'no' }] });
    await expect(putGamedayEvent(new EventBridgeClient({ region: 'eu-west-1' }), injection)).rejects.toThrow(
      /PutEvents failed: NotAuthorized/,
    );
  });

  it('polls with backoff until the drift is gone, or gives up at the timeout', async () => {
    let clock = 0;
    const sleeps: number[] = [];
    const wait = {
      now: () => clock,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        clock += ms;
      },
    };
    let polls = 0;
    const cleanOnFourth = async () => (++polls >= 4 ? [] : ['still open']);
    await expect(pollUntilClean(cleanOnFourth, { timeoutMs: 60_000, ...wait })).resolves.toEqual({
      violations: [],
      cleanAt: 1_000 + 1_500 + 2_250,
    });
    expect(sleeps).toEqual([1_000, 1_500, 2_250]);
    sleeps.length = 0;
    clock = 0;
    const never = async () => ['still open'];
    await expect(
      pollUntilClean(never, { timeoutMs: 60_000, maxIntervalMs: 10_000, ...wait }),
    ).resolves.toEqual({
      violations: ['still open'],
      cleanAt: null,
    });
    expect(Math.max(...sleeps)).toBe(10_000);
    expect(clock).toBe(60_000);
  });
});
