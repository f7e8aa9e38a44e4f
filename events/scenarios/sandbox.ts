import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  CreateManagedPrefixListCommand,
  DeleteInternetGatewayCommand,
  DeleteNetworkAclCommand,
  DescribeNetworkAclsCommand,
  ReplaceNetworkAclAssociationCommand,
  DeleteManagedPrefixListCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeManagedPrefixListsCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  type EC2Client,
  type ResourceType,
  type Tag,
} from '@aws-sdk/client-ec2';
import { errorCode, GATEWAY_NOT_ATTACHED, NOT_FOUND_BY_RESOURCE } from '../../functions/adapters/ec2-errors.js';
import { LayerGuardError } from '../../functions/core/errors.js';
import { dayFrom } from '../../functions/core/exemption.js';
import type { TierIds } from './target.js';

/**
 * The sandbox VPC of a game day on a real EC2 API (an AWS sandbox account, or moto): the SEC05-BP01
 * three-tier baseline in small, every resource tagged `layerguard:gameday=<run id>` (plus `Name`),
 * and the sandbox guard that refuses to change anything that does not carry that tag.
 *
 * Like the simulated baseline, except:
 * - no NAT gateway (it costs money by the hour and takes minutes to create and delete): the private
 *   table has only its local route. No scenario needs the NAT gateway.
 * - one subnet per tier (two for the database tier, as the scenarios use both), in AZs EC2 picks.
 * Everything it creates is free of charge while it exists (VPC, subnets, route tables, security
 * groups, an internet gateway without traffic).
 */

export const GAMEDAY_TAG = 'layerguard:gameday';
export const SANDBOX_CIDR = '10.0.0.0/16';

/** The sandbox guard refused a call: the resource is not one this run created and tagged. */
export class SandboxGuardError extends LayerGuardError {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxGuardError';
  }
}

/** What the sandbox holds so far (filled in as it is created, so a half-built sandbox can be removed). */
export interface SandboxResources {
  vpcId?: string;
  /** The VPC's account (from CreateVpc), for the CloudTrail records. */
  ownerId?: string;
  internetGatewayId?: string;
  internetGatewayAttached?: boolean;
  mainRouteTableId?: string;
  subnets: Partial<Record<keyof TierIds['subnets'], string>>;
  routeTables: Partial<Record<'public' | 'private' | 'database', string>>;
  /** In creation order (the order matters for deletion: later groups reference earlier ones). */
  securityGroups: Partial<Record<keyof TierIds['securityGroups'] | 'canary', string>>;
  dbFromAppRuleId?: string;
  /** The VPC's default network ACL (comes with the VPC, tagged by the run) and the database tier's. */
  defaultNetworkAclId?: string;
  databaseNetworkAclId?: string;
  /** Customer-managed prefix lists the groups' rules may name (deleted after the groups). */
  prefixLists: Partial<Record<keyof TierIds['prefixLists'], string>>;
}

export const emptySandbox = (): SandboxResources => ({ subnets: {}, routeTables: {}, securityGroups: {}, prefixLists: {} });

/** The sandbox's ids in the game day's terms, once it is complete. */
export function tierIds(c: SandboxResources): TierIds {
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new LayerGuardError(`the sandbox VPC is incomplete: no ${what}`);
    return value;
  };
  return {
    vpcId: need(c.vpcId, 'VPC'),
    internetGatewayId: need(c.internetGatewayId, 'internet gateway'),
    subnets: {
      public1: need(c.subnets.public1, 'public subnet'),
      private1: need(c.subnets.private1, 'private subnet'),
      database1: need(c.subnets.database1, 'database subnet 1'),
      database2: need(c.subnets.database2, 'database subnet 2'),
    },
    routeTables: {
      main: need(c.mainRouteTableId, 'main route table'),
      public: need(c.routeTables.public, 'public route table'),
      private: need(c.routeTables.private, 'private route table'),
      database: need(c.routeTables.database, 'database route table'),
    },
    securityGroups: {
      web: need(c.securityGroups.web, 'web group'),
      app: need(c.securityGroups.app, 'app group'),
      db: need(c.securityGroups.db, 'db group'),
      exempt: need(c.securityGroups.exempt, 'exempt group'),
    },
    dbFromAppRuleId: need(c.dbFromAppRuleId, "db tier's rule from the app tier"),
    ...(c.defaultNetworkAclId && c.databaseNetworkAclId
      ? { networkAcls: { default: c.defaultNetworkAclId, database: c.databaseNetworkAclId } }
      : {}),
    prefixLists: {
      office: need(c.prefixLists.office, 'office prefix list'),
      everywhere: need(c.prefixLists.everywhere, 'prefix list of the internet'),
    },
    ...(c.securityGroups.canary ? { canaryGroup: c.securityGroups.canary } : {}),
  };
}

