import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../functions/core/errors.js';
import { DEFAULT_STACK_NAME } from '../functions/core/own-roles.js';
import { type Organization, parseOrganization } from '../functions/core/organization.js';
import { OUTCOME_STATUSES } from '../functions/core/outcome.js';
import { type Policy, parsePolicy } from '../functions/core/policy.js';
import { CANARY_INTERVALS } from './constructs/canary.js';

/**
 * The stack's configuration: the policy (one typed, validated object shared with the handlers) and the
 * deployment's switches. Read from CDK context key `layerguard` (an object, or a JSON string when given
 * with `-c layerguard='{...}'`), else from `layerguard.config.json` (path override: context `configFile`),
 * else the defaults. Anything invalid fails `cdk synth` with every problem named.
 */

export const CONTEXT_KEY = 'layerguard';
export const CONFIG_FILE_CONTEXT_KEY = 'configFile';
export const DEFAULT_CONFIG_FILE = 'layerguard.config.json';

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * The functions' role names are `<stack>-<function>-<region>` (infra/constructs/functions.ts) and IAM role
 * names are at most 64 characters: the longest function name is `security-group`; the longest region name
 * today is 14 characters, 16 leaves room.
 */
export const STACK_NAME_MAX = 64 - '-security-group-'.length - 16;

const concurrency = z.number().int().min(1).max(1000);

/**
 * The queue between the rules and the event functions, and its event source mapping. Bounds from the
 * Lambda API reference (CreateEventSourceMapping): a standard queue's `BatchSize` is 1 to 10,000, and
 * more than 10 needs a `MaximumBatchingWindowInSeconds` of at least 1 (0 to 300);
 * `ScalingConfig.MaximumConcurrency` is 2 to 1,000. `maxReceiveCount` is the redrive policy's: AWS
 * advises at least 5 for a queue a Lambda function reads
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
 */
export const QUEUE_DEFAULTS = {
  /** Large, so that a storm's events about one resource land in one batch and are reverted together. */
  batchSize: 1000,
  /** What a lone event waits at most before its batch is handed over. */
  batchingWindowSeconds: 1,
  /** Invocations at a time per function; each paces its EC2 calls at 1/maxConcurrency of EC2's buckets. */
  maxConcurrency: 2,
  /** A failed event is delivered again after this long (the handler sets its message's visibility). */
  retryDelaySeconds: 60,
  maxReceiveCount: 5,
} as const;

const QueueConfigSchema = z
  .strictObject({
    batchSize: z.number().int().min(1).max(10_000).default(QUEUE_DEFAULTS.batchSize),
    batchingWindowSeconds: z.number().int().min(0).max(300).default(QUEUE_DEFAULTS.batchingWindowSeconds),
    maxConcurrency: z.number().int().min(2).max(1000).default(QUEUE_DEFAULTS.maxConcurrency),
    retryDelaySeconds: z.number().int().min(0).max(43_200).default(QUEUE_DEFAULTS.retryDelaySeconds),
    maxReceiveCount: z.number().int().min(1).max(1000).default(QUEUE_DEFAULTS.maxReceiveCount),
  })
  .refine((q) => q.batchSize <= 10 || q.batchingWindowSeconds >= 1, {
    message: 'a batch size over 10 needs a batching window of at least 1 second (Lambda refuses it otherwise)',
    path: ['batchingWindowSeconds'],
  })
  .default(QUEUE_DEFAULTS);

