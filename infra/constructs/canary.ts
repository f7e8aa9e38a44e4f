import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CANARY_ACTIONS } from '../../functions/adapters/permissions.js';
import { CANARY_METRIC, CANARY_PORT } from '../../functions/core/canary.js';
import { ENV } from '../../functions/core/config.js';
import { BUNDLING, PROJECT_ROOT } from './functions.js';
import { handlerFunction } from './handler-code.js';
import { FunctionSchedule } from './schedule.js';

/**
 * The canary: proof, every interval, that the deployed path reverts a real change.
 *
 * 1. A schedule (EventBridge Scheduler) invokes the canary function, which checks that no network
 *    interface uses the canary's group (and that the group holds nothing else), then authorizes tcp/9
 *    from `0.0.0.0/2` there (functions/core/canary.ts): a rule the policy counts as the internet.
 * 2. CloudTrail records the call; EventBridge delivers it to the security-group rule like any other
 *    (the canary's role is not one of LayerGuard's own roles, so the patterns and the guard let it
 *    through); the security-group function reverts it and records `secondsToRevert` (namespace
 *    LayerGuard, dimensions service, account, region): the time from the call to the verified revert,
 *    CloudTrail's delivery included.
 * 3. The alarm fires when a period of one interval has no revert (missing data is breaching) or one
 *    slower than `maxSecondsToRevert`: a stopped trail, a disabled rule, a broken role or function.
 *
 * The group lives in a VPC of its own with no subnets, so nothing can ever be launched into it (or in a
 * configured VPC). The canary's role may authorize ingress on that one group only.
 */

/** Every valid interval: a divisor of an hour, or whole hours that divide a day (a cron can say it). */
export const CANARY_INTERVALS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440] as const;

/** The schedule for an interval, at the start of each alarm period (so the revert lands in the same one). */
export function intervalCron(minutes: number): string {
  if (minutes < 60) return `cron(0/${minutes} * * * ? *)`;
  if (minutes === 60) return 'cron(0 * * * ? *)';
  if (minutes < 1440) return `cron(0 0/${minutes / 60} * * ? *)`;
  return 'cron(0 0 * * ? *)';
}

/** The canary's VPC CIDR: it has no subnets, so the range is never used. */
export const CANARY_VPC_CIDR = '10.255.255.240/28';

export interface CanaryProps {
  /** Where the alarm notifies. */
  readonly topic: sns.ITopic;
  readonly intervalMinutes: number;
  readonly maxSecondsToRevert: number;
  /** The canary's source CIDR (functions/core/canary.ts canaryCidr). */
  readonly cidr: string;
  /** A VPC to put the group in; without it, the stack creates one with no subnets. */
  readonly vpcId?: string | undefined;
  readonly logRetentionDays: number;
}

export class Canary extends Construct {
  readonly group: ec2.CfnSecurityGroup;
  readonly vpcId: string;
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly permissions: iam.Policy;
  readonly schedule: FunctionSchedule;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    const stack = Stack.of(this);

    if (props.vpcId) {
      this.vpcId = props.vpcId;
    } else {
      const vpc = new ec2.CfnVPC(this, 'Vpc', {
        cidrBlock: CANARY_VPC_CIDR,
        tags: [{ key: 'Name', value: 'layerguard-canary (no subnets: nothing runs here)' }],
      });
      this.vpcId = vpc.ref;
      Validations.of(vpc).acknowledge({
        id: 'AwsSolutions-VPC7',
        reason: 'The canary VPC has no subnets, so no traffic can flow in it: there is nothing for flow logs to record.',
      });
    }
    this.group = new ec2.CfnSecurityGroup(this, 'Group', {
      groupDescription: 'LayerGuard canary: attached to nothing; LayerGuard opens and reverts one rule here every interval',
      vpcId: this.vpcId,
      tags: [{ key: 'Name', value: 'layerguard-canary' }],
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Not one of LayerGuard's own roles (functions/core/own-roles.ts): its change must be reverted.
    this.role = new iam.Role(this, 'Role', {
      description: 'LayerGuard canary function',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    this.permissions = new iam.Policy(this, 'Permissions', {
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadCanaryGroup',
          actions: [...CANARY_ACTIONS.read],
          // EC2 Describe* calls do not support resource-level permissions.
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'OpenCanaryRule',
          actions: [...CANARY_ACTIONS.write],
          resources: [stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: this.group.attrGroupId })],
        }),
      ],
    });
    this.role.attachInlinePolicy(this.permissions);
    Validations.of(this.permissions).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'EC2 Describe* actions do not support resource-level permissions; only the read actions are granted on "*".',
    });

    this.fn = handlerFunction(this, 'Function', {
      handlerDir: 'canary',
      projectRoot: PROJECT_ROOT,
      description: 'LayerGuard canary: opens one rule in its empty group for the deployed path to revert',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      role: this.role,
      logGroup,
      environment: {
        [ENV.canaryGroupId]: this.group.attrGroupId,
        [ENV.canaryCidr]: props.cidr,
        [ENV.canaryPort]: String(CANARY_PORT),
        POWERTOOLS_SERVICE_NAME: 'layerguard-canary',
        POWERTOOLS_METRICS_NAMESPACE: 'LayerGuard',
      },
      bundling: BUNDLING,
    });
    this.fn.node.addDependency(this.permissions);
    // A failed run is not retried: the next interval is the retry, and the alarm already counts it.
    new lambda.CfnEventInvokeConfig(this, 'AsyncInvokeConfig', {
      functionName: this.fn.functionName,
      qualifier: '$LATEST',
      maximumRetryAttempts: 0,
    });

    this.schedule = new FunctionSchedule(this, 'Schedule', {
      description: `LayerGuard canary: a real change for the deployed path to revert, every ${props.intervalMinutes} min`,
      expression: intervalCron(props.intervalMinutes),
      fn: this.fn,
    });

    const period = Duration.minutes(props.intervalMinutes);
    this.alarm = new cloudwatch.Alarm(this, 'NoRevert', {
      alarmDescription:
        `LayerGuard canary: no revert of the canary's rule within ${props.intervalMinutes} min, or one slower than ${props.maxSecondsToRevert} s. ` +
        'A trail, a rule, a permission or a function on the deployed path stopped working; check the trail, the security-group rule and function, and the canary function.',
      metric: new cloudwatch.Metric({
        namespace: 'LayerGuard',
        metricName: CANARY_METRIC,
        // Powertools Metrics always adds the `service` dimension; the handler adds account and region.
        dimensionsMap: { service: 'layerguard', account: Aws.ACCOUNT_ID, region: Aws.REGION },
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
      }),
      threshold: props.maxSecondsToRevert,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const action = new actions.SnsAction(props.topic);
    this.alarm.addAlarmAction(action);
    this.alarm.addOkAction(action);
  }
}
