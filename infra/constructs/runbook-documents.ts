import { readFileSync } from 'node:fs';
import { Aws, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import * as z from 'zod/mini';
import { ConfigError } from '../../functions/core/errors.js';
import {
  ACCOUNT_ID,
  GROUP_ID,
  NETWORK_ACL_ID,
  PREFIX_LIST_ID,
  REGION,
  ROUTE_TABLE_ID,
  type RunbookActionName,
  type RunbookPayload,
  SUBNET_ID,
  VPC_ID,
} from '../../functions/core/runbook.js';
import { PROJECT_ROOT } from './functions.js';

/**
 * Systems Manager Automation runbooks (documents of type Automation, schema 0.3) that call the runbook
 * function: what Incident Manager response plans, Systems Manager and Security Hub custom actions (through
 * an EventBridge rule) start. Each takes typed, validated parameters, and runs three steps:
 *
 * 1. `BuildPayload` (aws:executeScript): the function's payload from the parameters, the optional ones
 *    left out when empty (the function's schema refuses an empty account, region or VPC).
 * 2. `InvokeRunbook` (aws:invokeLambdaFunction, RequestResponse): the function's answer.
 * 3. `CheckOutcome` (aws:executeScript): fails the automation when the invocation errored, a resource was
 *    not found or an outcome is `failed`; else its outputs are the most urgent outcome and its reason.
 *
 * The actions' inputs and outputs are those of the Systems Manager user guide, "Systems Manager Automation
 * actions reference": aws:invokeLambdaFunction takes FunctionName, Qualifier, InvocationType, LogType,
 * ClientContext, Payload and InputPayload, and answers StatusCode, FunctionError, LogResult and Payload
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-lamb.html);
 * aws:executeScript takes Runtime, Handler, InputPayload, Script and Attachment, and answers Payload, the
 * handler's return value (…/automation-action-executeScript.html). cfn-lint's bundled schema for the
 * content (data/schemas/other/ssm/document.json) checks only `schemaVersion`; the tests check the rest
 * against a schema written from those pages (test/infra/ssm-automation-schema.ts).
 */

/** The payload field that names the resource an action works on (`groupId`, `vpcId`, ...). */
type TargetField<A extends RunbookActionName> = Exclude<
  keyof Extract<RunbookPayload, { action: A }>,
  'action' | 'dryRun' | 'account' | 'region'
> &
  string;

/** The parameter that names the resource a document acts on, and the payload field it fills. */
interface TargetParameter<F extends string = string> {
  readonly parameter: string;
  readonly field: F;
  /** The function's own schema of the id (functions/core/runbook.ts): the parameter's pattern is its. */
  readonly schema: z.ZodMiniString;
  /** Optional: the sweep without a VPC sweeps the whole region. */
  readonly optional?: true;
  readonly description: string;
}

interface DocumentSpec<F extends string = string> {
  /** The document's name after the stack's (`<stack>-<suffix>`). */
  readonly suffix: string;
  readonly description: string;
  readonly target: TargetParameter<F>;
}

/** One document per runbook action: the record's type makes a new action fail to compile here until it has one. */
export const RUNBOOK_DOCUMENTS: { readonly [A in RunbookActionName]: DocumentSpec<TargetField<A>> } = {
  'revert-security-group': {
    suffix: 'RevertSecurityGroup',
    description: 'LayerGuard: revert the world-open ingress of one security group now',
    target: { parameter: 'GroupId', field: 'groupId', schema: GROUP_ID, description: 'The security group, e.g. sg-0abc1234.' },
  },
  'revert-route-table': {
    suffix: 'RevertRouteTable',
    description: 'LayerGuard: revert the internet routes of one route table that isolated subnets use',
    target: { parameter: 'RouteTableId', field: 'routeTableId', schema: ROUTE_TABLE_ID, description: 'The route table, e.g. rtb-0abc1234.' },
  },
  'revert-subnet-association': {
    suffix: 'RevertSubnetAssociation',
    description: 'LayerGuard: put one isolated subnet back on its isolated route table',
    target: { parameter: 'SubnetId', field: 'subnetId', schema: SUBNET_ID, description: 'The subnet, e.g. subnet-0abc1234.' },
  },
  'revert-network-acl': {
    suffix: 'RevertNetworkAcl',
    description: 'LayerGuard: revert the internet openings of one network ACL of isolated subnets',
    target: { parameter: 'NetworkAclId', field: 'networkAclId', schema: NETWORK_ACL_ID, description: 'The network ACL, e.g. acl-0abc1234.' },
  },
  'revert-prefix-list': {
    suffix: 'RevertPrefixList',
    description: 'LayerGuard: revert the world-open entries of one managed prefix list',
    target: { parameter: 'PrefixListId', field: 'prefixListId', schema: PREFIX_LIST_ID, description: 'The managed prefix list, e.g. pl-0abc1234.' },
  },
  sweep: {
    suffix: 'Sweep',
    description: 'LayerGuard: find and revert every drift in one VPC, or in the whole region',
    target: { parameter: 'VpcId', field: 'vpcId', schema: VPC_ID, optional: true, description: 'The VPC, e.g. vpc-0abc1234; empty: every VPC of the region.' },
  },
};

/**
 * Prefixes Systems Manager keeps for its own documents (CreateDocument, request parameter Name:
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html). Compared
 * without case: the page does not say that the check is case-sensitive.
 */
export const RESERVED_DOCUMENT_PREFIXES = ['aws', 'amazon', 'amzn'] as const;

/**
 * A document's name: the stack's name, then the runbook's. Document names are unique per account and
 * region, like stack names, so two stacks never collide, and the default stack (`LayerGuard`) has the
 * names the docs use (`LayerGuard-RevertSecurityGroup`).
 */
export function documentName(stackName: string, action: RunbookActionName): string {
  const reserved = RESERVED_DOCUMENT_PREFIXES.find((p) => stackName.toLowerCase().startsWith(p));
  // A configuration error (printed as one line by infra/app.ts), before CloudFormation would refuse the names.
  if (reserved) throw new ConfigError(`stackName ${stackName}: Systems Manager document names may not start with "${reserved}"`);
  return `${stackName}-${RUNBOOK_DOCUMENTS[action].suffix}`;
}

/** The pattern and length bound of one of the function's string schemas, as JSON Schema writes them. */
export function patternOf(schema: z.ZodMiniString): { readonly pattern: string; readonly maxLength?: number } {
  const json = z.toJSONSchema(schema) as { pattern?: unknown; maxLength?: unknown; allOf?: unknown };
  if (typeof json.pattern !== 'string' || json.allOf !== undefined) {
    throw new Error(`expected one pattern in ${JSON.stringify(json)}`);
  }
  return { pattern: json.pattern, ...(typeof json.maxLength === 'number' ? { maxLength: json.maxLength } : {}) };
}

/**
 * A String parameter validated by the function's schema. Systems Manager checks `allowedPattern` with
 * Java's and with Go's regular expressions (user guide, "Data elements and parameters"): the function's
 * patterns use only what both read alike. An optional one also takes '' (its default: left out).
 */
function stringParameter(schema: z.ZodMiniString, description: string, optional: boolean) {
  const { pattern, maxLength } = patternOf(schema);
  return {
    type: 'String',
    description,
    allowedPattern: optional ? `^$|${pattern}` : pattern,
    ...(maxLength === undefined ? {} : { maxChars: maxLength }),
    ...(optional ? { default: '' } : {}),
  };
}

/** Both handlers, one file: infra/constructs/runbook-automation.py. */
export const AUTOMATION_SCRIPT = readFileSync(`${PROJECT_ROOT}infra/constructs/runbook-automation.py`, 'utf8');
/** The newest Python the aws:executeScript page names; 3.6 to 3.8 can no longer be created. */
export const SCRIPT_RUNTIME = 'python3.11';
/** The most an aws:invokeLambdaFunction step runs (its page), and the runbook function's own timeout. */
export const INVOKE_TIMEOUT = Duration.minutes(5);

/** The step outputs the document exposes (the outcome), as `Step.Output`. */
export const DOCUMENT_OUTPUTS = ['CheckOutcome.Status', 'CheckOutcome.Reason', 'CheckOutcome.RunbookId'] as const;

/** The content of one Automation document (schema 0.3), calling the function with that name. */
export function automationContent(action: RunbookActionName, functionName: string, roleArn: string): Record<string, unknown> {
  const spec: DocumentSpec = RUNBOOK_DOCUMENTS[action];
  const { target } = spec;
  const script = (handler: string) => ({ Runtime: SCRIPT_RUNTIME, Handler: handler, Script: AUTOMATION_SCRIPT });
  return {
    schemaVersion: '0.3',
    description: spec.description,
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      [target.parameter]: stringParameter(target.schema, target.description, target.optional === true),
      DryRun: {
        type: 'Boolean',
        // Safe by default: a start that does not choose only reports what it would revert.
        description: 'true: report what would be reverted; false: revert. The policy in dry-run mode never reverts.',
        default: true,
      },
      Account: stringParameter(ACCOUNT_ID, "From an organisation's hub: the member account to act in; empty: the function's own.", true),
      Region: stringParameter(REGION, "The region to act in; empty: the function's own.", true),
      AutomationAssumeRole: {
        type: 'String',
        description: "The role the automation runs as: by default LayerGuard's, which may invoke the runbook function only; empty: the caller's own permissions.",
        default: roleArn,
        allowedPattern: '^$|^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$',
      },
    },
    mainSteps: [
      {
        name: 'BuildPayload',
        action: 'aws:executeScript',
        timeoutSeconds: 60,
        onFailure: 'Abort',
        inputs: {
          ...script('build_payload'),
          InputPayload: {
            action,
            [target.field]: `{{ ${target.parameter} }}`,
            dryRun: '{{ DryRun }}',
            account: '{{ Account }}',
            region: '{{ Region }}',
          },
        },
        outputs: [{ Name: 'Payload', Selector: '$.Payload.payload', Type: 'String' }],
      },
      {
        name: 'InvokeRunbook',
        action: 'aws:invokeLambdaFunction',
        timeoutSeconds: INVOKE_TIMEOUT.toSeconds(),
        // No retry: a failed run is for a person to read; the function itself is safe to run again.
        maxAttempts: 1,
        onFailure: 'Abort',
        inputs: { FunctionName: functionName, InvocationType: 'RequestResponse', Payload: '{{ BuildPayload.Payload }}' },
      },
      {
        name: 'CheckOutcome',
        action: 'aws:executeScript',
        timeoutSeconds: 60,
        onFailure: 'Abort',
        isEnd: true,
        // FunctionError is not read: the output exists only when the function failed, and a reference to
        // a missing output is not something to rely on; the error's payload says as much (the script).
        inputs: { ...script('check_outcome'), InputPayload: { StatusCode: '{{ InvokeRunbook.StatusCode }}', Payload: '{{ InvokeRunbook.Payload }}' } },
        outputs: [
          { Name: 'Status', Selector: '$.Payload.status', Type: 'String' },
          { Name: 'Reason', Selector: '$.Payload.reason', Type: 'String' },
          { Name: 'RunbookId', Selector: '$.Payload.runbookId', Type: 'String' },
        ],
      },
    ],
    outputs: [...DOCUMENT_OUTPUTS],
  };
}

