import {
  DeleteNetworkAclEntryCommand,
  DeleteRouteCommand,
  ModifySecurityGroupRulesCommand,
  ReplaceRouteCommand,
  type ReplaceRouteCommandInput,
  DescribeNetworkAclsCommand,
  type DescribeNetworkAclsCommandInput,
  type NetworkAcl as Ec2NetworkAcl,
  type NetworkAclEntry as Ec2NetworkAclEntry,
  ReplaceNetworkAclAssociationCommand,
  type DeleteRouteCommandInput,
  DescribeRouteTablesCommand,
  type DescribeRouteTablesCommandInput,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type DescribeSecurityGroupsCommandInput,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  GetManagedPrefixListEntriesCommand,
  DescribeManagedPrefixListsCommand,
  GetManagedPrefixListAssociationsCommand,
  ModifyManagedPrefixListCommand,
  type ManagedPrefixList as Ec2ManagedPrefixList,
  type EC2Client,
  type Route as Ec2Route,
  type RouteTable as Ec2RouteTable,
  type RouteTableAssociation as Ec2RouteTableAssociation,
  type SecurityGroup as Ec2SecurityGroup,
  type SecurityGroupRule as Ec2SecurityGroupRule,
  type Subnet as Ec2Subnet,
  type Filter,
  AssociateRouteTableCommand,
  ReplaceRouteTableAssociationCommand,
  RevokeSecurityGroupIngressCommand,
  type RevokeSecurityGroupIngressCommandOutput,
  type Tag,
} from '@aws-sdk/client-ec2';
import { AwsCallError, LayerGuardError } from '../core/errors.js';
import type {
  ChangeResult,
  LoadBalancer,
  NetworkAcl,
  NetworkAclEntry,
  NetworkApi,
  PrefixList,
  PrefixListAssociation,
  ReplaceAssociationResult,
  RevokeResult,
  Route,
  RouteDestination,
  RouteTable,
  RouteTableAssociation,
  RouteTableFilter,
  RouteTarget,
  RuleDefinition,
  SecurityGroup,
  SgRule,
  Subnet,
  Tags,
} from '../core/network.js';
import { FILTER_VALUES_MAX } from '../core/network.js';
import { definedOnly } from '../core/defined.js';
import { canonicalAclProtocol, DEFAULT_ENTRY_RULE_NUMBER } from '../core/network-acl.js';
import { errorCode, GONE_CODES, isRetryable, NOT_FOUND_BY_RESOURCE } from './ec2-errors.js';

// Page sizes: the maxima each Describe call accepts.
const PAGE_SIZE = {
  securityGroups: 1000,
  securityGroupRules: 1000,
  routeTables: 100,
  subnets: 1000,
  // DescribeNetworkAclsRequest.MaxResults (models_4.d.ts); 100 is within what EC2 accepts (5 to 1000).
  networkAcls: 100,
  /** GetManagedPrefixListEntries MaxResults: "Valid Range: Minimum value of 1. Maximum value of 100" (EC2 API Reference). */
  prefixListEntries: 100,
  /** GetManagedPrefixListAssociations MaxResults: 100, inside the EC2 API Reference's range (5 to 255). */
  prefixListAssociations: 100,
} as const;

interface SdkErrorShape {
  message?: unknown;
}

const asShape = (error: unknown): SdkErrorShape =>
  typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};

// EC2's error knowledge (the "already gone" codes per call, the retry classifier) is in ec2-errors.ts;
// the classifier is re-exported for the adapter's callers.
export { errorCode, isRetryable };

/** Wraps anything an SDK call threw in an `AwsCallError` with EC2's code (keeps the original as `cause`). */
export function toAwsCallError(operation: string, error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const message =
    typeof asShape(error).message === 'string' ? (asShape(error).message as string) : String(error);
  return new AwsCallError(operation, errorCode(error), message, {
    cause: error,
    retryable: isRetryable(error),
  });
}

/** Runs one EC2 call; the listed codes come back as `gone`, anything else becomes an `AwsCallError`. */
async function call<T>(
  operation: string,
  send: () => Promise<T>,
  goneCodes: readonly string[] = [],
): Promise<{ gone: false; value: T } | { gone: true; code: string }> {
  try {
    return { gone: false, value: await send() };
  } catch (error) {
    const code = errorCode(error);
    if (goneCodes.includes(code)) return { gone: true, code };
    throw toAwsCallError(operation, error);
  }
}

const toTags = (tags: readonly Tag[] | undefined): Tags =>
  Object.fromEntries(
    (tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? '']),
  );

const str = (value: string | undefined): string => value ?? '';

