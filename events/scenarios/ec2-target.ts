import { randomBytes } from 'node:crypto';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclEntryCommand,
  type CreateNetworkAclEntryCommandInput,
  CreateRouteCommand,
  type CreateRouteCommandInput,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
  DescribeSecurityGroupRulesCommand,
  DisassociateRouteTableCommand,
  type EC2Client,
  type IpPermission,
  ModifySecurityGroupRulesCommand,
  ReplaceRouteTableAssociationCommand,
} from '@aws-sdk/client-ec2';
import { EC2Client as Ec2ClientClass } from '@aws-sdk/client-ec2';
import { retryConfig, stsClient } from '../../functions/adapters/clients.js';
import { createEc2Network, toSgRule } from '../../functions/adapters/ec2-network.js';
import { createMemberCredentials } from '../../functions/adapters/member-credentials.js';
import { createAwsReach } from '../../functions/adapters/reach.js';
import { OrganizationSchema } from '../../functions/core/organization.js';
import { defaultLoadBalancerReader } from '../../functions/adapters/elb.js';
import { runCanary } from '../../functions/adapters/canary.js';
import { CANARY_PORT, canaryCidr, isCanaryRule } from '../../functions/core/canary.js';
import { LayerGuardError } from '../../functions/core/errors.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import type {
  NetworkAcl,
  NetworkAclEntry,
  NetworkApi,
  RouteDestination,
  RouteTable,
  RouteTarget,
  SgRule,
} from '../../functions/core/network.js';
import type { Policy } from '../../functions/core/policy.js';
import {
  aclEntryRecord,
  authorizeIngressRecord,
  replaceAclAssociationRecord,
  eventBridgeEnvelope,
  modifyRuleRecord,
  type RecordContext,
  disassociateRecord,
  replaceAssociationRecord,
  securityGroupRuleRequest,
  routeRecord,
} from '../generator/cloudtrail.js';
import type { RuleRequest } from '../simulated-account/account.js';
import {
  type SandboxResources,
  createSandbox,
  deleteSandbox,
  emptySandbox,
  SandboxGuard,
  tierIds,
} from './sandbox.js';
import type { Scenario } from './catalogue.js';
import { runGameday, type ScenarioResult, type Scorecard } from './runner.js';
import type { GamedayTarget, Injection, InjectOptions, MemberName, OrganizationTarget, TierIds, Where } from './target.js';

/**
 * A game day's target on a real EC2 API: an AWS sandbox account (`--target aws`) or moto
 * (`--target emulator`). It builds a sandbox VPC tagged with the run's id (see sandbox.ts), injects
 * drift with real API calls, and writes the CloudTrail event of each call from its request and
 * response (an emulator writes no CloudTrail, and on AWS the real one arrives later and is only
 * needed by a deployed stack). `InjectOptions.failWith` makes no call at all and writes the record
 * of a failed call (with `errorCode`).
 *
 * The sandbox guard: every mutating call is preceded by a Describe of the resource, and refused
 * unless the resource carries `layerguard:gameday=<run id>`. `dispose()` deletes what the run
 * created, in dependency order, tolerating what is already gone; a SIGINT handler
 * (`cleanUpOnInterrupt`) disposes every live target before exiting 130.
 *
 * One sandbox per scenario, on moto and on AWS alike: the scenarios do not restore what they change
 * (the ModifySecurityGroupRules scenario ends with the db tier's rule from the app tier revoked, the
 * main-table scenario removes the database subnets' associations, the negative controls leave their
 * rules), so a shared sandbox would make each scenario depend on the ones before it. A sandbox costs
 * about 25 calls to build and 15 to remove, and nothing while it exists.
 *
 * Where moto 5.2 differs from EC2, this target absorbs it (the checks stay as strict as on AWS):
 * - AuthorizeSecurityGroupIngress with several permissions answers the rules of the last one only:
 *   the rules missing from the answer are looked up with DescribeSecurityGroupRules.
 * - ModifySecurityGroupRules keeps the rule's old referenced group next to the new CIDR: the record
 *   is written from the request (as CloudTrail does), not from moto's state.
 * - Deleting a security group that another group references succeeds (EC2 answers
 *   DependencyViolation): harmless, deletion goes in dependency order anyway.
 */

