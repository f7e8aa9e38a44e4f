import * as z from 'zod/mini';
import { canonicalCidr, parseCidr } from './cidr.js';
import type { CloudTrailRecord } from './cloudtrail.js';
import { UnsupportedEventError } from './errors.js';
import { canonicalTarget } from './route-table.js';
import type { NetworkAclEntry, RouteDestination, RouteTarget, SgRule } from './network.js';
import { canonicalAclProtocol } from './network-acl.js';
import './zod-locale.js';
import { definedOnly } from './defined.js';

/**
 * A CloudTrail record's request, read into the change it asked for. Only ids and the requested
 * permissions are taken from the event; the decision is always made on live state.
 */

/**
 * One requested ingress permission, flattened to a single source (as EC2 stores it as one rule), with
 * its rule id where the event names it (the response of Authorize, the request of Modify).
 */
export type RequestedRule = Pick<
  SgRule,
  'protocol' | 'fromPort' | 'toPort' | 'cidrIpv4' | 'cidrIpv6' | 'prefixListId' | 'referencedGroupId'
> & { readonly ruleId?: string };

export type Change =
  | {
      readonly kind: 'sg-ingress';
      readonly eventName: 'AuthorizeSecurityGroupIngress' | 'ModifySecurityGroupRules';
      readonly groupId?: string;
      readonly groupName?: string;
      readonly rules: readonly RequestedRule[];
    }
  | {
      readonly kind: 'route';
      readonly eventName: 'CreateRoute' | 'ReplaceRoute';
      readonly routeTableId: string;
      readonly destination: RouteDestination;
      readonly target: RouteTarget;
    }
  | {
      readonly kind: 'association';
      readonly eventName: 'AssociateRouteTable' | 'ReplaceRouteTableAssociation';
      readonly routeTableId: string;
      readonly subnetId?: string;
      /** The association the call replaced (ReplaceRouteTableAssociation). */
      readonly previousAssociationId?: string;
      /** The association the call made, from the response. */
      readonly associationId?: string;
    }
  | {
      /**
       * A subnet (or gateway) association removed: the subnet now uses the VPC's main table. The
       * request names only the association, which no longer exists, so neither the subnet nor the VPC
       * can be read back from it.
       */
      readonly kind: 'disassociation';
      readonly eventName: 'DisassociateRouteTable';
      readonly associationId: string;
    }
  | {
      /** An entry made (CreateNetworkAclEntry) or its definition replaced (ReplaceNetworkAclEntry); the old one is not recorded. */
      readonly kind: 'nacl-entry';
      readonly eventName: 'CreateNetworkAclEntry' | 'ReplaceNetworkAclEntry';
      readonly networkAclId: string;
      readonly entry: NetworkAclEntry;
    }
  | {
      /** A subnet moved onto another network ACL (ReplaceNetworkAclAssociation). */
      readonly kind: 'nacl-association';
      readonly eventName: 'ReplaceNetworkAclAssociation';
      readonly networkAclId: string;
      /** The association the call replaced (gone once the call succeeded). */
      readonly previousAssociationId: string;
      /** The association the call made, from the response. */
      readonly associationId?: string;
    }
  | {
      /**
       * Entries added to or removed from a customer-managed prefix list (ModifyManagedPrefixList). Only
       * the added entries can be drift; the decision reads the list, its entries and the resources that
       * reference it.
       */
      readonly kind: 'prefix-list-entries';
      readonly eventName: 'ModifyManagedPrefixList';
      readonly prefixListId: string;
      /** The version the caller named (`CurrentVersion`), when it did. */
      readonly currentVersion?: number;
      /** The CIDRs added (canonical, as EC2 stores them). */
      readonly added: readonly string[];
      /** The CIDRs removed. */
      readonly removed: readonly string[];
    };