/** EC2 ManagedPrefixList -> domain PrefixList. */
export function toPrefixList(l: Ec2ManagedPrefixList): PrefixList {
  return definedOnly({
    prefixListId: str(l.PrefixListId),
    name: l.PrefixListName,
    addressFamily: l.AddressFamily,
    ownerId: l.OwnerId,
    version: l.Version,
    state: l.State,
    tags: toTags(l.Tags),
  });
}

/** EC2 SecurityGroup -> domain SecurityGroup (rules are read separately, with their ids). */
export function toSecurityGroup(g: Ec2SecurityGroup): SecurityGroup {
  return definedOnly({
    groupId: str(g.GroupId),
    groupName: str(g.GroupName),
    vpcId: g.VpcId,
    tags: toTags(g.Tags),
  });
}

/** EC2 SecurityGroupRule -> domain SgRule. */
export function toSgRule(r: Ec2SecurityGroupRule): SgRule {
  return definedOnly({
    ruleId: str(r.SecurityGroupRuleId),
    groupId: str(r.GroupId),
    isEgress: r.IsEgress === true,
    protocol: str(r.IpProtocol),
    fromPort: r.FromPort,
    toPort: r.ToPort,
    cidrIpv4: r.CidrIpv4,
    cidrIpv6: r.CidrIpv6,
    prefixListId: r.PrefixListId,
    referencedGroupId: r.ReferencedGroupInfo?.GroupId,
    description: r.Description,
  });
}

const ROUTE_STATES = new Set(['active', 'blackhole']);
const ROUTE_ORIGINS = new Set(['CreateRouteTable', 'CreateRoute', 'EnableVgwRoutePropagation']);

/** EC2 Route -> domain Route. A gateway endpoint shows up as `GatewayId: vpce-…`; it becomes `vpcEndpointId`. */
export function toRoute(r: Ec2Route): Route {
  const endpoint = r.GatewayId?.startsWith('vpce-') ? r.GatewayId : undefined;
  return definedOnly({
    cidrIpv4: r.DestinationCidrBlock,
    cidrIpv6: r.DestinationIpv6CidrBlock,
    prefixListId: r.DestinationPrefixListId,
    gatewayId: endpoint ? undefined : r.GatewayId,
    vpcEndpointId: endpoint,
    natGatewayId: r.NatGatewayId,
    egressOnlyInternetGatewayId: r.EgressOnlyInternetGatewayId,
    transitGatewayId: r.TransitGatewayId,
    vpcPeeringConnectionId: r.VpcPeeringConnectionId,
    networkInterfaceId: r.NetworkInterfaceId,
    instanceId: r.InstanceId,
    carrierGatewayId: r.CarrierGatewayId,
    localGatewayId: r.LocalGatewayId,
    coreNetworkArn: r.CoreNetworkArn,
    state: r.State && ROUTE_STATES.has(r.State) ? (r.State as Route['state']) : undefined,
    origin: r.Origin && ROUTE_ORIGINS.has(r.Origin) ? (r.Origin as Route['origin']) : undefined,
  });
}

/** EC2 RouteTableAssociation -> domain association. */
export function toAssociation(a: Ec2RouteTableAssociation): RouteTableAssociation {
  return definedOnly({
    associationId: str(a.RouteTableAssociationId),
    routeTableId: str(a.RouteTableId),
    main: a.Main === true,
    subnetId: a.SubnetId,
    gatewayId: a.GatewayId,
  });
}

// Disassociated and failed associations no longer route the subnet. `associating` and
// `disassociating` ones are kept: the subnet may still be routed by them, so they are judged.
// (States: RouteTableAssociationStateCode in the SDK's models/enums.d.ts.)
const isLiveAssociation = (a: Ec2RouteTableAssociation): boolean =>
  a.AssociationState?.State !== 'disassociated' && a.AssociationState?.State !== 'failed';

/** EC2 RouteTable -> domain RouteTable. */
export function toRouteTable(t: Ec2RouteTable): RouteTable {
  return {
    routeTableId: str(t.RouteTableId),
    vpcId: str(t.VpcId),
    routes: (t.Routes ?? []).map(toRoute),
    associations: (t.Associations ?? []).filter(isLiveAssociation).map(toAssociation),
    tags: toTags(t.Tags),
  };
}

