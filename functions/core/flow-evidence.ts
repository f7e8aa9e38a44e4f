import { isWithin } from './cidr.js';
import type { Outcome } from './outcome.js';

/**
 * Flow-log evidence, decided without I/O: was the world-open window used? The adapter
 * (adapters/flow-evidence.ts) reads the flow logs and runs the query this file writes.
 *
 * Sources: VPC flow log records, https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
 * (a record aggregates one flow on one interface over a capture window of at most the flow log's
 * maximum aggregation interval, 60 or 600 s); Logs Insights discovered fields for flow logs in the
 * default format (`interfaceId`, `srcAddr`, `action`),
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html;
 * `isIpInSubnet`, https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html.
 */

export type EvidenceStatus = 'used' | 'not-used' | 'unknown';

/** One public source address and how many ACCEPT records it has in the window. */
export interface EvidenceSource {
  readonly address: string;
  readonly flows: number;
}

/** What the flow logs say about the window; `text` is what people read. */
export interface FlowEvidence {
  readonly status: EvidenceStatus;
  readonly text: string;
  /** ACCEPT records from public addresses (each one flow in one capture window). */
  readonly flows?: number;
  /** Distinct public source addresses. */
  readonly addresses?: number;
  /** The busiest sources, at most `TOP`. */
  readonly top?: readonly EvidenceSource[];
  /** The window queried, ISO 8601. */
  readonly window?: { readonly start: string; readonly end: string };
  readonly logGroupNames?: readonly string[];
  /** Interfaces of the group that no flow log covers: their traffic is not in the answer. */
  readonly uncovered?: readonly string[];
}

export const TOP = 5;
/** Logs Insights returns at most 10,000 rows (StartQuery `limit`, CloudWatch Logs quotas). */
export const QUERY_LIMIT = 10_000;
/** EC2's default maximum aggregation interval (DescribeFlowLogs `MaxAggregationInterval`), when a flow log says none. */
export const DEFAULT_AGGREGATION_SECONDS = 600;

/**
 * Addresses that are not the internet: RFC 1918, shared address space (RFC 6598, 100.64/10),
 * link-local, loopback, "this network"; IPv6 unspecified, loopback, ULA (RFC 4193) and link-local.
 * The query filters them out and `isPublicAddress` checks again on the answer: one list, two uses.
 */
export const NOT_PUBLIC = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
] as const;

/** True for an address (no prefix) outside every `NOT_PUBLIC` range; false for anything unparsable. */
export function isPublicAddress(address: string): boolean {
  const cidr = address.includes(':') ? `${address}/128` : `${address}/32`;
  // Unparsable text is not evidence of anything.
  if (!isWithin(cidr, '0.0.0.0/0') && !isWithin(cidr, '::/0')) return false;
  return !NOT_PUBLIC.some((range) => isWithin(cidr, range));
}

/** A flow log as DescribeFlowLogs returns it, reduced to what coverage needs. */
export interface FlowLogSource {
  /** The VPC, subnet or network interface it captures. */
  readonly resourceId: string;
  readonly logGroupName: string;
  readonly maxAggregationInterval?: number;
}

/** A network interface of the group (DescribeNetworkInterfaces, filter `group-id`). */
export interface GroupInterface {
  readonly id: string;
  readonly subnetId?: string;
  readonly vpcId?: string;
}

/** The query to run, or why there is none. */
export type QueryPlan =
  | { readonly kind: 'answer'; readonly evidence: FlowEvidence }
  | {
      readonly kind: 'query';
      readonly queryString: string;
      readonly logGroupNames: readonly string[];
      /** Epoch seconds, as StartQuery takes them. */
      readonly startTime: number;
      readonly endTime: number;
      readonly interfaceIds: readonly string[];
      readonly uncovered: readonly string[];
    };

const quoted = (text: string): string => `"${text.replace(/[\\"]/g, '')}"`;

/**
 * The Logs Insights query: ACCEPT records on these interfaces from public sources, counted per
 * source. The time range is StartQuery's (`@timestamp`, the record's capture window start), not a
 * filter here.
 */
export function buildFlowQuery(interfaceIds: readonly string[]): string {
  const notPublic = NOT_PUBLIC.map((range) => `not isIpInSubnet(srcAddr, ${quoted(range)})`).join(' and ');
  return [
    `filter action = "ACCEPT" and interfaceId in [${interfaceIds.map(quoted).join(', ')}]`,
    `filter ${notPublic}`,
    'stats count(*) as flows by srcAddr',
    'sort flows desc',
    `limit ${QUERY_LIMIT}`,
  ].join('\n| ');
}

/**
 * [change − interval, revert + interval], epoch seconds: a record's capture window may start up to one
 * interval before a packet it holds, and is delivered with the window's start as its timestamp, so a
 * flow inside the open window is in a record stamped within one interval of it on either side.
 */
export function queryWindow(changeTime: Date, revertTime: Date, intervalSeconds: number): { startTime: number; endTime: number } {
  return {
    startTime: Math.floor(changeTime.getTime() / 1000) - intervalSeconds,
    endTime: Math.ceil(revertTime.getTime() / 1000) + intervalSeconds,
  };
}

const unknown = (text: string, more: Partial<FlowEvidence> = {}): QueryPlan => ({
  kind: 'answer',
  evidence: { status: 'unknown', text: `unknown: ${text}`, ...more },
});