const text = z.string().check(z.maxLength(1024));
const port = z.coerce.number().check(z.int(), z.gte(-1), z.lte(65535));
const pattern = (re: RegExp, message: string) => z.string().check(z.regex(re, message));
const sgId = pattern(/^sg-[0-9a-f]{8,17}$/, 'expected a security group id like sg-0abc1234');
const ruleId = pattern(/^sgr-[0-9a-f]{8,17}$/, 'expected a rule id like sgr-0abc1234');
const rtbId = pattern(/^rtb-[0-9a-f]{8,17}$/, 'expected a route table id like rtb-0abc1234');
const subnetId = pattern(/^subnet-[0-9a-f]{8,17}$/, 'expected a subnet id like subnet-0abc1234');
const assocId = pattern(/^rtbassoc-[0-9a-f]{8,17}$/, 'expected an association id like rtbassoc-0abc1234');

/** `schema`, then `fn` on its output (full zod's `schema.transform(fn)`). */
const transformed = <A extends z.ZodMiniType, O>(schema: A, fn: (value: z.output<A>) => O) =>
  z.pipe(schema, z.transform(fn));

/** `schema`, then `fn` as a refinement with `message` (full zod's `schema.refine(fn, message)`). */
const refined = <A extends z.ZodMiniType>(schema: A, fn: (value: z.output<A>) => boolean, message: string): A =>
  schema.check(z.refine(fn, message));

/**
 * A CIDR read into the form EC2 stores (host bits cleared, IPv6 compressed and lower case: see
 * cidr.ts), so that every spelling of one network is one change.
 */
const cidr = (family: 4 | 6) =>
  transformed(
    refined(text, (v) => parseCidr(v)?.family === family, `expected an IPv${family} CIDR`),
    (v) => canonicalCidr(v) as string,
  );
const cidr4 = cidr(4);
const cidr6 = cidr(6);

/** CloudTrail writes lists as `{ items: [...] }`, and an empty list as `{}`. */
const items = <T extends z.ZodMiniType>(item: T) =>
  transformed(
    z.optional(z.looseObject({ items: z.optional(z.array(item).check(z.maxLength(1000))) })),
    (v) => v?.items ?? [],
  );

const IpPermissionSchema = z.looseObject({
  ipProtocol: text,
  fromPort: z.optional(port),
  toPort: z.optional(port),
  ipRanges: items(z.looseObject({ cidrIp: cidr4, description: z.optional(text) })),
  ipv6Ranges: items(z.looseObject({ cidrIpv6: cidr6, description: z.optional(text) })),
  prefixListIds: items(z.looseObject({ prefixListId: text, description: z.optional(text) })),
  groups: items(
    z.looseObject({ groupId: z.optional(text), groupName: z.optional(text), userId: z.optional(text) }),
  ),
});

/**
 * Both request forms of AuthorizeSecurityGroupIngress (the SDK's `AuthorizeSecurityGroupIngressRequest`,
 * @aws-sdk/client-ec2 dist-types/models/models_0.d.ts): `IpPermissions`, or the flat `CidrIp`,
 * `IpProtocol`, `FromPort`, `ToPort` and `SourceSecurityGroupName`/`SourceSecurityGroupOwnerId` at the
 * top level, which CloudTrail records as `cidrIp`, `ipProtocol`, ... beside `ipPermissions: {}`.
 */
const AuthorizeRequestSchema = refined(
  z.looseObject({
    groupId: z.optional(sgId),
    groupName: z.optional(text),
    ipPermissions: items(IpPermissionSchema),
    cidrIp: z.optional(cidr4),
    ipProtocol: z.optional(text),
    fromPort: z.optional(port),
    toPort: z.optional(port),
    sourceSecurityGroupName: z.optional(text),
    sourceSecurityGroupOwnerId: z.optional(text),
  }),
  (r) => r.groupId !== undefined || r.groupName !== undefined,
  'needs groupId or groupName',
);

const ResponseRuleSchema = z.looseObject({
  securityGroupRuleId: ruleId,
  groupId: z.optional(sgId),
  isEgress: z.optional(z.boolean()),
  ipProtocol: z.optional(text),
  fromPort: z.optional(port),
  toPort: z.optional(port),
  cidrIpv4: z.optional(cidr4),
  cidrIpv6: z.optional(cidr6),
  prefixListId: z.optional(text),
  referencedGroupInfo: z.optional(z.looseObject({ groupId: z.optional(text) })),
});