/** EC2 Subnet -> domain Subnet. */
export function toSubnet(s: Ec2Subnet): Subnet {
  // Only associated IPv6 blocks (SubnetCidrBlockStateCode: associating, disassociating, … are not the subnet's).
  const v6 = (s.Ipv6CidrBlockAssociationSet ?? []).flatMap((a) =>
    a.Ipv6CidrBlockState?.State === 'associated' && a.Ipv6CidrBlock ? [a.Ipv6CidrBlock] : [],
  );
  return definedOnly({
    subnetId: str(s.SubnetId),
    vpcId: str(s.VpcId),
    cidrIpv4: s.CidrBlock,
    cidrIpv6: v6.length > 0 ? v6 : undefined,
    tags: toTags(s.Tags),
  });
}

/** EC2 NetworkAclEntry -> domain entry (the SDK's `NetworkAclEntry`, models_1.d.ts). */
export function toAclEntry(e: Ec2NetworkAclEntry): NetworkAclEntry {
  const protocol = canonicalAclProtocol(str(e.Protocol)) ?? str(e.Protocol);
  const ports = e.PortRange?.From !== undefined && e.PortRange.To !== undefined ? { from: e.PortRange.From, to: e.PortRange.To } : undefined;
  const icmp =
    e.IcmpTypeCode?.Type !== undefined || e.IcmpTypeCode?.Code !== undefined
      ? { type: e.IcmpTypeCode?.Type ?? -1, code: e.IcmpTypeCode?.Code ?? -1 }
      : undefined;
  return definedOnly({
    ruleNumber: e.RuleNumber ?? 0,
    egress: e.Egress === true,
    // Only `allow` admits traffic; anything else (deny, or a value LayerGuard does not know) is not read as one.
    ruleAction: e.RuleAction === 'allow' ? ('allow' as const) : ('deny' as const),
    protocol,
    cidrIpv4: e.CidrBlock,
    cidrIpv6: e.Ipv6CidrBlock,
    portRange: protocol === '6' || protocol === '17' ? ports : undefined,
    icmpTypeCode: protocol === '1' || protocol === '58' ? icmp : undefined,
  });
}

/** EC2 NetworkAcl -> domain NetworkAcl. */
export function toNetworkAcl(a: Ec2NetworkAcl): NetworkAcl {
  return {
    networkAclId: str(a.NetworkAclId),
    vpcId: str(a.VpcId),
    isDefault: a.IsDefault === true,
    entries: (a.Entries ?? []).map(toAclEntry),
    associations: (a.Associations ?? [])
      .filter((x) => x.SubnetId !== undefined)
      .map((x) => ({ associationId: str(x.NetworkAclAssociationId), networkAclId: str(x.NetworkAclId ?? a.NetworkAclId), subnetId: str(x.SubnetId) })),
    tags: toTags(a.Tags),
  };
}

const vpcFilter = (vpcId: string | undefined): Filter[] | undefined =>
  vpcId ? [{ Name: 'vpc-id', Values: [vpcId] }] : undefined;

/**
 * Walks NextToken pages. A hand-written loop rather than the SDK's `paginate*` helpers: those
 * mutate one shared input object between pages, so a mock's call history shows every page with
 * the last token, and exact-input assertions become impossible. A token answered twice in a row is
 * an error, not a loop. Exported for the canary, which stops at the first page that lists an interface.
 */
export async function* pages<T extends { NextToken?: string | undefined }>(
  operation: string,
  fetch: (nextToken: string | undefined) => Promise<T>,
): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const previous = token;
    let page: T;
    try {
      page = await fetch(token);
    } catch (error) {
      throw toAwsCallError(operation, error);
    }
    yield page;
    token = page.NextToken || undefined;
    if (token !== undefined && token === previous) {
      throw new AwsCallError(
        operation,
        'RepeatedNextToken',
        `EC2 returned the same NextToken twice (${token})`,
      );
    }
  } while (token !== undefined);
}

/**
 * ReplaceRoute's target fields (the SDK's `ReplaceRouteRequest`, models_8.d.ts: GatewayId, NatGatewayId,
 * EgressOnlyInternetGatewayId, TransitGatewayId, VpcPeeringConnectionId, NetworkInterfaceId, InstanceId,
 * VpcEndpointId, CarrierGatewayId, LocalGatewayId, CoreNetworkArn): exactly one, as a route has.
 */
function targetInput(routeTableId: string, target: RouteTarget): Partial<ReplaceRouteCommandInput> {
  const fields = {
    GatewayId: target.gatewayId,
    NatGatewayId: target.natGatewayId,
    EgressOnlyInternetGatewayId: target.egressOnlyInternetGatewayId,
    TransitGatewayId: target.transitGatewayId,
    VpcPeeringConnectionId: target.vpcPeeringConnectionId,
    NetworkInterfaceId: target.networkInterfaceId,
    InstanceId: target.instanceId,
    VpcEndpointId: target.vpcEndpointId,
    CarrierGatewayId: target.carrierGatewayId,
    LocalGatewayId: target.localGatewayId,
    CoreNetworkArn: target.coreNetworkArn,
  };
  const set = definedOnly(fields);
  if (Object.keys(set).length !== 1) {
    throw new LayerGuardError(`refusing to replace a route in ${routeTableId}: the target must name exactly one field (got ${JSON.stringify(target)})`);
  }
  return set;
}