const StackConfigSchema = z.strictObject({
  /** The CloudFormation stack name. */
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'a stack name starts with a letter; letters, digits and hyphens')
    .max(STACK_NAME_MAX, `at most ${STACK_NAME_MAX} characters (the functions' role names hold it)`)
    .default(DEFAULT_STACK_NAME),
  /** Account and region to deploy to; leave out for an environment-agnostic template. */
  env: z
    .strictObject({
      account: z
        .string()
        .regex(/^\d{12}$/, 'an account id is 12 digits')
        .optional(),
      region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region looks like eu-west-1')
        .optional(),
    })
    .optional(),
  /** The policy; `policy.mode` is enforce or dry-run. Validated by the same schema as the handlers. */
  policy: z.unknown().optional(),
  /**
   * LayerGuard for a whole AWS Organization (functions/core/organization.ts): the hub stack and the
   * member StackSet. Left out, the stack guards the one account it is deployed in.
   */
  organization: z.unknown().optional(),
  /** E-mail addresses subscribed to the notification topic (each must confirm the subscription). */
  notificationEmails: z
    .array(
      z.union([
        z.email('not an e-mail address'),
        /** One subscription with its own choice of outcomes (the filter policy on `outcome`). */
        z.strictObject({
          email: z.email('not an e-mail address'),
          outcomes: z.array(z.enum(OUTCOME_STATUSES)).min(1).max(OUTCOME_STATUSES.length),
        }),
      ]),
    )
    .max(20)
    .default([]),
  /**
   * File each drift as an AWS Security Hub finding (ASFF, BatchImportFindings into the drift account's
   * default product, in its region). Off by default: Security Hub must be enabled there, or every
   * finding is refused and the channel retried.
   */
  securityHub: z.boolean().default(false),
  /**
   * After a verified revert of world-open ingress, ask the VPC's flow logs (CloudWatch Logs destination)
   * whether the window was used, and tell it as a follow-up notice. Off by default: each answer is a
   * Logs Insights query, billed per GB scanned (README, "Flow-log evidence").
   */
  flowLogEvidence: z.boolean().default(false),
  /**
   * Restore instead of revoke where the previous definition is known: for a ModifySecurityGroupRules or
   * ReplaceRoute, the resource's AWS Config item from before the change gives the rule's old source or
   * the route's old target, put back when the policy allows it (functions/core/restore.ts). Off by
   * default: AWS Config must record security groups and route tables in the account and region.
   */
  configRestore: z.boolean().default(false),
  /** Match game-day events (source `layerguard.gameday`) as well as CloudTrail's. Off in production. */
  gameday: z.boolean().default(false),
  /**
   * Reserved concurrency per function, each optional; none by default. A fresh account's concurrency
   * quota is 10 and Lambda keeps at least that many unreserved, so any reservation there makes the stack
   * roll back (Lambda quotas: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html;
   * reserved concurrency: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
   */
  reservedConcurrency: z
    .strictObject({
      securityGroup: concurrency.optional(),
      routeTable: concurrency.optional(),
      runbook: concurrency.optional(),
    })
    .default({}),
  /** The rules' queue and how the event functions read it (QUEUE_DEFAULTS). */
  queue: QueueConfigSchema,
  /**
   * CloudTrail: `check` (default) relies on a trail that already logs management events here, and the
   * canary proves it every interval; `create` makes a multi-region trail with an encrypted bucket.
   */
  trail: z.enum(['check', 'create']).default('check'),
  /** Days the created trail's log files are kept in its bucket (`trail: "create"` only). */
  trailRetentionDays: z.number().int().min(1).max(3650).default(365),
  /** The canary: a real change for the deployed path to revert, at a set interval (infra/constructs/canary.ts). */
  canary: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Minutes between probes: a divisor of an hour, or whole hours that divide a day. */
      intervalMinutes: z
        .number()
        .refine((m) => (CANARY_INTERVALS as readonly number[]).includes(m), {
          message: `the canary interval must be one of ${CANARY_INTERVALS.join(', ')} minutes`,
        })
        .default(60),
      /** The alarm fires when no revert comes within the interval, or one takes longer than this. */
      maxSecondsToRevert: z.number().int().min(60).default(900),
      /** Put the canary's group in this VPC instead of a VPC of its own with no subnets. */
      vpcId: z
        .string()
        .regex(/^vpc-[0-9a-f]{8,17}$/, 'a VPC id looks like vpc-0abc1234')
        .optional(),
    })
    .default({ enabled: true, intervalMinutes: 60, maxSecondsToRevert: 900 })
    .refine((c) => c.maxSecondsToRevert < c.intervalMinutes * 60, {
      message: 'canary.maxSecondsToRevert must be shorter than the interval (the revert must land in the same period)',
    }),
  /** The scheduled sweep through the runbook function, for events that never arrived. */
  sweep: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Minutes between sweeps, 1 to 1440. */
      intervalMinutes: z.number().int().min(1).max(1440).default(15),
      /** EC2 calls a sweep has in flight at most (its own cap, below EC2's request buckets). */
      concurrency: z.number().int().min(1).max(16).default(4),
    })
    .default({ enabled: true, intervalMinutes: 15, concurrency: 4 }),
  /** Log retention in days (a value CloudWatch Logs accepts). */
  logRetentionDays: z
    .number()
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
      message: `log retention must be one of ${LOG_RETENTION_DAYS.join(', ')} days`,
    })
    .default(365),
  /** The account's EventBridge "event pattern size" quota: 2048 by default, 4096 when raised. */
  eventPatternSizeLimit: z.union([z.literal(2048), z.literal(4096)]).default(2048),
});