const AuthorizeResponseSchema = transformed(
  z.nullish(z.looseObject({ securityGroupRuleSet: items(ResponseRuleSchema) })),
  (r) => r?.securityGroupRuleSet ?? [],
);

const ModifiedRuleSchema = z.looseObject({
  SecurityGroupRuleId: ruleId,
  SecurityGroupRule: z.looseObject({
    IpProtocol: text,
    FromPort: z.optional(port),
    ToPort: z.optional(port),
    CidrIpv4: z.optional(cidr4),
    CidrIpv6: z.optional(cidr6),
    PrefixListId: z.optional(text),
    ReferencedGroupId: z.optional(text),
    Description: z.optional(text),
  }),
});

const ModifyRequestSchema = z.looseObject({
  ModifySecurityGroupRulesRequest: z.looseObject({
    GroupId: sgId,
    // One rule serialises as an object, several as an array.
    SecurityGroupRule: z.union([
      ModifiedRuleSchema,
      z.array(ModifiedRuleSchema).check(z.minLength(1), z.maxLength(1000)),
    ]),
  }),
});

const RouteRequestSchema = refined(
  z.looseObject({
    routeTableId: rtbId,
    destinationCidrBlock: z.optional(cidr4),
    destinationIpv6CidrBlock: z.optional(cidr6),
    destinationPrefixListId: z.optional(z.string().check(z.regex(/^pl-[0-9a-f]+$/))),
    gatewayId: z.optional(text),
    natGatewayId: z.optional(text),
    egressOnlyInternetGatewayId: z.optional(text),
    transitGatewayId: z.optional(text),
    vpcPeeringConnectionId: z.optional(text),
    networkInterfaceId: z.optional(text),
    instanceId: z.optional(text),
    vpcEndpointId: z.optional(text),
    carrierGatewayId: z.optional(text),
    localGatewayId: z.optional(text),
    coreNetworkArn: z.optional(text),
  }),
  (r) => [r.destinationCidrBlock, r.destinationIpv6CidrBlock, r.destinationPrefixListId].filter(Boolean).length === 1,
  'needs exactly one destination',
);

const AssociateRequestSchema = z.looseObject({
  routeTableId: rtbId,
  subnetId: z.optional(subnetId),
  gatewayId: z.optional(text),
});
const AssociateResponseSchema = z.nullish(z.looseObject({ associationId: z.optional(assocId) }));
const ReplaceAssociationRequestSchema = z.looseObject({ associationId: assocId, routeTableId: rtbId });
const ReplaceAssociationResponseSchema = z.nullish(z.looseObject({ newAssociationId: z.optional(assocId) }));

/** The SDK's `DisassociateRouteTableRequest` (@aws-sdk/client-ec2 models_6.d.ts): `AssociationId` and `DryRun`, nothing else. */
const DisassociateRequestSchema = z.looseObject({ associationId: assocId });

const aclId = pattern(/^acl-[0-9a-f]{8,17}$/, 'expected a network ACL id like acl-0abc1234');
const aclAssocId = pattern(/^aclassoc-[0-9a-f]{8,17}$/, 'expected an association id like aclassoc-0abc1234');
/** A number, or a number in a string (CloudTrail writes the request's numbers as JSON numbers; a string is read the same). */
const int = (min: number, max: number) => z.coerce.number().check(z.int(), z.gte(min), z.lte(max));
/** `egress` is a JSON boolean in CloudTrail; the query API's `true`/`false` text reads the same. */
const bool = z.union([z.boolean(), z.pipe(z.enum(['true', 'false']), z.transform((v) => v === 'true'))]);

/**
 * CreateNetworkAclEntry and ReplaceNetworkAclEntry as CloudTrail records them: the SDK's
 * `CreateNetworkAclEntryRequest` (models_2.d.ts) / `ReplaceNetworkAclEntryRequest` (models_8.d.ts)
 * in lower camel case, the protocol as `aclProtocol` (panther-labs/pypanther,
 * pypanther/rules/aws_cloudtrail_rules/aws_network_acl_permissive_entry.py and
 * aws_ec2_network_acl_modified.py: `"aclProtocol": "6"`, `"portRange": {"from": 700, "to": 702}`,
 * `"icmpTypeCode": {}`, `"egress": false`, `"ruleNumber": 12`, `"cidrBlock": "0.0.0.0/0"`); `protocol`
 * (the SDK's field name) is read too. An empty `portRange` / `icmpTypeCode` (`{}`) is none.
 * "Positive integer from 1 to 32766. The range 32767 to 65535 is reserved for internal use"
 * (`RuleNumber`): a request outside it is refused by EC2, so it is not a change to judge.
 */
