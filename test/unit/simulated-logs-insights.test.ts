import { GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeFlowLogsCommand, DescribeNetworkInterfacesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { BASELINE_FLOW_LOG_GROUP, baselineFlowLogs } from '../../events/simulated-account/flow-logs.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { type LogEvent, MalformedQueryError, runQuery } from '../../events/simulated-account/logs-insights.js';
import { DEFAULT_FORMAT } from '../../functions/adapters/flow-evidence.js';
import { buildFlowQuery } from '../../functions/core/flow-evidence.js';

/**
 * The game day's Logs Insights must read a query as Logs Insights does, or the game day would score
 * our own belief about the query. Expectations are written out from the documentation, not computed.
 */
const GROUP = '/vpc/flow-logs';
const event = (srcAddr: string, timestamp: number, more: Partial<Record<string, string>> = {}, logGroupName = GROUP): LogEvent => ({
  logGroupName,
  timestamp,
  fields: { interfaceId: 'eni-a', srcAddr, action: 'ACCEPT', ...more } as Record<string, string>,
});
const range = { logGroupNames: [GROUP], startTime: 1_000, endTime: 2_000 };
const counts = (rows: ReturnType<typeof runQuery>['rows']) => rows.map((row) => row.map((f) => f.value).join(' '));

describe('simulated Logs Insights: the time range', () => {
  // StartQueryRequest (@aws-sdk/client-cloudwatch-logs models_0.d.ts): startTime and endTime are epoch
  // seconds, and "The range is inclusive": both ends are included.
  it('includes events at startTime and at endTime, and none a second outside', () => {
    const events = [event('198.51.100.1', 999), event('198.51.100.2', 1_000), event('198.51.100.3', 2_000), event('198.51.100.4', 2_001)];
    const { rows, scanned } = runQuery(buildFlowQuery(['eni-a']), range, events);
    expect(counts(rows)).toEqual(['198.51.100.2 1', '198.51.100.3 1']);
    expect(scanned).toBe(2);
  });

  it('reads only the log groups it was given', () => {
    const { rows } = runQuery(buildFlowQuery(['eni-a']), range, [event('198.51.100.1', 1_500, {}, '/other/group')]);
    expect(rows).toEqual([]);
  });
});

describe("simulated Logs Insights: the product's query", () => {
  it('counts ACCEPT records from public sources on the named interfaces, busiest first', () => {
    const events = [
      event('198.51.100.7', 1_100),
      event('198.51.100.7', 1_200),
      event('2001:db8::7', 1_300),
      event('10.0.1.25', 1_100),
      event('172.20.1.1', 1_100),
      event('100.64.0.9', 1_100),
      event('169.254.169.254', 1_100),
      event('fd00::1', 1_100),
      event('fe80::1', 1_100),
      event('203.0.113.9', 1_100, { action: 'REJECT' }),
      event('203.0.113.10', 1_100, { interfaceId: 'eni-other' }),
    ];
    expect(counts(runQuery(buildFlowQuery(['eni-a', 'eni-b']), range, events).rows)).toEqual(['198.51.100.7 2', '2001:db8::7 1']);
  });

  it('applies limit after sort', () => {
    const events = [event('198.51.100.1', 1_100), event('198.51.100.2', 1_100), event('198.51.100.2', 1_200)];
    const q = 'filter action = "ACCEPT" | stats count(*) as flows by srcAddr | sort flows desc | limit 1';
    expect(counts(runQuery(q, range, events).rows)).toEqual(['198.51.100.2 2']);
  });

  it('sorts ascending when the order is not given (the Logs Insights default)', () => {
    const events = [event('198.51.100.1', 1_100), event('198.51.100.2', 1_100), event('198.51.100.2', 1_200)];
    expect(counts(runQuery('stats count(*) as n by srcAddr | sort n', range, events).rows)).toEqual(['198.51.100.1 1', '198.51.100.2 2']);
  });

  it('isIpInSubnet is false for an address of the other family or none, so `not` admits it', () => {
    const events = [event('2001:db8::1', 1_100), event('not-an-address', 1_100)];
    const q = 'filter not isIpInSubnet(srcAddr, "0.0.0.0/0") | stats count(*) as flows by srcAddr';
    expect(counts(runQuery(q, range, events).rows)).toEqual(['2001:db8::1 1', 'not-an-address 1']);
    expect(runQuery('filter isIpInSubnet(srcAddr, "2001:db8::/32") | stats count(*) as flows by srcAddr', range, events).rows).toHaveLength(1);
  });
});

describe('simulated Logs Insights: a query form it does not know throws', () => {
  it.each([
    ['no stats', 'fields @timestamp, srcAddr | sort @timestamp desc'],
    ['a regex filter', 'filter action like /ACC/ | stats count(*) as flows by srcAddr'],
    ['or', 'filter action = "ACCEPT" or action = "REJECT" | stats count(*) as flows by srcAddr'],
    ['a count without an alias', 'stats count(*) by srcAddr'],
    ['another aggregate', 'stats sum(bytes) as bytes by srcAddr'],
    ['a sort on another field', 'stats count(*) as flows by srcAddr | sort srcAddr desc'],
    ['an unquoted list item', 'filter interfaceId in [eni-a] | stats count(*) as flows by srcAddr'],
    ['a malformed subnet', 'filter not isIpInSubnet(srcAddr, "10.0.0.0/33") | stats count(*) as flows by srcAddr'],
    ['a filter after stats', 'stats count(*) as flows by srcAddr | filter flows = "2"'],
  ])('%s', (_name, query) => expect(() => runQuery(query, range, [])).toThrow(MalformedQueryError));
});

describe('simulated flow logs: the calls the evidence step makes', () => {
  it('DescribeNetworkInterfaces by group-id, a page at a time', async () => {
    const flowLogs = baselineFlowLogs();
    const ask = (NextToken?: string) =>
      flowLogs.clients.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [BASELINE.securityGroups.db] }], NextToken }));
    const first = await ask();
    expect(first.NetworkInterfaces?.map((e) => [e.NetworkInterfaceId, e.SubnetId, e.VpcId])).toEqual([
      ['eni-0a1b2c3d4e5f6c031', BASELINE.subnets.database1, BASELINE.vpcId],
    ]);
    const second = await ask(first.NextToken);
    expect(second.NetworkInterfaces?.map((e) => e.SubnetId)).toEqual([BASELINE.subnets.database2]);
    expect(second.NextToken).toBeUndefined();
  });

  it('DescribeFlowLogs by resource-id and log-destination-type; a filter it does not model throws', async () => {
    const flowLogs = baselineFlowLogs();
    const ask = (Filter: { Name: string; Values: string[] }[]) => flowLogs.clients.ec2.send(new DescribeFlowLogsCommand({ Filter }));
    const vpc = await ask([
      { Name: 'resource-id', Values: [BASELINE.subnets.private1, BASELINE.vpcId] },
      { Name: 'log-destination-type', Values: ['cloud-watch-logs'] },
    ]);
    expect(vpc.FlowLogs).toEqual([
      expect.objectContaining({ ResourceId: BASELINE.vpcId, LogGroupName: BASELINE_FLOW_LOG_GROUP, FlowLogStatus: 'ACTIVE', TrafficType: 'ALL', LogFormat: DEFAULT_FORMAT, MaxAggregationInterval: 60 }),
    ]);
    expect((await ask([{ Name: 'log-destination-type', Values: ['s3'] }])).FlowLogs).toEqual([]);
    await expect(ask([{ Name: 'traffic-type', Values: ['ALL'] }])).rejects.toThrow(/traffic-type/);
  });

  it('StartQuery records what was asked and refuses a malformed query or an unknown log group; GetQueryResults runs it', async () => {
    const flowLogs = baselineFlowLogs();
    const [eni] = flowLogs.interfaces;
    flowLogs.write({ interfaceId: eni?.id ?? '', srcAddr: '198.51.100.7', action: 'ACCEPT', timestamp: 1_500 });
    const start = (queryString: string, logGroupNames = [BASELINE_FLOW_LOG_GROUP]) =>
      flowLogs.clients.logs.send(new StartQueryCommand({ logGroupNames, startTime: 1_000, endTime: 2_000, queryString }));
    await expect(start('fields @message')).rejects.toMatchObject({ name: 'MalformedQueryException' });
    await expect(start(buildFlowQuery([eni?.id ?? '']), ['/nope'])).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const { queryId } = await start(buildFlowQuery([eni?.id ?? '']));
    expect(flowLogs.queries).toEqual([expect.objectContaining({ queryId, logGroupNames: [BASELINE_FLOW_LOG_GROUP], startTime: 1_000, endTime: 2_000 })]);
    expect((await flowLogs.clients.logs.send(new GetQueryResultsCommand({ queryId }))).status).toBe('Running');
    const done = await flowLogs.clients.logs.send(new GetQueryResultsCommand({ queryId }));
    expect([done.status, done.results]).toEqual([
      'Complete',
      [
        [
          { field: 'srcAddr', value: '198.51.100.7' },
          { field: 'flows', value: '1' },
        ],
      ],
    ]);
  });
});