export type Ec2TargetKind = 'emulator' | 'aws';

/**
 * The member account of a game day across accounts on the emulator. moto keeps each account's
 * resources apart and maps the credentials of an assumed role to the account in the role's ARN
 * (moto's STS `assume_role`: "The ARN can point to another account, providing an opportunity to
 * switch accounts"; it does not require the role to exist, so a broken role cannot be played there).
 */
export const EMULATOR_MEMBER_ACCOUNT = '210987654321';
/** The role a person in the member account works with, to make drift there (not LayerGuard's member role). */
export const EMULATOR_PERSON_ROLE = 'gameday-person';

export interface Ec2TargetOptions {
  readonly client: EC2Client;
  readonly kind: Ec2TargetKind;
  /** The run's id: the value of the `layerguard:gameday` tag on everything it creates. */
  readonly runId: string;
  /** Part of the Name tags, e.g. the scenario's number. */
  readonly label?: string;
  /** DependencyViolation backoff during dispose (default 1 s, doubling). */
  readonly deleteDelayMs?: number;
  /**
   * Retries of the guard when a resource it should find seems not to exist yet (EC2's eventual
   * consistency after a Create). Default: 0.5, 1, 2 and 4 s on aws, none on the emulator.
   */
  readonly settleDelaysMs?: readonly number[];
  /** Warnings for a person (leftovers after dispose); default stderr. */
  readonly warn?: (line: string) => void;
}

/** A run id: sortable by time, unique enough to tell runs apart (the tag's value). */
export const newRunId = (now = new Date()): string =>
  `gd-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}-${randomBytes(3).toString('hex')}`;

/** Every target not yet disposed: what a Ctrl-C must clean up. */
export const liveTargets = new Set<Ec2GamedayTarget>();

const SDK_TARGET_FIELDS: ReadonlyArray<[keyof RouteTarget, keyof CreateRouteCommandInput]> = [
  ['gatewayId', 'GatewayId'],
  ['natGatewayId', 'NatGatewayId'],
  ['egressOnlyInternetGatewayId', 'EgressOnlyInternetGatewayId'],
  ['transitGatewayId', 'TransitGatewayId'],
  ['vpcPeeringConnectionId', 'VpcPeeringConnectionId'],
  ['networkInterfaceId', 'NetworkInterfaceId'],
  ['instanceId', 'InstanceId'],
  ['vpcEndpointId', 'VpcEndpointId'],
  ['carrierGatewayId', 'CarrierGatewayId'],
  ['localGatewayId', 'LocalGatewayId'],
  ['coreNetworkArn', 'CoreNetworkArn'],
];

/** One IpPermission per rule, as the console sends them. */
function toIpPermission(r: RuleRequest): IpPermission {
  return {
    IpProtocol: r.protocol,
    ...(r.fromPort !== undefined ? { FromPort: r.fromPort } : {}),
    ...(r.toPort !== undefined ? { ToPort: r.toPort } : {}),
    ...(r.cidrIpv4
      ? { IpRanges: [{ CidrIp: r.cidrIpv4, ...(r.description ? { Description: r.description } : {}) }] }
      : {}),
    ...(r.cidrIpv6 ? { Ipv6Ranges: [{ CidrIpv6: r.cidrIpv6 }] } : {}),
    ...(r.prefixListId ? { PrefixListIds: [{ PrefixListId: r.prefixListId }] } : {}),
    ...(r.referencedGroupId ? { UserIdGroupPairs: [{ GroupId: r.referencedGroupId }] } : {}),
  };
}

/** Who CloudTrail names for the canary's call: the canary function's role (CloudFormation names it), not LayerGuard's. */
const CANARY_ACTOR = {
  roleName: 'LayerGuard-CanaryRole1A2B3C4D-5E6F7G8H9I0J',
  sessionName: 'LayerGuard-CanaryFunction',
  sourceIp: '3.5.140.2',
  userAgent: 'aws-sdk-js/3 layerguard-canary',
} as const;

