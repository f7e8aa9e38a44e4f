import {
  AuthorizeSecurityGroupIngressCommand,
  type AuthorizeSecurityGroupIngressCommandOutput,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CANARY_RULE_DESCRIPTION,
  type CanaryPlan,
  type CanaryProbe,
  CanaryRefusedError,
  planCanary,
} from '../core/canary.js';
import { AwsCallError } from '../core/errors.js';
import { createEc2Network, pages, toAwsCallError, toSgRule } from './ec2-network.js';

/** What one canary run did. */
export interface CanaryRun {
  readonly plan: CanaryPlan;
  /** The rule it opened (`authorize` only). */
  readonly ruleId?: string;
  /** When EC2 answered the authorize (ISO time); CloudTrail's eventTime is within a second of it. */
  readonly authorizedAt?: string;
}

/**
 * One canary run on EC2: DescribeNetworkInterfaces filtered on the group (`group-id`, EC2 API
 * reference, DescribeNetworkInterfaces filters) and the group's rules, then, when `planCanary` says
 * so, AuthorizeSecurityGroupIngress of the probe rule. Throws `CanaryRefusedError` when the group is
 * in use or not empty: nothing is opened, and the run fails loudly (the function's Errors alarm).
 */
export async function runCanary(client: EC2Client, probe: CanaryProbe, clock: () => Date = () => new Date()): Promise<CanaryRun> {
  const interfaceIds: string[] = [];
  const interfacePages = pages('DescribeNetworkInterfaces', (token) =>
    client.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'group-id', Values: [probe.groupId] }],
        MaxResults: 1000,
        ...(token ? { NextToken: token } : {}),
      }),
    ),
  );
  for await (const page of interfacePages) {
    for (const eni of page.NetworkInterfaces ?? []) interfaceIds.push(eni.NetworkInterfaceId ?? '(unknown)');
    // One interface is enough to refuse: the other pages are not read.
    if (interfaceIds.length > 0) break;
  }
  const rules = await createEc2Network(client).listRules(probe.groupId);
  const plan = planCanary({ interfaceIds, rules }, probe);
  if (plan.kind === 'refuse') throw new CanaryRefusedError(plan.reason);
  if (plan.kind === 'still-open') return { plan };

  let answer: AuthorizeSecurityGroupIngressCommandOutput;
  try {
    answer = await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: probe.groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: probe.port,
            ToPort: probe.port,
            IpRanges: [{ CidrIp: probe.cidr, Description: CANARY_RULE_DESCRIPTION }],
          },
        ],
      }),
    );
  } catch (error) {
    throw toAwsCallError('AuthorizeSecurityGroupIngress', error);
  }
  const authorizedAt = clock().toISOString();
  if (answer.Return === false) {
    throw new AwsCallError('AuthorizeSecurityGroupIngress', 'ReturnFalse', `EC2 answered Return=false for ${probe.groupId}`);
  }
  const created = (answer.SecurityGroupRules ?? []).map(toSgRule);
  const ruleId = created.find((r) => !r.isEgress)?.ruleId;
  return { plan, authorizedAt, ...(ruleId ? { ruleId } : {}) };
}