const AclEntryRequestSchema = refined(
  z.looseObject({
    networkAclId: aclId,
    ruleNumber: int(1, 32766),
    egress: z.optional(bool),
    ruleAction: z.pipe(z.string(), z.transform((v: string) => v.toLowerCase())).check(
      z.refine((v) => v === 'allow' || v === 'deny', 'expected allow or deny'),
    ),
    aclProtocol: z.optional(text),
    protocol: z.optional(text),
    cidrBlock: z.optional(cidr4),
    ipv6CidrBlock: z.optional(cidr6),
    portRange: z.optional(z.looseObject({ from: z.optional(int(0, 65535)), to: z.optional(int(0, 65535)) })),
    icmpTypeCode: z.optional(z.looseObject({ type: z.optional(int(-1, 255)), code: z.optional(int(-1, 255)) })),
  }),
  (r) =>
    (r.aclProtocol ?? r.protocol) !== undefined &&
    canonicalAclProtocol((r.aclProtocol ?? r.protocol) as string) !== undefined &&
    [r.cidrBlock, r.ipv6CidrBlock].filter((c) => c !== undefined).length === 1,
  'needs a protocol (a number, or tcp, udp, icmp, icmpv6, all) and exactly one of cidrBlock, ipv6CidrBlock',
);

/** The SDK's `ReplaceNetworkAclAssociationRequest` / `Result` (models_8.d.ts): `AssociationId`, `NetworkAclId`; `NewAssociationId`. */
const ReplaceAclAssociationRequestSchema = z.looseObject({ associationId: aclAssocId, networkAclId: aclId });
const ReplaceAclAssociationResponseSchema = z.nullish(z.looseObject({ newAssociationId: z.optional(aclAssocId) }));

/**
 * ModifyManagedPrefixList as CloudTrail records it. EC2's query API names the lists `AddEntry.N` and
 * `RemoveEntry.N` (EC2 API Reference, ModifyManagedPrefixList: "AddEntry.N … Array of AddPrefixListEntry
 * objects", `Cidr` and `Description`; "RemoveEntry.N … RemovePrefixListEntry", `Cidr`), and CloudTrail
 * writes this request as it writes ModifySecurityGroupRules: wrapped in `ModifyManagedPrefixListRequest`,
 * the query names kept, one item an object and several an array, each with its index as `tag`. The one
 * published record found (KodeKloud's CloudTrail demo, "Demo Tracking Access with CloudTrail", an
 * AWS-console call in us-west-2, 2024-10-09) reads
 * `{"ModifyManagedPrefixListRequest": {"AddEntry": {"Description": "My IP Range", "cidr": "71.131.0.0/16",
 * "tag": "1"}, "PrefixListId": "pl-…"}}`: `cidr` in lower case, beside `Description`. Both spellings of
 * each key are read (`Cidr`/`cidr`, `Description`/`description`), and the lower-camel unwrapped form
 * every other EC2 record uses (`prefixListId`, `addEntry` with `items`) too, so that a record of another
 * client's shape is not lost. `CurrentVersion` may be a number or a string.
 */
const plId = pattern(/^pl-[0-9a-f]{8,17}$/, 'expected a prefix list id like pl-0abc1234');
const anyCidr = transformed(
  refined(text, (v) => parseCidr(v) !== undefined, 'expected a CIDR'),
  (v) => canonicalCidr(v) as string,
);
const PlEntrySchema = transformed(
  refined(
    z.looseObject({ Cidr: z.optional(anyCidr), cidr: z.optional(anyCidr) }),
    (e) => (e.Cidr ?? e.cidr) !== undefined,
    'needs Cidr',
  ),
  (e) => (e.Cidr ?? e.cidr) as string,
);
/**
 * One entry (an object), several (an array), or CloudTrail's `{ items: [...] }`, read as one list before
 * it is checked, so that a bad entry is reported as itself (`AddEntry.0.cidr: expected a CIDR`), not as
 * a union that matched no branch.
 */
