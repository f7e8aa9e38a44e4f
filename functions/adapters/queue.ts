import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Where the stack tells an event function about its queue (infra/constructs/event-queue.ts). */
export const QUEUE_ENV = {
  url: 'LAYERGUARD_QUEUE_URL',
  retryDelaySeconds: 'LAYERGUARD_RETRY_DELAY_SECONDS',
} as const;

/** ChangeMessageVisibilityBatch takes at most 10 entries (SQS API reference). */
const BATCH_ENTRIES_MAX = 10;

export interface FailedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
}

/**
 * Makes the failed messages of a batch visible again after `delaySeconds` instead of after the queue's
 * visibility timeout (six times the function's timeout): a failed event is retried in about a minute,
 * as Lambda's own retries did. Best effort: a message this could not change comes back after the
 * visibility timeout all the same, so a failure here is answered, never thrown.
 */
export async function retryLater(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly FailedMessage[],
  delaySeconds: number,
): Promise<{ readonly changed: number; readonly unchanged: number }> {
  let changed = 0;
  for (let i = 0; i < messages.length; i += BATCH_ENTRIES_MAX) {
    const chunk = messages.slice(i, i + BATCH_ENTRIES_MAX);
    try {
      const answer = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.receiptHandle, VisibilityTimeout: delaySeconds })),
        }),
      );
      changed += answer.Successful?.length ?? 0;
    } catch {
      // Left as they are: the queue's visibility timeout delivers them again.
    }
  }
  return { changed, unchanged: messages.length - changed };
}

/** The retry delay the environment names, or `undefined` (the queue's visibility timeout then decides). */
export function retryDelayOf(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[QUEUE_ENV.retryDelaySeconds]?.trim();
  if (!text) return undefined;
  const seconds = Number(text);
  return Number.isInteger(seconds) && seconds >= 0 && seconds <= 43_200 ? seconds : undefined;
}
