import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeVpcsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec2Client, resetClients } from '../../functions/adapters/clients.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import type { NetworkApi } from '../../functions/core/network.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/*
 * The EC2 adapter over real HTTP against moto 5.2 (started once per run by the globalSetup).
 * Every test makes its own VPC and resources and never resets moto, because other test files may
 * use the same server at the same time.
 *
 * Where moto 5.2 differs from EC2 (probed, and tolerated below):
 * - AuthorizeSecurityGroupIngress with several IpPermissions answers SecurityGroupRules for the
 *   last permission only; EC2 lists every rule it created.
 * - RevokeSecurityGroupIngress answers { Return: true } without RevokedSecurityGroupRules, so the
 *   adapter cannot set confirmedRuleIds (EC2 lists the revoked rules).
 * - Revoking an unknown or already revoked rule id answers InvalidPermission.NotFound; EC2 answers
 *   InvalidSecurityGroupRuleId.NotFound. The adapter maps both to 'already-gone'.
 * - MaxResults is ignored by DescribeSecurityGroups and DescribeSecurityGroupRules (probed with
 *   MaxResults=5 and more items): everything comes back on one page, so paging is covered by the
 *   mock tests (test/handlers/ec2-network.test.ts), not here.
 * - DeleteRoute on the VPC's local route succeeds; EC2 rejects it (InvalidParameterValue). The
 *   adapter does not rely on EC2's refusal: the pipeline never plans it.
 */

