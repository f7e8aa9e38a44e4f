import type { EC2Client } from '@aws-sdk/client-ec2';
import { type BucketName, EC2_BUCKETS } from '../core/ec2-rates.js';
import { createPacer, type Pacer } from '../pipeline/pacer.js';

/**
 * This process's part of each account-region's EC2 buckets, as JSON: one number, or one per bucket
 * (`{"sgIngress":0.5,"reads":0.25}`). The stack sets 1/k of a bucket for k invocations at a time that draw from it.
 */
export const EC2_SHARE_ENV = 'LAYERGUARD_EC2_SHARE';

/**
 * The share the environment names; `undefined` when unset: only the stack's event functions are paced
 * (the command line, the game day's sandbox and the runbook send as the SDK does). A malformed share is
 * a configuration error, said at cold start.
 */
export function ec2Share(env: NodeJS.ProcessEnv = process.env): number | Partial<Record<BucketName, number>> | undefined {
  const text = env[EC2_SHARE_ENV]?.trim();
  if (!text) return undefined;
  let share: unknown;
  try {
    share = JSON.parse(text);
  } catch {
    share = undefined;
  }
  const valid = (n: unknown) => typeof n === 'number' && n > 0 && n <= 1;
  if (valid(share)) return share as number;
  if (share && typeof share === 'object' && !Array.isArray(share)) {
    const entries = Object.entries(share);
    if (entries.every(([k, v]) => k in EC2_BUCKETS && valid(v))) return share as Partial<Record<BucketName, number>>;
  }
  throw new RangeError(`${EC2_SHARE_ENV} must be a number in (0, 1] or an object of them by bucket (${Object.keys(EC2_BUCKETS).join(', ')}), not ${text.slice(0, 100)}`);
}

/**
 * Paces every attempt of `client` (one account-region's EC2 client) by `pacer`: the step sits inside
 * the SDK's retry step (finalizeRequest, priority low; the retry middleware is finalizeRequest, priority
 * high: @smithy/middleware-retry), so each retry waits for a token too, and a `RequestLimitExceeded`
 * answer empties the pacer's bucket. Without a pacer given, by the share the environment names; with
 * none named, the client is left as it is.
 */
export function paceClient<C extends EC2Client>(client: C, given?: Pacer): C {
  const share = given ? undefined : ec2Share();
  if (!given && share === undefined) return client;
  const pacer = given ?? createPacer({ share });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      await pacer.acquire(operation);
      try {
        return await next(args);
      } catch (error) {
        const e = error as { name?: string; Code?: string };
        if (e?.name === 'RequestLimitExceeded' || e?.Code === 'RequestLimitExceeded') pacer.throttled(operation);
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'layerguardPace', tags: ['LAYERGUARD'] },
  );
  return client;
}
