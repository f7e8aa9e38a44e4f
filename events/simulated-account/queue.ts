/**
 * An SQS standard queue with a Lambda event source mapping in front of a function, as the stack
 * deploys it (infra/constructs/event-queue.ts), for the bench and the reliability tests:
 *
 * - `maxConcurrency` pollers (the mapping's maximum concurrency: at most that many invocations at a
 *   time); an idle poller takes the first visible message and gathers more until the batch is full or
 *   the batching window, counted from its first message, has passed (Lambda's "batch size" and
 *   "maximum batching window": https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
 *   Messages go to the pollers in turn, so concurrent batches share a burst between them.
 * - Each receive counts; the handler's `batchItemFailures` come back after `retryDelayMs` (the
 *   visibility the handler leaves them with), and a failed message received `maxReceiveCount` times
 *   goes to the dead-letter queue (the redrive policy). A message not named as failed is deleted.
 *
 * It runs on whatever clock `setTimeout` keeps: the bench's virtual clock, or real time in tests.
 */
export interface QueueOptions {
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly maxConcurrency: number;
  readonly retryDelayMs: number;
  readonly maxReceiveCount: number;
}

export interface QueueMessage<T> {
  readonly messageId: string;
  readonly body: T;
  receiveCount: number;
}

/** What one invocation answered: the ids of the messages to deliver again. */
export type Consumer<T> = (batch: readonly QueueMessage<T>[], poller: number) => Promise<readonly string[]>;

export interface QueueReport<T> {
  readonly batches: number;
  readonly batchSizes: readonly number[];
  /** Receives after the first, over every message. */
  readonly redeliveries: number;
  readonly deadLettered: readonly QueueMessage<T>[];
  /** Invocations that threw (the whole batch comes back, as Lambda returns it to the queue). */
  readonly failedInvocations: number;
}

interface Waiter<T> {
  readonly take: (m: QueueMessage<T> | undefined) => void;
  timer?: ReturnType<typeof setTimeout>;
}

export class SimulatedQueue<T> {
  readonly #visible: QueueMessage<T>[] = [];
  readonly #waiters: Waiter<T>[] = [];
  readonly #deadLettered: QueueMessage<T>[] = [];
  #inFlight = 0;
  #unsettled = 0;
  #next = 0;
  #batches: number[] = [];
  #redeliveries = 0;
  #failedInvocations = 0;
  #closed = false;

  constructor(readonly options: QueueOptions) {
    if (options.maxConcurrency < 1 || options.batchSize < 1) throw new RangeError('a queue needs a poller and a batch size of at least 1');
  }

  /** Sends one message, visible after `delayMs` (the rule's delivery). */
  send(body: T, delayMs = 0): void {
    const message: QueueMessage<T> = { messageId: `msg-${(this.#next += 1)}`, body, receiveCount: 0 };
    this.#unsettled += 1;
    if (delayMs > 0) setTimeout(() => this.#show(message), delayMs);
    else this.#show(message);
  }

  #show(message: QueueMessage<T>): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.take(message);
    } else this.#visible.push(message);
  }

  /** The next visible message, or `undefined` when `timeoutMs` passes first (or the queue is done). */
  #receive(timeoutMs?: number): Promise<QueueMessage<T> | undefined> {
    const ready = this.#visible.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#closed || (timeoutMs !== undefined && timeoutMs <= 0)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter<T> = { take: resolve };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          resolve(undefined);
        }, timeoutMs);
      }
      this.#waiters.push(waiter);
    });
  }

  /** Wakes every poller waiting for a first message: nothing is left to deliver. */
  #closeIfDone(): void {
    if (this.#unsettled > 0 || this.#inFlight > 0) return;
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      w.take(undefined);
    }
  }

  /** Runs the pollers until every message sent is deleted or dead-lettered. */
  async run(consume: Consumer<T>): Promise<QueueReport<T>> {
    const { batchSize, batchingWindowMs, maxConcurrency } = this.options;
    const poller = async (index: number): Promise<void> => {
      for (;;) {
        this.#closeIfDone();
        const first = await this.#receive();
        if (!first) return;
        const batch = [first];
        const until = performance.now() + batchingWindowMs;
        while (batch.length < batchSize) {
          const more = await this.#receive(until - performance.now());
          if (!more) break;
          batch.push(more);
        }
        this.#inFlight += 1;
        await this.#invoke(batch, index, consume);
        this.#inFlight -= 1;
      }
    };
    await Promise.all(Array.from({ length: maxConcurrency }, (_, i) => poller(i)));
    return {
      batches: this.#batches.length,
      batchSizes: [...this.#batches],
      redeliveries: this.#redeliveries,
      deadLettered: [...this.#deadLettered],
      failedInvocations: this.#failedInvocations,
    };
  }

  async #invoke(batch: QueueMessage<T>[], index: number, consume: Consumer<T>): Promise<void> {
    for (const m of batch) {
      if (m.receiveCount > 0) this.#redeliveries += 1;
      m.receiveCount += 1;
    }
    this.#batches.push(batch.length);
    let failed: ReadonlySet<string>;
    try {
      failed = new Set(await consume(batch, index));
    } catch {
      this.#failedInvocations += 1;
      failed = new Set(batch.map((m) => m.messageId));
    }
    for (const m of batch) {
      if (!failed.has(m.messageId)) {
        this.#unsettled -= 1;
      } else if (m.receiveCount >= this.options.maxReceiveCount) {
        this.#deadLettered.push(m);
        this.#unsettled -= 1;
      } else {
        setTimeout(() => this.#show(m), this.options.retryDelayMs);
      }
    }
  }
}