const endpoint = motoEndpoint();
const unique = () => `lg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

describe.skipIf(!endpoint)(`EC2 adapter against moto (${endpoint ?? 'unavailable'})`, () => {
  useMoto();
  let client: EC2Client;
  let network: NetworkApi;

  beforeAll(() => {
    // The production singleton, built from the environment only: proves AWS_ENDPOINT_URL is honoured.
    resetClients();
    client = ec2Client();
    network = createEc2Network(client);
  });
  afterAll(() => {
    client?.destroy();
    resetClients();
  });

  const newVpc = async (cidr = '10.20.0.0/16') =>
    (await client.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;

  describe('security groups', () => {
    it('revokes exactly the world-open rule by id, and is idempotent', async () => {
      // Prepare
      const vpcId = await newVpc();
      const groupName = unique();
      const groupId = (
        await client.send(
          new CreateSecurityGroupCommand({ GroupName: groupName, Description: 'web', VpcId: vpcId }),
        )
      ).GroupId as string;
      const authorized = await client.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
          ],
        }),
      );
      // EC2 lists both new rules; moto only the last permission's.
      expect(authorized.SecurityGroupRules?.length).toBeGreaterThanOrEqual(1);

      // Act + Assess: listRules
      const rules = await network.listRules(groupId);
      const ingress = rules.filter((r) => !r.isEgress);
      expect(ingress).toHaveLength(2);
      const open = ingress.find((r) => r.cidrIpv4 === '0.0.0.0/0');
      const narrow = ingress.find((r) => r.cidrIpv4 === '10.0.0.0/8');
      expect(open).toStrictEqual({
        ruleId: expect.stringMatching(/^sgr-/),
        groupId,
        isEgress: false,
        protocol: 'tcp',
        fromPort: 22,
        toPort: 22,
        cidrIpv4: '0.0.0.0/0',
      });
      expect(narrow?.ruleId).toMatch(/^sgr-/);
      expect(rules.some((r) => r.isEgress)).toBe(true); // the default egress rule

      // Act: revoke the world-open rule by id
      const revoked = await network.revokeIngress(groupId, [open?.ruleId as string]);
      expect(revoked.result).toBe('done');
      if (revoked.confirmedRuleIds) expect(revoked.confirmedRuleIds).toEqual([open?.ruleId]); // EC2 only

      // Assess with a direct call: only that rule is gone
      const after = await client.send(
        new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }),
      );
      const ids = (after.SecurityGroupRules ?? []).map((r) => r.SecurityGroupRuleId);
      expect(ids).not.toContain(open?.ruleId);
      expect(ids).toContain(narrow?.ruleId);
      expect(ids).toHaveLength(rules.length - 1);

      // Again: already gone, and nothing else changes
      expect(await network.revokeIngress(groupId, [open?.ruleId as string])).toStrictEqual({
        result: 'already-gone',
      });
      expect((await network.listRules(groupId)).map((r) => r.ruleId).sort()).toEqual([...ids].sort());
    });

    it('revokes the rules still there when one of several ids is already gone', async () => {
      const vpcId = await newVpc();
      const groupId = (
        await client.send(
          new CreateSecurityGroupCommand({ GroupName: unique(), Description: 'x', VpcId: vpcId }),
        )
      ).GroupId as string;
      await client.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            { IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          ],
        }),
      );
      const [first, second] = (await network.listRules(groupId))
        .filter((r) => !r.isEgress)
        .map((r) => r.ruleId);
      await network.revokeIngress(groupId, [first as string]);

      expect((await network.revokeIngress(groupId, [first as string, second as string])).result).toBe('done');
      expect((await network.listRules(groupId)).filter((r) => !r.isEgress)).toEqual([]);
    });

    it('finds groups by id and by name within a VPC, and answers undefined for unknown ones', async () => {
      const vpcId = await newVpc();
      const groupName = unique();
      const groupId = (
        await client.send(
          new CreateSecurityGroupCommand({ GroupName: groupName, Description: 'x', VpcId: vpcId }),
        )
      ).GroupId as string;
      const expected = { groupId, groupName, vpcId, tags: {} };

      expect(await network.getSecurityGroup({ groupId })).toStrictEqual(expected);
      expect(await network.getSecurityGroup({ groupName, vpcId })).toStrictEqual(expected);
      // A name alone is resolved in the default VPC, as EC2 does ("[Default VPC] The name of the
      // security group", AuthorizeSecurityGroupIngressRequest.GroupName, models_0.d.ts): not this VPC.
      expect(await network.getSecurityGroup({ groupName })).toBeUndefined();
      expect(await network.getSecurityGroup({ groupId: 'sg-0123456789abcdef0' })).toBeUndefined();
      expect(await network.getSecurityGroup({ groupName: unique(), vpcId })).toBeUndefined();
      expect(await network.revokeIngress('sg-0123456789abcdef0', ['sgr-0123456789abcdef0'])).toStrictEqual({
        result: 'already-gone',
      });

      const pages = [];
      for await (const page of network.pageSecurityGroups({ vpcId })) pages.push(...page);
      expect(pages.map((g) => g.groupName).sort()).toEqual(['default', groupName].sort());
    });

    it('a name found by the group-name filter is matched exactly: the filter takes wildcards', async () => {
      // EC2's Describe* filters take `*` and `?` as wildcards ("Filter" in the EC2 API reference), and a
      // VPC group name may contain `*` (CreateSecurityGroup: "a-z, A-Z, 0-9, spaces, and
      // ._-:/()#,@[]+=&;{}!$*"). moto matches filters the same way (moto/core/utils.py aws_api_matches).
      const vpcId = await newVpc();
      const stem = unique();
      const create = async (GroupName: string) =>
        (await client.send(new CreateSecurityGroupCommand({ GroupName, Description: 'x', VpcId: vpcId })))
          .GroupId as string;
      const starId = await create(`${stem}*`);
      await create(`${stem}-db`);
      await create(`${stem}-web`);

      expect(await network.getSecurityGroup({ groupName: `${stem}*`, vpcId })).toStrictEqual({
        groupId: starId,
        groupName: `${stem}*`,
        vpcId,
        tags: {},
      });
      expect(await network.getSecurityGroup({ groupName: `${stem}-?b`, vpcId })).toBeUndefined();
    });
  });

  describe('group names', () => {
    it("resolves 'default' in the default VPC, not as ambiguous across VPCs", async () => {
      // moto, like EC2, has a default VPC with a group named 'default'; every new VPC gets one too.
      const vpcId = await newVpc();
      const [defaultVpc] =
        (await client.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs ?? [];
      const group = await network.getSecurityGroup({ groupName: 'default' });
      expect(group?.vpcId).toBe(defaultVpc?.VpcId);
      expect(group?.vpcId).not.toBe(vpcId);
      expect((await network.getSecurityGroup({ groupName: 'default', vpcId }))?.vpcId).toBe(vpcId);
    });
  });

  describe('route tables', () => {
    it('deletes an internet route, moves a subnet back, and maps the NotFound codes', async () => {
      // Prepare: VPC, subnet, an "internet" table with an IGW route, an isolated table
      const vpcId = await newVpc('10.30.0.0/16');
      const subnetId = (
        await client.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.1.0/24' }))
      ).Subnet?.SubnetId as string;
      const internetTable = (await client.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable
        ?.RouteTableId as string;
      const isolatedTable = (await client.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable
        ?.RouteTableId as string;
      const igw = (await client.send(new CreateInternetGatewayCommand({}))).InternetGateway
        ?.InternetGatewayId as string;
      await client.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
      await client.send(
        new CreateRouteCommand({
          RouteTableId: internetTable,
          DestinationCidrBlock: '0.0.0.0/0',
          GatewayId: igw,
        }),
      );
      const associationId = (
        await client.send(new AssociateRouteTableCommand({ RouteTableId: internetTable, SubnetId: subnetId }))
      ).AssociationId as string;

      // getRouteTable / listRouteTables / listSubnets
      expect(await network.getRouteTable(internetTable)).toStrictEqual({
        routeTableId: internetTable,
        vpcId,
        tags: {},
        routes: [
          { cidrIpv4: '10.30.0.0/16', gatewayId: 'local', origin: 'CreateRouteTable', state: 'active' },
          { cidrIpv4: '0.0.0.0/0', gatewayId: igw, origin: 'CreateRoute', state: 'active' },
        ],
        associations: [{ associationId, routeTableId: internetTable, main: false, subnetId }],
      });
      const tables = await network.listRouteTables(vpcId);
      expect(tables).toHaveLength(3); // the VPC's main table, and ours
      expect(tables.map((t) => t.routeTableId)).toEqual(
        expect.arrayContaining([internetTable, isolatedTable]),
      );
      expect(tables.filter((t) => t.associations.some((a) => a.main))).toHaveLength(1);
      expect(await network.listSubnets(vpcId)).toStrictEqual([
        { subnetId, vpcId, cidrIpv4: '10.30.1.0/24', tags: {} },
      ]);

      // deleteRoute: done, then already-gone; the route is really gone
      expect(await network.deleteRoute(internetTable, { cidrIpv4: '0.0.0.0/0' })).toBe('done');
      const described = await client.send(new DescribeRouteTablesCommand({ RouteTableIds: [internetTable] }));
      expect(described.RouteTables?.[0]?.Routes?.map((r) => r.DestinationCidrBlock)).toEqual([
        '10.30.0.0/16',
      ]);
      expect(await network.deleteRoute(internetTable, { cidrIpv4: '0.0.0.0/0' })).toBe('already-gone');
      expect(await network.deleteRoute('rtb-0123456789abcdef0', { cidrIpv4: '0.0.0.0/0' })).toBe(
        'already-gone',
      );
      await expect(network.deleteRoute(internetTable, {})).rejects.toThrow(/refusing/);

      // replaceRouteTableAssociation: done with a new id, then the old id is already gone
      const replaced = await network.replaceRouteTableAssociation(associationId, isolatedTable);
      expect(replaced).toStrictEqual({
        result: 'done',
        newAssociationId: expect.stringMatching(/^rtbassoc-/),
      });
      expect((await network.getRouteTable(isolatedTable))?.associations).toStrictEqual([
        { associationId: replaced.newAssociationId, routeTableId: isolatedTable, main: false, subnetId },
      ]);
      expect((await network.getRouteTable(internetTable))?.associations).toEqual([]);
      expect(await network.replaceRouteTableAssociation(associationId, isolatedTable)).toStrictEqual({
        result: 'already-gone',
      });

      // Unknown table
      expect(await network.getRouteTable('rtb-0123456789abcdef0')).toBeUndefined();

      const paged = [];
      for await (const page of network.pageRouteTables({ vpcId }))
        paged.push(...page.map((t) => t.routeTableId));
      expect(paged.sort()).toEqual(tables.map((t) => t.routeTableId).sort());
    });
  });
});