const sameRule = (a: RuleRequest, b: SgRule): boolean => {
  const proto = (p: string) => (p === '-1' || p === 'all' ? '-1' : p.toLowerCase());
  const port = (p: number | undefined) => (p === undefined || p === -1 ? -1 : p);
  return (
    proto(a.protocol) === proto(b.protocol) &&
    (proto(a.protocol) === '-1' ||
      (port(a.fromPort) === port(b.fromPort) && port(a.toPort) === port(b.toPort))) &&
    a.cidrIpv4 === b.cidrIpv4 &&
    a.cidrIpv6 === b.cidrIpv6 &&
    a.prefixListId === b.prefixListId &&
    a.referencedGroupId === b.referencedGroupId
  );
};

export class Ec2GamedayTarget implements GamedayTarget {
  readonly kind: Ec2TargetKind;
  readonly network: NetworkApi;
  readonly guard: SandboxGuard;
  /** What the run created and has not deleted yet. */
  readonly sandbox: SandboxResources = emptySandbox();
  /** What dispose could not delete (one line each). */
  leftovers: readonly string[] = [];
  private readonly client: EC2Client;
  private readonly opts: Ec2TargetOptions;
  private tier?: TierIds;
  private region = 'us-east-1';
  private closing = false;
  private disposal?: Promise<void>;
  private inflight = new Set<Promise<unknown>>();
  private members = new Map<MemberName, Ec2GamedayTarget>();
  private org?: OrganizationTarget;

  private constructor(opts: Ec2TargetOptions) {
    this.opts = opts;
    this.kind = opts.kind;
    if (opts.kind === 'emulator') this.organization = () => this.emulatorOrganization();
    this.client = opts.client;
    this.network = createEc2Network(opts.client, { loadBalancers: defaultLoadBalancerReader() });
    this.guard = new SandboxGuard(
      opts.client,
      opts.runId,
      opts.settleDelaysMs ?? (opts.kind === 'aws' ? [500, 1_000, 2_000, 4_000] : []),
    );
  }

  /** Builds a sandbox VPC and returns its target; a sandbox that fails half-way is removed before the error is rethrown. */
  static async create(opts: Ec2TargetOptions): Promise<Ec2GamedayTarget> {
    const target = new Ec2GamedayTarget(opts);
    liveTargets.add(target);
    try {
      await target.track(async () => {
        target.region = (await opts.client.config.region()) || target.region;
        target.tier = await createSandbox({
          client: opts.client,
          guard: target.guard,
          into: target.sandbox,
          label: opts.label,
          checkpoint: () => target.open(),
        });
      });
    } catch (error) {
      await target.dispose();
      throw error;
    }
    return target;
  }

  get ids(): TierIds {
    this.tier ??= tierIds(this.sandbox);
    return this.tier;
  }

  get runId(): string {
    return this.opts.runId;
  }

  get where(): Where | undefined {
    return this.sandbox.ownerId ? { account: this.sandbox.ownerId, region: this.region } : undefined;
  }

  /**
   * The emulator as an organisation: this sandbox's account is the hub, `EMULATOR_MEMBER_ACCOUNT` the
   * member. The hub's functions reach it as deployed (createAwsReach: STS AssumeRole into the member
   * role, clients per account and region); the member's sandbox is built, and its drift made, with
   * the credentials of a person's role in that account. On AWS a game day has one account: none.
   */
  organization?(): Promise<OrganizationTarget>;

  private async emulatorOrganization(): Promise<OrganizationTarget> {
    if (this.org) return this.org;
    const hub = this.where;
    if (!hub) throw new LayerGuardError('the hub sandbox is not built yet');
    const organization = OrganizationSchema.parse({ id: 'o-lg1emulator1', hub, memberRegions: [hub.region] });
    const reach = createAwsReach({ account: hub.account, organization, functionName: 'gameday' });
    const person = createMemberCredentials(stsClient(), {
      organization: { ...organization, memberRoleName: EMULATOR_PERSON_ROLE },
      sessionName: 'layerguard-gameday-person',
      partition: 'aws',
    });
    this.org = {
      hub,
      reach,
      member: async (name) => {
        if (name !== 'member') throw new LayerGuardError(`the emulator models one member account, not "${name}"`);
        let member = this.members.get(name);
        if (!member) {
          const client = new Ec2ClientClass({ ...retryConfig(), region: hub.region, credentials: person.provider(EMULATOR_MEMBER_ACCOUNT) });
          member = await Ec2GamedayTarget.create({
            ...this.opts,
            client,
            label: `${this.opts.label ?? ''}-member`,
          });
          this.members.set(name, member);
        }
        return member;
      },
    };
    return this.org;
  }

