import { parseNetwork, sameNetwork, within } from './networks.js';

/**
 * The reference model the safety properties judge LayerGuard with. Written from the texts, not from
 * functions/core (it imports nothing from there, and reads the policy as a plain object):
 *
 * - SEC05-BP01 (AWS Well-Architected, security pillar): only the web tier is reached from the
 *   internet, and only on the ports it serves; "a database ... should be placed in subnets with no
 *   routes to or from the internet".
 * - EC2's documented semantics: a security group rule is an ingress or egress entry with a protocol
 *   (a name or an IANA number; -1 is every protocol; for ICMP the "ports" are the type and the code,
 *   -1 meaning any), and one source (IPv4 block, IPv6 block, prefix list or group). A subnet without
 *   an explicit route table association uses the VPC's main route table ("Route tables for your VPC",
 *   Amazon VPC User Guide). Route target ids carry their kind in their prefix (igw-, eigw-, nat-,
 *   cagw-, tgw-, pcx-, vgw-, vpce-, eni-, i-; "Resource IDs", Amazon EC2 User Guide), whichever
 *   request field named them.
 * - LayerGuard's issue texts for what the policy means ("Right in a real account"): private IPv6
 *   (fc00::/7, RFC 4193) is never the internet; exemptions are `until=YYYY-MM-DD;reason=...`, a real
 *   calendar day in UTC, at most the policy's cap from now.
 */

type Tags = Readonly<Record<string, string>>;
/** The policy, read as the plain object it is: only the fields the model needs. */
export interface PolicyView {
  readonly mode: string;
  readonly worldOpen: { readonly ipv4MinPrefix: number; readonly ipv6MinPrefix: number };
  readonly publicTier: {
    readonly groupTags: readonly { key: string; value: string }[];
    readonly allowedPorts: readonly Readonly<Record<string, unknown>>[];
  };
  readonly exemption: { readonly tagKey: string; readonly maxDays?: number };
  readonly isolated: {
    readonly subnetTags: readonly { key: string; value: string }[];
    readonly subnetIds: readonly string[];
    readonly forbiddenTargets: readonly string[];
  };
}

const hasTag = (tags: Tags, selectors: readonly { key: string; value: string }[]) =>
  selectors.some((s) => Object.hasOwn(tags, s.key) && tags[s.key] === s.value);

// ---- security groups --------------------------------------------------------------------------

/** IANA protocol numbers of the names EC2 accepts (and -1, every protocol). */
const PROTOCOL_NUMBER: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, '-1': -1, all: -1 };
/** A protocol as its IANA number (`-1`: every protocol); `undefined` when unreadable. */
export function protocolNumber(protocol: string): number | undefined {
  const p = protocol.trim().toLowerCase();
  if (p in PROTOCOL_NUMBER) return PROTOCOL_NUMBER[p];
  return /^\d{1,3}$/.test(p) && Number(p) <= 255 ? Number(p) : undefined;
}

/** What a rule admits, as the model reads it (a live rule or a requested one). */
export interface RuleView {
  readonly isEgress?: boolean;
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly prefixListId?: string;
  readonly referencedGroupId?: string;
}

const PRIVATE_IPV6 = parseNetwork('fc00::/7');

/** A managed prefix list's entries (CIDRs) by list id, as the account holds them. */
export type ListEntries = ReadonlyMap<string, readonly string[]>;

/** One CIDR that is the internet, or a block of it at least as big as the policy's bound (never private IPv6). */
function isInternetBlock(cidr: string | undefined, policy: PolicyView): boolean {
  const n = parseNetwork(cidr);
  if (n?.family === 4) return n.prefix < policy.worldOpen.ipv4MinPrefix;
  if (n?.family === 6 && n.prefix < policy.worldOpen.ipv6MinPrefix) return !(PRIVATE_IPV6 && within(n, PRIVATE_IPV6));
  return false;
}

/**
 * Ingress from the internet, or from a block of it at least as big as the policy's bound: a CIDR, or
 * a managed prefix list one of whose entries is such a block (a list whose entries are not known
 * admits nothing).
 */
export function admitsInternet(rule: RuleView, policy: PolicyView, lists: ListEntries = new Map()): boolean {
  if (rule.isEgress === true) return false;
  const v4 = parseNetwork(rule.cidrIpv4);
  if (v4?.family === 4 && isInternetBlock(rule.cidrIpv4, policy)) return true;
  const v6 = parseNetwork(rule.cidrIpv6);
  if (v6?.family === 6 && isInternetBlock(rule.cidrIpv6, policy)) return true;
  return rule.prefixListId !== undefined && (lists.get(rule.prefixListId) ?? []).some((c) => isInternetBlock(c, policy));
}

