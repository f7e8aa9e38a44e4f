import { readFileSync } from 'node:fs';
import { LayerGuardError } from '../functions/core/errors.js';
import { DEFAULT_POLICY, type Policy, parsePolicy } from '../functions/core/policy.js';

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

/** The policy from `--policy FILE`, or the default one. */
export const loadPolicy = (path?: string): Policy => (path ? parsePolicy(readJson(path)) : DEFAULT_POLICY);

/** Writes one line to stdout (machine output stays one object a line). */
export const printLine = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
