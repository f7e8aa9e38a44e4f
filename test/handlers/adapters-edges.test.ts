import 'aws-sdk-client-mock-vitest/extend';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeLoadBalancersCommand as DescribeClassicLoadBalancersCommand,
  ElasticLoadBalancingClient,
} from '@aws-sdk/client-elastic-load-balancing';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbRepeatLedger } from '../../functions/adapters/dynamodb-repeat-ledger.js';
import { createLoadBalancerReader, fromElbv2 } from '../../functions/adapters/elb.js';
import { ownFunction } from '../../functions/adapters/self-invoke.js';

/**
 * The edges of three small adapters, with the SDK mocked: how the runbook names itself for its own
 * asynchronous invokes, how load balancers are read and classified, and how the repeat ledger reads an
 * item that has no times yet.
 */

describe('ownFunction: the runbook names itself for its own asynchronous invokes', () => {
  const ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:LayerGuard-runbook';
  it.each([
    ['the unqualified ARN as it is', ARN, ARN],
    // "Indicates if the invoker specified a version number or alias" (Lambda, Node.js context): the qualifier is cut.
    ['a version qualifier cut', `${ARN}:7`, ARN],
    ['an alias qualifier cut', `${ARN}:live`, ARN],
  ])('%s', (_name, invokedFunctionArn, expected) => {
    expect(ownFunction({ invokedFunctionArn }, {})).toBe(expected);
  });

  it.each([
    ['no context', undefined],
    ['no ARN in the context', { invokedFunctionArn: undefined as unknown as string }],
    ['an ARN of something else (a layer)', { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:layer:x:1' }],
    ['a function ARN without its name (six parts)', { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function' }],
    ['not an ARN at all, though shaped like one', { invokedFunctionArn: 'urn:aws:lambda:eu-west-1:111122223333:function:f' }],
  ])('%s: the function name from AWS_LAMBDA_FUNCTION_NAME, trimmed', (_name, context) => {
    expect(ownFunction(context, { AWS_LAMBDA_FUNCTION_NAME: '  LayerGuard-runbook \n' })).toBe('LayerGuard-runbook');
  });

  it('neither: a clear error, never a guess', () => {
    expect(() => ownFunction(undefined, { AWS_LAMBDA_FUNCTION_NAME: '  ' })).toThrow(/cannot name itself/);
  });
});

describe('load balancers', () => {
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const classic = mockClient(ElasticLoadBalancingClient);
  afterEach(() => {
    elbv2.reset();
    classic.reset();
  });
  const read = () => createLoadBalancerReader(new ElasticLoadBalancingV2Client({}), new ElasticLoadBalancingClient({}))();

  it.each([
    // The v2 `Type`: LoadBalancerTypeEnum application | network | gateway (the SDK's model).
    ['application', 'application'],
    ['network', 'network'],
    ['gateway', 'gateway'],
    // Older answers without a Type are application load balancers (the only v2 kind before 2017).
    [undefined, 'application'],
  ] as const)('a v2 load balancer of type %s is %s', (type, kind) => {
    expect(fromElbv2({ LoadBalancerName: 'lb', ...(type ? { Type: type } : {}), Scheme: 'internal' }).kind).toBe(kind);
  });

  it('answers without their lists read as none (no load balancer, no security group)', async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({});
    classic.on(DescribeClassicLoadBalancersCommand).resolves({});
    await expect(read()).resolves.toEqual([]);
    expect(fromElbv2({ LoadBalancerName: 'lb', Scheme: 'internet-facing' }).securityGroupIds).toEqual([]);
  });

  it('a Classic answer that repeats its NextMarker fails, naming the Classic API', async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    classic.on(DescribeClassicLoadBalancersCommand).resolves({ LoadBalancerDescriptions: [], NextMarker: 'm-1' });
    await expect(read()).rejects.toThrow(/elasticloadbalancing:DescribeLoadBalancers \(Classic\).*same NextMarker twice \(m-1\)/);
    // The first page, then the page of m-1, which names m-1 again: two calls, never more.
    expect(classic).toHaveReceivedCommandTimes(DescribeClassicLoadBalancersCommand, 2);
  });

  it('a failed Classic read names the Classic API', async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    classic.on(DescribeClassicLoadBalancersCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }),
    );
    await expect(read()).rejects.toThrow(/^elasticloadbalancing:DescribeLoadBalancers \(Classic\) failed/);
  });
});

describe('DynamoDbRepeatLedger.since', () => {
  const dynamo = mockClient(DynamoDBClient);
  afterEach(() => dynamo.reset());

  it('reads the one item strongly consistent (a revert just recorded must count), and an item without times is none', async () => {
    dynamo.on(GetItemCommand).resolves({ Item: { id: { S: 'repeat#k' } } });
    const ledger = new DynamoDbRepeatLedger(new DynamoDBClient({}), 'table');
    await expect(ledger.since('repeat#k', new Date(0))).resolves.toEqual([]);
    expect(dynamo).toHaveReceivedCommandWith(GetItemCommand, { TableName: 'table', Key: { id: { S: 'repeat#k' } }, ConsistentRead: true });
  });
});
