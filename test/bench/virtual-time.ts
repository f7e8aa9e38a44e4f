/**
 * Virtual time for the storm: `setTimeout` and `performance.now` are replaced while a simulation
 * runs, and the clock jumps to the next timer whenever nothing else can run. The simulated account
 * does no real I/O, so "nothing else can run" is "the microtask queue is empty", and a storm that
 * would take minutes of EC2 throttling runs in seconds. CPU time is free in virtual time, as it is
 * when every Lambda instance has its own CPU.
 */
interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export class VirtualClock {
  #now = 0;
  #seq = 0;
  #timers: Timer[] = [];

  now = (): number => this.#now;

  schedule(fn: () => void, ms: number): Timer {
    const timer: Timer = { at: this.#now + Math.max(0, ms || 0), seq: this.#seq++, fn, cancelled: false };
    // Kept sorted by (at, seq): timers due at the same time fire in the order they were set.
    let i = this.#timers.length;
    while (i > 0 && (this.#timers[i - 1] as Timer).at > timer.at) i -= 1;
    this.#timers.splice(i, 0, timer);
    return timer;
  }

  /**
   * Runs `body` in virtual time: timers fire in order, the clock jumping to each once the microtask
   * queue has drained (a real `setImmediate` marks that point). Restores the real timers after.
   */
  async run<T>(body: () => Promise<T>): Promise<T> {
    const real = {
      setTimeout: globalThis.setTimeout,
      clearTimeout: globalThis.clearTimeout,
      now: performance.now,
    };
    const realImmediate = globalThis.setImmediate;
    const idle = () => new Promise<void>((resolve) => realImmediate(resolve));
    const fake = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const t = this.schedule(() => fn(...args), ms ?? 0);
      return Object.assign(t, {
        unref: () => t,
        ref: () => t,
        hasRef: () => false,
        [Symbol.toPrimitive]: () => t.seq,
      });
    };
    globalThis.setTimeout = fake as unknown as typeof setTimeout;
    // A timer set with node:timers' own setTimeout (Middy's early timeout) is a real one: cleared for real.
    globalThis.clearTimeout = ((t?: Timer) => {
      if (t && typeof t === 'object' && 'cancelled' in t) t.cancelled = true;
      else real.clearTimeout(t as Parameters<typeof clearTimeout>[0]);
    }) as typeof clearTimeout;
    Object.defineProperty(performance, 'now', { value: this.now, configurable: true, writable: true });
    try {
      let settled = false;
      let value: T | undefined;
      let failure: unknown;
      body().then(
        (v) => {
          settled = true;
          value = v;
        },
        (e) => {
          settled = true;
          failure = e ?? new Error('failed');
        },
      );
      for (;;) {
        await idle();
        if (settled) break;
        const next = this.#timers.shift();
        if (!next) throw new Error('bench: the simulation is stuck: nothing to run and no timer pending');
        if (next.cancelled) continue;
        this.#now = Math.max(this.#now, next.at);
        next.fn();
      }
      if (failure !== undefined) throw failure;
      return value as T;
    } finally {
      globalThis.setTimeout = real.setTimeout;
      globalThis.clearTimeout = real.clearTimeout;
      delete (performance as { now?: unknown }).now;
      if (performance.now !== real.now)
        Object.defineProperty(performance, 'now', { value: real.now, configurable: true, writable: true });
    }
  }
}
