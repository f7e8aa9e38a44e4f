import { randomUUID } from 'node:crypto';
import type { NetworkAclEntry, RouteDestination, RouteTarget, SgRule } from '../../functions/core/network.js';

/**
 * Builds CloudTrail records and their EventBridge envelopes in the shape EC2 writes them (lists as
 * `{ items: [...] }`, empty lists as `{}`, `_return` in responses), for drift that a game day or a
 * test injected on purpose.
 */

export interface Actor {
  readonly roleName: string;
  readonly sessionName: string;
  readonly sourceIp: string;
  readonly userAgent: string;
}

export const GAMEDAY_ACTOR: Actor = {
  roleName: 'GameDayOperator',
  sessionName: 'gameday',
  sourceIp: '198.51.100.7',
  userAgent: 'layerguard-gameday/0.1.0',
};

export interface RecordContext {
  readonly account: string;
  readonly region: string;
  readonly actor?: Actor;
  readonly eventTime?: Date;
  readonly eventId?: string;
  readonly errorCode?: string;
}

type Json = Record<string, unknown>;

/** A CloudTrail management-event record of one EC2 call. */
export function cloudTrailRecord(eventName: string, request: Json, response: Json | null, ctx: RecordContext): Json {
  const actor = ctx.actor ?? GAMEDAY_ACTOR;
  const time = (ctx.eventTime ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const record: Json = {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROA3EXAMPLEROLEID:${actor.sessionName}`,
      arn: `arn:aws:sts::${ctx.account}:assumed-role/${actor.roleName}/${actor.sessionName}`,
      accountId: ctx.account,
      accessKeyId: 'ASIA3EXAMPLEKEYID',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROA3EXAMPLEROLEID',
          arn: `arn:aws:iam::${ctx.account}:role/${actor.roleName}`,
          accountId: ctx.account,
          userName: actor.roleName,
        },
        attributes: { creationDate: time, mfaAuthenticated: 'false' },
      },
    },
    eventTime: time,
    eventSource: 'ec2.amazonaws.com',
    eventName,
    awsRegion: ctx.region,
    sourceIPAddress: actor.sourceIp,
    userAgent: actor.userAgent,
    ...(ctx.errorCode ? { errorCode: ctx.errorCode, errorMessage: 'The request failed.' } : {}),
    requestParameters: request,
    responseElements: ctx.errorCode ? null : response,
    requestID: randomUUID(),
    eventID: ctx.eventId ?? randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ctx.account,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `ec2.${ctx.region}.amazonaws.com` },
  };
  return record;
}

/** The record as EventBridge delivers it: source `aws.ec2`, or `layerguard.gameday` for injected game-day events. */
export function eventBridgeEnvelope(record: Json, source = 'aws.ec2'): Json {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source,
    account: record.recipientAccountId,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}

const list = (items: unknown[]) => (items.length > 0 ? { items } : {});

/** requestParameters.ipPermissions for rules, one permission per rule as the console sends them. */
export function ipPermissions(rules: readonly Omit<SgRule, 'ruleId' | 'groupId' | 'isEgress'>[]): Json {
  return list(
    rules.map((r) => ({
      ipProtocol: r.protocol,
      ...(r.fromPort !== undefined ? { fromPort: r.fromPort } : {}),
      ...(r.toPort !== undefined ? { toPort: r.toPort } : {}),
      groups: list(r.referencedGroupId ? [{ groupId: r.referencedGroupId }] : []),
      ipRanges: list(r.cidrIpv4 ? [{ cidrIp: r.cidrIpv4, ...(r.description ? { description: r.description } : {}) }] : []),
      ipv6Ranges: list(r.cidrIpv6 ? [{ cidrIpv6: r.cidrIpv6 }] : []),
      prefixListIds: list(r.prefixListId ? [{ prefixListId: r.prefixListId }] : []),
    })),
  );
}

export function authorizeIngressRecord(groupId: string, created: readonly SgRule[], ctx: RecordContext): Json {
  return cloudTrailRecord(
    'AuthorizeSecurityGroupIngress',
    { groupId, ipPermissions: ipPermissions(created) },
    {
      requestId: randomUUID(),
      _return: true,
      securityGroupRuleSet: list(
        created.map((r) => ({
          groupOwnerId: ctx.account,
          groupId,
          securityGroupRuleId: r.ruleId,
          isEgress: false,
          ipProtocol: r.protocol,
          fromPort: r.fromPort ?? -1,
          toPort: r.toPort ?? -1,
          ...(r.cidrIpv4 ? { cidrIpv4: r.cidrIpv4 } : {}),
          ...(r.cidrIpv6 ? { cidrIpv6: r.cidrIpv6 } : {}),
          ...(r.prefixListId ? { prefixListId: r.prefixListId } : {}),
          ...(r.referencedGroupId ? { referencedGroupInfo: { groupId: r.referencedGroupId, userId: ctx.account } } : {}),
        })),
      ),
    },
    ctx,
  );
}

/** A rule in EC2's `SecurityGroupRuleRequest` shape (ModifySecurityGroupRules: the API call and its record). */
export const securityGroupRuleRequest = (rule: Omit<SgRule, 'ruleId' | 'groupId' | 'isEgress'>) => ({
  IpProtocol: rule.protocol,
  ...(rule.fromPort !== undefined ? { FromPort: rule.fromPort } : {}),
  ...(rule.toPort !== undefined ? { ToPort: rule.toPort } : {}),
  ...(rule.cidrIpv4 ? { CidrIpv4: rule.cidrIpv4 } : {}),
  ...(rule.cidrIpv6 ? { CidrIpv6: rule.cidrIpv6 } : {}),
  ...(rule.prefixListId ? { PrefixListId: rule.prefixListId } : {}),
  ...(rule.referencedGroupId ? { ReferencedGroupId: rule.referencedGroupId } : {}),
  ...(rule.description ? { Description: rule.description } : {}),
});

export function modifyRuleRecord(groupId: string, rule: SgRule, ctx: RecordContext): Json {
  return cloudTrailRecord(
    'ModifySecurityGroupRules',
    {
      ModifySecurityGroupRulesRequest: {
        GroupId: groupId,
        SecurityGroupRule: {
          SecurityGroupRuleId: rule.ruleId,
          SecurityGroupRule: securityGroupRuleRequest(rule),
          tag: 1,
        },
      },
    },
    { ModifySecurityGroupRulesResponse: { requestId: randomUUID(), return: true } },
    ctx,
  );
}

const routeRequest = (routeTableId: string, d: RouteDestination, t: RouteTarget): Json => ({
  routeTableId,
  ...(d.cidrIpv4 ? { destinationCidrBlock: d.cidrIpv4 } : {}),
  ...(d.cidrIpv6 ? { destinationIpv6CidrBlock: d.cidrIpv6 } : {}),
  ...(d.prefixListId ? { destinationPrefixListId: d.prefixListId } : {}),
  ...t,
});

export const routeRecord = (
  eventName: 'CreateRoute' | 'ReplaceRoute',
  routeTableId: string,
  destination: RouteDestination,
  target: RouteTarget,
  ctx: RecordContext,
): Json => cloudTrailRecord(eventName, routeRequest(routeTableId, destination, target), { requestId: randomUUID(), _return: true }, ctx);

export const associateRecord = (routeTableId: string, subnetId: string, associationId: string, ctx: RecordContext): Json =>
  cloudTrailRecord(
    'AssociateRouteTable',
    { routeTableId, subnetId },
    { requestId: randomUUID(), associationId, associationState: { state: 'associated' } },
    ctx,
  );

export const replaceAssociationRecord = (
  associationId: string,
  routeTableId: string,
  newAssociationId: string,
  ctx: RecordContext,
): Json =>
  cloudTrailRecord(
    'ReplaceRouteTableAssociation',
    { associationId, routeTableId },
    { requestId: randomUUID(), newAssociationId, associationState: { state: 'associated' } },
    ctx,
  );

/** DisassociateRouteTable: the request names only the association; EC2 answers `return: true`. */
export const disassociateRecord = (associationId: string, ctx: RecordContext): Json =>
  cloudTrailRecord('DisassociateRouteTable', { associationId }, { requestId: randomUUID(), _return: true }, ctx);

/**
 * CreateNetworkAclEntry / ReplaceNetworkAclEntry as CloudTrail writes them: the protocol as
 * `aclProtocol`, empty `portRange` / `icmpTypeCode` as `{}` (see functions/core/change.ts for the source).
 */
export const aclEntryRecord = (
  eventName: 'CreateNetworkAclEntry' | 'ReplaceNetworkAclEntry',
  networkAclId: string,
  e: NetworkAclEntry,
  ctx: RecordContext,
): Json =>
  cloudTrailRecord(
    eventName,
    {
      networkAclId,
      ruleNumber: e.ruleNumber,
      egress: e.egress,
      ruleAction: e.ruleAction,
      icmpTypeCode: e.icmpTypeCode ? { type: e.icmpTypeCode.type, code: e.icmpTypeCode.code } : {},
      portRange: e.portRange ? { from: e.portRange.from, to: e.portRange.to } : {},
      aclProtocol: e.protocol,
      ...(e.cidrIpv4 ? { cidrBlock: e.cidrIpv4 } : {}),
      ...(e.cidrIpv6 ? { ipv6CidrBlock: e.cidrIpv6 } : {}),
    },
    { requestId: randomUUID(), _return: true },
    ctx,
  );

/** ReplaceNetworkAclAssociation: the request names the association and the ACL; EC2 answers the new association. */
export const replaceAclAssociationRecord = (associationId: string, networkAclId: string, newAssociationId: string, ctx: RecordContext): Json =>
  cloudTrailRecord('ReplaceNetworkAclAssociation', { associationId, networkAclId }, { requestId: randomUUID(), newAssociationId }, ctx);

/**
 * ModifyManagedPrefixList as CloudTrail records it (functions/core/change.ts): the request wrapped in
 * `ModifyManagedPrefixListRequest`, the query API's AddEntry / RemoveEntry (one item an object, several an
 * array, each with its index as `tag`, the CIDR as `cidr`, as in the one published record); the response
 * as EC2 answers (`prefixList` with the version the call started from, `modify-in-progress`).
 */
export function modifyPrefixListRecord(
  prefixListId: string,
  change: { currentVersion?: number; add?: readonly string[]; remove?: readonly string[]; ownerId: string },
  ctx: RecordContext,
): Json {
  const list = (cidrs: readonly string[] | undefined) => {
    const items = (cidrs ?? []).map((cidr, i) => ({ cidr, tag: String(i + 1) }));
    return items.length === 0 ? undefined : items.length === 1 ? items[0] : items;
  };
  const add = list(change.add);
  const remove = list(change.remove);
  const request = {
    ModifyManagedPrefixListRequest: {
      PrefixListId: prefixListId,
      ...(change.currentVersion !== undefined ? { CurrentVersion: String(change.currentVersion) } : {}),
      ...(add ? { AddEntry: add } : {}),
      ...(remove ? { RemoveEntry: remove } : {}),
    },
  };
  const response = ctx.errorCode
    ? null
    : {
        ModifyManagedPrefixListResponse: {
          xmlns: 'http://ec2.amazonaws.com/doc/2016-11-15/',
          requestId: randomUUID(),
          prefixList: { prefixListId, state: 'modify-in-progress', version: change.currentVersion ?? 1, ownerId: change.ownerId },
        },
      };
  return cloudTrailRecord('ModifyManagedPrefixList', request, response, ctx);
}
