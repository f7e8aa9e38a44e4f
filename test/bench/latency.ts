import { type Injected, inject } from '../../events/generator/inject.js';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import type { CallRecord } from '../../events/simulated-account/network.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { percentile, round, sequentialRoundTrips, timeInCalls } from './stats.js';

/** The drift kinds, as one injection each that the engine reverts (so the account returns to baseline). */
export const DRIFT_KINDS = {
  securityGroup: (account: SimulatedAccount): Injected =>
    inject.authorizeIngress(account, BASELINE.securityGroups.app, [
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
    ]),
  route: (account: SimulatedAccount): Injected =>
    inject.createRoute(
      account,
      BASELINE.routeTables.database,
      { cidrIpv4: '0.0.0.0/0' },
      { gatewayId: BASELINE.internetGatewayId },
    ),
  association: (account: SimulatedAccount): Injected =>
    inject.moveSubnet(account, BASELINE.subnets.database1, BASELINE.routeTables.public),
  /** A database subnet taken off its table onto a main table that routes to the internet gateway (given it once). */
  disassociation: (account: SimulatedAccount): Injected => {
    const main = account.routeTable(BASELINE.routeTables.main);
    if (!main?.routes.some((r) => r.gatewayId === BASELINE.internetGatewayId)) {
      account.createRoute(BASELINE.routeTables.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: BASELINE.internetGatewayId });
    }
    return inject.disassociateSubnet(account, BASELINE.subnets.database2);
  },
  /** tcp/3306 from the web tier's group on the database tier: a tier skip, judged on the web group's tags. */
  tierSkip: (account: SimulatedAccount): Injected =>
    inject.authorizeIngress(account, BASELINE.securityGroups.db, [
      { protocol: 'tcp', fromPort: 3306, toPort: 3306, referencedGroupId: BASELINE.securityGroups.web },
    ]),
  /** 0.0.0.0/0 added to the office list, which the app tier names on tcp/22 (given it once). */
  prefixList: (account: SimulatedAccount): Injected => {
    const office = BASELINE.prefixLists.office;
    if (!account.rulesOf(BASELINE.securityGroups.app).some((r) => r.prefixListId === office)) {
      account.authorizeIngress(BASELINE.securityGroups.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: office }]);
    }
    return inject.modifyPrefixList(account, office, ['0.0.0.0/0']);
  },
} as const;
export type DriftKind = keyof typeof DRIFT_KINDS;
export const KINDS = Object.keys(DRIFT_KINDS) as DriftKind[];

const expectRemediated = (kind: string, outcome: Outcome): void => {
  if (outcome.outcome !== 'remediated')
    throw new Error(`bench: ${kind} drift ended ${outcome.outcome}: ${outcome.reason}`);
};

export interface OverheadReport {
  readonly overheadMsP50: number;
  readonly overheadMsP99: number;
  readonly triggers: number;
}

/**
 * The event as made by session `n` of the game-day role: each trigger is another actor, so the
 * reconciler's count (same drift, same resource, same actor) never turns the thousands of repeats
 * measured here into `alert-only`. The ledger is still read and written for each, as deployed.
 */
function asActor(event: Record<string, unknown>, n: number): { event: Record<string, unknown> } {
  const detail = event.detail as { userIdentity?: { arn?: string } };
  if (detail.userIdentity?.arn) detail.userIdentity.arn = `${detail.userIdentity.arn}-${n}`;
  return { event };
}

/**
 * Time in LayerGuard's own code per trigger: the engine's whole `handle` (parse, idempotency with the
 * in-memory store, guard, evaluate, plan, notify) minus the time inside EC2 calls, on a simulated
 * account with zero latency. Triggers cycle through the drift kinds; each is reverted.
 */
export async function measureOverhead(iterations = 3000): Promise<OverheadReport> {
  const account = threeTierAccount();
  const { engine, network } = simulatedEngine(account);
  const samples: number[] = [];
  const warmup = 300;
  for (let i = 0; i < warmup + iterations; i += 1) {
    const kind = KINDS[i % KINDS.length] as DriftKind;
    const { event } = asActor(DRIFT_KINDS[kind](account).event, i);
    network.calls.length = 0;
    const start = performance.now();
    const outcome = await engine.handle(event);
    const total = performance.now() - start;
    expectRemediated(kind, outcome);
    if (i >= warmup) samples.push(total - timeInCalls(network.calls));
  }
  return {
    overheadMsP50: round(percentile(samples, 50), 3),
    overheadMsP99: round(percentile(samples, 99), 3),
    triggers: samples.length,
  };
}

export interface KindLatency {
  readonly calls: number;
  readonly operations: string[];
  readonly sequentialRoundTrips: number;
  readonly revertMs: number;
  readonly floorMs: number;
}

/**
 * Each drift kind reverted on a simulated account that adds `latencyMs` to every EC2 call. Round trips
 * are read from the call log: calls whose intervals overlap were in flight together, so they count
 * once. The revert time is the engine's `handle` from the event to the verified revert (and the
 * notification, which the simulated notifier answers at once); the floor is round trips x latency.
 */
export async function measureLatency(latencyMs = 50, repeats = 5): Promise<Record<DriftKind, KindLatency>> {
  const result = {} as Record<DriftKind, KindLatency>;
  for (const kind of KINDS) {
    const account = threeTierAccount();
    const { engine, network } = simulatedEngine(account, { network: { latencyMs } });
    const times: number[] = [];
    let log: CallRecord[] = [];
    for (let i = 0; i < repeats; i += 1) {
      const { event } = asActor(DRIFT_KINDS[kind](account).event, i);
      network.calls.length = 0;
      const start = performance.now();
      const outcome = await engine.handle(event);
      times.push(performance.now() - start);
      expectRemediated(kind, outcome);
      log = [...network.calls];
    }
    const rounds = sequentialRoundTrips(log);
    result[kind] = {
      calls: log.length,
      operations: log.map((c) => c.operation),
      sequentialRoundTrips: rounds,
      revertMs: round(percentile(times, 50)),
      floorMs: rounds * latencyMs,
    };
  }
  return result;
}
