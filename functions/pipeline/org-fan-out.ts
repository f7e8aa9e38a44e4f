import type { Organization } from '../core/organization.js';
import type { AccountRegion } from './org-sweep.js';
import { mapLimit } from './sweep.js';

/**
 * The hub's scheduled sweep of the organisation, as a fan-out: every account (the organisation's
 * ACTIVE accounts, then the listed accounts outside it) in every member region is queued as its own
 * `sweep` of the runbook function. Each account-region then runs in its own invocation, with its own
 * timeout, Lambda's asynchronous retries and the function's failure queue, so no single invocation
 * holds the whole organisation (1,000 accounts × the member regions would not fit one Lambda's 15
 * minutes), and an account whose member role cannot be assumed fails in its own invocation only.
 *
 * The fan-out is one level deep: a `sweep` never queues anything, so the chain is schedule →
 * `sweep-organization` → `sweep`.
 */

/** The payload queued for one account-region (functions/core/runbook.ts, the `sweep` action). */
export interface QueuedSweep extends AccountRegion {
  readonly action: 'sweep';
  readonly dryRun: boolean;
}

export interface FanOutDeps {
  /** The organisation's ACTIVE accounts. Rejects when they cannot be listed: then nothing is queued. */
  readonly listAccounts: () => Promise<readonly string[]>;
  /** Queues one account-region's sweep; rejects when it was not queued. */
  readonly queue: (payload: QueuedSweep) => Promise<void>;
  /** Queue calls in flight at most. */
  readonly concurrency?: number;
}

/** An account-region whose sweep could not be queued, and why. */
export interface NotQueued extends AccountRegion {
  readonly error: string;
}

/** The fan-out's answer: what was queued (the sweeps' own outcomes are in their own invocations). */
export interface FanOutResult {
  readonly action: 'sweep-organization';
  readonly dryRun: boolean;
  readonly accounts: number;
  readonly regions: readonly string[];
  /** Account-regions asked for (accounts × regions). */
  readonly total: number;
  readonly queued: number;
  readonly notQueued: readonly NotQueued[];
}

/** Queue calls in flight unless told otherwise. */
export const DEFAULT_FAN_OUT_CONCURRENCY = 16;

/** The accounts to sweep: the listed organisation accounts, then `organization.accounts`, each once, in that order. */
export function accountsToSweep(listed: readonly string[], organization: Pick<Organization, 'accounts'>): string[] {
  return [...new Set([...listed, ...organization.accounts])];
}

/** Lists the accounts, then queues one sweep per account and member region; a place that fails to queue is reported, and the others go on. */
export async function fanOutSweeps(
  organization: Pick<Organization, 'accounts' | 'memberRegions'>,
  dryRun: boolean,
  deps: FanOutDeps,
): Promise<FanOutResult> {
  const accounts = accountsToSweep(await deps.listAccounts(), organization);
  const regions = [...organization.memberRegions];
  const places = accounts.flatMap((account) => regions.map((region) => ({ account, region })));
  const results = await mapLimit(places, Math.max(1, deps.concurrency ?? DEFAULT_FAN_OUT_CONCURRENCY), async (where) => {
    try {
      await deps.queue({ action: 'sweep', account: where.account, region: where.region, dryRun });
      return undefined;
    } catch (error) {
      const e = error as { name?: string; message?: string };
      return { ...where, error: `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}` };
    }
  });
  const notQueued = results.filter((r): r is NotQueued => r !== undefined);
  return {
    action: 'sweep-organization',
    dryRun,
    accounts: accounts.length,
    regions,
    total: places.length,
    queued: places.length - notQueued.length,
    notQueued,
  };
}
