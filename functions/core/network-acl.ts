import type { Change } from './change.js';
import { isSameNetwork, isWithin, parseCidr } from './cidr.js';
import { describeExemption, readExemption } from './exemption.js';
import type { NetworkAcl, NetworkAclAssociation, NetworkAclEntry, Subnet } from './network.js';
import type { Action, Drift } from './outcome.js';
import { hasAnyTag, type Policy } from './policy.js';
import { isIsolatedSubnet } from './route-table.js';
import { isWorldOpen } from './security-group.js';

/**
 * Network ACLs of isolated (database) subnets: which entries admit the internet, which subnet moves put
 * an isolated subnet on an ACL that does, and the revert of each. Pure: the pipeline reads the ACLs
 * and subnets and hands them in. The event path, the runbook and the sweep all call
 * `decideNetworkAcls`; an event only narrows it (`AclFocus`).
 *
 * How EC2 evaluates an ACL: "we process the entries in the ACL according to the rule numbers, in
 * ascending order" and the first entry that matches decides (`CreateNetworkAclEntryRequest`,
 * @aws-sdk/client-ec2 models_2.d.ts; Amazon VPC User Guide, "Network ACL rules"). So an allow entry
 * whose traffic a lower-numbered deny already matches admits nothing: it is shadowed.
 */

type EntryChange = Extract<Change, { kind: 'nacl-entry' }>;
type AclAssociationChange = Extract<Change, { kind: 'nacl-association' }>;
export type EntryDrift = Extract<Drift, { kind: 'internet-entry-on-isolated-acl' }>;
export type AclPlacementDrift = Extract<Drift, { kind: 'isolated-subnet-on-internet-acl' }>;
export type DeleteEntryAction = Extract<Action, { type: 'delete-nacl-entry' }>;
export type MoveAclAction = Extract<Action, { type: 'replace-nacl-association' }>;

/**
 * The default entries, shown as `*` in the console and numbered 32767 by DescribeNetworkAcls: "The
 * range 32767 to 65535 is reserved for internal use" (`CreateNetworkAclEntryRequest.RuleNumber`).
 * LayerGuard never touches them (EC2 refuses to delete them anyway).
 */
export const DEFAULT_ENTRY_RULE_NUMBER = 32767;
export const isDefaultEntry = (e: Pick<NetworkAclEntry, 'ruleNumber'>): boolean => e.ruleNumber >= DEFAULT_ENTRY_RULE_NUMBER;

/** The protocol numbers of the names EC2 accepts in a network ACL (IANA: tcp 6, udp 17, icmp 1, icmpv6 58). */
const PROTOCOL_NUMBERS: Readonly<Record<string, string>> = { tcp: '6', udp: '17', icmp: '1', icmpv6: '58', all: '-1' };

/**
 * The protocol as DescribeNetworkAcls answers it: a number in a string, '-1' for all ("The protocol
 * number. A value of "-1" means all protocols", the SDK's `NetworkAclEntry.Protocol`). The names EC2
 * also accepts ("tcp | udp | icmp or a protocol number", DescribeNetworkAcls' `entry.protocol` filter)
 * become their numbers, and a number loses leading zeros; `undefined` for anything else.
 */
export function canonicalAclProtocol(protocol: string): string | undefined {
  const p = protocol.trim().toLowerCase();
  const named = PROTOCOL_NUMBERS[p];
  if (named) return named;
  if (p === '-1') return '-1';
  if (!/^\d{1,3}$/.test(p)) return undefined;
  const n = Number(p);
  return n <= 255 ? String(n) : undefined;
}

const isPorted = (protocol: string): boolean => protocol === '6' || protocol === '17';
const isIcmp = (protocol: string): boolean => protocol === '1' || protocol === '58';

