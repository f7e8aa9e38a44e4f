import type { NetworkAclEntry, RouteDestination, RouteTarget } from '../../functions/core/network.js';
import type { RuleRequest, SimulatedAccount } from '../simulated-account/account.js';
import { Ec2Error } from '../simulated-account/ec2-error.js';
import {
  aclEntryRecord,
  type Actor,
  associateRecord,
  authorizeIngressRecord,
  disassociateRecord,
  eventBridgeEnvelope,
  modifyPrefixListRecord,
  modifyRuleRecord,
  type RecordContext,
  replaceAclAssociationRecord,
  replaceAssociationRecord,
  routeRecord,
} from './cloudtrail.js';

/** Drift made on a simulated account, with the event CloudTrail would have written for it. */
export interface Injected {
  /** The EventBridge event (envelope around the CloudTrail record). */
  readonly event: Record<string, unknown>;
  readonly eventId: string;
  readonly eventTime: Date;
}

export interface InjectOptions {
  readonly source?: string;
  readonly actor?: Actor;
  readonly eventTime?: Date;
  readonly eventId?: string;
  /** Record the call as failed with this code, without changing the account (a negative control). */
  readonly failWith?: string;
}

const wrap = (account: SimulatedAccount, opts: InjectOptions, build: (ctx: RecordContext) => Record<string, unknown>): Injected => {
  const eventTime = opts.eventTime ?? new Date();
  const record = build({
    account: account.account,
    region: account.region,
    actor: opts.actor,
    eventTime,
    eventId: opts.eventId,
    errorCode: opts.failWith,
  });
  return { event: eventBridgeEnvelope(record, opts.source), eventId: record.eventID as string, eventTime };
};

/** Makes a change on the account as a person would, and returns its CloudTrail event. */
export const inject = {
  authorizeIngress(account: SimulatedAccount, groupId: string, rules: readonly RuleRequest[], opts: InjectOptions = {}): Injected {
    const created = opts.failWith
      ? rules.map((r) => ({ ...r, ruleId: 'sgr-00000000000000000', groupId, isEgress: false }))
      : account.authorizeIngress(groupId, rules);
    return wrap(account, opts, (ctx) => authorizeIngressRecord(groupId, created, ctx));
  },

  modifyRule(account: SimulatedAccount, groupId: string, ruleId: string, rule: RuleRequest, opts: InjectOptions = {}): Injected {
    const modified = opts.failWith ? { ...rule, ruleId, groupId, isEgress: false } : account.modifyRule(groupId, ruleId, rule);
    return wrap(account, opts, (ctx) => modifyRuleRecord(groupId, modified, ctx));
  },

  createRoute(account: SimulatedAccount, routeTableId: string, destination: RouteDestination, target: RouteTarget, opts: InjectOptions = {}): Injected {
    if (!opts.failWith) account.createRoute(routeTableId, destination, target);
    return wrap(account, opts, (ctx) => routeRecord('CreateRoute', routeTableId, destination, target, ctx));
  },

  replaceRoute(account: SimulatedAccount, routeTableId: string, destination: RouteDestination, target: RouteTarget, opts: InjectOptions = {}): Injected {
    if (!opts.failWith) account.replaceRoute(routeTableId, destination, target);
    return wrap(account, opts, (ctx) => routeRecord('ReplaceRoute', routeTableId, destination, target, ctx));
  },

  associateRouteTable(account: SimulatedAccount, routeTableId: string, subnetId: string, opts: InjectOptions = {}): Injected {
    const associationId = opts.failWith ? 'rtbassoc-00000000000000000' : account.associateRouteTable(routeTableId, subnetId);
    return wrap(account, opts, (ctx) => associateRecord(routeTableId, subnetId, associationId, ctx));
  },

  /** Moves a subnet that has an explicit association onto another table (ReplaceRouteTableAssociation). */
  moveSubnet(account: SimulatedAccount, subnetId: string, routeTableId: string, opts: InjectOptions = {}): Injected {
    const current = [...account.associations.values()].find((a) => a.subnetId === subnetId);
    if (!current) throw new Ec2Error('InvalidAssociationID.NotFound', `subnet ${subnetId} has no explicit association`);
    const newId = opts.failWith ? 'rtbassoc-00000000000000000' : account.replaceAssociation(current.associationId, routeTableId);
    return wrap(account, opts, (ctx) => replaceAssociationRecord(current.associationId, routeTableId, newId, ctx));
  },

  /** Takes a subnet off its explicit table (DisassociateRouteTable): it falls back to the VPC's main table. */
  disassociateSubnet(account: SimulatedAccount, subnetId: string, opts: InjectOptions = {}): Injected {
    const current = [...account.associations.values()].find((a) => a.subnetId === subnetId);
    if (!current) throw new Ec2Error('InvalidAssociationID.NotFound', `subnet ${subnetId} has no explicit association`);
    if (!opts.failWith) account.disassociate(current.associationId);
    return wrap(account, opts, (ctx) => disassociateRecord(current.associationId, ctx));
  },

  /** CreateNetworkAclEntry (or, with `replace`, ReplaceNetworkAclEntry of an existing rule number). */
  aclEntry(account: SimulatedAccount, networkAclId: string, entry: NetworkAclEntry, opts: InjectOptions & { replace?: boolean } = {}): Injected {
    if (!opts.failWith) {
      if (opts.replace) account.replaceNetworkAclEntry(networkAclId, entry);
      else account.createNetworkAclEntry(networkAclId, entry);
    }
    const eventName = opts.replace ? 'ReplaceNetworkAclEntry' : 'CreateNetworkAclEntry';
    return wrap(account, opts, (ctx) => aclEntryRecord(eventName, networkAclId, entry, ctx));
  },

  /** ModifyManagedPrefixList: entries added (and removed) at the list's current version. */
  modifyPrefixList(account: SimulatedAccount, prefixListId: string, add: readonly string[], opts: InjectOptions & { remove?: readonly string[] } = {}): Injected {
    const list = account.prefixLists.get(prefixListId);
    if (!list) throw new Ec2Error('InvalidPrefixListID.NotFound', `The prefix list ID '${prefixListId}' does not exist`);
    const currentVersion = list.version;
    if (!opts.failWith) account.modifyPrefixList(prefixListId, { currentVersion, add, ...(opts.remove ? { remove: opts.remove } : {}) });
    return wrap(account, opts, (ctx) =>
      modifyPrefixListRecord(prefixListId, { currentVersion, add, ...(opts.remove ? { remove: opts.remove } : {}), ownerId: list.ownerId }, ctx),
    );
  },

  /** Moves a subnet onto another network ACL (ReplaceNetworkAclAssociation of its one association). */
  moveSubnetAcl(account: SimulatedAccount, subnetId: string, networkAclId: string, opts: InjectOptions = {}): Injected {
    const current = [...account.aclAssociations.values()].find((a) => a.subnetId === subnetId);
    if (!current) throw new Ec2Error('InvalidAssociationID.NotFound', `subnet ${subnetId} has no network ACL association`);
    const newId = opts.failWith ? 'aclassoc-00000000000000000' : account.replaceNetworkAclAssociation(current.associationId, networkAclId);
    return wrap(account, opts, (ctx) => replaceAclAssociationRecord(current.associationId, networkAclId, newId, ctx));
  },
};
