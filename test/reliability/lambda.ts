import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { UnsupportedEventError } from '../../functions/core/errors.js';
import type { Outcome } from '../../functions/core/outcome.js';
import type { Engine } from '../../functions/pipeline/engine.js';

/**
 * Lambda's asynchronous invocation, modelled for the fault tests: the handler's contract
 * (functions/adapters/lambda-handler.ts: unreadable input answers `ignored` and is never retried; a
 * `failed` outcome, a failed notification or a concurrent duplicate still in progress throws) and
 * Lambda's (a thrown invocation is retried twice, then the event goes to the failure queue).
 */

/** Lambda retries an asynchronous invocation twice (infra/constructs/functions.ts ASYNC_RETRY_ATTEMPTS). */
export const LAMBDA_RETRIES = 2;

export type Delivery =
  | { readonly kind: 'outcome'; readonly outcome: Outcome; readonly attempts: number }
  | { readonly kind: 'rejected'; readonly reason: string; readonly attempts: number }
  | { readonly kind: 'dead-letter'; readonly error: unknown; readonly attempts: number };

/** One invocation as the deployed handler answers it: returns, or throws for Lambda to retry. */
export async function invoke(
  engine: Engine,
  event: unknown,
): Promise<Outcome | { outcome: 'ignored'; reason: string; rejected: true }> {
  let outcome: Outcome;
  try {
    outcome = await engine.handle(event);
  } catch (error) {
    if (error instanceof UnsupportedEventError) return { outcome: 'ignored', reason: error.message, rejected: true };
    throw error;
  }
  if (outcome.outcome === 'failed') throw new Error(`failed: ${outcome.reason}`);
  return outcome;
}

/** An asynchronous delivery: the first attempt and Lambda's retries (with `pause` between), then the DLQ. */
export async function deliver(
  engine: Engine,
  event: unknown,
  pause: () => Promise<void> = async () => {},
): Promise<Delivery> {
  let last: unknown;
  for (let attempt = 1; attempt <= 1 + LAMBDA_RETRIES; attempt += 1) {
    try {
      const answer = await invoke(engine, event);
      if ('rejected' in answer) return { kind: 'rejected', reason: answer.reason, attempts: attempt };
      return { kind: 'outcome', outcome: answer, attempts: attempt };
    } catch (error) {
      last = error;
      if (attempt <= LAMBDA_RETRIES) await pause();
    }
  }
  return { kind: 'dead-letter', error: last, attempts: 1 + LAMBDA_RETRIES };
}

export const isInProgress = (error: unknown): boolean => error instanceof IdempotencyAlreadyInProgressError;
