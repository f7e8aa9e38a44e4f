import { AccountAccessError } from '../core/errors.js';
import type { NetworkApi } from '../core/network.js';
import type { Outcome } from '../core/outcome.js';
import type { Policy } from '../core/policy.js';
import { describeError, makeOutcome } from './outcomes.js';
import { type RunbookDeps, type RunbookResult, type RunbookSummary, runRunbook, runbookTrigger, summarise } from './runbook.js';
import { mapLimit } from './sweep.js';

/**
 * The sweep across an organisation: the same sweep as one region's (`sweep.ts`, the event path's
 * decisions), run in every account-region asked for, each on the network of that account and region
 * (the hub reaches a member through its member role) under the policy that account runs under.
 *
 * Concurrency is bounded twice: at most `parallel` account-regions at once, and within each at most
 * `concurrency` EC2 calls in flight (the sweep's own bound). EC2's request buckets are per account and
 * region, so the per-account-region bound is what keeps each account inside its own budget, and
 * `parallel` what keeps the caller's machine and STS inside theirs.
 *
 * An account-region that cannot be reached (its member role cannot be assumed) is one `failed` row
 * that names the account and the fix; the others go on.
 */

export interface AccountRegion {
  readonly account: string;
  readonly region: string;
}

/** What one account-region is swept with: its network and the policy of its account. */
export interface Placed {
  readonly network: NetworkApi;
  readonly policy: Policy;
}

export interface OrgSweepDeps extends Omit<RunbookDeps, 'network' | 'context' | 'loadBalancers' | 'reach' | 'repeats'> {
  /** The network and policy of one account-region (rejects when the account's policy cannot be decided). */
  readonly place?: (where: AccountRegion) => Promise<Placed>;
  /**
   * Instead of `place`: one account-region's sweep run elsewhere (the deployed hub's runbook function,
   * with the account and region in its payload). A rejection is that account-region's failure only.
   */
  readonly remote?: (where: AccountRegion, dryRun: boolean) => Promise<RunbookResult>;
  /** How many account-regions are swept at once. */
  readonly parallel?: number;
  /** Who runs the sweep, copied into each trigger. */
  readonly actorArn?: string;
  /** Told as each account-region finishes (a progress line). */
  readonly onRow?: (row: OrgSweepRow, done: number, total: number) => void;
}

/** Why an account-region could not be swept at all, and what a person does about it. */
export interface Unreachable {
  readonly code: string;
  readonly message: string;
  readonly fix: string;
}

export interface OrgSweepRow extends AccountRegion {
  readonly runbookId: string;
  /** Nothing was changed here: asked for, or the account's policy is in dry-run. */
  readonly dryRun: boolean;
  readonly outcomes: readonly Outcome[];
  readonly summary: RunbookSummary;
  readonly unreachable?: Unreachable;
}

export interface OrgSweepResult {
  /** True when no row changed anything (asked for, or every account's policy is in dry-run). */
  readonly dryRun: boolean;
  readonly rows: readonly OrgSweepRow[];
  /** Every row's outcomes counted together. */
  readonly summary: RunbookSummary;
}

/** How many account-regions are swept at once unless told otherwise. */
export const DEFAULT_ORG_PARALLEL = 8;

/**
 * An error that says an account could not be reached at all, with the fix: the reach's
 * `AccountAccessError` at its `assume-role` step (or its `organization-units` step: the account's
 * policy cannot be decided). A call the member role may not make (`member-permission`) is not: the
 * sweep reports it on the resource it was reading, and goes on with the rest.
 */
export function unreachableOf(error: unknown): Unreachable | undefined {
  if (!(error instanceof AccountAccessError) || error.step === 'member-permission') return undefined;
  return { code: error.code, message: error.message, fix: error.fix };
}

/**
 * The network with its first "cannot reach the account" error kept aside, so that the row says that
 * once instead of one failure per listing. Calls pass through unchanged (the sweep still sees the error).
 */