// "Already gone" codes per kind of resource, and the two the teardown also meets: one table with the
// adapter's (functions/adapters/ec2-errors.ts).
const NOT_FOUND: Readonly<Record<string, string>> = NOT_FOUND_BY_RESOURCE;
const GONE_CODES = new Set<string>([...Object.values(NOT_FOUND_BY_RESOURCE), GATEWAY_NOT_ATTACHED]);

const kindOf = (id: string): string => id.slice(0, id.indexOf('-'));

export type Ownership = 'ours' | 'gone' | { readonly foreign: string };

/**
 * The sandbox guard: describes a resource and says whether it carries this run's tag. Only VPCs,
 * internet gateways, subnets, route tables and security groups can be checked; any other id is
 * foreign by definition.
 */
export class SandboxGuard {
  constructor(
    private readonly client: EC2Client,
    readonly runId: string,
    /**
     * Waits before asking again when a resource seems not to exist: EC2 is eventually consistent, and
     * a Describe right after a Create can answer NotFound for a moment. Empty: no retry (moto).
     */
    private readonly settleDelaysMs: readonly number[] = [],
  ) {}

  /** The resource's tags, or `undefined` when it does not exist. */
  async tagsOf(id: string): Promise<readonly Tag[] | undefined> {
    const kind = kindOf(id);
    try {
      switch (kind) {
        case 'vpc':
          return (
            (await this.client.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs?.find(
              (v) => v.VpcId === id,
            )?.Tags ?? undefined
          );
        case 'igw':
          return (
            (
              await this.client.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] }))
            ).InternetGateways?.find((g) => g.InternetGatewayId === id)?.Tags ?? undefined
          );
        case 'subnet':
          return (
            (await this.client.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.find(
              (s) => s.SubnetId === id,
            )?.Tags ?? undefined
          );
        case 'rtb':
          return (
            (
              await this.client.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))
            ).RouteTables?.find((t) => t.RouteTableId === id)?.Tags ?? undefined
          );
        case 'sg':
          return (
            (
              await this.client.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))
            ).SecurityGroups?.find((g) => g.GroupId === id)?.Tags ?? undefined
          );
        case 'acl':
          return (
            (await this.client.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [id] }))).NetworkAcls?.find(
              (a) => a.NetworkAclId === id,
            )?.Tags ?? undefined
          );
        case 'pl': {
          // A deleted list stays described a while as `delete-complete` (ManagedPrefixList.State).
          const list = (
            await this.client.send(new DescribeManagedPrefixListsCommand({ PrefixListIds: [id] }))
          ).PrefixLists?.find((l) => l.PrefixListId === id && l.State !== 'delete-complete');
          return list ? (list.Tags ?? []) : undefined;
        }
        default:
          throw new SandboxGuardError(
            `refusing to touch ${id}: the game day only changes VPCs, gateways, subnets, route tables, network ACLs, groups and prefix lists it created`,
          );
      }
    } catch (error) {
      if (NOT_FOUND[kind] !== undefined && errorCode(error) === NOT_FOUND[kind]) return undefined;
      // moto 5.2 answers an unknown NetworkAclIds entry with InvalidRouteTableID.NotFound (see ec2-errors.ts).
      if (kind === 'acl' && errorCode(error) === NOT_FOUND_BY_RESOURCE.rtb) return undefined;
      throw error;
    }
  }

  async ownership(id: string): Promise<Ownership> {
    const tags = await this.tagsOf(id);
    if (tags === undefined) return 'gone';
    const value = tags.find((t) => t.Key === GAMEDAY_TAG)?.Value;
    if (value === this.runId) return 'ours';
    return {
      foreign:
        value === undefined
          ? `it has no ${GAMEDAY_TAG} tag`
          : `its ${GAMEDAY_TAG} tag is '${value}', not this run's`,
    };
  }

  /** Throws `SandboxGuardError` unless the resource exists and carries this run's tag. */
  async require(id: string, action: string): Promise<void> {
    let owner = await this.ownership(id);
    for (const ms of this.settleDelaysMs) {
      if (owner !== 'gone') break;
      await new Promise((r) => setTimeout(r, ms));
      owner = await this.ownership(id);
    }
    if (owner === 'ours') return;
    const why = owner === 'gone' ? 'it does not exist' : owner.foreign;
    throw new SandboxGuardError(
      `refusing to ${action} ${id}: ${why}; the game day only changes resources tagged ${GAMEDAY_TAG}=${this.runId}`,
    );
  }
}

