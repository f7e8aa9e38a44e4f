import { ConfigError } from './errors.js';
import { type Organization, parseOrganization } from './organization.js';
import { type Policy, parsePolicy } from './policy.js';

/** What a handler reads from its environment, once, at cold start. */
export interface HandlerConfig {
  readonly policy: Policy;
  /** SNS topic for people; notifications are skipped (and said so) when unset. */
  readonly topicArn?: string;
  /** EventBridge bus for machines; outcomes are not published when unset. */
  readonly eventBusName?: string;
  /** DynamoDB table that makes each trigger's remediation and notification happen once. */
  readonly idempotencyTable?: string;
  /** The canary's security group: its reverts are the canary's measure, not news for people. */
  readonly canaryGroupId?: string;
  /** The account the function runs in: events from any other account are out of its reach. */
  readonly account?: string;
  /** The organisation this function guards from its hub (`organization` of the configuration); none: one account. */
  readonly organization?: Organization;
  /** File each drift as a Security Hub finding too (the stack's `securityHub` switch); off unless set. */
  readonly securityHub?: true;
  /** After a remediated world-open revert, ask the flow logs whether the window was used (the stack's `flowLogEvidence`). */
  readonly flowLogEvidence?: true;
  /** Restore a ModifySecurityGroupRules / ReplaceRoute from AWS Config where it can (the stack's `configRestore` switch); off unless set. */
  readonly configRestore?: true;
  /** The function's region (Lambda sets AWS_REGION): where a drift whose trigger names none is filed. */
  readonly region?: string;
}

/** Environment variable names: the stack sets them, the handlers read them. */
export const ENV = {
  policy: 'LAYERGUARD_POLICY',
  topicArn: 'LAYERGUARD_TOPIC_ARN',
  eventBusName: 'LAYERGUARD_EVENT_BUS',
  idempotencyTable: 'LAYERGUARD_IDEMPOTENCY_TABLE',
  canaryGroupId: 'LAYERGUARD_CANARY_GROUP_ID',
  canaryCidr: 'LAYERGUARD_CANARY_CIDR',
  canaryPort: 'LAYERGUARD_CANARY_PORT',
  sweepConcurrency: 'LAYERGUARD_SWEEP_CONCURRENCY',
  account: 'LAYERGUARD_ACCOUNT_ID',
  organization: 'LAYERGUARD_ORGANIZATION',
  securityHub: 'LAYERGUARD_SECURITY_HUB',
  flowLogEvidence: 'LAYERGUARD_FLOW_LOG_EVIDENCE',
  configRestore: 'LAYERGUARD_CONFIG_RESTORE',
} as const;

const optional = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

/** Reads and validates the handler configuration; throws `ConfigError` with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  let policyInput: unknown = {};
  const raw = optional(env, ENV.policy);
  if (raw) {
    try {
      policyInput = JSON.parse(raw);
    } catch (error) {
      throw new ConfigError(`${ENV.policy} is not valid JSON`, { cause: error });
    }
  }
  const policy = parsePolicy(policyInput);
  return {
    policy,
    topicArn: optional(env, ENV.topicArn),
    eventBusName: optional(env, ENV.eventBusName),
    idempotencyTable: optional(env, ENV.idempotencyTable),
    canaryGroupId: optional(env, ENV.canaryGroupId),
    account: optional(env, ENV.account),
    region: optional(env, 'AWS_REGION'),
    ...(optional(env, ENV.securityHub) === 'true' ? { securityHub: true as const } : {}),
    ...(optional(env, ENV.flowLogEvidence) === 'true' ? { flowLogEvidence: true as const } : {}),
    ...(optional(env, ENV.configRestore) === 'true' ? { configRestore: true as const } : {}),
    ...definedOrganization(optional(env, ENV.organization), policy),
  };
}

/** The `organization` key as the stack passes it (JSON), validated against the base policy. */
function definedOrganization(raw: string | undefined, policy: Policy): { organization?: Organization } {
  if (!raw) return {};
  let input: unknown;
  try {
    input = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`${ENV.organization} is not valid JSON`, { cause: error });
  }
  return { organization: parseOrganization(input, policy) };
}
