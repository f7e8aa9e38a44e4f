import type { Audience } from './audience.js';
import type { Outcome } from './outcome.js';

/**
 * One way of telling what LayerGuard did: SNS for people, EventBridge for machines. Each channel is
 * sent, remembered and retried on its own, so a failure of one never makes the other send twice.
 */
export interface NotificationChannel {
  /** A stable name: part of the idempotency key, so it must not change between deployments. */
  readonly name: string;
  /** Who the channel tells (`audiencesOf` decides which outcomes each audience receives). */
  readonly audience: Audience;
  /** Sends the outcome and returns the channel's message id; throws when the channel failed. */
  send(outcome: Outcome): Promise<string | undefined>;
}
