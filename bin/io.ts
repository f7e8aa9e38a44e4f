import { readFileSync } from 'node:fs';
import { LayerGuardError } from '../functions/core/errors.js';

/** A problem with what the user gave the CLI: one clear line on stderr, exit status 2. */
export class UsageError extends LayerGuardError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Reads and parses a JSON file, naming the file in any error. */
export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A resource a command named that does not exist: "not found", exit status 2. */
export class NotFoundError extends LayerGuardError {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Writes one line to stdout (machine output stays one object a line). */
export const printLine = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * The exit status of a run's outcomes: 1 when any failed, 3 when any is `alert-only` (a person
 * must act), else 0. Bad input and "not found" are 2, before any outcome.
 */
export function outcomeStatus(outcomes: readonly { readonly outcome: string }[]): number {
  if (outcomes.some((o) => o.outcome === 'failed')) return 1;
  if (outcomes.some((o) => o.outcome === 'alert-only')) return 3;
  return 0;
}
