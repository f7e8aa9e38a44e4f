import { type Bucket, type BucketName, bucketOf, EC2_BUCKETS } from '../core/ec2-rates.js';

/**
 * Paces one account-region's EC2 calls to EC2's own buckets, so that a storm runs at the rate EC2
 * allows instead of into it: each attempt waits for a token of its bucket before it goes out (no
 * attempt is spent on a throttle the pacer could foresee). `share` is this process's part of the
 * account-region's buckets: with up to k invocations at a time drawing from a bucket (the queues'
 * maximum concurrency), each takes 1/k of its burst and of its refill, so that together they stay
 * within EC2's. A throttle
 * answered anyway (another caller in the account drew from the same bucket) empties this pacer's
 * bucket: the next attempt waits for the next token.
 */
export interface Pacer {
  /** Resolves when `operation` may go out. */
  acquire(operation: string): Promise<void>;
  /** EC2 answered `RequestLimitExceeded` to `operation`. */
  throttled(operation: string): void;
}

export interface PacerOptions {
  readonly buckets?: Readonly<Record<BucketName, Bucket>>;
  /** This process's part of each bucket, in (0, 1]: one for all, or one per bucket (the rest 1). */
  readonly share?: number | Partial<Readonly<Record<BucketName, number>>>;
  /** Milliseconds, monotonic (performance.now: the bench's virtual clock replaces it). */
  readonly now?: () => number;
}

class PacedBucket {
  #tokens: number;
  #last: number;
  readonly #waiting: (() => void)[] = [];
  #timer = false;
  readonly capacity: number;
  readonly perMs: number;

  constructor(bucket: Bucket, share: number, private readonly now: () => number) {
    // At least one token: a share too small for a whole one still lets a call through at the refill rate.
    this.capacity = Math.max(1, bucket.capacity * share);
    this.perMs = (bucket.refillPerSecond * share) / 1000;
    this.#tokens = this.capacity;
    this.#last = now();
  }

  #refill(): void {
    const t = this.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + (t - this.#last) * this.perMs);
    this.#last = t;
  }

  acquire(): Promise<void> {
    this.#refill();
    if (this.#waiting.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
      this.#wake();
    });
  }

  /** Serves the waiting callers, first come first served, as tokens arrive. */
  #wake(): void {
    if (this.#timer) return;
    this.#refill();
    while (this.#waiting.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#waiting.shift()?.();
    }
    if (this.#waiting.length === 0) return;
    this.#timer = true;
    setTimeout(
      () => {
        this.#timer = false;
        this.#wake();
      },
      Math.max(1, Math.ceil((1 - this.#tokens) / this.perMs)),
    );
  }

  drain(): void {
    this.#refill();
    this.#tokens = Math.min(this.#tokens, 0);
  }
}

export function createPacer(options: PacerOptions = {}): Pacer {
  const given = options.share ?? 1;
  const shareOf = (name: BucketName): number => (typeof given === 'number' ? given : (given[name] ?? 1));
  for (const name of Object.keys(EC2_BUCKETS) as BucketName[]) {
    const share = shareOf(name);
    if (!(share > 0 && share <= 1)) throw new RangeError(`a pacer's share is in (0, 1], not ${share} (${name})`);
  }
  const now = options.now ?? (() => performance.now());
  const specs = options.buckets ?? EC2_BUCKETS;
  const buckets = new Map<BucketName, PacedBucket>();
  const bucket = (operation: string): PacedBucket => {
    const name = bucketOf(operation);
    let b = buckets.get(name);
    if (!b) buckets.set(name, (b = new PacedBucket(specs[name], shareOf(name), now)));
    return b;
  };
  return {
    acquire: (operation) => bucket(operation).acquire(),
    throttled: (operation) => bucket(operation).drain(),
  };
}

/** A pacer that never waits: where nothing shares a bucket worth pacing (tests, local runs). */
export const UNPACED: Pacer = { acquire: () => Promise.resolve(), throttled: () => {} };