export interface SandboxOptions {
  readonly client: EC2Client;
  readonly guard: SandboxGuard;
  /** Filled in as resources are created. */
  readonly into: SandboxResources;
  /** A label for Name tags (e.g. the scenario's number). */
  readonly label?: string;
  /** Called between steps: throws to stop building (the run is being cleaned up). */
  readonly checkpoint?: () => void;
}

/** Creates the sandbox VPC, recording every id in `into` as soon as it exists. */
export async function createSandbox(o: SandboxOptions): Promise<TierIds> {
  const { client, guard, into: c } = o;
  const step = () => o.checkpoint?.();
  const prefix = `layerguard-gameday-${guard.runId}${o.label ? `-${o.label}` : ''}`;
  const tags = (type: ResourceType, name: string, extra: Record<string, string> = {}) => [
    {
      ResourceType: type,
      Tags: [
        { Key: GAMEDAY_TAG, Value: guard.runId },
        { Key: 'Name', Value: `${prefix}-${name}` },
        ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value })),
      ],
    },
  ];

  step();
  const vpc = (
    await client.send(new CreateVpcCommand({ CidrBlock: SANDBOX_CIDR, TagSpecifications: tags('vpc', 'vpc') }))
  ).Vpc;
  c.vpcId = vpc?.VpcId;
  c.ownerId = vpc?.OwnerId;
  if (!c.vpcId) throw new LayerGuardError('CreateVpc answered without a VPC id');
  const vpcId = c.vpcId;

  // The main route table comes with the VPC, untagged: tag it, after checking that the VPC is ours.
  step();
  const tables = await client.send(
    new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  const main = tables.RouteTables?.find((t) => t.VpcId === vpcId && t.Associations?.some((a) => a.Main));
  if (!main?.RouteTableId) throw new LayerGuardError(`cannot find the main route table of ${vpcId}`);
  await guard.require(vpcId, 'tag the main route table of');
  await client.send(
    new CreateTagsCommand({
      Resources: [main.RouteTableId],
      Tags: [
        { Key: GAMEDAY_TAG, Value: guard.runId },
        { Key: 'Name', Value: `${prefix}-main` },
      ],
    }),
  );
  c.mainRouteTableId = main.RouteTableId;

  step();
  c.internetGatewayId = (
    await client.send(
      new CreateInternetGatewayCommand({ TagSpecifications: tags('internet-gateway', 'igw') }),
    )
  ).InternetGateway?.InternetGatewayId;
  if (!c.internetGatewayId) throw new LayerGuardError('CreateInternetGateway answered without an id');
  await guard.require(c.internetGatewayId, 'attach');
  await guard.require(vpcId, 'attach an internet gateway to');
  await client.send(
    new AttachInternetGatewayCommand({ InternetGatewayId: c.internetGatewayId, VpcId: vpcId }),
  );
  c.internetGatewayAttached = true;

  const subnet = async (key: keyof TierIds['subnets'], cidr: string, tier: string) => {
    step();
    const id = (
      await client.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: cidr,
          TagSpecifications: tags('subnet', key, { Tier: tier }),
        }),
      )
    ).Subnet?.SubnetId;
    if (!id) throw new LayerGuardError('CreateSubnet answered without an id');
    c.subnets[key] = id;
    return id;
  };
  const public1 = await subnet('public1', '10.0.1.0/24', 'Web');
  const private1 = await subnet('private1', '10.0.11.0/24', 'Application');
  const database1 = await subnet('database1', '10.0.21.0/24', 'Database');
  const database2 = await subnet('database2', '10.0.22.0/24', 'Database');

  const table = async (key: 'public' | 'private' | 'database', tier: string) => {
    step();
    const id = (
      await client.send(
        new CreateRouteTableCommand({
          VpcId: vpcId,
          TagSpecifications: tags('route-table', `${key}-rt`, { Tier: tier }),
        }),
      )
    ).RouteTable?.RouteTableId;
    if (!id) throw new LayerGuardError('CreateRouteTable answered without an id');
    c.routeTables[key] = id;
    return id;
  };
  const publicRt = await table('public', 'Web');
  const privateRt = await table('private', 'Application');
  const databaseRt = await table('database', 'Database');

  step();
  await guard.require(publicRt, 'add a route to');
  await client.send(
    new CreateRouteCommand({
      RouteTableId: publicRt,
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: c.internetGatewayId,
    }),
  );
  for (const [rt, subnetId] of [
    [publicRt, public1],
    [privateRt, private1],
    [databaseRt, database1],
    [databaseRt, database2],
  ] as const) {
    step();
    await guard.require(rt, 'associate');
    await guard.require(subnetId, 'associate');
    await client.send(new AssociateRouteTableCommand({ RouteTableId: rt, SubnetId: subnetId }));
  }

  // Network ACLs: the default ACL (every new subnet's, open both ways: the web and app tiers use it)
  // comes with the VPC, untagged: tag it; the database tier gets an ACL of its own that admits only
  // the VPC, tagged Tier=Database, and the database subnets move onto it.
  step();
  const acls = (await client.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).NetworkAcls ?? [];
  const defaultAcl = acls.find((a) => a.IsDefault)?.NetworkAclId;
  if (!defaultAcl) throw new LayerGuardError(`cannot find the default network ACL of ${vpcId}`);
  await guard.require(vpcId, 'tag the default network ACL of');
  await client.send(
    new CreateTagsCommand({ Resources: [defaultAcl], Tags: [{ Key: GAMEDAY_TAG, Value: guard.runId }, { Key: 'Name', Value: `${prefix}-default-acl` }] }),
  );
  c.defaultNetworkAclId = defaultAcl;
  step();
  c.databaseNetworkAclId = (
    await client.send(new CreateNetworkAclCommand({ VpcId: vpcId, TagSpecifications: tags('network-acl', 'database-acl', { Tier: 'Database' }) }))
  ).NetworkAcl?.NetworkAclId;
  const databaseAcl = c.databaseNetworkAclId;
  if (!databaseAcl) throw new LayerGuardError('CreateNetworkAcl answered without an id');
  await guard.require(databaseAcl, 'add entries to');
  for (const Egress of [false, true]) {
    await client.send(
      new CreateNetworkAclEntryCommand({ NetworkAclId: databaseAcl, RuleNumber: 100, Egress, RuleAction: 'allow', Protocol: '-1', CidrBlock: SANDBOX_CIDR }),
    );
  }
  for (const subnetId of [database1, database2]) {
    step();
    await guard.require(subnetId, 'move onto the database network ACL');
    const association = acls.flatMap((a) => a.Associations ?? []).find((a) => a.SubnetId === subnetId);
    if (!association?.NetworkAclAssociationId) throw new LayerGuardError(`${subnetId} has no network ACL association`);
    await client.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: association.NetworkAclAssociationId, NetworkAclId: databaseAcl }));
  }

  const group = async (
    key: keyof TierIds['securityGroups'] | 'canary',
    description: string,
    extra: Record<string, string>,
  ) => {
    step();
    const id = (
      await client.send(
        new CreateSecurityGroupCommand({
          GroupName: `${prefix}-${key}`,
          Description: description,
          VpcId: vpcId,
          TagSpecifications: tags('security-group', key, extra),
        }),
      )
    ).GroupId;
    if (!id) throw new LayerGuardError('CreateSecurityGroup answered without an id');
    c.securityGroups[key] = id;
    return id;
  };
  const web = await group('web', 'LayerGuard game day: web tier', { Tier: 'Web' });
  const app = await group('app', 'LayerGuard game day: application tier', { Tier: 'Application' });
  const db = await group('db', 'LayerGuard game day: database tier', { Tier: 'Database' });
  await group('exempt', 'LayerGuard game day: exempt control group', {
    // Valid for the run (30 days, within the policy's default cap of 90).
    'layerguard:exempt': `until=${dayFrom(new Date(), 30)};reason=game day control`,
  });
  // Attached to nothing, like the stack's canary group: the `canary` scenario probes it.
  await group('canary', "LayerGuard game day: the canary's empty group", {});

  // Prefix lists a scenario's rule may name: office ranges (not the internet), and the internet in one entry.
  const prefixList = async (key: keyof TierIds['prefixLists'], cidrs: readonly string[]) => {
    step();
    const id = (
      await client.send(
        new CreateManagedPrefixListCommand({
          PrefixListName: `${prefix}-${key}`,
          AddressFamily: 'IPv4',
          MaxEntries: 5,
          Entries: cidrs.map((Cidr) => ({ Cidr })),
          TagSpecifications: tags('prefix-list', key),
        }),
      )
    ).PrefixList?.PrefixListId;
    if (!id) throw new LayerGuardError('CreateManagedPrefixList answered without an id');
    c.prefixLists[key] = id;
  };
  await prefixList('office', ['203.0.113.0/24', '10.8.0.0/16']);
  await prefixList('everywhere', ['0.0.0.0/0']);

  step();
  await guard.require(web, 'authorize ingress on');
  await client.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: web,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 80,
          ToPort: 80,
          IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'HTTP from the internet' }],
        },
        {
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'HTTPS from the internet' }],
        },
      ],
    }),
  );
  step();
  await guard.require(app, 'authorize ingress on');
  await client.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: app,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 8080,
          ToPort: 8080,
          UserIdGroupPairs: [{ GroupId: web, Description: 'from the web tier' }],
        },
      ],
    }),
  );
  step();
  await guard.require(db, 'authorize ingress on');
  const dbRule = await client.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: db,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 3306,
          ToPort: 3306,
          UserIdGroupPairs: [{ GroupId: app, Description: 'MySQL from the app tier' }],
        },
      ],
    }),
  );
  c.dbFromAppRuleId = dbRule.SecurityGroupRules?.find(
    (r) => r.ReferencedGroupInfo?.GroupId === app,
  )?.SecurityGroupRuleId;
  if (!c.dbFromAppRuleId) {
    const rules = await client.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [db] }] }),
    );
    c.dbFromAppRuleId = rules.SecurityGroupRules?.find(
      (r) => !r.IsEgress && r.ReferencedGroupInfo?.GroupId === app,
    )?.SecurityGroupRuleId;
  }
  return tierIds(c);
}

