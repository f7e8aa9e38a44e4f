import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import { Construct } from 'constructs';
import type { Organization } from '../../functions/core/organization.js';

/** "TemplateBody: … a maximum length of 51,200 bytes" (AWS::CloudFormation::StackSet, aws-cdk-lib CfnStackSetProps). */
export const STACKSET_TEMPLATE_BODY_MAX_BYTES = 51_200;

export interface MemberStackSetProps {
  readonly stackSetName: string;
  readonly organization: Organization;
  /** The synthesised member template (infra/member-stack.ts). */
  readonly template: Record<string, unknown>;
}

/**
 * The member template in every account of the member OUs and every member region, through a
 * service-managed StackSet (AWS::CloudFormation::StackSet,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stackset.html):
 * StackSets creates the roles it deploys with; accounts that join an OU later get the stack
 * automatically, and an account that leaves loses it (RetainStacksOnAccountRemoval false: its member
 * role must not outlive LayerGuard's reach). The management account never gets a stack instance of a
 * service-managed StackSet.
 */
export class MemberStackSet extends Construct {
  readonly stackSet: cloudformation.CfnStackSet;

  constructor(scope: Construct, id: string, props: MemberStackSetProps) {
    super(scope, id);
    const { organization } = props;
    const body = JSON.stringify(props.template);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > STACKSET_TEMPLATE_BODY_MAX_BYTES) {
      throw new Error(`the member template is ${bytes} bytes, over the StackSet TemplateBody limit of ${STACKSET_TEMPLATE_BODY_MAX_BYTES}`);
    }
    this.stackSet = new cloudformation.CfnStackSet(this, 'StackSet', {
      stackSetName: props.stackSetName,
      description: 'LayerGuard member: rules forwarding to the hub, and the role the hub assumes',
      permissionModel: 'SERVICE_MANAGED',
      callAs: organization.stackSetCallAs,
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      // The template names its member role (the hub builds its ARN from the name).
      capabilities: ['CAPABILITY_NAMED_IAM'],
      // Operations that do not conflict run at once; conflicting ones queue (ManagedExecution Active).
      managedExecution: { Active: true },
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        maxConcurrentPercentage: 25,
        failureTolerancePercentage: 10,
        // "decouples FailureToleranceCount from the actual concurrency": a quarter of the accounts at a
        // time whatever fails (STRICT, the default, would run at most tolerance + 1 at once); the
        // OperationPreferences ConcurrencyMode of the StackSet reference (aws-cdk-lib CfnStackSet).
        concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
      },
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: [...organization.memberOus] },
          regions: [...organization.memberRegions],
        },
      ],
      templateBody: body,
    });
  }
}