/** Which interfaces a flow log covers (its own, its subnet's, its VPC's), the log groups, the query. */
export function planFlowQuery(
  interfaces: readonly GroupInterface[],
  flowLogs: readonly FlowLogSource[],
  changeTime: Date,
  revertTime: Date,
): QueryPlan {
  if (interfaces.length === 0) return { kind: 'answer', evidence: { status: 'not-used', text: 'not used: no network interface uses the group', flows: 0, addresses: 0, top: [] } };
  const covering = (eni: GroupInterface) =>
    flowLogs.filter((f) => f.resourceId === eni.id || f.resourceId === eni.subnetId || f.resourceId === eni.vpcId);
  const covered = interfaces.filter((eni) => covering(eni).length > 0);
  const uncovered = interfaces.filter((eni) => covering(eni).length === 0).map((eni) => eni.id);
  if (covered.length === 0) return unknown('no flow logs for this VPC');
  const used = covered.flatMap(covering);
  const interval = Math.max(...used.map((f) => f.maxAggregationInterval ?? DEFAULT_AGGREGATION_SECONDS));
  const interfaceIds = covered.map((eni) => eni.id);
  return {
    kind: 'query',
    queryString: buildFlowQuery(interfaceIds),
    logGroupNames: [...new Set(used.map((f) => f.logGroupName))].sort(),
    ...queryWindow(changeTime, revertTime, interval),
    interfaceIds,
    uncovered,
  };
}

/** One row of GetQueryResults: fields by name. */
export type ResultRow = readonly { readonly field?: string; readonly value?: string }[];

/** The rows of a finished query, summarised: used (with counts and the busiest sources) or not used. */
export function summariseFlows(rows: readonly ResultRow[], plan: Extract<QueryPlan, { kind: 'query' }>): FlowEvidence {
  const sources = rows
    .map((row) => ({
      address: row.find((f) => f.field === 'srcAddr')?.value ?? '',
      flows: Number(row.find((f) => f.field === 'flows')?.value ?? 0),
    }))
    .filter((s) => isPublicAddress(s.address) && Number.isFinite(s.flows) && s.flows > 0)
    .sort((a, b) => b.flows - a.flows || a.address.localeCompare(b.address));
  const flows = sources.reduce((sum, s) => sum + s.flows, 0);
  const top = sources.slice(0, TOP);
  const context = {
    window: { start: new Date(plan.startTime * 1000).toISOString(), end: new Date(plan.endTime * 1000).toISOString() },
    logGroupNames: plan.logGroupNames,
    ...(plan.uncovered.length > 0 ? { uncovered: plan.uncovered } : {}),
  };
  const partial = plan.uncovered.length > 0 ? ` (${plan.uncovered.length} interface(s) without flow logs: ${plan.uncovered.join(', ')})` : '';
  // At the row limit the counts are a floor, not a total.
  const atLeast = rows.length >= QUERY_LIMIT ? 'at least ' : '';
  if (flows === 0) return { status: 'not-used', text: `not used${partial}`, flows: 0, addresses: 0, top: [], ...context };
  const named = top.map((s) => `${s.address} ${s.flows}`).join(', ');
  return {
    status: 'used',
    text: `used: ${atLeast}${flows} flows from ${atLeast}${sources.length} public addresses (top ${top.length}: ${named})${partial}`,
    flows,
    addresses: sources.length,
    top,
    ...context,
  };
}

/** The evidence for a query that did not give an answer (failed, cancelled, timed out, not finished). */
export const unknownEvidence = (why: string): FlowEvidence => ({ status: 'unknown', text: `unknown: ${why}` });

/**
 * Flow logs are read with the function's own credentials: an event of another account (an
 * organisation's hub hearing a member) is `unknown`, since the member role is not granted the reads.
 * One decision for the deployed function and the game day; `undefined` when the account is the own one.
 */
export const otherAccountEvidence = (outcome: Outcome, ownAccount: string | undefined): FlowEvidence | undefined =>
  ownAccount && outcome.trigger.account && outcome.trigger.account !== ownAccount
    ? unknownEvidence('flow logs are read in the hub account only')
    : undefined;

/** True for an outcome whose window the flow logs can judge: a verified revert of world-open ingress, with its time known. */
export const wantsFlowEvidence = (outcome: Outcome): boolean =>
  outcome.outcome === 'remediated' && worldOpenGroups(outcome).length > 0 && outcome.secondsOpen !== undefined;

/** When the change happened and when it was reverted (the event's time plus the seconds it was open). */
export function windowOf(outcome: Outcome): { changeTime: Date; revertTime: Date } | undefined {
  const at = outcome.trigger.eventTime ? new Date(outcome.trigger.eventTime) : undefined;
  if (!at || Number.isNaN(at.getTime()) || outcome.secondsOpen === undefined) return undefined;
  return { changeTime: at, revertTime: new Date(at.getTime() + Math.ceil(outcome.secondsOpen) * 1000) };
}

/**
 * The groups an outcome's drift opened to the internet: whose interfaces the query asks about. A world-open
 * rule opens its group; an internet entry in a prefix list opens every guarded group whose ingress names the list.
 */
export const worldOpenGroups = (outcome: Outcome): string[] => [
  ...new Set(
    outcome.drift.flatMap((d) => (d.kind === 'sg-world-open' ? [d.groupId] : d.kind === 'prefix-list-internet-entry' ? d.groupIds : [])),
  ),
];

/** The follow-up outcome that carries the evidence: the same trigger and revert, the evidence as its news. */
export const withEvidence = (outcome: Outcome, evidence: FlowEvidence): Outcome => ({
  ...outcome,
  reason: `flow-log evidence: ${evidence.text}`,
  evidence,
});
