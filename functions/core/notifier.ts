import type { Outcome } from './outcome.js';

/** Where an outcome was sent. */
export interface NotifyReceipt {
  readonly sns?: string; // MessageId
  readonly eventBridge?: string; // EventId
}

/**
 * The port that tells people (SNS) and machines (EventBridge) what LayerGuard did. It throws when a
 * channel fails, so that the trigger is retried; the caller makes sure a retry does not notify twice.
 */
export interface Notifier {
  notify(outcome: Outcome): Promise<NotifyReceipt>;
}
