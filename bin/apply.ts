import { createInterface } from 'node:readline/promises';
import { UsageError } from './io.js';

/**
 * The rule for every command that changes a real account (`--target aws`): it shows what it would
 * change and changes it only with `--apply`; with `--apply` it asks once on a terminal (unless
 * `--yes`), and with no terminal to ask on it refuses without `--yes`.
 */
export interface ApplyOptions {
  readonly apply?: boolean;
  readonly yes?: boolean;
  readonly dryRun?: boolean;
}

/** Refuses contradictory or unconfirmable options before anything is read. */
export function checkApply(opts: ApplyOptions, interactive: boolean = process.stdin.isTTY === true): void {
  if (opts.apply && opts.dryRun) throw new UsageError('--apply and --dry-run contradict each other: give one');
  if (opts.yes && !opts.apply) throw new UsageError('--yes confirms --apply: add --apply to change the account');
  if (opts.apply && !opts.yes && !interactive) {
    throw new UsageError('--apply changes a real account and there is no terminal to ask on: add --yes to confirm');
  }
}

/** Asks a yes/no question on the terminal (stderr, so stdout stays the command's output). */
export async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
