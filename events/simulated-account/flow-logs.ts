import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  type GetQueryResultsResponse,
  StartQueryCommand,
  type StartQueryRequest,
  type StartQueryResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeFlowLogsCommand,
  type DescribeFlowLogsResult,
  DescribeNetworkInterfacesCommand,
  type DescribeNetworkInterfacesResult,
  type EC2Client,
  type Filter,
  type FlowLog,
} from '@aws-sdk/client-ec2';
import { DEFAULT_FORMAT, type FlowEvidenceClients } from '../../functions/adapters/flow-evidence.js';
import { Ec2Error } from './ec2-error.js';
import { BASELINE } from './ids.js';
import { type LogEvent, runQuery } from './logs-insights.js';

/**
 * VPC flow logs as the game day's simulated account has them: network interfaces, flow logs to
 * CloudWatch Logs, their records, and a Logs Insights that runs queries over them (logs-insights.ts),
 * behind clients that answer the four calls the evidence step makes (functions/adapters/flow-evidence.ts),
 * so the game day runs the real adapter. Answers are shaped as the SDK's output types:
 * DescribeNetworkInterfacesResult, DescribeFlowLogsResult (@aws-sdk/client-ec2
 * dist-types/models/models_4.d.ts), StartQueryResponse, GetQueryResultsResponse
 * (@aws-sdk/client-cloudwatch-logs dist-types/models/models_0.d.ts).
 */

/** A network interface: the groups it uses, where it is. */
export interface SimulatedInterface {
  readonly id: string;
  readonly groupIds: readonly string[];
  readonly subnetId: string;
  readonly vpcId: string;
}

/** A flow log to CloudWatch Logs on a VPC, a subnet or an interface. */
export interface SimulatedFlowLog {
  readonly id: string;
  readonly resourceId: string;
  readonly logGroupName: string;
  /** 60 or 600 (DescribeFlowLogs `MaxAggregationInterval`). */
  readonly maxAggregationInterval: 60 | 600;
  readonly trafficType?: 'ACCEPT' | 'REJECT' | 'ALL';
  readonly logFormat?: string;
}

/** One flow-log record: an interface, a source, what the group did with it, its capture window's start. */
export interface FlowRecord {
  readonly logGroupName: string;
  readonly interfaceId: string;
  readonly srcAddr: string;
  readonly action: 'ACCEPT' | 'REJECT';
  /** Epoch seconds: the record's `start`, which CloudWatch Logs stamps it with. */
  readonly timestamp: number;
}

/** What the simulation wrote that the evidence must count: ACCEPT records from public addresses in the window. */
export interface InternetUse {
  readonly flows: number;
  readonly addresses: number;
}

/** A StartQuery as it was asked, and how often its results were read. */
export interface RecordedQuery {
  readonly queryId: string;
  readonly logGroupNames: readonly string[];
  readonly startTime: number;
  readonly endTime: number;
  readonly queryString: string;
  polls: number;
}

export interface SimulatedFlowLogsOptions {
  /** Items per Describe page: small, so that the adapter's NextToken loop runs (EC2 may page any answer). */
  readonly pageSize?: number;
  /** How many GetQueryResults answer `Running` before `Complete`, so that the adapter polls. */
  readonly runningPolls?: number;
}

const HOUR = 3600;

/** The paging of one Describe: the page at the token's offset, and the next token while more remain. */
function page<T>(items: readonly T[], token: string | undefined, size: number): { items: T[]; NextToken?: string } {
  const offset = token === undefined ? 0 : Number(/^page-(\d+)$/.exec(token)?.[1] ?? Number.NaN);
  if (!Number.isInteger(offset)) throw new Ec2Error('InvalidNextToken', `The token '${token}' is not valid`);
  const next = offset + size;
  return { items: items.slice(offset, next), ...(next < items.length ? { NextToken: `page-${next}` } : {}) };
}

/** EC2 filters: every filter must match (AND), any of a filter's values (OR); a filter this model lacks throws. */
function matches(filters: readonly Filter[] | undefined, known: Readonly<Record<string, (value: string) => boolean>>): boolean {
  return (filters ?? []).every((f) => {
    const test = known[f.Name ?? ''];
    if (!test) throw new Error(`the simulated flow logs do not know the filter ${f.Name}`);
    return (f.Values ?? []).some(test);
  });
}

export class SimulatedFlowLogs {
  readonly interfaces: SimulatedInterface[];
  readonly flowLogs: SimulatedFlowLog[];
  readonly records: FlowRecord[] = [];
  readonly queries: RecordedQuery[] = [];
  readonly #pageSize: number;
  readonly #runningPolls: number;