const asEntryList = (v: unknown): unknown =>
  v === undefined ? [] : Array.isArray(v) ? v : typeof v === 'object' && v !== null && 'items' in v ? v.items : [v];
const plEntries = z.pipe(z.transform(asEntryList), z.array(PlEntrySchema).check(z.maxLength(1000)));
const version = z.optional(z.coerce.number().check(z.int(), z.gte(0)));
const PlRequestFields = {
  PrefixListId: z.optional(plId),
  prefixListId: z.optional(plId),
  CurrentVersion: version,
  currentVersion: version,
  AddEntry: plEntries,
  addEntry: plEntries,
  RemoveEntry: plEntries,
  removeEntry: plEntries,
};
const PlRequestSchema = transformed(
  refined(
    z.looseObject({ ModifyManagedPrefixListRequest: z.optional(z.looseObject(PlRequestFields)), ...PlRequestFields }),
    (r) => (r.ModifyManagedPrefixListRequest?.PrefixListId ?? r.ModifyManagedPrefixListRequest?.prefixListId ?? r.PrefixListId ?? r.prefixListId) !== undefined,
    'needs PrefixListId',
  ),
  (r) => {
    const w = r.ModifyManagedPrefixListRequest ?? r;
    const currentVersion = w.CurrentVersion ?? w.currentVersion;
    return definedOnly({
      prefixListId: (w.PrefixListId ?? w.prefixListId) as string,
      currentVersion,
      added: [...w.AddEntry, ...w.addEntry],
      removed: [...w.RemoveEntry, ...w.removeEntry],
    });
  },
);

function parse<T extends z.ZodMiniType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const detail = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new UnsupportedEventError(`malformed ${what}: ${detail}`);
  }
  return result.data;
}

type AuthorizeRequest = z.infer<typeof AuthorizeRequestSchema>;

/**
 * The rules of the flat request form. A `CidrIp` is one rule on `IpProtocol` and the ports; a source
 * group by name "grants full ICMP, UDP, and TCP access" (the SDK's `SourceSecurityGroupName`), that is
 * three rules, none of them from a CIDR.
 */
function flatRules(request: AuthorizeRequest): RequestedRule[] {
  const rules: RequestedRule[] = [];
  if (request.cidrIp !== undefined) {
    rules.push(
      definedOnly({
        protocol: request.ipProtocol ?? '-1',
        fromPort: request.fromPort,
        toPort: request.toPort,
        cidrIpv4: request.cidrIp,
      }),
    );
  }
  if (request.sourceSecurityGroupName !== undefined) {
    const referencedGroupId = request.sourceSecurityGroupName;
    rules.push(
      { protocol: 'tcp', fromPort: 0, toPort: 65535, referencedGroupId },
      { protocol: 'udp', fromPort: 0, toPort: 65535, referencedGroupId },
      { protocol: 'icmp', fromPort: -1, toPort: -1, referencedGroupId },
    );
  }
  return rules;
}

