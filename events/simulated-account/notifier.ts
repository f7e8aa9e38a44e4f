import type { Notifier, NotifyReceipt } from '../../functions/core/notifier.js';
import type { Outcome } from '../../functions/core/outcome.js';

/** A notifier that keeps what it was asked to send, for game days and tests; it can be told to fail. */
export class RecordingNotifier implements Notifier {
  readonly sent: Outcome[] = [];
  /** Set to make the next calls throw, as a failing SNS or EventBridge would. */
  failWith: Error | undefined;

  async notify(outcome: Outcome): Promise<NotifyReceipt> {
    if (this.failWith) throw this.failWith;
    this.sent.push(outcome);
    return { sns: `simulated-${this.sent.length}`, eventBridge: `simulated-${this.sent.length}` };
  }
}