  constructor(model: { interfaces: SimulatedInterface[]; flowLogs: SimulatedFlowLog[] }, options: SimulatedFlowLogsOptions = {}) {
    this.interfaces = model.interfaces;
    this.flowLogs = model.flowLogs;
    this.#pageSize = options.pageSize ?? 1;
    this.#runningPolls = options.runningPolls ?? 1;
  }

  readonly clients: FlowEvidenceClients = {
    ec2: {
      send: async (command: unknown): Promise<unknown> => {
        if (command instanceof DescribeNetworkInterfacesCommand) return this.#describeInterfaces(command.input.Filters, command.input.NextToken);
        if (command instanceof DescribeFlowLogsCommand) return this.#describeFlowLogs(command.input.Filter, command.input.NextToken);
        throw new Error(`the simulated flow logs' EC2 does not answer ${(command as object)?.constructor?.name}`);
      },
    } as unknown as EC2Client,
    logs: {
      send: async (command: unknown): Promise<unknown> => {
        if (command instanceof StartQueryCommand) return this.#startQuery(command.input);
        if (command instanceof GetQueryResultsCommand) return this.#results(command.input.queryId);
        throw new Error(`the simulated CloudWatch Logs does not answer ${(command as object)?.constructor?.name}`);
      },
    } as unknown as CloudWatchLogsClient,
  };

  /** Writes a record, as the flow log covering the interface would deliver it (into each covering log's group). */
  write(record: Omit<FlowRecord, 'logGroupName'>): void {
    for (const logGroupName of this.#logGroupsCovering(record.interfaceId)) this.records.push({ ...record, logGroupName });
  }

  /**
   * The internet finds a group opened at `openedAt`: each of its interfaces accepts flows from public
   * addresses of both families, and records that must not count are written beside them (a private
   * source, a REJECT, one an hour before the change, one on an interface of another group). Returns what
   * the evidence must count: the public ACCEPT records on the group's interfaces in the window.
   */
  internetUse(groupId: string, openedAt: Date): InternetUse {
    const at = Math.floor(openedAt.getTime() / 1000);
    const mine = this.interfaces.filter((eni) => eni.groupIds.includes(groupId));
    const counted: { srcAddr: string }[] = [];
    for (const eni of mine) {
      for (const srcAddr of ['198.51.100.7', '198.51.100.7', '203.0.113.9', '2001:db8::7']) {
        this.write({ interfaceId: eni.id, srcAddr, action: 'ACCEPT', timestamp: at });
        counted.push({ srcAddr });
      }
      this.write({ interfaceId: eni.id, srcAddr: '10.0.1.25', action: 'ACCEPT', timestamp: at });
      this.write({ interfaceId: eni.id, srcAddr: '100.64.0.9', action: 'ACCEPT', timestamp: at });
      this.write({ interfaceId: eni.id, srcAddr: '192.0.2.44', action: 'REJECT', timestamp: at });
      this.write({ interfaceId: eni.id, srcAddr: '198.51.100.7', action: 'ACCEPT', timestamp: at - HOUR });
    }
    const other = this.interfaces.find((eni) => !eni.groupIds.includes(groupId));
    if (other) this.write({ interfaceId: other.id, srcAddr: '198.51.100.99', action: 'ACCEPT', timestamp: at });
    return { flows: counted.length, addresses: new Set(counted.map((c) => c.srcAddr)).size };
  }

  #logGroupsCovering(interfaceId: string): string[] {
    const eni = this.interfaces.find((e) => e.id === interfaceId);
    if (!eni) return [];
    const covering = this.flowLogs.filter((f) => [eni.id, eni.subnetId, eni.vpcId].includes(f.resourceId));
    return [...new Set(covering.map((f) => f.logGroupName))];
  }

  /** DescribeNetworkInterfaces, filter `group-id` (EC2 API reference). */
  #describeInterfaces(filters: readonly Filter[] | undefined, token: string | undefined): DescribeNetworkInterfacesResult {
    const found = this.interfaces.filter((eni) => matches(filters, { 'group-id': (v) => eni.groupIds.includes(v) }));
    const { items, NextToken } = page(found, token, this.#pageSize);
    return {
      NetworkInterfaces: items.map((eni) => ({
        NetworkInterfaceId: eni.id,
        SubnetId: eni.subnetId,
        VpcId: eni.vpcId,
        Groups: eni.groupIds.map((GroupId) => ({ GroupId })),
        Status: 'in-use',
      })),
      ...(NextToken ? { NextToken } : {}),
    };
  }