function authorizeChange(record: CloudTrailRecord): Change {
  const request = parse(AuthorizeRequestSchema, record.requestParameters, 'AuthorizeSecurityGroupIngress request');
  const response = parse(AuthorizeResponseSchema, record.responseElements, 'AuthorizeSecurityGroupIngress response');
  const requested: RequestedRule[] = request.ipPermissions.flatMap((p) => {
    const base = { protocol: p.ipProtocol, fromPort: p.fromPort, toPort: p.toPort };
    return [
      ...p.ipRanges.map((r) => definedOnly({ ...base, cidrIpv4: r.cidrIp })),
      ...p.ipv6Ranges.map((r) => definedOnly({ ...base, cidrIpv6: r.cidrIpv6 })),
      ...p.prefixListIds.map((r) => definedOnly({ ...base, prefixListId: r.prefixListId })),
      ...p.groups.map((g) => definedOnly({ ...base, referencedGroupId: g.groupId ?? g.groupName })),
    ];
  });
  requested.push(...flatRules(request));
  // The response names the rules that were created, with their ids: the most exact record of the change.
  const created: RequestedRule[] = response
    .filter((r) => r.isEgress !== true)
    .map((r) =>
      definedOnly({
        ruleId: r.securityGroupRuleId,
        protocol: r.ipProtocol ?? '-1',
        fromPort: r.fromPort,
        toPort: r.toPort,
        cidrIpv4: r.cidrIpv4,
        cidrIpv6: r.cidrIpv6,
        prefixListId: r.prefixListId,
        referencedGroupId: r.referencedGroupInfo?.groupId,
      }),
    );
  return definedOnly({
    kind: 'sg-ingress' as const,
    eventName: 'AuthorizeSecurityGroupIngress' as const,
    // A request that names the group only by name still gets its id back in the response.
    groupId: request.groupId ?? response.find((r) => r.groupId)?.groupId,
    groupName: request.groupName,
    rules: created.length > 0 ? created : requested,
  });
}

function modifyChange(record: CloudTrailRecord): Change {
  const { ModifySecurityGroupRulesRequest: request } = parse(
    ModifyRequestSchema,
    record.requestParameters,
    'ModifySecurityGroupRules request',
  );
  const updates = Array.isArray(request.SecurityGroupRule) ? request.SecurityGroupRule : [request.SecurityGroupRule];
  return {
    kind: 'sg-ingress',
    eventName: 'ModifySecurityGroupRules',
    groupId: request.GroupId,
    rules: updates.map((u) =>
      definedOnly({
        ruleId: u.SecurityGroupRuleId,
        protocol: u.SecurityGroupRule.IpProtocol,
        fromPort: u.SecurityGroupRule.FromPort,
        toPort: u.SecurityGroupRule.ToPort,
        cidrIpv4: u.SecurityGroupRule.CidrIpv4,
        cidrIpv6: u.SecurityGroupRule.CidrIpv6,
        prefixListId: u.SecurityGroupRule.PrefixListId,
        referencedGroupId: u.SecurityGroupRule.ReferencedGroupId,
      }),
    ),
  };
}

function routeChange(record: CloudTrailRecord, eventName: 'CreateRoute' | 'ReplaceRoute'): Change {
  const r = parse(RouteRequestSchema, record.requestParameters, `${eventName} request`);
  return {
    kind: 'route',
    eventName,
    routeTableId: r.routeTableId,
    destination: definedOnly({
      cidrIpv4: r.destinationCidrBlock,
      cidrIpv6: r.destinationIpv6CidrBlock,
      prefixListId: r.destinationPrefixListId,
    }),
    target: canonicalTarget(definedOnly({
      gatewayId: r.gatewayId,
      natGatewayId: r.natGatewayId,
      egressOnlyInternetGatewayId: r.egressOnlyInternetGatewayId,
      transitGatewayId: r.transitGatewayId,
      vpcPeeringConnectionId: r.vpcPeeringConnectionId,
      networkInterfaceId: r.networkInterfaceId,
      instanceId: r.instanceId,
      vpcEndpointId: r.vpcEndpointId,
      carrierGatewayId: r.carrierGatewayId,
      localGatewayId: r.localGatewayId,
      coreNetworkArn: r.coreNetworkArn,
    })),
  };
}

function associateChange(record: CloudTrailRecord): Change {
  const r = parse(AssociateRequestSchema, record.requestParameters, 'AssociateRouteTable request');
  const response = parse(AssociateResponseSchema, record.responseElements, 'AssociateRouteTable response');
  return definedOnly({
    kind: 'association' as const,
    eventName: 'AssociateRouteTable' as const,
    routeTableId: r.routeTableId,
    subnetId: r.subnetId,
    associationId: response?.associationId,
  });
}

