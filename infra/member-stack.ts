import { Aws, BootstraplessSynthesizer, CfnCondition, CfnResource, Duration, Fn, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { RUNBOOK_ACTIONS } from '../functions/adapters/permissions.js';
import type { Organization } from '../functions/core/organization.js';
import { withOwnRoles } from '../functions/core/own-roles.js';
import { buildRulePatterns, type RuleSpec } from '../functions/core/patterns.js';
import { RULE_IDS } from './constructs/rules.js';
import type { StackConfig } from './config.js';
import { toCdkEventPattern } from './constructs/rules.js';
import { securityHubStatements } from './constructs/functions.js';
import { hubBusArn, hubFunctionRoleArns, memberRoleOf, organizationPartition } from './hub.js';
import { WRITE_SCOPES } from './layerguard-stack.js';

/**
 * The member template: what every member account runs in every member region, deployed by the hub's
 * service-managed StackSet (infra/constructs/member-stackset.ts). It holds no function: the rules on the
 * default bus, with the hub's patterns, forward drift candidates to the hub bus, and the member role
 * lets the hub's functions act here.
 *
 * One template serves every account and region, so what differs is decided by CloudFormation conditions:
 * - the member role (IAM is global to an account, and its name is fixed so the hub can build its ARN) is
 *   created once per account, in the hub's home region (organization.ts requires it among the member
 *   regions);
 * - the hub account's home region forwards nothing: there the hub stack's own rules on the default bus
 *   invoke the functions, and forwarding too would send every event twice.
 */

export interface MemberStackProps extends StackProps {
  readonly config: StackConfig & { readonly organization: Organization };
}

/** The member template's logical ids that tests and the README name. */
export const MEMBER_ROLE_ID = 'MemberRole';

export class LayerGuardMemberStack extends Stack {
  readonly rules: readonly RuleSpec[];
  readonly memberRole: iam.Role;

  constructor(scope: Construct, id: string, props: MemberStackProps) {
    super(scope, id, {
      description: "LayerGuard member: forwards drift candidates to the organisation's hub and lets the hub's functions revert them here",
      // A StackSet deploys the template into accounts that are not bootstrapped for the CDK (no bootstrap
      // version parameter, no assets) and that the CDK's metadata resource has no business in.
      synthesizer: new BootstraplessSynthesizer(),
      analyticsReporting: false,
      ...props,
    });
    const { config } = props;
    const { organization } = config;
    const hubRoleArns = hubFunctionRoleArns(config.stackName, organization);

    const inHomeRegion = new CfnCondition(this, 'InHubHomeRegion', {
      expression: Fn.conditionEquals(Aws.REGION, organization.hub.region),
    });
    const forwards = new CfnCondition(this, 'ForwardsToHub', {
      expression: Fn.conditionNot(
        Fn.conditionAnd(Fn.conditionEquals(Aws.ACCOUNT_ID, organization.hub.account), Fn.conditionEquals(Aws.REGION, organization.hub.region)),
      ),
    });

    // The same patterns as the hub's rules: filtering stays at the source, so the hub pays only for candidates.
    const policy = withOwnRoles(config.policy, {
      stackName: config.stackName,
      partition: organizationPartition(organization),
      account: organization.hub.account,
      region: organization.hub.region,
    });
    this.rules = buildRulePatterns(policy, {
      gameday: config.gameday,
      maxPatternSize: config.eventPatternSizeLimit,
      memberRole: memberRoleOf(organization),
    });

    const forwarding = new Construct(this, 'Forwarding');
    // A rule whose target is an event bus that grants by organisation must give a role ("If you grant
    // permissions using an organization, then accounts in that organization must specify a RoleArn":
    // EventBridge API reference, PutPermission), in the hub's region as in any other; EventBridge
    // recommends one for every event-bus target ("We recommend always using IAM roles when the target of
    // a rule is an event bus": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html).
    // Every forwarding rule here has one: the role may put events on the hub bus and nothing else.
    const hubBus = events.EventBus.fromEventBusArn(forwarding, 'HubBus', hubBusArn(config.stackName, organization));
    const forwardRole = new iam.Role(forwarding, 'Role', {
      description: "LayerGuard member: EventBridge puts this account's drift candidates on the hub bus",
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
    });
    const deadLetterQueue = new sqs.Queue(forwarding, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is the forwarding rules' dead-letter queue.",
    });
    for (const spec of this.rules) {
      new events.Rule(forwarding, `${RULE_IDS[spec.name]}Rule`, {
        description: `${spec.description} (forwarded to the hub)`.slice(0, 512),
        eventPattern: toCdkEventPattern(spec.pattern),
        // EventBridge retries delivery to an event bus for 24 hours by default, then dead-letters it.
        targets: [new targets.EventBus(hubBus, { role: forwardRole, deadLetterQueue })],
      });
    }
    onlyIf(forwarding, forwards);

    const member = memberRole(this, config.stackName, organization, hubRoleArns, config.securityHub);
    this.memberRole = member.role;
    onlyIf(member.role, inHomeRegion);
    onlyIf(member.permissions, inHomeRegion);
  }
}

