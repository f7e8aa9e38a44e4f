import 'aws-sdk-client-mock-vitest/extend';
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runCanary } from '../../functions/adapters/canary.js';
import { CANARY_RULE_DESCRIPTION, CanaryRefusedError } from '../../functions/core/canary.js';
import { AwsCallError } from '../../functions/core/errors.js';

/**
 * One canary run on EC2 with the SDK mocked: the exact calls it makes, and that it opens nothing
 * unless the group is unused and empty. The request and answer shapes are @aws-sdk/client-ec2's
 * (DescribeNetworkInterfacesRequest, AuthorizeSecurityGroupIngressResult.SecurityGroupRules).
 */

const GROUP = 'sg-0c0a0a0a0a0a0a001';
const probe = { groupId: GROUP, port: 9, cidr: '0.0.0.0/2' };
const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const at = new Date('2026-12-02T10:00:00.000Z');

afterEach(() => ec2.reset());

const noInterfaces = () => ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
const rules = (list: object[]) => ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: list });
const canaryRule = { SecurityGroupRuleId: 'sgr-0c0a0a0a0a0a0a101', GroupId: GROUP, IsEgress: false, IpProtocol: 'tcp', FromPort: 9, ToPort: 9, CidrIpv4: '0.0.0.0/2' };

describe('runCanary', () => {
  it('opens the probe rule in an unused, empty group and names the rule EC2 created', async () => {
    noInterfaces();
    rules([{ SecurityGroupRuleId: 'sgr-0c0a0a0a0a0a0a109', GroupId: GROUP, IsEgress: true, IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' }]);
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({
      Return: true,
      SecurityGroupRules: [{ ...canaryRule, SecurityGroupRuleId: 'sgr-0c0a0a0a0a0a0a102' }],
    });
    const run = await runCanary(client, probe, () => at);
    expect(run).toEqual({ plan: { kind: 'authorize' }, authorizedAt: '2026-12-02T10:00:00.000Z', ruleId: 'sgr-0c0a0a0a0a0a0a102' });
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, {
      Filters: [{ Name: 'group-id', Values: [GROUP] }],
      MaxResults: 1000,
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupRulesCommand, { Filters: [{ Name: 'group-id', Values: [GROUP] }] });
    expect(ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 1);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({
      GroupId: GROUP,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 9, ToPort: 9, IpRanges: [{ CidrIp: '0.0.0.0/2', Description: CANARY_RULE_DESCRIPTION }] }],
    });
  });

  it('an answer that repeats its NextToken fails the run, instead of asking again for ever', async () => {
    ec2
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce({ NetworkInterfaces: [], NextToken: 'page-2' })
      .resolves({ NetworkInterfaces: [], NextToken: 'page-2' });
    rules([]);
    const error = await runCanary(client, probe).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ operation: 'DescribeNetworkInterfaces', code: 'RepeatedNextToken' });
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 0);
  });

  it('follows the interface pages until it finds one, and then refuses without opening anything', async () => {
    ec2
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce({ NetworkInterfaces: [], NextToken: 'page-2' })
      .resolvesOnce({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0c0a0a0a0a0a0a201' }], NextToken: 'page-3' });
    rules([]);
    const refused = await runCanary(client, probe).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CanaryRefusedError);
    expect((refused as Error).message).toMatch(/eni-0c0a0a0a0a0a0a201/);
    // One interface is enough to refuse: page 3 is not read.
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
  });

  it('refuses a group that holds ingress that is not the canary’s', async () => {
    noInterfaces();
    rules([{ ...canaryRule, SecurityGroupRuleId: 'sgr-0c0a0a0a0a0a0a103', FromPort: 22, ToPort: 22 }]);
    await expect(runCanary(client, probe)).rejects.toThrow(/sgr-0c0a0a0a0a0a0a103/);
    expect(ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
  });

  it('reports a previous probe still open and opens no second one', async () => {
    noInterfaces();
    rules([canaryRule]);
    const run = await runCanary(client, probe);
    expect(run).toEqual({ plan: { kind: 'still-open', ruleIds: ['sgr-0c0a0a0a0a0a0a101'] } });
    expect(ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
  });

  it('fails loudly on Return=false, and names the call that failed', async () => {
    noInterfaces();
    rules([]);
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: false });
    await expect(runCanary(client, probe)).rejects.toMatchObject({ name: 'AwsCallError', code: 'ReturnFalse' });
  });

  it('names the call of an AWS error: the interface read and the authorize', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).rejects(Object.assign(new Error('denied'), { name: 'UnauthorizedOperation' }));
    const read = await runCanary(client, probe).catch((e: unknown) => e);
    expect(read).toBeInstanceOf(AwsCallError);
    expect(read).toMatchObject({ operation: 'DescribeNetworkInterfaces' });
    ec2.reset();
    noInterfaces();
    rules([]);
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(Object.assign(new Error('limit'), { name: 'RulesPerSecurityGroupLimitExceeded' }));
    const authorize = await runCanary(client, probe).catch((e: unknown) => e);
    expect(authorize).toMatchObject({ operation: 'AuthorizeSecurityGroupIngress' });
  });

  it('leaves the rule id out when EC2 answers without the created rule', async () => {
    noInterfaces();
    rules([]);
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    const run = await runCanary(client, probe, () => at);
    expect(run).toEqual({ plan: { kind: 'authorize' }, authorizedAt: '2026-12-02T10:00:00.000Z' });
  });
});

describe('runCanary reads EC2 answers', () => {
  it('opens the probe when DescribeNetworkInterfaces lists no interfaces at all', async () => {
    // DescribeNetworkInterfacesResult.NetworkInterfaces and NetworkInterface.NetworkInterfaceId are optional (models_4.d.ts).
    ec2.on(DescribeNetworkInterfacesCommand).resolves({});
    rules([]);
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    expect((await runCanary(client, probe, () => at)).plan).toEqual({ kind: 'authorize' });
  });

  it('refuses a group used by an interface EC2 lists without an id, and says so', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ Description: 'no id' }] });
    rules([]);
    await expect(runCanary(client, probe)).rejects.toThrow('(unknown)');
    expect(ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
  });

  it('explains Return=false: the call and the group', async () => {
    noInterfaces();
    rules([]);
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: false });
    await expect(runCanary(client, probe)).rejects.toMatchObject({
      operation: 'AuthorizeSecurityGroupIngress',
      message: `AuthorizeSecurityGroupIngress failed: ReturnFalse: EC2 answered Return=false for ${GROUP}`,
    });
  });
});