/** An ingress allow entry whose source is the internet, or a slice of it broader than the policy's bounds (as security groups). */
export const isInternetAllow = (e: NetworkAclEntry, policy: Policy): boolean =>
  !e.egress &&
  e.ruleAction === 'allow' &&
  !isDefaultEntry(e) &&
  isWorldOpen({ protocol: e.protocol, cidrIpv4: e.cidrIpv4, cidrIpv6: e.cidrIpv6, isEgress: false }, policy);

/** The ports an entry matches: its range for tcp/udp; every port otherwise. */
const portsOf = (e: NetworkAclEntry): { from: number; to: number } =>
  isPorted(canonicalAclProtocol(e.protocol) ?? e.protocol) && e.portRange ? e.portRange : { from: 0, to: 65535 };

/**
 * True when every packet `inner` matches, `outer` matches too: the same direction, a network that
 * holds `inner`'s, all protocols or the same one, and for tcp/udp the port range, for ICMP the type
 * and code (-1: any).
 */
export function coversTraffic(outer: NetworkAclEntry, inner: NetworkAclEntry): boolean {
  if (outer.egress !== inner.egress) return false;
  const source = (e: NetworkAclEntry) => e.cidrIpv4 ?? e.cidrIpv6;
  const [o, i] = [parseCidr(source(outer)), parseCidr(source(inner))];
  if (!o || !i || o.family !== i.family || !isWithin(source(inner), source(outer) as string)) return false;
  const [op, ip] = [canonicalAclProtocol(outer.protocol), canonicalAclProtocol(inner.protocol)];
  if (op === '-1') return true;
  if (op === undefined || op !== ip) return false;
  if (isPorted(op)) {
    const [a, b] = [portsOf(outer), portsOf(inner)];
    return a.from <= b.from && b.to <= a.to;
  }
  if (isIcmp(op)) {
    const a = outer.icmpTypeCode ?? { type: -1, code: -1 };
    const b = inner.icmpTypeCode ?? { type: -1, code: -1 };
    if (a.type === -1) return true;
    if (b.type !== a.type) return false;
    return a.code === -1 || b.code === a.code;
  }
  return true;
}

/** The lower-numbered deny entry that matches all of the entry's traffic first, if any. */
export const shadowingDeny = (entry: NetworkAclEntry, entries: readonly NetworkAclEntry[]): NetworkAclEntry | undefined =>
  [...entries]
    .sort((a, b) => a.ruleNumber - b.ruleNumber)
    .find((d) => d.ruleAction === 'deny' && d.ruleNumber < entry.ruleNumber && coversTraffic(d, entry));

/** The entries of an ACL that admit the internet: allow ingress from it, not shadowed by a lower deny. */
export const internetEntries = (acl: Pick<NetworkAcl, 'entries'>, policy: Policy): NetworkAclEntry[] =>
  acl.entries.filter((e) => isInternetAllow(e, policy) && !shadowingDeny(e, acl.entries));

/** True when the ACL admits the internet (what an isolated subnet must not be on). */
export const admitsInternet = (acl: Pick<NetworkAcl, 'entries'>, policy: Policy): boolean =>
  internetEntries(acl, policy).length > 0;

/** An ACL tagged like isolated subnets is the isolated tier's ACL (where isolated subnets belong). */
export const isIsolatedAclTagged = (acl: Pick<NetworkAcl, 'tags'>, policy: Policy): boolean =>
  hasAnyTag(acl.tags, policy.isolated.subnetTags);

/** Same entry: rule number, direction, action, protocol, network, and the ports or ICMP type that apply. */
export function isSameEntry(a: NetworkAclEntry, b: NetworkAclEntry): boolean {
  const [pa, pb] = [canonicalAclProtocol(a.protocol), canonicalAclProtocol(b.protocol)];
  if (a.ruleNumber !== b.ruleNumber || a.egress !== b.egress || a.ruleAction !== b.ruleAction || pa !== pb) return false;
  if (!isSameNetwork(a.cidrIpv4, b.cidrIpv4) || !isSameNetwork(a.cidrIpv6, b.cidrIpv6)) return false;
  if (pa !== undefined && isPorted(pa)) {
    const [x, y] = [portsOf(a), portsOf(b)];
    if (x.from !== y.from || x.to !== y.to) return false;
  }
  if (pa !== undefined && isIcmp(pa)) {
    const x = a.icmpTypeCode ?? { type: -1, code: -1 };
    const y = b.icmpTypeCode ?? { type: -1, code: -1 };
    if (x.type !== y.type || x.code !== y.code) return false;
  }
  return true;
}