function watched(network: NetworkApi, seen: (u: Unreachable) => void): NetworkApi {
  const note = (error: unknown) => {
    const u = unreachableOf(error);
    if (u) seen(u);
    return error;
  };
  return new Proxy(network, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) return result.catch((error: unknown) => Promise.reject(note(error)));
        if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
          const iterable = result as AsyncIterable<unknown>;
          return {
            async *[Symbol.asyncIterator]() {
              try {
                yield* iterable;
              } catch (error) {
                throw note(error);
              }
            },
          };
        }
        return result;
      };
    },
  });
}

/** One account-region's sweep: the region's sweep on its placed network, or one failed outcome naming why it could not be reached. */
async function sweepOne(where: AccountRegion, dryRun: boolean, deps: OrgSweepDeps): Promise<OrgSweepRow> {
  const context = { account: where.account, region: where.region, ...(deps.actorArn ? { actorArn: deps.actorArn } : {}) };
  let unreachable: Unreachable | undefined;
  const failedRow = (u: Unreachable): OrgSweepRow => {
    const trigger = runbookTrigger('sweep', { clock: deps.clock, newId: deps.newId, context });
    const outcome = makeOutcome(trigger, 'failed', `account ${where.account}, region ${where.region} could not be swept: ${u.message}`, {
      resources: [where.account],
      error: { name: 'AccountAccessError', message: u.message, code: u.code },
      humanAction: u.fix,
    });
    return { ...where, runbookId: trigger.eventId, dryRun, outcomes: [outcome], summary: summarise([outcome]), unreachable: u };
  };
  if (deps.remote) return remoteOne(where, dryRun, deps.remote, { clock: deps.clock, newId: deps.newId, context });
  if (!deps.place) throw new Error('an organisation sweep needs a place or a remote');
  let placed: Placed;
  try {
    placed = await deps.place(where);
  } catch (error) {
    const u = unreachableOf(error);
    if (!u) throw error;
    return failedRow(u);
  }
  const { place: _place, remote: _remote, parallel: _parallel, onRow: _onRow, actorArn: _actor, ...base } = deps;
  const network = watched(placed.network, (u) => {
    unreachable ??= u;
  });
  const result = await runRunbook({ action: 'sweep', dryRun }, { ...base, network, policy: placed.policy, context });
  if (unreachable) return failedRow(unreachable);
  return { ...where, runbookId: result.runbookId, dryRun: result.dryRun, outcomes: result.outcomes, summary: result.summary };
}

/** One account-region swept by the deployed function: its answer as a row, or one failed outcome when the invocation failed. */
async function remoteOne(
  where: AccountRegion,
  dryRun: boolean,
  remote: NonNullable<OrgSweepDeps['remote']>,
  triggerDeps: Parameters<typeof runbookTrigger>[1],
): Promise<OrgSweepRow> {
  try {
    const r = await remote(where, dryRun);
    return { ...where, runbookId: r.runbookId, dryRun: r.dryRun, outcomes: r.outcomes, summary: r.summary };
  } catch (error) {
    const trigger = runbookTrigger('sweep', triggerDeps);
    const described = describeError(error);
    const outcome = makeOutcome(trigger, 'failed', `the sweep of account ${where.account}, region ${where.region} failed: ${described.message}`, {
      resources: [where.account],
      error: described,
      humanAction: `Run it again for --accounts ${where.account} --regions ${where.region}, and read the runbook function's log if it fails again.`,
    });
    return { ...where, runbookId: trigger.eventId, dryRun, outcomes: [outcome], summary: summarise([outcome]) };
  }
}

/**
 * Sweeps every account-region in `places` (reverting, or with `dryRun` reporting, what each one's
 * policy defines as drift). Rows come back in the order of `places`. A `place` that rejects with an
 * error other than "cannot reach the account" is a bug, not an account's state: it rejects.
 */
export async function sweepOrganization(places: readonly AccountRegion[], dryRun: boolean, deps: OrgSweepDeps): Promise<OrgSweepResult> {
  let done = 0;
  const rows = await mapLimit(places, Math.max(1, deps.parallel ?? DEFAULT_ORG_PARALLEL), async (where) => {
    const row = await sweepOne(where, dryRun, deps);
    done += 1;
    deps.onRow?.(row, done, places.length);
    return row;
  });
  return {
    dryRun: rows.every((r) => r.dryRun),
    rows,
    summary: summarise(rows.flatMap((r) => r.outcomes)),
  };
}
