/**
 * A module evaluated anew, apart from the copy every other test shares.
 *
 * Mutation runs (stryker.config.mjs) keep modules loaded between test files and switch a mutant on
 * at run time, so a mutant in code that runs at import (a zod schema, a constant table) would never
 * be switched on in the shared copy. A query string makes the module loader evaluate the file again
 * (its own imports stay shared), under whatever mutant is on now, without disturbing the shared copy.
 */
let loads = 0;

export async function fresh<T>(specifier: string): Promise<T> {
  loads += 1;
  return (await import(/* @vite-ignore */ `${specifier}?fresh=${loads}`)) as T;
}