/** The live entry of an ACL with this rule number and direction. */
export const findEntry = (acl: Pick<NetworkAcl, 'entries'>, ruleNumber: number, egress: boolean): NetworkAclEntry | undefined =>
  acl.entries.find((e) => e.ruleNumber === ruleNumber && e.egress === egress);

const PROTOCOL_LABELS: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

/** "tcp/3306", "tcp/1024-65535", "icmp type 8, any code", "all traffic", "protocol 50". */
export function describeAclTraffic(e: NetworkAclEntry): string {
  const p = canonicalAclProtocol(e.protocol) ?? e.protocol;
  if (p === '-1') return 'all traffic';
  const label = PROTOCOL_LABELS[p];
  if (!label) return `protocol ${p}`;
  if (isPorted(p)) {
    const { from, to } = portsOf(e);
    return `${label}/${from === to ? from : `${from}-${to}`}`;
  }
  const t = e.icmpTypeCode ?? { type: -1, code: -1 };
  if (t.type === -1) return `${label}, any type`;
  return `${label} type ${t.type}, ${t.code === -1 ? 'any code' : `code ${t.code}`}`;
}

/** "rule 120: allow tcp/3306 from 0.0.0.0/0". */
export const describeEntry = (e: NetworkAclEntry): string =>
  `rule ${isDefaultEntry(e) ? '*' : e.ruleNumber}${e.egress ? ' (egress)' : ''}: ${e.ruleAction} ${describeAclTraffic(e)} ${e.egress ? 'to' : 'from'} ${e.cidrIpv4 ?? e.cidrIpv6 ?? '?'}`;

/** One drift the decision found, and what comes of it. */
export type AclFinding =
  | { readonly status: 'revert'; readonly drift: EntryDrift; readonly action: DeleteEntryAction; readonly reason: string }
  | {
      readonly status: 'revert';
      readonly drift: AclPlacementDrift & { readonly isolatedNetworkAclId: string };
      readonly action: MoveAclAction;
      readonly reason: string;
    }
  | { readonly status: 'alert-only'; readonly drift: EntryDrift | AclPlacementDrift; readonly reason: string; readonly humanAction: string }
  | { readonly status: 'exempt'; readonly drift: EntryDrift | AclPlacementDrift; readonly reason: string };

/** What a caller narrows the decision to: one ACL, one entry of it, some subnets. */
export interface AclFocus {
  readonly networkAclId?: string;
  readonly entry?: { readonly ruleNumber: number; readonly egress: boolean };
  readonly subnetIds?: readonly string[];
  /** Judge only where the subnets are (an association event): each moves to its tier's ACL or is `alert-only`; no entry is deleted for it. */
  readonly placement?: boolean;
}

const list = (ids: readonly string[]): string => ids.join(', ');
const plural = (n: number, word: string): string => `${word}${n === 1 ? '' : 's'}`;

/** The subnets associated with an ACL (a subnet the list lacks is returned without tags). */
export const subnetsOnAcl = (acl: NetworkAcl, subnets: readonly Subnet[]): Subnet[] => {
  const byId = new Map(subnets.map((s) => [s.subnetId, s]));
  return acl.associations
    .map((a) => a.subnetId)
    .sort()
    .map((id) => byId.get(id) ?? { subnetId: id, vpcId: acl.vpcId, tags: {} });
};