  /** Throws once the target is being disposed (Ctrl-C): no new change may start. */
  private open(): void {
    if (this.closing) throw new LayerGuardError('the game day is being cleaned up: no further changes');
  }

  /** Runs a change, so that dispose can wait for it to finish before it deletes. */
  private async track<T>(work: () => Promise<T>): Promise<T> {
    this.open();
    const p = work();
    this.inflight.add(p);
    try {
      return await p;
    } finally {
      this.inflight.delete(p);
    }
  }

  private ctx(errorCode?: string): RecordContext {
    return {
      account: this.sandbox.ownerId ?? '000000000000',
      region: this.region,
      ...(errorCode ? { errorCode } : {}),
    };
  }

  private injection(record: Record<string, unknown>, injectedAt = performance.now()): Injection {
    return { event: eventBridgeEnvelope(record), eventId: record.eventID as string, injectedAt };
  }

  async authorizeIngress(
    groupId: string,
    rules: readonly RuleRequest[],
    opts: InjectOptions = {},
  ): Promise<Injection> {
    if (opts.failWith) {
      // A failed call changes nothing: no call at all, only its record.
      const created = rules.map((r) => ({ ...r, ruleId: 'sgr-00000000000000000', groupId, isEgress: false }));
      return this.injection(authorizeIngressRecord(groupId, created, this.ctx(opts.failWith)));
    }
    return this.track(async () => {
      await this.guard.require(groupId, 'authorize ingress on');
      const answer = await this.client.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: rules.map(toIpPermission),
        }),
      );
      const injectedAt = performance.now();
      const answered = (answer.SecurityGroupRules ?? []).map(toSgRule);
      const created: SgRule[] = [];
      let described: SgRule[] | undefined;
      for (const request of rules) {
        let rule = answered.find((r) => !r.isEgress && sameRule(request, r));
        if (!rule) {
          // moto answers the rules of the last permission only; EC2 lists them all.
          described ??= (
            await this.client.send(
              new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }),
            )
          ).SecurityGroupRules?.map(toSgRule);
          rule = described?.find((r) => !r.isEgress && sameRule(request, r));
        }
        if (!rule)
          throw new LayerGuardError(
            `AuthorizeSecurityGroupIngress on ${groupId}: cannot find the rule it created for ${JSON.stringify(request)}`,
          );
        created.push(rule);
      }
      return this.injection(authorizeIngressRecord(groupId, created, this.ctx()), injectedAt);
    });
  }

  async canaryProbe(): Promise<Injection> {
    const groupId = this.ids.canaryGroup;
    if (!groupId) throw new LayerGuardError('the sandbox has no canary group');
    return this.track(async () => {
      await this.guard.require(groupId, 'run the canary on');
      const probe = { groupId, port: CANARY_PORT, cidr: canaryCidr(DEFAULT_POLICY) };
      const run = await runCanary(this.client, probe);
      const injectedAt = performance.now();
      if (run.plan.kind !== 'authorize') throw new LayerGuardError(`the canary did not open its rule: ${run.plan.kind}`);
      const rules = await this.network.listRules(groupId);
      const created = rules.filter((r) => isCanaryRule(r, probe));
      if (created.length !== 1) throw new LayerGuardError(`the canary's rule is not in ${groupId}`);
      // CloudTrail records the canary function's role: not one of LayerGuard's own.
      const ctx = { ...this.ctx(), actor: CANARY_ACTOR };
      return this.injection(authorizeIngressRecord(groupId, created, ctx), injectedAt);
    });
  }

  async modifyRule(groupId: string, ruleId: string, rule: RuleRequest): Promise<Injection> {
    return this.track(async () => {
      await this.guard.require(groupId, 'modify a rule of');
      const answer = await this.client.send(
        new ModifySecurityGroupRulesCommand({
          GroupId: groupId,
          SecurityGroupRules: [
            {
              SecurityGroupRuleId: ruleId,
              SecurityGroupRule: securityGroupRuleRequest(rule),
            },
          ],
        }),
      );
      const injectedAt = performance.now();
      if (answer.Return === false)
        throw new LayerGuardError(`ModifySecurityGroupRules on ${groupId} answered Return=false`);
      // CloudTrail records the request: the rule as it was asked to become.
      return this.injection(
        modifyRuleRecord(groupId, { ...rule, ruleId, groupId, isEgress: false }, this.ctx()),
        injectedAt,
      );
    });
  }

  async createRoute(
    routeTableId: string,
    destination: RouteDestination,
    target: RouteTarget,
  ): Promise<Injection> {
    return this.track(async () => {
      await this.guard.require(routeTableId, 'add a route to');
      const input: CreateRouteCommandInput = {
        RouteTableId: routeTableId,
        ...(destination.cidrIpv4 ? { DestinationCidrBlock: destination.cidrIpv4 } : {}),
        ...(destination.cidrIpv6 ? { DestinationIpv6CidrBlock: destination.cidrIpv6 } : {}),
        ...(destination.prefixListId ? { DestinationPrefixListId: destination.prefixListId } : {}),
      };
      for (const [field, sdk] of SDK_TARGET_FIELDS) {
        const value = target[field];
        if (value) (input as unknown as Record<string, unknown>)[sdk] = value;
      }
      const answer = await this.client.send(new CreateRouteCommand(input));
      const injectedAt = performance.now();
      if (answer.Return === false)
        throw new LayerGuardError(`CreateRoute on ${routeTableId} answered Return=false`);
      return this.injection(
        routeRecord('CreateRoute', routeTableId, destination, target, this.ctx()),
        injectedAt,
      );
    });
  }

  /** The subnet's explicit association (and its table), or undefined when it uses the main table. */
  private async explicitAssociation(
    subnetId: string,
  ): Promise<{ associationId: string; routeTableId: string } | undefined> {
    for (const table of await this.network.listRouteTables(this.ids.vpcId)) {
      const a = table.associations.find((x) => x.subnetId === subnetId && !x.main);
      if (a) return { associationId: a.associationId, routeTableId: table.routeTableId };
    }
    return undefined;
  }

  async moveSubnet(subnetId: string, routeTableId: string): Promise<Injection> {
    return this.track(async () => {
      await this.guard.require(subnetId, 'move');
      await this.guard.require(routeTableId, 'associate a subnet with');
      const current = await this.explicitAssociation(subnetId);
      if (!current)
        throw new LayerGuardError(`${subnetId} has no explicit route table association to replace`);
      await this.guard.require(current.routeTableId, 'replace an association of');
      const answer = await this.client.send(
        new ReplaceRouteTableAssociationCommand({
          AssociationId: current.associationId,
          RouteTableId: routeTableId,
        }),
      );
      const injectedAt = performance.now();
      if (!answer.NewAssociationId)
        throw new LayerGuardError('ReplaceRouteTableAssociation answered without a new association id');
      return this.injection(
        replaceAssociationRecord(current.associationId, routeTableId, answer.NewAssociationId, this.ctx()),
        injectedAt,
      );
    });
  }

  async disassociateSubnet(subnetId: string): Promise<Injection> {
    return this.track(async () => {
      await this.guard.require(subnetId, 'disassociate');
      const current = await this.explicitAssociation(subnetId);
      if (!current) throw new LayerGuardError(`${subnetId} has no explicit route table association to remove`);
      await this.guard.require(current.routeTableId, 'disassociate a subnet from');
      await this.client.send(new DisassociateRouteTableCommand({ AssociationId: current.associationId }));
      const injectedAt = performance.now();
      return this.injection(disassociateRecord(current.associationId, this.ctx()), injectedAt);
    });
  }

  async useMainTable(subnetIds: readonly string[]): Promise<void> {
    await this.track(async () => {
      for (const subnetId of subnetIds) {
        await this.guard.require(subnetId, 'disassociate');
        const current = await this.explicitAssociation(subnetId);
        if (!current) continue;
        await this.guard.require(current.routeTableId, 'disassociate a subnet from');
        await this.client.send(new DisassociateRouteTableCommand({ AssociationId: current.associationId }));
      }
    });
  }

  /** CreateNetworkAclEntry, or with `replace` ReplaceNetworkAclEntry (the SDK's request shapes, models_2/models_8.d.ts). */
  async aclEntry(networkAclId: string, entry: NetworkAclEntry, opts: InjectOptions & { readonly replace?: boolean } = {}): Promise<Injection> {
    const eventName = opts.replace ? 'ReplaceNetworkAclEntry' : 'CreateNetworkAclEntry';
    if (opts.failWith) return this.injection(aclEntryRecord(eventName, networkAclId, entry, this.ctx(opts.failWith)));
    return this.track(async () => {
      await this.guard.require(networkAclId, 'change an entry of');
      const input: CreateNetworkAclEntryCommandInput = {
        NetworkAclId: networkAclId,
        RuleNumber: entry.ruleNumber,
        Egress: entry.egress,
        RuleAction: entry.ruleAction,
        Protocol: entry.protocol,
        ...(entry.cidrIpv4 ? { CidrBlock: entry.cidrIpv4 } : {}),
        ...(entry.cidrIpv6 ? { Ipv6CidrBlock: entry.cidrIpv6 } : {}),
        ...(entry.portRange ? { PortRange: { From: entry.portRange.from, To: entry.portRange.to } } : {}),
        ...(entry.icmpTypeCode ? { IcmpTypeCode: { Type: entry.icmpTypeCode.type, Code: entry.icmpTypeCode.code } } : {}),
      };
      await this.client.send(opts.replace ? new ReplaceNetworkAclEntryCommand(input) : new CreateNetworkAclEntryCommand(input));
      const injectedAt = performance.now();
      return this.injection(aclEntryRecord(eventName, networkAclId, entry, this.ctx()), injectedAt);
    });
  }

  async moveSubnetAcl(subnetId: string, networkAclId: string): Promise<Injection> {
    return this.track(async () => {
      await this.guard.require(subnetId, 'move');
      await this.guard.require(networkAclId, 'associate a subnet with');
      const current = await this.subnetAcl(subnetId);
      await this.guard.require(current.networkAclId, 'replace an association of');
      const association = current.associations.find((a) => a.subnetId === subnetId)?.associationId as string;
      const answer = await this.client.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: association, NetworkAclId: networkAclId }));
      const injectedAt = performance.now();
      if (!answer.NewAssociationId) throw new LayerGuardError('ReplaceNetworkAclAssociation answered without a new association id');
      return this.injection(replaceAclAssociationRecord(association, networkAclId, answer.NewAssociationId, this.ctx()), injectedAt);
    });
  }

  async networkAcl(networkAclId: string): Promise<NetworkAcl> {
    const acl = await this.network.getNetworkAcl(networkAclId);
    if (!acl) throw new LayerGuardError(`network ACL ${networkAclId} does not exist`);
    return acl;
  }

  async subnetAcl(subnetId: string): Promise<NetworkAcl> {
    const acl = (await this.network.listNetworkAcls(this.ids.vpcId)).find((a) => a.associations.some((x) => x.subnetId === subnetId));
    if (!acl) throw new LayerGuardError(`no network ACL for ${subnetId} in ${this.ids.vpcId}`);
    return acl;
  }

  async ingressRules(groupId: string): Promise<SgRule[]> {
    return (await this.network.listRules(groupId)).filter((r) => !r.isEgress);
  }

  async routeTable(routeTableId: string): Promise<RouteTable> {
    const table = await this.network.getRouteTable(routeTableId);
    if (!table) throw new LayerGuardError(`route table ${routeTableId} does not exist`);
    return table;
  }

  async effectiveRouteTable(subnetId: string): Promise<RouteTable> {
    const tables = await this.network.listRouteTables(this.ids.vpcId);
    const explicit = tables.find((t) => t.associations.some((a) => a.subnetId === subnetId && !a.main));
    const main = tables.find((t) => t.associations.some((a) => a.main));
    const table = explicit ?? main;
    if (!table) throw new LayerGuardError(`no route table for ${subnetId} in ${this.ids.vpcId}`);
    return table;
  }

  /**
   * Deletes everything the run created (idempotent; safe to call twice or concurrently). Waits for a
   * change in progress first. What cannot be deleted is kept in `leftovers` and reported by `warn`.
   */
  dispose(): Promise<void> {
    this.closing = true;
    this.disposal ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      // The members' sandboxes first (their own clients, their own account), then the hub's.
      await Promise.allSettled([...this.members.values()].map((m) => m.dispose()));
      const memberLeftovers = [...this.members.values()].flatMap((m) => m.leftovers);
      this.leftovers = await deleteSandbox({
        client: this.client,
        guard: this.guard,
        sandbox: this.sandbox,
        ...(this.opts.deleteDelayMs !== undefined ? { delayMs: this.opts.deleteDelayMs } : {}),
      });
      liveTargets.delete(this);
      const own = this.leftovers;
      this.leftovers = [...memberLeftovers, ...own];
      const warn = this.opts.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
      for (const line of own)
        warn(`layerguard: game day cleanup left ${line} (tag ${`layerguard:gameday=${this.runId}`})`);
    })();
    return this.disposal;
  }
}

