import {
  DeleteInternetGatewayCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  ReplaceNetworkAclAssociationCommand,
  DeleteRouteCommand,
  ModifySecurityGroupRulesCommand,
  ReplaceRouteCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeManagedPrefixListsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  ReplaceRouteTableAssociationCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, GONE_CODES, isAccessDenied, isRetryable } from '../../functions/adapters/ec2-errors.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import { AwsCallError } from '../../functions/core/errors.js';
import type { NetworkApi } from '../../functions/core/network.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { Ec2Error } from '../../events/simulated-account/ec2-error.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import { deleteSandbox, emptySandbox, GAMEDAY_TAG, SandboxGuard } from '../../events/scenarios/sandbox.js';

/**
 * EC2's error knowledge is one table (functions/adapters/ec2-errors.ts) that the EC2 adapter and the
 * simulated account both answer by: for every "already gone" code of every call, both say the same,
 * and both retry exactly what the one classifier calls retryable.
 */

const ec2Mock = mockClient(EC2Client);
afterEach(() => ec2Mock.reset());

const sdkError = (code: string, status = 400) =>
  Object.assign(new Error(`${code} message`), {
    name: code,
    Code: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

const COMMAND = {
  getSecurityGroup: DescribeSecurityGroupsCommand,
  getPrefixList: DescribeManagedPrefixListsCommand,
  revokeIngress: RevokeSecurityGroupIngressCommand,
  getRouteTable: DescribeRouteTablesCommand,
  getSubnet: DescribeSubnetsCommand,
  deleteRoute: DeleteRouteCommand,
  modifyIngressRule: ModifySecurityGroupRulesCommand,
  replaceRoute: ReplaceRouteCommand,
  replaceRouteTableAssociation: ReplaceRouteTableAssociationCommand,
  getNetworkAcl: DescribeNetworkAclsCommand,
  deleteNetworkAclEntry: DeleteNetworkAclEntryCommand,
  replaceNetworkAclAssociation: ReplaceNetworkAclAssociationCommand,
} as const;

const OPERATION = {
  getSecurityGroup: 'DescribeSecurityGroups',
  getPrefixList: 'DescribeManagedPrefixLists',
  revokeIngress: 'RevokeSecurityGroupIngress',
  getRouteTable: 'DescribeRouteTables',
  getSubnet: 'DescribeSubnets',
  deleteRoute: 'DeleteRoute',
  modifyIngressRule: 'ModifySecurityGroupRules',
  replaceRoute: 'ReplaceRoute',
  replaceRouteTableAssociation: 'ReplaceRouteTableAssociation',
  getNetworkAcl: 'DescribeNetworkAcls',
  deleteNetworkAclEntry: 'DeleteNetworkAclEntry',
  replaceNetworkAclAssociation: 'ReplaceNetworkAclAssociation',
} as const;

type Method = keyof typeof GONE_CODES;
/** One call of each method, answered "already gone": what the port returns then. */
const CALLS: { [M in Method]: { call: (n: NetworkApi) => Promise<unknown>; gone: unknown } } = {
  getSecurityGroup: { call: (n) => n.getSecurityGroup({ groupId: BASELINE.securityGroups.app }), gone: undefined },
  getPrefixList: { call: (n) => n.getPrefixList(BASELINE.prefixLists.office), gone: undefined },
  revokeIngress: { call: (n) => n.revokeIngress(BASELINE.securityGroups.app, ['sgr-0a1b2c3d4e5f69202']), gone: { result: 'already-gone' } },
  getRouteTable: { call: (n) => n.getRouteTable(BASELINE.routeTables.public), gone: undefined },
  getSubnet: { call: (n) => n.getSubnet(BASELINE.subnets.database1), gone: undefined },
  deleteRoute: { call: (n) => n.deleteRoute(BASELINE.routeTables.public, { cidrIpv4: '0.0.0.0/0' }), gone: 'already-gone' },
  modifyIngressRule: {
    call: (n) => n.modifyIngressRule(BASELINE.securityGroups.app, 'sgr-0a1b2c3d4e5f69202', { protocol: 'tcp', fromPort: 8080, toPort: 8080, cidrIpv4: '10.0.0.0/16' }),
    gone: 'already-gone',
  },
  replaceRoute: {
    call: (n) => n.replaceRoute(BASELINE.routeTables.public, { cidrIpv4: '0.0.0.0/0' }, { natGatewayId: 'nat-0a1b2c3d4e5f60001' }),
    gone: 'already-gone',
  },
  replaceRouteTableAssociation: {
    call: (n) => n.replaceRouteTableAssociation(BASELINE.associations.database1, BASELINE.routeTables.database),
    gone: { result: 'already-gone' },
  },
  getNetworkAcl: { call: (n) => n.getNetworkAcl(BASELINE.networkAcls.database), gone: undefined },
  deleteNetworkAclEntry: { call: (n) => n.deleteNetworkAclEntry(BASELINE.networkAcls.database, 100, false), gone: 'already-gone' },
  replaceNetworkAclAssociation: {
    call: (n) => n.replaceNetworkAclAssociation(BASELINE.aclAssociations.database1, BASELINE.networkAcls.database),
    gone: { result: 'already-gone' },
  },
};

const cases = (Object.entries(GONE_CODES) as [Method, readonly string[]][]).flatMap(([method, codes]) =>
  codes.map((code) => ({ method, code })),
);
const MUTATING: ReadonlySet<Method> = new Set([
  'revokeIngress',
  'deleteRoute',
  'modifyIngressRule',
  'replaceRoute',
  'replaceRouteTableAssociation',
  'deleteNetworkAclEntry',
  'replaceNetworkAclAssociation',
]);

describe('"already gone": one table, the same answer from the EC2 adapter and the simulated account', () => {
  it.each(cases)('$method answering $code', async ({ method, code }) => {
    ec2Mock.on(COMMAND[method] as never).rejects(sdkError(code));
    expect(await CALLS[method].call(createEc2Network(new EC2Client({})))).toEqual(CALLS[method].gone);

    // The simulated account's reads answer a missing resource without an error; its writes meet the codes.
    if (!MUTATING.has(method)) return;
    const simulated = new SimulatedNetwork(threeTierAccount(), {
      fault: (operation) => (operation === OPERATION[method] ? new Ec2Error(code, 'gone') : undefined),
    });
    expect(await CALLS[method].call(simulated)).toEqual(CALLS[method].gone);
  });

  it('a code that is not "already gone" for that call is an error in both', async () => {
    ec2Mock.on(DeleteRouteCommand).rejects(sdkError('InvalidAssociationID.NotFound'));
    await expect(CALLS.deleteRoute.call(createEc2Network(new EC2Client({})))).rejects.toBeInstanceOf(AwsCallError);
    const simulated = new SimulatedNetwork(threeTierAccount(), {
      fault: (operation) => (operation === 'DeleteRoute' ? new Ec2Error('InvalidAssociationID.NotFound', 'x') : undefined),
    });
    await expect(CALLS.deleteRoute.call(simulated)).rejects.toBeInstanceOf(AwsCallError);
  });
});

describe('one retry classifier', () => {
  // Codes and statuses from "Error codes for the Amazon EC2 API" (client errors 400, server errors 5xx)
  // and Node's socket errors.
  it.each([
    ['RequestLimitExceeded', 503, true],
    ['InternalError', 500, true],
    ['Unavailable', 503, true],
    ['ThrottlingException', 400, true],
    ['RequestThrottled', 400, true],
    ['BandwidthLimitExceeded', 400, true],
    ['UnauthorizedOperation', 403, false],
    ['InvalidParameterValue', 400, false],
    ['InvalidGroup.NotFound', 400, false],
  ] as const)('%s (%i): retryable %s', (code, status, retryable) => {
    expect(isRetryable(sdkError(code, status))).toBe(retryable);
  });

  it('a dropped connection is retryable by its Node code, whatever the error is named', () => {
    expect(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('socket hang up'), { name: 'RequestError', code: 'ECONNRESET' }))).toBe(true);
  });

  it('an unknown code is retryable when the SDK says it is a server fault, or by its 5xx status alone', () => {
    expect(isRetryable({ name: 'SomethingNew', $fault: 'server' })).toBe(true);
    expect(isRetryable({ name: 'SomethingNew', $metadata: { httpStatusCode: 500 } })).toBe(true);
    expect(isRetryable({ name: 'SomethingNew', $metadata: { httpStatusCode: 502 } })).toBe(true);
    expect(isRetryable({ name: 'SomethingNew', $metadata: { httpStatusCode: 499 } })).toBe(false);
    expect(isRetryable({ name: 'SomethingNew', $fault: 'client' })).toBe(false);
    expect(isRetryable(null)).toBe(false);
  });

  it.each([
    ['RequestLimitExceeded', true],
    ['InternalError', true],
    ['UnauthorizedOperation', false],
  ] as const)('the simulated account retries %s: %s, as the classifier says', async (code, retried) => {
    const simulated = new SimulatedNetwork(threeTierAccount(), {
      retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
      fault: (_operation, attempt) => (attempt === 1 ? new Ec2Error(code, 'x', code === 'InternalError' ? 'server' : 'client') : undefined),
    });
    const answer = simulated.listRules(BASELINE.securityGroups.app);
    if (retried) await expect(answer).resolves.toBeInstanceOf(Array);
    else await expect(answer).rejects.toMatchObject({ code, retryable: false });
    expect(simulated.calls).toHaveLength(retried ? 2 : 1);
  });
});