/**
 * The ACLs isolated subnets may go back to, of one VPC's: tagged as isolated and admitting nothing from
 * the internet once this decision's own deletions are done; a move is made only when there is exactly
 * one (none or several is `alert-only`). Those that
 * admit nothing from the internet, and those whose internet entries the decision deletes (tagged as
 * isolated, used by no other subnet, not exempt), when the decision is on the whole VPC (`closing`: no
 * focus, so those deletions are in it). Callers apply deletions before moves (`byRevertOrder`).
 */
const homesOf = (aclsOfVpc: readonly NetworkAcl[], subnets: readonly Subnet[], policy: Policy, now: Date, closing: boolean): NetworkAcl[] =>
  aclsOfVpc.filter(
    (a) =>
      isIsolatedAclTagged(a, policy) &&
      (!admitsInternet(a, policy) ||
        (closing && !readExemption(a.tags, policy.exemption, now).exempt && subnetsOnAcl(a, subnets).every((s) => isIsolatedSubnet(s, policy)))),
  );

/** Deletions first, then moves: a subnet moves onto an isolated ACL only once its internet entries are gone. */
export const byRevertOrder = (a: AclFinding, b: AclFinding): number => rank(a) - rank(b);
const rank = (f: AclFinding): number => (f.status === 'revert' && f.action.type === 'delete-nacl-entry' ? 0 : 1);

/**
 * THE decision for network ACLs, on live state: every drift of isolated subnets in these ACLs and
 * subnets (one VPC or more), and its revert. For each ACL that admits the internet (an allow ingress
 * entry from it, not shadowed) and that isolated subnets use or that is tagged as isolated:
 *
 * - an isolated subnet on an ACL that is not tagged as isolated, where the VPC has one isolated ACL:
 *   it moves there, and the ACL keeps its entries (another tier's, e.g. the default ACL);
 * - no other subnet uses the ACL: each internet entry is deleted (never a default `*` entry);
 * - other subnets use it too: no entry is deleted (another tier needs it); each isolated subnet moves
 *   to the one isolated ACL, `alert-only` when there is none or several.
 *
 * An exempt ACL exempts all of it; an exempt subnet is not moved; an entry is deleted unless every
 * isolated subnet on the ACL is exempt (an ACL tagged as isolated is never exempted by them).
 */
export function decideNetworkAcls(
  acls: readonly NetworkAcl[],
  subnets: readonly Subnet[],
  policy: Policy,
  now: Date,
  focus: AclFocus = {},
): AclFinding[] {
  return acls
    .filter((a) => !focus.networkAclId || a.networkAclId === focus.networkAclId)
    .flatMap((a) => decideAcl(a, acls.filter((v) => v.vpcId === a.vpcId), subnets, policy, now, focus))
    .sort(byRevertOrder);
}