function replaceAssociationChange(record: CloudTrailRecord): Change {
  const r = parse(ReplaceAssociationRequestSchema, record.requestParameters, 'ReplaceRouteTableAssociation request');
  const response = parse(ReplaceAssociationResponseSchema, record.responseElements, 'ReplaceRouteTableAssociation response');
  return definedOnly({
    kind: 'association' as const,
    eventName: 'ReplaceRouteTableAssociation' as const,
    routeTableId: r.routeTableId,
    previousAssociationId: r.associationId,
    associationId: response?.newAssociationId,
  });
}

function disassociateChange(record: CloudTrailRecord): Change {
  const r = parse(DisassociateRequestSchema, record.requestParameters, 'DisassociateRouteTable request');
  return { kind: 'disassociation', eventName: 'DisassociateRouteTable', associationId: r.associationId };
}

function aclEntryChange(record: CloudTrailRecord, eventName: 'CreateNetworkAclEntry' | 'ReplaceNetworkAclEntry'): Change {
  const r = parse(AclEntryRequestSchema, record.requestParameters, `${eventName} request`);
  const protocol = canonicalAclProtocol((r.aclProtocol ?? r.protocol) as string) as string;
  const ports = r.portRange?.from !== undefined && r.portRange.to !== undefined ? { from: r.portRange.from, to: r.portRange.to } : undefined;
  const icmp =
    r.icmpTypeCode?.type !== undefined || r.icmpTypeCode?.code !== undefined
      ? { type: r.icmpTypeCode?.type ?? -1, code: r.icmpTypeCode?.code ?? -1 }
      : undefined;
  return {
    kind: 'nacl-entry',
    eventName,
    networkAclId: r.networkAclId,
    entry: definedOnly({
      ruleNumber: r.ruleNumber,
      // "Egress … Default: false" (EC2 API Reference, CreateNetworkAclEntry, query API).
      egress: r.egress === true,
      ruleAction: r.ruleAction as 'allow' | 'deny',
      protocol,
      cidrIpv4: r.cidrBlock,
      cidrIpv6: r.ipv6CidrBlock,
      // EC2 applies a port range to tcp and udp only, ICMP type and code to icmp and icmpv6 only.
      portRange: protocol === '6' || protocol === '17' ? ports : undefined,
      icmpTypeCode: protocol === '1' || protocol === '58' ? icmp : undefined,
    }),
  };
}

function replaceAclAssociationChange(record: CloudTrailRecord): Change {
  const r = parse(ReplaceAclAssociationRequestSchema, record.requestParameters, 'ReplaceNetworkAclAssociation request');
  const response = parse(ReplaceAclAssociationResponseSchema, record.responseElements, 'ReplaceNetworkAclAssociation response');
  return definedOnly({
    kind: 'nacl-association' as const,
    eventName: 'ReplaceNetworkAclAssociation' as const,
    networkAclId: r.networkAclId,
    previousAssociationId: r.associationId,
    associationId: response?.newAssociationId,
  });
}

function prefixListChange(record: CloudTrailRecord): Change {
  const r = parse(PlRequestSchema, record.requestParameters, 'ModifyManagedPrefixList request');
  return { kind: 'prefix-list-entries', eventName: 'ModifyManagedPrefixList', ...r };
}

/** Reads the change a (successful, supported) record asked for; throws `UnsupportedEventError` if malformed. */
export function toChange(record: CloudTrailRecord): Change {
  switch (record.eventName) {
    case 'AuthorizeSecurityGroupIngress':
      return authorizeChange(record);
    case 'ModifySecurityGroupRules':
      return modifyChange(record);
    case 'CreateRoute':
    case 'ReplaceRoute':
      return routeChange(record, record.eventName);
    case 'AssociateRouteTable':
      return associateChange(record);
    case 'ReplaceRouteTableAssociation':
      return replaceAssociationChange(record);
    case 'DisassociateRouteTable':
      return disassociateChange(record);
    case 'CreateNetworkAclEntry':
    case 'ReplaceNetworkAclEntry':
      return aclEntryChange(record, record.eventName);
    case 'ReplaceNetworkAclAssociation':
      return replaceAclAssociationChange(record);
    case 'ModifyManagedPrefixList':
      return prefixListChange(record);
    default:
      throw new UnsupportedEventError(`unsupported eventName "${record.eventName}"`);
  }
}