/** Puts every CloudFormation resource under a construct behind a condition. */
function onlyIf(scope: IConstruct, condition: CfnCondition): void {
  for (const c of scope.node.findAll()) if (c instanceof CfnResource) c.cfnOptions.condition = condition;
}

/**
 * The role the hub's functions assume here: the EC2 permissions the functions have in the hub (the
 * runbook's, which are the union of the handlers'; functions/adapters/permissions.ts), the writes scoped
 * to this account and the member regions; trusted only by the hub functions' roles, by exact ARN, with
 * the external id when the configuration sets one, else only from inside the organisation. With
 * `securityHub`, it may also file findings of this account (functions/adapters/security-hub.ts).
 */
function memberRole(
  scope: Construct,
  stackName: string,
  organization: Organization,
  hubRoleArns: readonly string[],
  securityHub: boolean,
): { role: iam.Role; permissions: iam.Policy } {
  // sts:ExternalId in a trust policy: IAM User Guide, "Access to AWS accounts owned by third parties";
  // aws:PrincipalOrgID: the global condition context keys
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid).
  const condition = organization.externalId
    ? { StringEquals: { 'sts:ExternalId': organization.externalId } }
    : { StringEquals: { 'aws:PrincipalOrgID': organization.id } };
  const role = new iam.Role(scope, MEMBER_ROLE_ID, {
    roleName: organization.memberRoleName,
    description: `LayerGuard member role: the ${stackName} hub's functions revert network drift in this account`,
    assumedBy: new iam.CompositePrincipal(...hubRoleArns.map((arn) => new iam.ArnPrincipal(arn))).withConditions(condition),
    maxSessionDuration: Duration.hours(1),
  });
  const writeResources = (action: string) => {
    const types = WRITE_SCOPES[action];
    if (!types) throw new Error(`no resource scope is written down for ${action}`);
    return organization.memberRegions.flatMap((region) =>
      types.map((type) => `arn:${Aws.PARTITION}:ec2:${region}:${Aws.ACCOUNT_ID}:${type}/*`),
    );
  };
  const permissions = new iam.Policy(scope, 'MemberRolePermissions', {
    statements: [
      new iam.PolicyStatement({
        sid: 'ReadNetworkState',
        actions: [...RUNBOOK_ACTIONS.read],
        // EC2 Describe* calls do not support resource-level permissions.
        resources: ['*'],
      }),
      ...RUNBOOK_ACTIONS.write.map(
        (action) =>
          new iam.PolicyStatement({
            sid: `Remediate${action.replace(/^ec2:/, '')}`,
            actions: [action],
            resources: writeResources(action),
          }),
      ),
      // Only this account may import its findings into its default product: the hub files a member's drift here.
      ...(securityHub ? securityHubStatements(organization.memberRegions, Aws.ACCOUNT_ID, Aws.PARTITION) : []),
    ],
  });
  role.attachInlinePolicy(permissions);
  Validations.of(permissions).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'EC2 Describe* actions do not support resource-level permissions; only the read actions are granted on "*".',
  });
  for (const region of organization.memberRegions) {
    for (const type of new Set(RUNBOOK_ACTIONS.write.flatMap((a) => WRITE_SCOPES[a] ?? []))) {
      Validations.of(permissions).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${region}:<AWS::AccountId>:${type}/*]`,
        reason: `The hub reverts whichever ${type} drifted, known only at run time; the write action is scoped to this account, a member region and this resource type.`,
      });
    }
  }
  return { role, permissions };
}