function decideAcl(
  acl: NetworkAcl,
  vpcAcls: readonly NetworkAcl[],
  subnets: readonly Subnet[],
  policy: Policy,
  now: Date,
  focus: AclFocus,
): AclFinding[] {
  const inFocus = (e: NetworkAclEntry) =>
    !focus.entry || (e.ruleNumber === focus.entry.ruleNumber && e.egress === focus.entry.egress);
  const open = internetEntries(acl, policy).filter(inFocus);
  if (open.length === 0) return [];
  const users = subnetsOnAcl(acl, subnets);
  const isolated = users.filter((s) => isIsolatedSubnet(s, policy));
  const others = users.filter((s) => !isIsolatedSubnet(s, policy)).map((s) => s.subnetId);
  const tagged = isIsolatedAclTagged(acl, policy);
  if (isolated.length === 0 && !tagged) return [];
  const wanted = (id: string) => !focus.subnetIds || focus.subnetIds.includes(id);
  if (focus.subnetIds && !isolated.some((s) => wanted(s.subnetId))) return [];

  const id = acl.networkAclId;
  const aclExemption = readExemption(acl.tags, policy.exemption, now);
  const exemptions = new Map(isolated.map((s) => [s.subnetId, readExemption(s.tags, policy.exemption, now)]));
  const problems = [aclExemption, ...exemptions.values()].flatMap((e) => (!e.exempt && e.problem ? [e.problem] : []));
  const note = problems.length > 0 ? ` (${problems.join('; ')})` : '';
  const aclExempt = aclExemption.exempt ? describeExemption(id, aclExemption) : undefined;
  const entriesText = open.map(describeEntry).join(', ');
  const closing = !focus.networkAclId && !focus.entry && !focus.subnetIds && !focus.placement;
  const candidates = homesOf(vpcAcls, subnets, policy, now, closing).filter((a) => a.networkAclId !== id);
  const home = candidates.length === 1 ? candidates[0] : undefined;
  const tags = policy.isolated.subnetTags.map((t) => `${t.key}=${t.value}`).join(' or ');
  const isolatedIds = isolated.map((s) => s.subnetId);

  const placementOf = (s: Subnet) => {
    const association = acl.associations.find((a) => a.subnetId === s.subnetId) as NetworkAclAssociation;
    const drift: AclPlacementDrift = {
      kind: 'isolated-subnet-on-internet-acl',
      subnetId: s.subnetId,
      associationId: association.associationId,
      networkAclId: id,
    };
    const e = exemptions.get(s.subnetId);
    const exempt = aclExempt ?? (e?.exempt ? describeExemption(s.subnetId, e) : undefined);
    return { association, drift, exempt };
  };
  const move = (s: Subnet, reason: string, to: NetworkAcl): AclFinding => {
    const { association, drift, exempt } = placementOf(s);
    if (exempt) return { status: 'exempt', drift, reason: exempt };
    return {
      status: 'revert',
      drift: { ...drift, isolatedNetworkAclId: to.networkAclId },
      action: {
        type: 'replace-nacl-association',
        associationId: association.associationId,
        subnetId: s.subnetId,
        fromNetworkAclId: id,
        toNetworkAclId: to.networkAclId,
      },
      reason,
    };
  };
  // No single isolated ACL to move the subnet to: nothing is guessed.
  const stay = (s: Subnet, reason: string): AclFinding => {
    const { association, drift, exempt } = placementOf(s);
    if (exempt) return { status: 'exempt', drift, reason: exempt };
    const found =
      candidates.length === 0
        ? `no network ACL in ${acl.vpcId} is tagged ${tags} without an entry that admits the internet`
        : `${candidates.length} network ACLs in ${acl.vpcId} qualify (${list(candidates.map((a) => a.networkAclId))})`;
    return {
      status: 'alert-only',
      drift,
      reason: `${reason}; ${found}, so LayerGuard did not guess where it belongs`,
      humanAction:
        `Move ${s.subnetId} to its tier's network ACL: aws ec2 replace-network-acl-association --association-id ${association.associationId} --network-acl-id <isolated network ACL>. ` +
        (candidates.length === 0
          ? `Then tag that ACL ${tags} so LayerGuard can restore it next time.`
          : `Then keep the ${tags} tag on exactly one network ACL that admits nothing from the internet.`),
    };
  };
  const placed = (s: Subnet) => `isolated subnet ${s.subnetId} is on ${id}, which admits ${entriesText}`;

  if (focus.placement) {
    return isolated.filter((s) => wanted(s.subnetId)).map((s) => (home ? move(s, `${placed(s)}${note}`, home) : stay(s, `${placed(s)}${note}`)));
  }
  // An isolated subnet on another tier's ACL is misplaced: it goes to the isolated ACL, the ACL keeps its entries.
  if (!tagged && home) {
    return isolated
      .filter((s) => wanted(s.subnetId))
      .map((s) => move(s, `${placed(s)}, not the isolated network ACL ${home.networkAclId}${note}`, home));
  }
  const entryDrift = (e: NetworkAclEntry): EntryDrift => ({ kind: 'internet-entry-on-isolated-acl', networkAclId: id, entry: e, subnetIds: isolatedIds });
  if (others.length === 0) {
    // No other tier uses the ACL: deleting its internet entries breaks nothing another tier needs.
    const who = isolatedIds.length > 0 ? `isolated ${plural(isolatedIds.length, 'subnet')} ${list(isolatedIds)}` : `the isolated network ACL ${id}`;
    const allExempt =
      !tagged && isolated.length > 0 && isolated.every((s) => exemptions.get(s.subnetId)?.exempt)
        ? `every isolated subnet on ${id} is exempt (${isolated.map((s) => s.subnetId).join(', ')})`
        : undefined;
    return open.map((e): AclFinding => {
      const exempt = aclExempt ?? allExempt;
      if (exempt) return { status: 'exempt', drift: entryDrift(e), reason: exempt };
      return {
        status: 'revert',
        drift: entryDrift(e),
        action: { type: 'delete-nacl-entry', networkAclId: id, ruleNumber: e.ruleNumber, egress: e.egress },
        reason: `${describeEntry(e)} on ${id} admits the internet to ${who}${note}`,
      };
    });
  }
  // Other subnets use the ACL: its entries stay; the isolated subnets move.
  const shared = `${id} admits ${entriesText} and non-isolated ${plural(others.length, 'subnet')} ${list(others)} use it, so no entry is deleted`;
  if (isolated.length === 0) {
    return open.map((e): AclFinding =>
      aclExempt
        ? { status: 'exempt', drift: entryDrift(e), reason: aclExempt }
        : {
            status: 'alert-only',
            drift: entryDrift(e),
            reason: `${id} is tagged as isolated, but ${shared}${note}`,
            humanAction: `Move ${list(others)} to the network ACL of their tier, then delete the entry: aws ec2 delete-network-acl-entry --network-acl-id ${id} --ingress --rule-number ${e.ruleNumber}.`,
          },
    );
  }
  return isolated
    .filter((s) => wanted(s.subnetId))
    .map((s) => {
      const reason = `isolated subnet ${s.subnetId} is on ${id}: ${shared}${note}`;
      return home ? move(s, reason, home) : stay(s, reason);
    });
}

