import type { Audience } from '../../functions/core/audience.js';
import type { NotificationChannel } from '../../functions/core/notifier.js';
import type { Outcome } from '../../functions/core/outcome.js';

/** A notification channel that keeps what it was asked to send, for game days and tests; it can be told to fail. */
export class RecordingNotifier implements NotificationChannel {
  readonly sent: Outcome[] = [];
  /** Set to make the next sends throw, as a failing SNS or EventBridge would. */
  failWith: Error | undefined;

  constructor(
    readonly name = 'recorder',
    readonly audience: Audience = 'people',
  ) {}

  async send(outcome: Outcome): Promise<string> {
    if (this.failWith) throw this.failWith;
    this.sent.push(outcome);
    return `simulated-${this.sent.length}`;
  }
}