/** The validated configuration, with the policy parsed and its defaults filled in. */
export type StackConfig = Omit<z.infer<typeof StackConfigSchema>, 'policy' | 'organization'> & {
  readonly policy: Policy;
  readonly organization?: Organization;
};
export type StackConfigInput = z.input<typeof StackConfigSchema>;
export type QueueConfig = StackConfig['queue'];

/** Validates a configuration object; `source` names where it came from in the error message. */
export function parseStackConfig(input: unknown, source = 'configuration'): StackConfig {
  const result = StackConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid LayerGuard configuration (${source}): ${problems.join('; ')}`);
  }
  let policy: Policy;
  let organization: Organization | undefined;
  try {
    policy = parsePolicy(result.data.policy);
    if (result.data.organization !== undefined) organization = parseOrganization(result.data.organization, policy);
  } catch (error) {
    throw new ConfigError(`invalid LayerGuard configuration (${source}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (organization) checkOrganizationDeployment(organization, result.data.env, source);
  checkConcurrency(result.data.reservedConcurrency, result.data.queue.maxConcurrency, source);
  const { organization: _raw, ...rest } = result.data;
  return { ...rest, policy, ...(organization ? { organization } : {}) };
}

/**
 * What deploying an organisation needs beyond what the functions read: the OUs of the member StackSet,
 * and the hub as the stack's environment (the member template names the hub's account and region).
 */
function checkOrganizationDeployment(
  organization: Organization,
  env: { account?: string | undefined; region?: string | undefined } | undefined,
  source: string,
): void {
  const problems: string[] = [];
  if (organization.memberOus.length === 0) {
    problems.push('organization.memberOus: the member StackSet deploys to these OUs (or the root, r-…): give at least one');
  }
  if (env?.account !== undefined && env.account !== organization.hub.account) {
    problems.push(`env.account: the stack is the hub, ${organization.hub.account} (organization.hub.account)`);
  }
  if (env?.region !== undefined && env.region !== organization.hub.region) {
    problems.push(`env.region: the stack is the hub, in ${organization.hub.region} (organization.hub.region)`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid LayerGuard configuration (${source}): ${problems.join('; ')}`);
}

/**
 * A reservation below the queue's maximum concurrency makes Lambda throttle the event source mapping's
 * invocations, and the messages come back as failures ("Configuring maximum concurrency for Amazon SQS
 * event sources": reserved concurrency should be at least the maximum concurrency).
 */
function checkConcurrency(
  reserved: { securityGroup?: number | undefined; routeTable?: number | undefined },
  maxConcurrency: number,
  source: string,
): void {
  const low = (['securityGroup', 'routeTable'] as const).filter((f) => reserved[f] !== undefined && (reserved[f] as number) < maxConcurrency);
  if (low.length === 0) return;
  throw new ConfigError(
    `invalid LayerGuard configuration (${source}): ${low.map((f) => `reservedConcurrency.${f}: at least queue.maxConcurrency (${maxConcurrency}), or Lambda throttles the queue's invocations`).join('; ')}`,
  );
}

/** Where the configuration is read from: CDK context first, then the config file, else defaults. */
export function loadStackConfig(
  tryGetContext: (key: string) => unknown,
  cwd: string = process.cwd(),
): StackConfig {
  const fromContext = tryGetContext(CONTEXT_KEY);
  if (fromContext !== undefined) {
    let value = fromContext;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch (error) {
        throw new ConfigError(`invalid LayerGuard configuration (context "${CONTEXT_KEY}"): not valid JSON`, {
          cause: error,
        });
      }
    }
    return parseStackConfig(value, `context "${CONTEXT_KEY}"`);
  }
  const explicit = tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (explicit !== undefined && typeof explicit !== 'string') {
    throw new ConfigError(`context "${CONFIG_FILE_CONTEXT_KEY}" must be a file path`);
  }
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (explicit !== undefined) throw new ConfigError(`LayerGuard configuration file not found: ${path}`);
    return parseStackConfig({}, 'defaults');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`invalid LayerGuard configuration (${path}): not valid JSON`, { cause: error });
  }
  return parseStackConfig(parsed, path);
}