type Simple<S extends string> = { readonly status: S; readonly reason: string };
/** A decision that needs no action. */
export type AclSettled = Simple<'ignored' | 'exempt' | 'already-compliant'>;
/** What the live state says about one event: settled, or the decision's findings for what it touched. */
export type AclEventDecision = AclSettled | { readonly status: 'judged'; readonly findings: readonly AclFinding[] };

/**
 * Decides an entry change from the request and the ACL alone, where that suffices: the entry admits
 * nothing from the internet (egress, deny, a narrow source), the ACL or the entry is gone or has been
 * replaced since, or a lower deny shadows it. `undefined` means the subnets (and the VPC's ACLs) must
 * be read.
 */
export function screenAclEntry(change: EntryChange, acl: NetworkAcl | undefined, policy: Policy): AclSettled | undefined {
  const requested = change.entry;
  if (!isInternetAllow(requested, policy)) {
    const why = requested.egress ? 'an egress entry' : requested.ruleAction === 'deny' ? 'a deny entry' : 'not from the internet';
    return { status: 'ignored', reason: `${describeEntry(requested)} on ${change.networkAclId} is ${why}: LayerGuard guards ingress from the internet` };
  }
  if (!acl) return { status: 'already-compliant', reason: `${change.networkAclId} no longer exists` };
  const live = findEntry(acl, requested.ruleNumber, requested.egress);
  if (!live) return { status: 'already-compliant', reason: `${change.networkAclId} no longer has ingress rule ${requested.ruleNumber}` };
  if (!isSameEntry(live, requested)) {
    return { status: 'already-compliant', reason: `ingress rule ${requested.ruleNumber} of ${change.networkAclId} was replaced since (now ${describeEntry(live)})` };
  }
  const deny = shadowingDeny(live, acl.entries);
  if (deny) return { status: 'ignored', reason: `${describeEntry(live)} on ${change.networkAclId} admits nothing: ${describeEntry(deny)} matches that traffic first` };
  return undefined;
}

