import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { RuleSpec } from '../functions/core/patterns.js';
import type { StackConfig } from './config.js';
import { LayerGuard } from './layerguard.js';

// Their home is the construct now; the member stack and the tests still import them from here.
export { organizationStatements, QUEUED_FUNCTION_TIMEOUT, RUNBOOK_TIMEOUT, WRITE_SCOPES } from './layerguard.js';

export interface LayerGuardStackProps extends StackProps {
  readonly config: StackConfig;
  /** With an organisation: the synthesised member template (infra/member-stack.ts), for the StackSet. */
  readonly memberTemplate?: Record<string, unknown>;
}

/** This project's own deployment: the LayerGuard construct alone in a stack, with its outputs. */
export class LayerGuardStack extends Stack {
  readonly rules: readonly RuleSpec[];
  readonly guard: LayerGuard;

  constructor(scope: Construct, id: string, props: LayerGuardStackProps) {
    super(scope, id, {
      description: 'LayerGuard: reverts world-open security groups and internet routes on isolated subnets',
      ...props,
    });
    // "Default" is the id CDK leaves out of logical ids: the resources keep the ids they had when the
    // stack built them itself, so a deployed stack updates in place instead of replacing everything.
    const guard = new LayerGuard(this, 'Default', {
      config: props.config,
      ...(props.memberTemplate ? { memberTemplate: props.memberTemplate } : {}),
    });
    this.guard = guard;
    this.rules = guard.rules;
    this.outputs(guard);
  }

  /** What operators and the command line read from the deployed stack (`layerguard status`, game days). */
  private outputs(guard: LayerGuard): void {
    const { notifications, securityGroup, routeTable, runbook, canary, sweep, hub } = guard;
    if (guard.trail) new CfnOutput(this, 'TrailArn', { value: guard.trail.trail.trailArn, description: 'the trail this stack created' });
    new CfnOutput(this, 'TopicArn', { value: notifications.topic.topicArn, description: 'SNS topic for people: outcomes' });
    new CfnOutput(this, 'AlarmTopicArn', { value: notifications.alarmTopic.topicArn, description: 'SNS topic for people: alarms' });
    new CfnOutput(this, 'OutcomesBusName', { value: notifications.bus.eventBusName, description: 'EventBridge bus for machines' });
    new CfnOutput(this, 'OutcomesBusArn', { value: notifications.bus.eventBusArn });
    new CfnOutput(this, 'SecurityGroupFunctionName', { value: securityGroup.fn.functionName });
    new CfnOutput(this, 'RouteTableFunctionName', { value: routeTable.fn.functionName });
    new CfnOutput(this, 'RunbookFunctionName', { value: runbook.fn.functionName, description: 'invoke for runbook and sweep' });
    new CfnOutput(this, 'IdempotencyTableName', { value: guard.idempotency.table.tableName });
    for (const document of Object.values(guard.documents.documents)) {
      new CfnOutput(this, `${document.node.id}DocumentName`, { value: document.name ?? '', description: 'SSM Automation runbook' });
    }
    if (canary) {
      new CfnOutput(this, 'CanaryGroupId', { value: canary.group.attrGroupId, description: "the canary's security group" });
      new CfnOutput(this, 'CanaryFunctionName', { value: canary.fn.functionName });
      new CfnOutput(this, 'CanaryAlarmName', {
        value: canary.alarm.alarmName,
        description: 'in ALARM when the deployed path did not revert the canary within its interval',
      });
    }
    if (sweep) new CfnOutput(this, 'SweepScheduleName', { value: sweep.schedule.schedule.ref });
    if (hub) {
      new CfnOutput(this, 'HubBusArn', { value: hub.bus.bus.eventBusArn, description: "the bus every member's rules forward to" });
      new CfnOutput(this, 'MemberStackSetName', {
        value: hub.stackSet.stackSet.stackSetName,
        description: 'the StackSet that deploys the member template',
      });
    }
    if (guard.gameday) {
      new CfnOutput(this, 'GamedayOutcomesQueueUrl', {
        value: guard.gameday.queue.queueUrl,
        description: 'SQS queue with every outcome, for game days (--outcomes-queue)',
      });
    }
  }
}
