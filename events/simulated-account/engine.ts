import type { Policy } from '../../functions/core/policy.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import type { ConfigHistory } from '../../functions/core/restore.js';
import type { Reach, Remediators } from '../../functions/pipeline/deps.js';
import { createEngine, type Engine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import { ROUTE_TABLE_REMEDIATORS } from '../../functions/pipeline/route-table.js';
import { SECURITY_GROUP_REMEDIATORS } from '../../functions/pipeline/security-group.js';
import type { SimulatedAccount } from './account.js';
import { SimulatedNetwork, type SimulatedNetworkOptions } from './network.js';
import { RecordingNotifier } from './notifier.js';

/** Every remediator, as the runbook and the game day use them. */
export const ALL_REMEDIATORS: Remediators = {
  ...SECURITY_GROUP_REMEDIATORS,
  ...ROUTE_TABLE_REMEDIATORS,
};

export interface SimulatedEngine {
  readonly engine: Engine;
  readonly network: SimulatedNetwork;
  readonly notifier: RecordingNotifier;
}

/** The same engine a deployed function runs, wired to a simulated account instead of AWS. */
export function simulatedEngine(
  account: SimulatedAccount,
  opts: {
    policy?: Policy;
    network?: SimulatedNetworkOptions;
    remediators?: Remediators;
    clock?: () => Date;
    /** Other regions (and the function's account) for events that say where they happened. */
    reach?: Reach;
    /** `configRestore` on: the account's AWS Config history (every place of the engine reads this one). */
    configHistory?: ConfigHistory;
  } = {},
): SimulatedEngine {
  const network = new SimulatedNetwork(account, opts.network);
  const notifier = new RecordingNotifier();
  const engine = createEngine({
    network,
    channels: [notifier],
    makeStore: () => new MemoryIdempotencyStore(),
    policy: opts.policy ?? DEFAULT_POLICY,
    clock: opts.clock ?? (() => new Date()),
    remediators: opts.remediators ?? ALL_REMEDIATORS,
    ...(opts.reach ? { reach: opts.reach } : {}),
    ...(opts.configHistory ? { configHistory: () => opts.configHistory } : {}),
  });
  return { engine, network, notifier };
}