/** A CreateNetworkAclEntry / ReplaceNetworkAclEntry on live state: `decideNetworkAcls` narrowed to the event's ACL and entry. */
export function evaluateAclEntry(
  change: EntryChange,
  acl: NetworkAcl | undefined,
  aclsOfVpc: readonly NetworkAcl[],
  subnetsOfVpc: readonly Subnet[],
  policy: Policy,
  now: Date,
): AclEventDecision {
  const screened = screenAclEntry(change, acl, policy);
  if (screened) return screened;
  const live = acl as NetworkAcl; // screenAclEntry answers for a missing ACL
  const acls = [live, ...aclsOfVpc.filter((a) => a.networkAclId !== live.networkAclId)];
  const findings = decideNetworkAcls(acls, subnetsOfVpc, policy, now, {
    networkAclId: live.networkAclId,
    entry: { ruleNumber: change.entry.ruleNumber, egress: change.entry.egress },
  });
  if (findings.length > 0) return { status: 'judged', findings };
  return {
    status: 'ignored',
    reason: `no isolated subnet uses ${live.networkAclId} and it is not tagged ${policy.isolated.subnetTags.map((t) => `${t.key}=${t.value}`).join(' or ')}, so ${describeEntry(change.entry)} is allowed there`,
  };
}

/** The association an event made, found in the ACL it names. */
export const findAclAssociation = (change: AclAssociationChange, acl: NetworkAcl): NetworkAclAssociation | undefined =>
  change.associationId ? acl.associations.find((a) => a.associationId === change.associationId) : undefined;

/**
 * Decides a subnet move from the ACL alone, where that suffices: the ACL or the association gone (the
 * subnet moved again since), or an ACL that admits nothing from the internet. `undefined` means the
 * subnet's tags (and the VPC's ACLs) must be read.
 */
export function screenAclAssociation(change: AclAssociationChange, acl: NetworkAcl | undefined, policy: Policy): AclSettled | undefined {
  if (!acl) return { status: 'already-compliant', reason: `${change.networkAclId} no longer exists` };
  if (!change.associationId) {
    return { status: 'ignored', reason: `the record of ${change.previousAssociationId} names no new association: nothing to judge` };
  }
  const association = findAclAssociation(change, acl);
  if (!association) return { status: 'already-compliant', reason: `${change.associationId} is no longer on ${acl.networkAclId}: the subnet moved since` };
  if (!admitsInternet(acl, policy)) return { status: 'ignored', reason: `${acl.networkAclId} admits nothing from the internet` };
  return undefined;
}

/** A ReplaceNetworkAclAssociation on live state: `decideNetworkAcls` narrowed to where the moved subnet is. */
export function evaluateAclAssociation(
  change: AclAssociationChange,
  acl: NetworkAcl | undefined,
  aclsOfVpc: readonly NetworkAcl[],
  subnetsOfVpc: readonly Subnet[],
  policy: Policy,
  now: Date,
): AclEventDecision {
  const screened = screenAclAssociation(change, acl, policy);
  if (screened) return screened;
  const live = acl as NetworkAcl;
  const association = findAclAssociation(change, live) as NetworkAclAssociation;
  const subnet = subnetsOfVpc.find((s) => s.subnetId === association.subnetId) ?? { subnetId: association.subnetId, vpcId: live.vpcId, tags: {} };
  if (!isIsolatedSubnet(subnet, policy)) return { status: 'ignored', reason: `${subnet.subnetId} is not an isolated subnet` };
  const acls = [live, ...aclsOfVpc.filter((a) => a.networkAclId !== live.networkAclId)];
  const findings = decideNetworkAcls(acls, subnetsOfVpc, policy, now, {
    networkAclId: live.networkAclId,
    subnetIds: [subnet.subnetId],
    placement: true,
  });
  return findings.length > 0
    ? { status: 'judged', findings }
    : { status: 'ignored', reason: `${subnet.subnetId} on ${live.networkAclId}: nothing the policy forbids` };
}