export interface RunbookDocumentsProps {
  readonly runbook: lambda.IFunction;
  readonly stackName: string;
}

/** The Automation documents of every runbook action, and the role they run as by default. */
export class RunbookDocuments extends Construct {
  readonly role: iam.Role;
  readonly documents: Readonly<Record<RunbookActionName, ssm.CfnDocument>>;

  constructor(scope: Construct, id: string, props: RunbookDocumentsProps) {
    super(scope, id);
    // Only this account's automation executions may assume the role (Systems Manager's confused-deputy
    // keys: https://docs.aws.amazon.com/systems-manager/latest/userguide/cross-service-confused-deputy-prevention.html).
    this.role = new iam.Role(this, 'Role', {
      description: 'LayerGuard runbooks in Systems Manager: invoke the runbook function',
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:ssm:*:${Aws.ACCOUNT_ID}:automation-execution/*` },
        },
      }),
    });
    const permissions = new iam.Policy(this, 'Permissions', {
      statements: [
        // The unqualified ARN: the step names the function without a qualifier.
        new iam.PolicyStatement({ sid: 'InvokeTheRunbookFunction', actions: ['lambda:InvokeFunction'], resources: [props.runbook.functionArn] }),
      ],
    });
    this.role.attachInlinePolicy(permissions);

    const entries = (Object.keys(RUNBOOK_DOCUMENTS) as RunbookActionName[]).map((action) => {
      const document = new ssm.CfnDocument(this, RUNBOOK_DOCUMENTS[action].suffix, {
        name: documentName(props.stackName, action),
        documentType: 'Automation',
        // CloudFormation writes the content out as YAML: the user guide (Example 2: Scripted runbook)
        // says an embedded Script is not supported in JSON runbooks.
        documentFormat: 'YAML',
        content: automationContent(action, props.runbook.functionName, this.role.roleArn),
        // A named document cannot be replaced; a change of content becomes its new default version
        // (AWS::SSM::Document UpdateMethod).
        updateMethod: 'NewVersion',
      });
      document.node.addDependency(permissions);
      return [action, document] as const;
    });
    this.documents = Object.fromEntries(entries) as Record<RunbookActionName, ssm.CfnDocument>;
  }
}