export interface DeleteOptions {
  readonly client: EC2Client;
  readonly guard: SandboxGuard;
  readonly sandbox: SandboxResources;
  /** Attempts for DependencyViolation (EC2 is eventually consistent: a group can stay "in use" for seconds). */
  readonly attempts?: number;
  /** First backoff delay in ms (doubles each attempt). */
  readonly delayMs?: number;
}

/**
 * Deletes the sandbox in dependency order: security groups (later ones reference earlier ones, so in
 * reverse), route tables (their explicit associations first), subnets, the internet gateway (detached
 * first), the VPC (which takes its main route table, default group and network ACL with it). Each
 * resource is checked by the guard first: gone is fine, not ours is refused and reported. Returns
 * what could not be deleted, one line each (empty when everything is gone).
 */
export async function deleteSandbox(o: DeleteOptions): Promise<string[]> {
  const { client, guard, sandbox: c } = o;
  const attempts = o.attempts ?? 6;
  const delayMs = o.delayMs ?? 1_000;
  const leftovers: string[] = [];

  const attempt = async (id: string, what: string, send: () => Promise<unknown>): Promise<boolean> => {
    for (let i = 1; ; i++) {
      try {
        await send();
        return true;
      } catch (error) {
        const code = errorCode(error);
        if (GONE_CODES.has(code)) return true;
        if (code === 'DependencyViolation' && i < attempts) {
          await new Promise((r) => setTimeout(r, delayMs * 2 ** (i - 1)));
          continue;
        }
        leftovers.push(`${id}: ${what} failed (${code}: ${(error as Error).message})`);
        return false;
      }
    }
  };
  /** Runs `del` when the guard says the resource is ours; gone is done; foreign is refused. */
  const remove = async (
    id: string | undefined,
    what: string,
    del: () => Promise<unknown>,
  ): Promise<boolean> => {
    if (!id) return true;
    let owner: Ownership;
    try {
      owner = await guard.ownership(id);
    } catch (error) {
      leftovers.push(`${id}: could not check its tag (${errorCode(error)}: ${(error as Error).message})`);
      return false;
    }
    if (owner === 'gone') return true;
    if (owner !== 'ours') {
      leftovers.push(`${id}: not deleted, ${owner.foreign}`);
      return false;
    }
    return attempt(id, what, del);
  };

  for (const key of ['canary', 'exempt', 'db', 'app', 'web'] as const) {
    const id = c.securityGroups[key];
    if (
      await remove(id, 'DeleteSecurityGroup', () =>
        client.send(new DeleteSecurityGroupCommand({ GroupId: id })),
      )
    )
      delete c.securityGroups[key];
  }
  // After the groups: a list cannot be deleted while a rule references it (DeleteManagedPrefixList).
  for (const key of ['office', 'everywhere'] as const) {
    const id = c.prefixLists[key];
    if (await remove(id, 'DeleteManagedPrefixList', () => client.send(new DeleteManagedPrefixListCommand({ PrefixListId: id }))))
      delete c.prefixLists[key];
  }
  for (const key of ['public', 'private', 'database'] as const) {
    const id = c.routeTables[key];
    const deleted = await remove(id, 'DeleteRouteTable', async () => {
      const table = (await client.send(new DescribeRouteTablesCommand({ RouteTableIds: [id as string] })))
        .RouteTables?.[0];
      for (const a of table?.Associations ?? []) {
        if (a.Main || !a.RouteTableAssociationId || a.AssociationState?.State === 'disassociated') continue;
        await client.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId }));
      }
      await client.send(new DeleteRouteTableCommand({ RouteTableId: id }));
    });
    if (deleted) delete c.routeTables[key];
  }
  // The database subnets back onto the default ACL first: moto 5.2 keeps a deleted subnet's ACL
  // association (its delete_subnet does not remove it), which would keep the database ACL in use.
  const dbAcl = c.databaseNetworkAclId;
  const defaultAcl = c.defaultNetworkAclId;
  if (dbAcl && defaultAcl) {
    await remove(dbAcl, 'ReplaceNetworkAclAssociation (back to the default ACL)', async () => {
      const acl = (await client.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [dbAcl] }))).NetworkAcls?.[0];
      for (const a of acl?.Associations ?? []) {
        if (!a.NetworkAclAssociationId) continue;
        await client.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: a.NetworkAclAssociationId, NetworkAclId: defaultAcl }));
      }
    });
  }
  for (const key of ['public1', 'private1', 'database1', 'database2'] as const) {
    const id = c.subnets[key];
    if (await remove(id, 'DeleteSubnet', () => client.send(new DeleteSubnetCommand({ SubnetId: id }))))
      delete c.subnets[key];
  }
  // The database ACL once its subnets are gone (deleting a subnet removes its association); the default ACL goes with the VPC.
  const acl = c.databaseNetworkAclId;
  if (await remove(acl, 'DeleteNetworkAcl', () => client.send(new DeleteNetworkAclCommand({ NetworkAclId: acl })))) {
    c.databaseNetworkAclId = undefined;
  }
  const igw = c.internetGatewayId;
  const igwDeleted = await remove(igw, 'DetachInternetGateway/DeleteInternetGateway', async () => {
    if (c.internetGatewayAttached && c.vpcId) {
      try {
        await client.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: c.vpcId }));
      } catch (error) {
        if (!GONE_CODES.has(errorCode(error))) throw error;
      }
      c.internetGatewayAttached = false;
    }
    await client.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw }));
  });
  if (igwDeleted) c.internetGatewayId = undefined;
  const vpc = c.vpcId;
  if (await remove(vpc, 'DeleteVpc', () => client.send(new DeleteVpcCommand({ VpcId: vpc })))) {
    c.vpcId = undefined;
    c.mainRouteTableId = undefined;
    c.defaultNetworkAclId = undefined;
  }
  return leftovers;
}