  /** DescribeFlowLogs, filters `resource-id` and `log-destination-type` (EC2 API reference). */
  #describeFlowLogs(filters: readonly Filter[] | undefined, token: string | undefined): DescribeFlowLogsResult {
    const found = this.flowLogs.filter((f) =>
      matches(filters, { 'resource-id': (v) => v === f.resourceId, 'log-destination-type': (v) => v === 'cloud-watch-logs' }),
    );
    const { items, NextToken } = page(found, token, this.#pageSize);
    return {
      FlowLogs: items.map(
        (f): FlowLog => ({
          FlowLogId: f.id,
          ResourceId: f.resourceId,
          LogGroupName: f.logGroupName,
          LogDestinationType: 'cloud-watch-logs',
          FlowLogStatus: 'ACTIVE',
          DeliverLogsStatus: 'SUCCESS',
          TrafficType: f.trafficType ?? 'ALL',
          LogFormat: f.logFormat ?? DEFAULT_FORMAT,
          MaxAggregationInterval: f.maxAggregationInterval,
        }),
      ),
      ...(NextToken ? { NextToken } : {}),
    };
  }

  /** StartQuery over log groups by name, epoch seconds; a malformed query is refused here, as Logs Insights does. */
  #startQuery(input: StartQueryRequest): StartQueryResponse {
    const { logGroupNames, startTime, endTime, queryString } = input;
    if (!logGroupNames?.length || startTime === undefined || endTime === undefined || !queryString)
      throw new Error('the simulated StartQuery needs logGroupNames, startTime, endTime and queryString');
    const groups = new Set(this.flowLogs.map((f) => f.logGroupName));
    const missing = logGroupNames.filter((g) => !groups.has(g));
    if (missing.length > 0) throw Object.assign(new Error(`Log group ${missing[0]} does not exist`), { name: 'ResourceNotFoundException' });
    runQuery(queryString, { logGroupNames, startTime, endTime }, []);
    const queryId = `query-${this.queries.length + 1}`;
    this.queries.push({ queryId, logGroupNames: [...logGroupNames], startTime, endTime, queryString, polls: 0 });
    return { queryId };
  }

  /** GetQueryResults: `Running` for the first polls, then `Complete` with the rows of the query run on the records. */
  #results(queryId: string | undefined): GetQueryResultsResponse {
    const query = this.queries.find((q) => q.queryId === queryId);
    if (!query) throw Object.assign(new Error(`Query ${queryId} does not exist`), { name: 'ResourceNotFoundException' });
    query.polls += 1;
    if (query.polls <= this.#runningPolls) return { status: 'Running', results: [] };
    const { rows, matched, scanned } = runQuery(query.queryString, query, this.records.map(asLogEvent));
    return { status: 'Complete', results: rows, statistics: { recordsMatched: matched, recordsScanned: scanned, bytesScanned: scanned * 100 } };
  }
}

/** A record as Logs Insights sees it: the fields it discovers in a default-format flow log record. */
const asLogEvent = (r: FlowRecord): LogEvent => ({
  logGroupName: r.logGroupName,
  timestamp: r.timestamp,
  fields: { interfaceId: r.interfaceId, srcAddr: r.srcAddr, action: r.action },
});

/** The log group of the baseline VPC's flow log. */
export const BASELINE_FLOW_LOG_GROUP = '/layerguard/gameday/vpc-flow-logs';

/**
 * The baseline's flow logs: two interfaces per tier (one in each of the tier's subnets), one flow log
 * on the VPC, all traffic, 60-second aggregation, the default format.
 */
export function baselineFlowLogs(options: SimulatedFlowLogsOptions = {}): SimulatedFlowLogs {
  const { securityGroups: g, subnets: s, vpcId } = BASELINE;
  const eni = (n: number, groupId: string, subnetId: string): SimulatedInterface => ({
    id: `eni-0a1b2c3d4e5f6c${n.toString().padStart(3, '0')}`,
    groupIds: [groupId],
    subnetId,
    vpcId,
  });
  return new SimulatedFlowLogs(
    {
      interfaces: [
        eni(11, g.web, s.public1),
        eni(12, g.web, s.public2),
        eni(21, g.app, s.private1),
        eni(22, g.app, s.private2),
        eni(31, g.db, s.database1),
        eni(32, g.db, s.database2),
      ],
      flowLogs: [{ id: 'fl-0a1b2c3d4e5f6d001', resourceId: vpcId, logGroupName: BASELINE_FLOW_LOG_GROUP, maxAggregationInterval: 60 }],
    },
    options,
  );
}
