import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { ec2Client, eventBridgeClient, lambdaClient, organizationsClient, snsClient } from '../adapters/clients.js';
import { createEc2Network } from '../adapters/ec2-network.js';
import { createHandler, type HandlerTools } from '../adapters/lambda-handler.js';
import { defaultLoadBalancerReader } from '../adapters/elb.js';
import { createAwsChannels } from '../adapters/notifier.js';
import { awsSecurityHubChannels } from '../adapters/security-hub.js';
import { METRICS } from '../adapters/metrics.js';
import { listActiveAccounts } from '../adapters/organizations.js';
import { createAwsReach } from '../adapters/reach.js';
import { invokeAsync, ownFunction } from '../adapters/self-invoke.js';
import { audiencesOf } from '../core/audience.js';
import { ENV, loadConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { OUTCOME_STATUSES, type Outcome } from '../core/outcome.js';
import { parseFunctionPayload, RunbookPayloadError, SWEEP_ORGANIZATION, type SweepOrganizationPayload } from '../core/runbook.js';
import { type FanOutResult, fanOutSweeps } from '../pipeline/org-fan-out.js';
import { type RunbookResult, runRunbook } from '../pipeline/runbook.js';
import { mapLimit } from '../pipeline/sweep.js';

/**
 * The runbook function, invoked directly (the CLI's `--remote`, the console, another automation)
 * with a runbook payload: `{ action: 'revert-security-group', groupId }`, `revert-route-table`,
 * `revert-subnet-association` or `sweep`, each with `dryRun`. It answers `{ outcomes, summary }`.
 * In an organisation's hub, `sweep-organization` (the schedule's payload there) queues one `sweep`
 * per account and member region instead, and answers what it queued (`pipeline/org-fan-out.ts`).
 *
 * - An invalid payload throws `RunbookPayloadError` before any AWS call: a direct invoke fails
 *   loudly (FunctionError), and there is nothing to retry.
 * - AWS failures are `failed` outcomes in the answer, not exceptions: the other resources of a
 *   sweep are still reverted, and the caller sees exactly which failed.
 */

/** Lambda's synchronous response limit is 6 MB; above this the answer drops before/after states. */
export const MAX_RESPONSE_BYTES = 5_000_000;

const config = loadConfig();

/** The answer, cut to fit Lambda's response limit: a sweep of a large region can revert a lot. */
export function fitResponse(result: RunbookResult, limit = MAX_RESPONSE_BYTES): RunbookResult & { truncated?: string } {
  if (Buffer.byteLength(JSON.stringify(result), 'utf8') <= limit) return result;
  const outcomes = result.outcomes.map(({ before: _b, after: _a, ...rest }) => rest);
  return {
    ...result,
    outcomes,
    truncated: 'the answer exceeded the response limit: before and after states are left out (they are in the logs)',
  };
}

/** EC2 calls a sweep has in flight at most (the stack sets it from `sweep.concurrency`). */
export function sweepConcurrency(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[ENV.sweepConcurrency]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new ConfigError(`${ENV.sweepConcurrency} must be an integer from 1 to 16`);
  return n;
}
const concurrency = sweepConcurrency();
// A sweep's drift is filed too, when the switch is on (built once: it caches its clients).
const securityHubChannels = awsSecurityHubChannels(config, 'runbook');

/**
 * Tells each outcome to the channels of its audiences (`audiencesOf`, the same decision as the event
 * path). A failed notification does not undo or hide the run: it is logged, counted, and named in the
 * answer.
 */
async function notifyOutcomes(outcomes: readonly Outcome[], { logger, metrics }: HandlerTools): Promise<string[]> {
  const channels = [
    ...createAwsChannels({
      sns: snsClient(),
      eventBridge: eventBridgeClient(),
      topicArn: config.topicArn,
      eventBusName: config.eventBusName,
    }),
    ...securityHubChannels,
  ];
  const errors: string[] = [];
  await mapLimit(
    outcomes,
    4,
    async (outcome) => {
      const audiences = audiencesOf(outcome, { canaryGroupId: config.canaryGroupId });
      const told = channels.filter((c) => audiences.includes(c.audience));
      const sent = await Promise.allSettled(told.map((c) => c.send(outcome)));
      for (const [i, s] of sent.entries()) {
        if (s.status === 'rejected') errors.push(`${told[i]?.name} for ${outcome.resources.join(', ')}: ${(s.reason as Error).message}`);
      }
    },
  );
  if (errors.length > 0) {
    logger.error('notifications failed', { errors });
    metrics.addMetric('notificationFailed', MetricUnit.Count, errors.length);
  }
  return errors;
}

const accountOf = (context: Context | undefined): string | undefined => context?.invokedFunctionArn?.split(':')[4] || undefined;

/** Where the runbook can act, built once (its member credentials are cached across warm invocations). */
let reach: ReturnType<typeof createAwsReach> | undefined;
const reachOf = (account: string | undefined) => {
  reach ??= createAwsReach({
    functionName: 'runbook',
    ...(account ? { account } : {}),
    ...(config.organization ? { organization: config.organization } : {}),
  });
  return reach;
};

/**
 * `sweep-organization`: the organisation's ACTIVE accounts (Organizations ListAccounts, which answers
 * only the management account or a delegated administrator:
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html) and the listed
 * accounts, each member region, one asynchronous invoke of this function each. When the accounts cannot
 * be listed the invocation fails (retried, then dead-lettered, alarmed); a sweep that cannot be queued is
 * named in the answer and the log and counted (`SweepsNotQueued`, alarmed), and the others are queued.
 */
async function sweepOrganization(payload: SweepOrganizationPayload, context: Context, { logger, metrics }: HandlerTools): Promise<FanOutResult> {
  const { organization } = config;
  if (!organization) {
    const problem = `${SWEEP_ORGANIZATION} sweeps an organisation from its hub: this function has no organization configuration`;
    metrics.addMetric('invalidPayload', MetricUnit.Count, 1);
    throw new RunbookPayloadError(`invalid runbook payload: ${problem}`, [problem]);
  }
  const self = ownFunction(context);
  const result = await fanOutSweeps(organization, payload.dryRun === true, {
    listAccounts: async () => (await listActiveAccounts(organizationsClient())).map((a) => a.id),
    queue: (sweep) => invokeAsync(lambdaClient(), self, sweep),
  });
  if (result.notQueued.length > 0) {
    logger.error('sweeps not queued', { notQueued: result.notQueued });
    metrics.addMetric(METRICS.sweepsNotQueued, MetricUnit.Count, result.notQueued.length);
  }
  metrics.addMetric('sweepsQueued', MetricUnit.Count, result.queued);
  logger.info('organisation sweep queued', { ...result, notQueued: result.notQueued.length });
  return result;
}

export const handler = createHandler('runbook', async (event: unknown, context: Context, tools: HandlerTools) => {
  const { logger, metrics } = tools;
  let parsed: ReturnType<typeof parseFunctionPayload>;
  try {
    parsed = parseFunctionPayload(event);
  } catch (error) {
    if (error instanceof RunbookPayloadError) {
      logger.warn('invalid runbook payload: no action taken', { reason: error.message });
      metrics.addMetric('invalidPayload', MetricUnit.Count, 1);
    }
    throw error;
  }
  if (parsed.action === SWEEP_ORGANIZATION) return sweepOrganization(parsed, context, tools);
  const payload = parsed;
  const id = randomUUID();
  logger.setCorrelationId(`runbook-${id}`);
  logger.info('runbook started', { payload });
  const account = config.account ?? accountOf(context);
  const result = await runRunbook(payload, {
    network: createEc2Network(ec2Client(), { loadBalancers: defaultLoadBalancerReader() }),
    // A payload naming an account or region acts there (an organisation's member through its member role).
    reach: reachOf(account),
    policy: config.policy,
    clock: () => new Date(),
    newId: () => id,
    ...(concurrency ? { concurrency } : {}),
    context: { ...(account ? { account } : {}), ...(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}) },
  });
  // Every outcome that is not "nothing to do" is logged in full: it is the audit trail of the run.
  for (const outcome of result.outcomes) {
    if (outcome.outcome !== 'already-compliant') logger.info('outcome', { outcome });
  }
  for (const status of OUTCOME_STATUSES) {
    const n = result.summary.counts[status];
    if (n > 0) metrics.addMetric(status, MetricUnit.Count, n);
  }
  const notificationErrors = await notifyOutcomes(result.outcomes, tools);
  logger.info('runbook finished', { action: result.action, dryRun: result.dryRun, summary: result.summary });
  return { ...fitResponse(result), ...(notificationErrors.length > 0 ? { notificationErrors } : {}) };
});
