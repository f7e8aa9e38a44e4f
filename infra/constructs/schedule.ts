import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';

export interface FunctionScheduleProps {
  readonly description: string;
  /** `cron(...)` or `rate(...)`, as EventBridge Scheduler reads it. */
  readonly expression: string;
  readonly fn: lambda.IFunction;
  /** The event the function receives (JSON); `{}` unless given. */
  readonly input?: Record<string, unknown>;
}

/**
 * An EventBridge Scheduler schedule that invokes one function, with a role that may invoke exactly that
 * function (its unqualified ARN, what the target names) and that only this account's schedules may
 * assume (aws:SourceAccount, Scheduler's confused-deputy key:
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
 * No retry: the next run is the retry. Written as L1 so that the role holds nothing more.
 */
export class FunctionSchedule extends Construct {
  readonly schedule: scheduler.CfnSchedule;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: FunctionScheduleProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      description: `LayerGuard schedule: ${props.description}`.slice(0, 1000),
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    const permissions = new iam.Policy(this, 'Permissions', {
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeTheFunction',
          actions: ['lambda:InvokeFunction'],
          resources: [props.fn.functionArn],
        }),
      ],
    });
    this.role.attachInlinePolicy(permissions);
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: props.description.slice(0, 512),
      scheduleExpression: props.expression,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: props.fn.functionArn,
        roleArn: this.role.roleArn,
        input: JSON.stringify(props.input ?? {}),
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    });
    this.schedule.node.addDependency(permissions);
  }
}
