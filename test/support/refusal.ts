import { expect } from 'vitest';

/**
 * The message of the error `act` throws, which must be a `type` (a refusal the product names: a
 * malformed record, a bad configuration); a test fails when `act` does not throw at all.
 */
export function refusalOf(act: () => unknown, type: abstract new (...args: never[]) => Error): string {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return (error as Error).message;
  }
  throw new Error(`expected a ${type.name}, and nothing was thrown`);
}
