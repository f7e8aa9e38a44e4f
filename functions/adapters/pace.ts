import type { EC2Client } from '@aws-sdk/client-ec2';
import { createPacer, type Pacer } from '../pipeline/pacer.js';

/** This process's part of each account-region's EC2 buckets (the stack sets 1/k for k concurrent invocations). */
export const EC2_SHARE_ENV = 'LAYERGUARD_EC2_SHARE';

/** The share the environment names; 1 when unset. A value outside (0, 1] is a configuration error, said at cold start. */
export function ec2Share(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[EC2_SHARE_ENV]?.trim();
  if (!text) return 1;
  const share = Number(text);
  if (!(share > 0 && share <= 1)) throw new RangeError(`${EC2_SHARE_ENV} must be a number in (0, 1], not "${text}"`);
  return share;
}

/**
 * Paces every attempt of `client` (one account-region's EC2 client) by `pacer`: the step sits inside
 * the SDK's retry step (finalizeRequest, priority low; the retry middleware is finalizeRequest, priority
 * high: @smithy/middleware-retry), so each retry waits for a token too, and a `RequestLimitExceeded`
 * answer empties the pacer's bucket.
 */
export function paceClient<C extends EC2Client>(client: C, pacer: Pacer = createPacer({ share: ec2Share() })): C {
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