/**
 * On SIGINT/SIGTERM: dispose every live target (and run `also`, e.g. stop the emulator), then exit
 * 130 (143 for SIGTERM). A second signal while cleaning up exits at once, naming the run's tag so a
 * person can finish by hand. Returns a function that removes the handlers.
 */
export function cleanUpOnInterrupt(
  also?: () => Promise<void>,
  options: { disposeTargets?: boolean; log?: (line: string) => void } = {},
): () => void {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  // On an emulator the canaries go with the emulator (and a terminal's Ctrl-C reaches moto too).
  const disposeTargets = options.disposeTargets ?? true;
  let cleaning = false;
  const handler = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGTERM' ? 143 : 130;
    if (cleaning) {
      const tags = [...new Set([...liveTargets].map((t) => t.runId))].map((id) => `layerguard:gameday=${id}`);
      log(
        `layerguard: interrupted again: exiting without finishing the cleanup${tags.length ? `; delete what is tagged ${tags.join(', ')}` : ''}`,
      );
      process.exit(code);
    }
    cleaning = true;
    if (disposeTargets) log(`layerguard: interrupted: cleaning up ${liveTargets.size} sandbox VPC(s)…`);
    void Promise.allSettled(disposeTargets ? [...liveTargets].map((t) => t.dispose()) : [])
      .then(() => also?.())
      .finally(() => process.exit(code));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

export interface Ec2GamedayOptions {
  readonly client: EC2Client;
  readonly kind: Ec2TargetKind;
  readonly policy: Policy;
  readonly scenarios: readonly Scenario[];
  readonly runId?: string;
  readonly onResult?: (result: ScenarioResult, index: number, total: number) => void;
  readonly warn?: (line: string) => void;
}

export interface Ec2GamedayRun {
  readonly card: Scorecard;
  readonly runId: string;
  /** What the run could not delete; empty when it left nothing behind. */
  readonly leftovers: readonly string[];
}

/**
 * The game day on a real EC2 API with the handlers in-process (`--target emulator`, and `--target
 * aws --via local`): runGameday with one sandbox per scenario; LayerGuard's engine reads and reverts
 * through the EC2 adapter on the same client.
 */
export async function runEc2Gameday(o: Ec2GamedayOptions): Promise<Ec2GamedayRun> {
  const runId = o.runId ?? newRunId();
  const targets: Ec2GamedayTarget[] = [];
  let n = 0;
  const card = await runGameday(
    {
      policy: o.policy,
      scenarios: o.scenarios,
      onResult: o.onResult,
      target: async () => {
        n += 1;
        const t = await Ec2GamedayTarget.create({
          client: o.client,
          kind: o.kind,
          runId,
          label: String(n),
          ...(o.warn ? { warn: o.warn } : {}),
        });
        targets.push(t);
        return t;
      },
    },
    o.kind,
  );
  return { card, runId, leftovers: targets.flatMap((t) => t.leftovers) };
}