/** Every port (or ICMP type/code) the rule admits lies in one allowed entry of the public tier. */
function insideAllowed(rule: RuleView, entry: Readonly<Record<string, unknown>>): boolean {
  const ruleProtocol = protocolNumber(rule.protocol);
  const entryProtocol = protocolNumber(String(entry.protocol));
  if (ruleProtocol === undefined || ruleProtocol === -1 || ruleProtocol !== entryProtocol) return false;
  if (ruleProtocol === 6 || ruleProtocol === 17) {
    return rule.fromPort === entry.port && rule.toPort === entry.port;
  }
  if (ruleProtocol === 1 || ruleProtocol === 58) {
    // EC2 ICMP rules: FromPort is the type, ToPort the code; -1 is any.
    const type = entry.type as number;
    const code = entry.code === undefined ? -1 : (entry.code as number);
    const typeFits = type === -1 || rule.fromPort === type;
    const codeFits = code === -1 || (rule.fromPort !== -1 && rule.toPort === code);
    return typeFits && codeFits;
  }
  return false;
}

/** The public tier (by the policy's tags) may admit the internet on exactly what the policy lists. */
export function allowedOnPublicTier(rule: RuleView, groupTags: Tags, policy: PolicyView): boolean {
  return (
    hasTag(groupTags, policy.publicTier.groupTags) && policy.publicTier.allowedPorts.some((e) => insideAllowed(rule, e))
  );
}

const portsOf = (r: RuleView): [number, number] => {
  // EC2 drops the ports of an all-protocols rule; CloudTrail may say -1 or nothing.
  if (protocolNumber(r.protocol) === -1) return [-1, -1];
  return [r.fromPort ?? -1, r.toPort ?? -1];
};
const sameSource = (a: string | undefined, b: string | undefined, network: boolean) =>
  a === undefined || b === undefined ? a === b : network ? sameNetwork(a, b) : a.toLowerCase() === b.toLowerCase();

/** Same permission and same source, as EC2 compares them (networks, not their spelling). */
export function samePermission(live: RuleView, requested: RuleView): boolean {
  const [lf, lt] = portsOf(live);
  const [rf, rt] = portsOf(requested);
  return (
    live.isEgress !== true &&
    protocolNumber(live.protocol) === protocolNumber(requested.protocol) &&
    lf === rf &&
    lt === rt &&
    sameSource(live.cidrIpv4, requested.cidrIpv4, true) &&
    sameSource(live.cidrIpv6, requested.cidrIpv6, true) &&
    sameSource(live.prefixListId, requested.prefixListId, false) &&
    sameSource(live.referencedGroupId, requested.referencedGroupId, false)
  );
}

/** A security group rule that must not stay: internet ingress the public-tier allowance does not cover. */
export const isForbiddenRule = (rule: RuleView, groupTags: Tags, policy: PolicyView, lists: ListEntries = new Map()): boolean =>
  admitsInternet(rule, policy, lists) && !allowedOnPublicTier(rule, groupTags, policy);

// ---- exemptions ---------------------------------------------------------------------------------

const DAY = 86_400_000;
/** The default cap on an exemption's length, when the policy names none ("Right in a real account"). */
export const DEFAULT_EXEMPTION_DAYS = 90;

/** The UTC midnight of a strict `YYYY-MM-DD` that is a real calendar day, else `undefined`. */
function calendarDay(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (days === undefined || d < 1 || d > days) return undefined;
  return Date.UTC(y, mo - 1, d);
}

/**
 * True when the tag value is `until=YYYY-MM-DD;reason=...` with a non-empty reason, the day has not
 * ended (UTC), and it ends within the cap from now.
 */
export function isExempt(tags: Tags, policy: PolicyView, now: Date): boolean {
  const raw = Object.hasOwn(tags, policy.exemption.tagKey) ? tags[policy.exemption.tagKey] : undefined;
  if (raw === undefined) return false;
  const fields = new Map<string, string>();
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const reason = fields.get('reason');
  const day = calendarDay(fields.get('until') ?? '');
  if (!reason || day === undefined) return false;
  // The day holds until its end; the last day allowed is the UTC day `cap` days from now.
  const lastDay = Math.floor((now.getTime() + (policy.exemption.maxDays ?? DEFAULT_EXEMPTION_DAYS) * DAY) / DAY) * DAY;
  return now.getTime() < day + DAY && day <= lastDay;
}

// ---- routes ---------------------------------------------------------------------------------------

/** What a route points at, by the kind its id names. */
export type TargetKind =
  | 'internet-gateway'
  | 'egress-only-internet-gateway'
  | 'nat-gateway'
  | 'carrier-gateway'
  | 'transit-gateway'
  | 'vpc-peering-connection'
  | 'virtual-private-gateway'
  | 'local'
  | 'unknown';