/** Exactly one destination field, or a refusal: an empty destination would be a bug upstream. */
function destinationInput(routeTableId: string, destination: RouteDestination): DeleteRouteCommandInput {
  const set = (
    [
      ['DestinationCidrBlock', destination.cidrIpv4],
      ['DestinationIpv6CidrBlock', destination.cidrIpv6],
      ['DestinationPrefixListId', destination.prefixListId],
    ] as const
  ).filter(([, value]) => typeof value === 'string' && value.trim() !== '');
  if (set.length !== 1) {
    throw new LayerGuardError(
      `refusing to delete a route in ${routeTableId}: the destination must name exactly one of an IPv4 CIDR, ` +
        `an IPv6 CIDR or a prefix list (got ${JSON.stringify(destination)})`,
    );
  }
  const [[field, value]] = set as [readonly [string, string]];
  return { RouteTableId: routeTableId, [field]: value };
}

/** Turns RevokeSecurityGroupIngress's answer into a `RevokeResult`, or an error when EC2 says it did not revoke. */
function revokeResult(groupId: string, output: RevokeSecurityGroupIngressCommandOutput): RevokeResult {
  const op = 'RevokeSecurityGroupIngress';
  if (output.Return === false) {
    throw new AwsCallError(
      op,
      'ReturnFalse',
      `EC2 answered Return=false for ${groupId}: nothing was revoked`,
    );
  }
  if (output.UnknownIpPermissions && output.UnknownIpPermissions.length > 0) {
    throw new AwsCallError(
      op,
      'UnknownIpPermissions',
      `EC2 did not recognise ${output.UnknownIpPermissions.length} permission(s) in ${groupId}; ` +
        'they were not revoked (re-read the group before retrying)',
    );
  }
  const confirmed = output.RevokedSecurityGroupRules?.map((r) => r.SecurityGroupRuleId).filter(
    (id): id is string => typeof id === 'string',
  );
  return confirmed ? { result: 'done', confirmedRuleIds: confirmed } : { result: 'done' };
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * The `NetworkApi` port on @aws-sdk/client-ec2. "Already gone" error codes become `undefined` (reads)
 * or `'already-gone'` (writes); any other failure is an `AwsCallError` with EC2's code and `retryable`
 * set for throttling, 5xx and timeouts (after the SDK's own retries have run out).
 */
export function createEc2Network(
  client: EC2Client,
  opts: {
    /** Reads the region's load balancers (`defaultLoadBalancerReader` in `elb.ts`); without one, asking fails loudly. */
    readonly loadBalancers?: () => Promise<LoadBalancer[]>;
  } = {},
): NetworkApi {
  const revokeOnce = async (groupId: string, ruleIds: readonly string[]) =>
    call(
      'RevokeSecurityGroupIngress',
      () =>
        client.send(
          new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [...ruleIds] }),
        ),
      GONE_CODES.revokeIngress,
    );

  const describeGroups = async (operation: string, input: DescribeSecurityGroupsCommandInput) =>
    call(operation, () => client.send(new DescribeSecurityGroupsCommand(input)), GONE_CODES.getSecurityGroup);

  /** The region's default VPC, if it has one (`isDefault` of DescribeVpcs' filter `is-default`). */
  const defaultVpcId = async (): Promise<string | undefined> => {
    const answer = await call(
      'DescribeVpcs',
      () => client.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })),
      [],
    );
    return answer.gone ? undefined : answer.value?.Vpcs?.find((v) => v.IsDefault)?.VpcId;
  };

  const pageRouteTables = async function* (filter?: RouteTableFilter): AsyncGenerator<RouteTable[]> {
    // `association.main`: "Indicates whether the route table is the main route table for the VPC (true |
    // false)" (the SDK's DescribeRouteTablesRequest Filters, @aws-sdk/client-ec2 models_5.d.ts).
    const main: Filter[] = filter?.main ? [{ Name: 'association.main', Values: ['true'] }] : [];
    const both = [...(vpcFilter(filter?.vpcId) ?? []), ...main];
    const Filters = both.length > 0 ? both : undefined;
    for await (const page of pages('DescribeRouteTables', (NextToken) => {
      const input: DescribeRouteTablesCommandInput = { MaxResults: PAGE_SIZE.routeTables };
      if (Filters) input.Filters = Filters;
      if (NextToken) input.NextToken = NextToken;
      return client.send(new DescribeRouteTablesCommand(input));
    })) {
      yield (page.RouteTables ?? []).map(toRouteTable);
    }
  };

  const pageNetworkAcls = async function* (filter?: { vpcId?: string }): AsyncGenerator<NetworkAcl[]> {
    const Filters = vpcFilter(filter?.vpcId);
    for await (const page of pages('DescribeNetworkAcls', (NextToken) => {
      const input: DescribeNetworkAclsCommandInput = { MaxResults: PAGE_SIZE.networkAcls };
      if (Filters) input.Filters = Filters;
      if (NextToken) input.NextToken = NextToken;
      return client.send(new DescribeNetworkAclsCommand(input));
    })) {
      yield (page.NetworkAcls ?? []).map(toNetworkAcl);
    }
  };

  return {
    async getNetworkAcl(networkAclId) {
      const answer = await call(
        'DescribeNetworkAcls',
        () => client.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [networkAclId] })),
        GONE_CODES.getNetworkAcl,
      );
      if (answer.gone) return undefined;
      const acl = answer.value.NetworkAcls?.find((a) => a.NetworkAclId === networkAclId);
      return acl ? toNetworkAcl(acl) : undefined;
    },

    async listNetworkAcls(vpcId) {
      const acls: NetworkAcl[] = [];
      for await (const page of pageNetworkAcls({ vpcId })) acls.push(...page);
      return acls;
    },

    pageNetworkAcls,

    /**
     * DeleteNetworkAclEntry (the SDK's `DeleteNetworkAclEntryRequest`: NetworkAclId, RuleNumber,
     * Egress; models_3.d.ts). Refuses a default (`*`, 32767) entry: LayerGuard never deletes one.
     */
    async deleteNetworkAclEntry(networkAclId, ruleNumber, egress): Promise<ChangeResult> {
      if (!Number.isInteger(ruleNumber) || ruleNumber < 1 || ruleNumber >= DEFAULT_ENTRY_RULE_NUMBER) {
        throw new LayerGuardError(`refusing to delete entry ${ruleNumber} of ${networkAclId}: only entries 1 to 32766 are LayerGuard's to delete`);
      }
      const answer = await call(
        'DeleteNetworkAclEntry',
        () => client.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: networkAclId, RuleNumber: ruleNumber, Egress: egress })),
        GONE_CODES.deleteNetworkAclEntry,
      );
      return answer.gone ? 'already-gone' : 'done';
    },

    /** ReplaceNetworkAclAssociation (the SDK's `ReplaceNetworkAclAssociationRequest`: AssociationId, NetworkAclId; answers NewAssociationId). */
    async replaceNetworkAclAssociation(associationId, networkAclId): Promise<ReplaceAssociationResult> {
      const answer = await call(
        'ReplaceNetworkAclAssociation',
        () => client.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: associationId, NetworkAclId: networkAclId })),
        GONE_CODES.replaceNetworkAclAssociation,
      );
      if (answer.gone) return { result: 'already-gone' };
      return definedOnly({ result: 'done' as const, newAssociationId: answer.value.NewAssociationId });
    },

    async getSecurityGroup(ref) {
      if (ref.groupId) {
        const answer = await describeGroups('DescribeSecurityGroups', { GroupIds: [ref.groupId] });
        if (answer.gone) return undefined;
        const group = answer.value.SecurityGroups?.find((g) => g.GroupId === ref.groupId);
        if (!group || (ref.vpcId && group.VpcId !== ref.vpcId)) return undefined;
        return toSecurityGroup(group);
      }
      if (ref.groupName) {
        // A name without a VPC is resolved as EC2 resolves it in AuthorizeSecurityGroupIngress: in the
        // default VPC ("[Default VPC] The name of the security group. … For security groups for a
        // nondefault VPC, you must specify the ID", `AuthorizeSecurityGroupIngressRequest.GroupName`,
        // models_0.d.ts). By filter, not GroupNames: moto 5.2 answers GroupNames from every VPC.
        const vpcId = ref.vpcId ?? (await defaultVpcId());
        const Filters: Filter[] = [{ Name: 'group-name', Values: [ref.groupName] }, ...(vpcFilter(vpcId) ?? [])];
        const answer = await describeGroups('DescribeSecurityGroups', { Filters });
        if (answer.gone) return undefined;
        const groups = (answer.value.SecurityGroups ?? []).filter((g) => g.GroupName === ref.groupName);
        if (groups.length > 1) {
          throw new LayerGuardError(
            `security group name '${ref.groupName}' is ambiguous: ${groups.length} groups in different VPCs and no default VPC; give the VPC id`,
          );
        }
        return groups[0] ? toSecurityGroup(groups[0]) : undefined;
      }
      throw new LayerGuardError('getSecurityGroup needs a groupId or a groupName');
    },

    async listRules(groupId) {
      const rules: SgRule[] = [];
      for await (const page of pages('DescribeSecurityGroupRules', (NextToken) =>
        client.send(
          new DescribeSecurityGroupRulesCommand({
            Filters: [{ Name: 'group-id', Values: [groupId] }],
            MaxResults: PAGE_SIZE.securityGroupRules,
            ...(NextToken ? { NextToken } : {}),
          }),
        ),
      )) {
        rules.push(...(page.SecurityGroupRules ?? []).map(toSgRule));
      }
      return rules;
    },

    /**
     * DescribeSecurityGroups by the `group-id` filter, not `GroupIds`: one unknown id in `GroupIds` fails
     * the whole call (InvalidGroup.NotFound), a filter leaves it out. At most 200 values a filter
     * (EC2 answers FilterLimitExceeded past "the maximum number of filter values specified on a single
     * call is 200"), so in chunks; every page of each.
     */
    async getSecurityGroups(groupIds) {
      const groups: SecurityGroup[] = [];
      for (const chunk of chunks(groupIds, FILTER_VALUES_MAX)) {
        for await (const page of pages('DescribeSecurityGroups', (NextToken) =>
          client.send(
            new DescribeSecurityGroupsCommand({
              Filters: [{ Name: 'group-id', Values: [...chunk] }],
              MaxResults: PAGE_SIZE.securityGroups,
              ...(NextToken ? { NextToken } : {}),
            }),
          ),
        )) {
          groups.push(...(page.SecurityGroups ?? []).map(toSecurityGroup));
        }
      }
      return groups;
    },

    /** DescribeSecurityGroupRules by the `group-id` filter, in chunks of 200 values, every page. */
    async listRulesOf(groupIds) {
      const rules: SgRule[] = [];
      for (const chunk of chunks(groupIds, FILTER_VALUES_MAX)) {
        for await (const page of pages('DescribeSecurityGroupRules', (NextToken) =>
          client.send(
            new DescribeSecurityGroupRulesCommand({
              Filters: [{ Name: 'group-id', Values: [...chunk] }],
              MaxResults: PAGE_SIZE.securityGroupRules,
              ...(NextToken ? { NextToken } : {}),
            }),
          ),
        )) {
          rules.push(...(page.SecurityGroupRules ?? []).map(toSgRule));
        }
      }
      return rules;
    },

    async revokeIngress(groupId, ruleIds) {
      // Nothing to revoke: EC2 would reject an empty request, and there is nothing to confirm.
      if (ruleIds.length === 0) return { result: 'done', confirmedRuleIds: [] };
      const answer = await revokeOnce(groupId, ruleIds);
      if (!answer.gone) return revokeResult(groupId, answer.value);
      if (answer.code === NOT_FOUND_BY_RESOURCE.sg || ruleIds.length === 1) return { result: 'already-gone' };
      // One unknown id fails the whole request and EC2 revokes none of the others: go one by one,
      // so that a rule that is gone does not shield the rules that are still open.
      const confirmed: string[] = [];
      let done = false;
      for (const ruleId of ruleIds) {
        const single = await revokeOnce(groupId, [ruleId]);
        if (single.gone) continue;
        const result = revokeResult(groupId, single.value);
        done = true;
        confirmed.push(...(result.confirmedRuleIds ?? []));
      }
      if (!done) return { result: 'already-gone' };
      return confirmed.length > 0 ? { result: 'done', confirmedRuleIds: confirmed } : { result: 'done' };
    },

    async getRouteTable(routeTableId) {
      const answer = await call(
        'DescribeRouteTables',
        () => client.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] })),
        GONE_CODES.getRouteTable,
      );
      if (answer.gone) return undefined;
      const table = answer.value.RouteTables?.find((t) => t.RouteTableId === routeTableId);
      return table ? toRouteTable(table) : undefined;
    },

    /**
     * GetManagedPrefixListEntries (SDK: GetManagedPrefixListEntriesRequest PrefixListId, MaxResults,
     * NextToken; `Entries[].Cidr`, models_6.d.ts), every page, at the list's current version. No error is
     * "already gone": EC2 keeps a list while a rule references it ("You must first remove all references
     * to the prefix list", DeleteManagedPrefixList), so a failed read fails the decision.
     */
    async getPrefixListEntries(prefixListId) {
      const cidrs: string[] = [];
      for await (const page of pages('GetManagedPrefixListEntries', (NextToken) =>
        client.send(
          new GetManagedPrefixListEntriesCommand({
            PrefixListId: prefixListId,
            MaxResults: PAGE_SIZE.prefixListEntries,
            ...(NextToken ? { NextToken } : {}),
          }),
        ),
      )) {
        cidrs.push(...(page.Entries ?? []).flatMap((e) => (e.Cidr ? [e.Cidr] : [])));
      }
      return cidrs;
    },

    /**
     * DescribeManagedPrefixLists by `PrefixListIds` (SDK: DescribeManagedPrefixListsRequest, models_4.d.ts).
     * An unknown id: EC2 answers `InvalidPrefixListID.NotFound` (moto 5.2 answers an empty list), either
     * reads as "does not exist".
     */
    async getPrefixList(prefixListId) {
      const answer = await call(
        'DescribeManagedPrefixLists',
        () => client.send(new DescribeManagedPrefixListsCommand({ PrefixListIds: [prefixListId] })),
        GONE_CODES.getPrefixList,
      );
      if (answer.gone) return undefined;
      const list = answer.value.PrefixLists?.find((l) => l.PrefixListId === prefixListId);
      return list ? toPrefixList(list) : undefined;
    },

    /**
     * GetManagedPrefixListAssociations (SDK: GetManagedPrefixListAssociationsRequest PrefixListId,
     * MaxResults, NextToken; `PrefixListAssociations[].ResourceId`, `ResourceOwner`, models_6.d.ts), every
     * page. moto 5.2 does not implement it (no `get_managed_prefix_list_associations` in
     * moto/ec2/responses); a failed read fails the decision, never reads as "nothing references it".
     */
    async getPrefixListAssociations(prefixListId) {
      const associations: PrefixListAssociation[] = [];
      for await (const page of pages('GetManagedPrefixListAssociations', (NextToken) =>
        client.send(
          new GetManagedPrefixListAssociationsCommand({
            PrefixListId: prefixListId,
            MaxResults: PAGE_SIZE.prefixListAssociations,
            ...(NextToken ? { NextToken } : {}),
          }),
        ),
      )) {
        associations.push(
          ...(page.PrefixListAssociations ?? []).flatMap((a) =>
            a.ResourceId ? [definedOnly({ resourceId: a.ResourceId, resourceOwner: a.ResourceOwner })] : [],
          ),
        );
      }
      return associations;
    },

    /**
     * ModifyManagedPrefixList with `RemoveEntries` (`Cidr` each) and `CurrentVersion` (SDK:
     * ModifyManagedPrefixListRequest, models_7.d.ts), nothing else: no name, no `MaxEntries`, no added
     * entry. "If you specify a current version number that does not match the true current version
     * number, the request fails" (EC2 API Reference): no error is "already gone", the pipeline reads again.
     */
    async removePrefixListEntries(prefixListId, currentVersion, cidrs): Promise<ChangeResult> {
      await call(
        'ModifyManagedPrefixList',
        () =>
          client.send(
            new ModifyManagedPrefixListCommand({
              PrefixListId: prefixListId,
              ...(currentVersion !== undefined ? { CurrentVersion: currentVersion } : {}),
              RemoveEntries: cidrs.map((Cidr) => ({ Cidr })),
            }),
          ),
        [],
      );
      return 'done';
    },

    async listRouteTables(vpcId) {
      const tables: RouteTable[] = [];
      for await (const page of pageRouteTables({ vpcId })) tables.push(...page);
      return tables;
    },

    /** DescribeSubnets by id answers InvalidSubnetID.NotFound for an unknown id (EC2 and moto alike), not an empty list. */
    async getSubnet(subnetId) {
      const answer = await call(
        'DescribeSubnets',
        () => client.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] })),
        GONE_CODES.getSubnet,
      );
      if (answer.gone) return undefined;
      const subnet = answer.value.Subnets?.find((s) => s.SubnetId === subnetId);
      return subnet ? toSubnet(subnet) : undefined;
    },

    async listSubnets(vpcId) {
      const subnets: Subnet[] = [];
      for await (const page of pages('DescribeSubnets', (NextToken) =>
        client.send(
          new DescribeSubnetsCommand({
            Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
            MaxResults: PAGE_SIZE.subnets,
            ...(NextToken ? { NextToken } : {}),
          }),
        ),
      )) {
        subnets.push(...(page.Subnets ?? []).map(toSubnet));
      }
      return subnets;
    },

    /**
     * Deletes the route to one destination. Refuses (throws) an empty or ambiguous destination. It
     * cannot tell the VPC's `local` route from others without reading the table; the pipeline only
     * ever plans deletes of routes whose target the policy forbids, never `local` (and EC2 itself
     * rejects deleting the local route; moto does not).
     */
    async deleteRoute(routeTableId, destination): Promise<ChangeResult> {
      const input = destinationInput(routeTableId, destination);
      const answer = await call('DeleteRoute', () => client.send(new DeleteRouteCommand(input)), GONE_CODES.deleteRoute);
      return answer.gone ? 'already-gone' : 'done';
    },

    /** ReplaceRoute to a route's target before the change (a restore from AWS Config); the destination as DeleteRoute takes it. */
    async replaceRoute(routeTableId, destination, target): Promise<ChangeResult> {
      const input: ReplaceRouteCommandInput = { ...destinationInput(routeTableId, destination), ...targetInput(routeTableId, target) };
      const answer = await call('ReplaceRoute', () => client.send(new ReplaceRouteCommand(input)), GONE_CODES.replaceRoute);
      return answer.gone ? 'already-gone' : 'done';
    },

    /**
     * ModifySecurityGroupRules of one rule by id (the SDK's `SecurityGroupRuleUpdate`: SecurityGroupRuleId and
     * a `SecurityGroupRuleRequest` of IpProtocol, FromPort, ToPort, CidrIpv4, CidrIpv6, PrefixListId,
     * ReferencedGroupId, Description): the rule keeps its id, so what referenced it still does.
     */
    async modifyIngressRule(groupId, ruleId, definition: RuleDefinition): Promise<ChangeResult> {
      const rule = definedOnly({
        IpProtocol: definition.protocol,
        FromPort: definition.fromPort,
        ToPort: definition.toPort,
        CidrIpv4: definition.cidrIpv4,
        CidrIpv6: definition.cidrIpv6,
        PrefixListId: definition.prefixListId,
        ReferencedGroupId: definition.referencedGroupId,
        Description: definition.description,
      });
      const answer = await call(
        'ModifySecurityGroupRules',
        () => client.send(new ModifySecurityGroupRulesCommand({ GroupId: groupId, SecurityGroupRules: [{ SecurityGroupRuleId: ruleId, SecurityGroupRule: rule }] })),
        GONE_CODES.modifyIngressRule,
      );
      return answer.gone ? 'already-gone' : 'done';
    },

    async replaceRouteTableAssociation(associationId, routeTableId): Promise<ReplaceAssociationResult> {
      const answer = await call(
        'ReplaceRouteTableAssociation',
        () =>
          client.send(
            new ReplaceRouteTableAssociationCommand({
              AssociationId: associationId,
              RouteTableId: routeTableId,
            }),
          ),
        GONE_CODES.replaceRouteTableAssociation,
      );
      if (answer.gone) return { result: 'already-gone' };
      return definedOnly({ result: 'done' as const, newAssociationId: answer.value.NewAssociationId });
    },

    /**
     * AssociateRouteTable (SDK: AssociateRouteTableRequest RouteTableId + SubnetId, answering
     * AssociationId). No error counts as "already gone": a subnet that meanwhile got an explicit
     * association is an error, and the pipeline's read-back judges the state again on retry.
     */
    async associateRouteTable(routeTableId, subnetId): Promise<ReplaceAssociationResult> {
      const answer = await call(
        'AssociateRouteTable',
        () => client.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId })),
        [],
      );
      if (answer.gone) return { result: 'already-gone' };
      return definedOnly({ result: 'done' as const, newAssociationId: answer.value.AssociationId });
    },

    async *pageSecurityGroups(filter) {
      const Filters = vpcFilter(filter?.vpcId);
      for await (const page of pages('DescribeSecurityGroups', (NextToken) => {
        const input: DescribeSecurityGroupsCommandInput = { MaxResults: PAGE_SIZE.securityGroups };
        if (Filters) input.Filters = Filters;
        if (NextToken) input.NextToken = NextToken;
        return client.send(new DescribeSecurityGroupsCommand(input));
      })) {
        yield (page.SecurityGroups ?? []).map(toSecurityGroup);
      }
    },

    pageRouteTables,

    async listLoadBalancers() {
      // Not knowing the load balancers must not read as "none": the decision would revert the public tier.
      if (!opts.loadBalancers) {
        throw new AwsCallError('DescribeLoadBalancers', 'NoLoadBalancerReader', 'this network was built without a load balancer reader');
      }
      return opts.loadBalancers();
    },
  };
}