describe('errorCode', () => {
  it('reads the SDK\'s Code first, then name, then Node\'s code', () => {
    expect(errorCode({ Code: 'InvalidRoute.NotFound', name: 'Other', code: 'ECONNRESET' })).toBe('InvalidRoute.NotFound');
    expect(errorCode({ name: 'InvalidRoute.NotFound', code: 'ECONNRESET' })).toBe('InvalidRoute.NotFound');
    expect(errorCode(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errorCode(new Error('x'))).toBe('Unknown');
    expect(errorCode('a string')).toBe('Unknown');
    expect(errorCode(null)).toBe('Unknown');
    expect(errorCode({ Code: 42, name: 'InvalidRoute.NotFound' })).toBe('InvalidRoute.NotFound');
  });
});

describe('throttling, as the SDK classifies it', () => {
  // @smithy/core dist-es/submodules/retry/service-error-classification/constants.js THROTTLING_ERROR_CODES:
  // every one of them is throttling at an ordinary 400, whatever service answered it.
  it.each([
    'RequestLimitExceeded',
    'Throttling',
    'ThrottlingException',
    'ThrottledException',
    'RequestThrottled',
    'RequestThrottledException',
    'TooManyRequestsException',
    'EC2ThrottledException',
    'BandwidthLimitExceeded',
    'LimitExceededException',
    'PriorRequestNotComplete',
    'SlowDown',
  ])('%s at HTTP 400 is retryable', (code) => {
    expect(isRetryable(sdkError(code, 400))).toBe(true);
  });
});

describe('a thrown value that is not an error object', () => {
  it('has no code and is not retryable, even undefined', () => {
    expect(errorCode(undefined)).toBe('Unknown');
    expect(isRetryable(undefined)).toBe(false);
    expect(isRetryable('ECONNRESET')).toBe(false);
  });
});

describe('isAccessDenied', () => {
  // STS AssumeRole and ELB: AccessDenied; Organizations: AccessDeniedException; EC2: UnauthorizedOperation
  // and AuthFailure ("Error codes for the Amazon EC2 API"; IAM User Guide, "Troubleshooting IAM roles").
  it.each(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthFailure'])(
    '%s: denied, as the SDK throws it and as an AwsCallError',
    (code) => {
      expect(isAccessDenied(sdkError(code, 403))).toBe(true);
      expect(isAccessDenied(new AwsCallError('AssumeRole', code, 'no'))).toBe(true);
    },
  );

  it('is not denied for other codes, nor for an AwsCallError whose cause is named otherwise', () => {
    expect(isAccessDenied(sdkError('RequestLimitExceeded'))).toBe(false);
    expect(isAccessDenied(new AwsCallError('DescribeVpcs', 'InvalidParameterValue', 'no'))).toBe(false);
    expect(isAccessDenied(undefined)).toBe(false);
  });
});

describe('the game day sandbox teardown shares the table', () => {
  it('deletes an internet gateway that EC2 says is no longer attached (Gateway.NotAttached)', async () => {
    // DetachInternetGateway of a detached gateway: Gateway.NotAttached ("Error codes for the Amazon EC2
    // API"; moto GatewayNotAttachedError). The teardown goes on to delete the gateway and the VPC.
    const tags = [{ Key: GAMEDAY_TAG, Value: 'run-1' }];
    ec2Mock.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [{ InternetGatewayId: 'igw-1', Tags: tags }] });
    ec2Mock.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: tags }] });
    ec2Mock.on(DetachInternetGatewayCommand).rejects(sdkError('Gateway.NotAttached'));
    ec2Mock.on(DeleteInternetGatewayCommand).resolves({});
    ec2Mock.on(DeleteVpcCommand).resolves({});
    const client = new EC2Client({});
    const sandbox = { ...emptySandbox(), vpcId: 'vpc-1', internetGatewayId: 'igw-1', internetGatewayAttached: true };

    const leftovers = await deleteSandbox({ client, guard: new SandboxGuard(client, 'run-1'), sandbox, attempts: 1, delayMs: 0 });

    expect(leftovers).toEqual([]);
    expect(ec2Mock.commandCalls(DeleteInternetGatewayCommand).map((c) => c.args[0].input)).toEqual([{ InternetGatewayId: 'igw-1' }]);
  });
});
