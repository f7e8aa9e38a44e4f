import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { runCanary } from '../adapters/canary.js';
import { ec2Client } from '../adapters/clients.js';
import { type CanaryProbe, CANARY_PORT } from '../core/canary.js';
import { ENV } from '../core/config.js';
import { ConfigError } from '../core/errors.js';

/**
 * The canary function, run by its schedule: it opens the probe rule in the canary's group (see
 * functions/core/canary.ts) and leaves the rest to the deployed path. It refuses, and fails (the
 * function's Errors alarm), when anything uses the group; when its previous rule is still open the
 * path did not revert it, which it logs and counts (`canaryStillOpen`) and the canary alarm shows.
 */

/** The probe, from the environment the stack sets. */
export function probeFromEnv(env: NodeJS.ProcessEnv = process.env): CanaryProbe {
  const groupId = env[ENV.canaryGroupId]?.trim();
  const cidr = env[ENV.canaryCidr]?.trim();
  if (!groupId || !/^sg-[0-9a-f]{8,17}$/.test(groupId)) throw new ConfigError(`${ENV.canaryGroupId} must be a security group id`);
  if (!cidr || !/^0\.0\.0\.0\/([1-9]|[12]\d|3[0-2])$/.test(cidr)) throw new ConfigError(`${ENV.canaryCidr} must be 0.0.0.0/N with N from 1 to 32`);
  const port = env[ENV.canaryPort]?.trim() ? Number(env[ENV.canaryPort]) : CANARY_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${ENV.canaryPort} must be a port`);
  return { groupId, cidr, port };
}

const probe = probeFromEnv();
const logger = new Logger({ serviceName: 'layerguard' });
const metrics = new Metrics({ namespace: 'LayerGuard', serviceName: 'layerguard' });
metrics.setDefaultDimensions({ function: 'canary' });

export const handler = middy(async () => {
  let run: Awaited<ReturnType<typeof runCanary>>;
  try {
    run = await runCanary(ec2Client(), probe);
  } catch (error) {
    logger.error('canary not run', { error: error as Error, groupId: probe.groupId });
    metrics.addMetric('canaryRefused', MetricUnit.Count, 1);
    throw error;
  }
  if (run.plan.kind === 'still-open') {
    logger.error('the previous canary rule is still open: the deployed path did not revert it', {
      groupId: probe.groupId,
      ruleIds: run.plan.ruleIds,
    });
    metrics.addMetric('canaryStillOpen', MetricUnit.Count, 1);
  } else {
    logger.info('canary rule opened; the deployed path must revert it', { groupId: probe.groupId, ...run });
    metrics.addMetric('canaryProbe', MetricUnit.Count, 1);
  }
  return { groupId: probe.groupId, ...run };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
