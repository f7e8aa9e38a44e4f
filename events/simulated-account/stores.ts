import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';

/**
 * Idempotency stores shared by a function's instances, as DynamoDB is one table for all of them: each
 * engine made with the returned `makeStore` gets, step by step in the order it asks, the same stores.
 */
export function sharedStores(): () => () => MemoryIdempotencyStore {
  const stores: MemoryIdempotencyStore[] = [];
  return () => {
    let i = 0;
    return () => {
      const store = (stores[i] ??= new MemoryIdempotencyStore());
      i += 1;
      return store;
    };
  };
}
