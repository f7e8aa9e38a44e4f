import type { RepeatLedger } from './deps.js';

/** A repeat ledger in memory: the simulated account, `replay`, game days and tests. */
export class MemoryRepeatLedger implements RepeatLedger {
  readonly #times = new Map<string, Date[]>();

  async record(key: string, at: Date): Promise<void> {
    this.#times.set(key, [...(this.#times.get(key) ?? []), at]);
  }

  async since(key: string, from: Date): Promise<readonly Date[]> {
    return (this.#times.get(key) ?? []).filter((t) => t.getTime() >= from.getTime());
  }
}
