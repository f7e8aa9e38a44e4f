import { EC2_BUCKETS } from '../../functions/core/ec2-rates.js';

/** A token bucket as EC2 throttles API calls: a burst capacity, refilled at a steady rate. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#tokens = capacity;
    this.#last = now();
  }
  take(): boolean {
    const t = this.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + ((t - this.#last) / 1000) * this.refillPerSecond);
    this.#last = t;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** EC2's documented request-rate buckets per account and region, by kind of call (as the issue names them). */
export interface Ec2Throttle {
  readonly sgIngress: TokenBucket;
  readonly mutating: TokenBucket;
  readonly reads: TokenBucket;
}

export const ec2Throttle = (now?: () => number): Ec2Throttle => ({
  sgIngress: new TokenBucket(EC2_BUCKETS.sgIngress.capacity, EC2_BUCKETS.sgIngress.refillPerSecond, now),
  mutating: new TokenBucket(EC2_BUCKETS.mutating.capacity, EC2_BUCKETS.mutating.refillPerSecond, now),
  reads: new TokenBucket(EC2_BUCKETS.reads.capacity, EC2_BUCKETS.reads.refillPerSecond, now),
});