const PREFIX_KIND: ReadonlyArray<readonly [string, TargetKind]> = [
  ['igw-', 'internet-gateway'],
  ['eigw-', 'egress-only-internet-gateway'],
  ['nat-', 'nat-gateway'],
  ['cagw-', 'carrier-gateway'],
  ['tgw-', 'transit-gateway'],
  ['pcx-', 'vpc-peering-connection'],
  ['vgw-', 'virtual-private-gateway'],
];
const TARGET_FIELDS = [
  'gatewayId',
  'natGatewayId',
  'egressOnlyInternetGatewayId',
  'transitGatewayId',
  'vpcPeeringConnectionId',
  'networkInterfaceId',
  'instanceId',
  'vpcEndpointId',
  'carrierGatewayId',
  'localGatewayId',
  'coreNetworkArn',
] as const;

/** The id a route points at, whichever field holds it. */
export const targetIdOf = (route: Readonly<Record<string, unknown>>): string | undefined =>
  TARGET_FIELDS.map((f) => route[f]).find((v): v is string => typeof v === 'string' && v !== '');

/**
 * The kind of a route's target, from its id alone. A network interface, an instance or an endpoint
 * may be a NAT instance, an appliance or a gateway load balancer endpoint: `unknown`.
 */
export function targetKind(route: Readonly<Record<string, unknown>>): TargetKind {
  const id = targetIdOf(route);
  if (id === undefined) return 'unknown';
  if (id === 'local') return 'local';
  const lower = id.toLowerCase();
  return PREFIX_KIND.find(([p]) => lower.startsWith(p))?.[1] ?? 'unknown';
}

/** The route's destination as one comparable key: a canonical network, or a prefix list id. */
export function destinationKey(route: Readonly<Record<string, unknown>>): string {
  for (const field of ['cidrIpv4', 'cidrIpv6'] as const) {
    const n = parseNetwork(route[field] as string | undefined);
    if (n) return `${n.family}:${n.base.toString(16)}/${n.prefix}`;
  }
  return `pl:${String(route.prefixListId ?? '').toLowerCase()}`;
}

/** A default route: 0.0.0.0/0 or ::/0, however spelled. */
export function isDefaultRoute(route: Readonly<Record<string, unknown>>): boolean {
  const n = parseNetwork((route.cidrIpv4 ?? route.cidrIpv6) as string | undefined);
  return n !== undefined && n.prefix === 0;
}

/** A route an isolated subnet must not have: to a target kind the policy forbids. */
export const isForbiddenRoute = (route: Readonly<Record<string, unknown>>, policy: PolicyView): boolean =>
  policy.isolated.forbiddenTargets.includes(targetKind(route));

/** A subnet is isolated when the policy names its id or it carries one of the policy's tags. */
export const isIsolatedSubnet = (subnet: { subnetId: string; tags: Tags }, policy: PolicyView): boolean =>
  policy.isolated.subnetIds.includes(subnet.subnetId) || hasTag(subnet.tags, policy.isolated.subnetTags);

/** A route table tagged like isolated subnets is where isolated subnets belong. */
export const isIsolatedTable = (tags: Tags, policy: PolicyView): boolean => hasTag(tags, policy.isolated.subnetTags);

/** A VPC as the model sees it: tables with their routes and tags, subnets with theirs, associations. */
export interface VpcView {
  readonly tables: ReadonlyMap<string, { readonly tags: Tags; readonly routes: readonly Readonly<Record<string, unknown>>[] }>;
  readonly subnets: ReadonlyMap<string, Tags>;
  /** Explicit subnet associations: subnet -> table. */
  readonly explicit: ReadonlyMap<string, string>;
  readonly mainTableId: string;
}

/** The table a subnet's traffic follows: its explicit association, else the VPC's main table. */
export const effectiveTable = (vpc: VpcView, subnetId: string): string => vpc.explicit.get(subnetId) ?? vpc.mainTableId;

/** The subnets whose traffic follows a table. */
export const usersOf = (vpc: VpcView, tableId: string): string[] =>
  [...vpc.subnets.keys()].filter((s) => effectiveTable(vpc, s) === tableId);

/** Tables an isolated subnet may be moved to: tagged isolated, no forbidden route. */
export const isolatedHomes = (vpc: VpcView, policy: PolicyView): string[] =>
  [...vpc.tables.entries()]
    .filter(([, t]) => isIsolatedTable(t.tags, policy) && !t.routes.some((r) => isForbiddenRoute(r, policy)))
    .map(([id]) => id);

/** Isolated, non-exempt subnets whose traffic takes a forbidden route: what must not be true after a revert. */
export function exposedSubnets(vpc: VpcView, policy: PolicyView, now: Date): Array<{ subnetId: string; tableId: string; route: string }> {
  const out: Array<{ subnetId: string; tableId: string; route: string }> = [];
  for (const [subnetId, tags] of vpc.subnets) {
    if (!isIsolatedSubnet({ subnetId, tags }, policy) || isExempt(tags, policy, now)) continue;
    const tableId = effectiveTable(vpc, subnetId);
    const table = vpc.tables.get(tableId);
    if (!table || isExempt(table.tags, policy, now)) continue;
    for (const r of table.routes) if (isForbiddenRoute(r, policy)) out.push({ subnetId, tableId, route: destinationKey(r) });
  }
  return out;
}
