import type { Context } from 'aws-lambda';
import { inject } from '../../events/generator/inject.js';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { type CallRecord, SimulatedNetwork } from '../../events/simulated-account/network.js';
import { RecordingNotifier } from '../../events/simulated-account/notifier.js';
import { type PacedInstance, SimulatedOrganization } from '../../events/simulated-account/organization.js';
import { type QueueMessage, type QueueOptions, SimulatedQueue } from '../../events/simulated-account/queue.js';
import { ec2Throttle } from '../../events/simulated-account/throttle.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../functions/adapters/clients.js';
import { type BatchResponse, createLambdaHandler } from '../../functions/adapters/lambda-handler.js';
import { type BucketName, bucketOf, EC2_BUCKETS } from '../../functions/core/ec2-rates.js';
import type { NotificationChannel } from '../../functions/core/notifier.js';
import { parsePolicy } from '../../functions/core/policy.js';
import type { Remediators } from '../../functions/pipeline/deps.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { createPacer } from '../../functions/pipeline/pacer.js';
import { ROUTE_TABLE_REMEDIATORS } from '../../functions/pipeline/route-table.js';
import { SECURITY_GROUP_REMEDIATORS } from '../../functions/pipeline/security-group.js';
import { QUEUE_DEFAULTS } from '../../infra/config.js';
import { ec2Shares } from '../../infra/constructs/event-queue.js';
import { sharedStores } from '../../events/simulated-account/stores.js';
import { prng } from '../support/prng.js';
import { log, round } from './stats.js';
import { VirtualClock } from './virtual-time.js';

/**
 * The storm's policy: the default, with the repeat limit lifted. A storm repeats the same kind of
 * drift on each resource by one actor (a runaway script), and is measured for how fast LayerGuard
 * clears it; under the default limit (3 reverts an hour) the fourth event on a group would be
 * `alert-only` as a reconciler fight, which is what that limit is for, not what this measures.
 */
const STORM_POLICY = parsePolicy({ reconciler: { maxRepeats: 100 } });

/** SDK v3 standard retry mode: full-jitter exponential backoff from 500 ms for throttling, capped at 20 s. */
export const SDK_RETRY = { maxAttempts: DEFAULT_MAX_ATTEMPTS, baseDelayMs: 500, maxDelayMs: 20_000 };

/** The queue and event source mapping as the stack deploys them (infra/config.ts `queue`). */
export const STACK_QUEUE: QueueOptions = {
  batchSize: QUEUE_DEFAULTS.batchSize,
  batchingWindowMs: QUEUE_DEFAULTS.batchingWindowSeconds * 1000,
  maxConcurrency: QUEUE_DEFAULTS.maxConcurrency,
  retryDelayMs: QUEUE_DEFAULTS.retryDelaySeconds * 1000,
  maxReceiveCount: QUEUE_DEFAULTS.maxReceiveCount,
};

export interface StormOptions {
  readonly name: string;
  readonly groups: number;
  readonly routeTables: number;
  readonly events: number;
  readonly arrivalMs: number;
  readonly latencyMs: number;
  readonly seed: number;
  readonly queue: QueueOptions;
  /** The SDK retry policy on throttling (default: the clients' standard mode, 5 attempts). */
  readonly retry?: { readonly maxAttempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  /** Pace calls at each instance's share of EC2's buckets (the functions do); false: send at will. */
  readonly paced?: boolean;
}

export const DEFAULT_STORM: StormOptions = {
  name: 'groups-and-tables',
  groups: 200,
  routeTables: 50,
  events: 1000,
  arrivalMs: 1000,
  latencyMs: 50,
  seed: 6,
  queue: STACK_QUEUE,
};

/** 1,000 events, each on a group of its own: nothing to coalesce, so the revoke bucket alone sets the pace. */
export const GROUP_EACH_STORM: StormOptions = { ...DEFAULT_STORM, name: 'one-group-each', groups: 1000, routeTables: 0 };

export interface StormReport {
  readonly name: string;
  /** Virtual seconds from the first event to the last drift reverted and told (or, if some never were, the last event settled). */
  readonly seconds: number;
  /**
   * The least time EC2's buckets allow for the calls this design needed: per account-region and bucket,
   * the calls that drew a token, less the bucket's burst, over its refill rate (and no less than the
   * arrivals, the batching window and one event's round trips).
   */
  readonly boundSeconds: number;
  /** The same for a design that needs one read of each resource and one revoke per group (every event of a resource in one batch). */
  readonly idealBoundSeconds: number;
  /** Calls EC2 answered `RequestLimitExceeded`. */
  readonly throttledCalls: number;
  /** Deliveries of a message after its first (the queue's retries). */
  readonly retries: number;
  readonly deadLettered: number;
  /** Events whose drift is still there and that are not in the dead-letter queue. */
  readonly lost: number;
  /** Events told twice of the same outcome, or remediated twice. */
  readonly handledTwice: number;
  readonly events: number;
  readonly reverted: number;
  readonly batches: number;
  readonly largestBatch: number;
  readonly ec2Calls: number;
  readonly callsByBucket: Record<BucketName, number>;
  readonly revokes: number;
  readonly outcomes: Record<string, number>;
  readonly queue: QueueOptions;
  readonly latencyMs: number;
  readonly accounts?: number;
  readonly regions?: number;
  readonly accountRegions?: number;
}



interface StormEvent {
  readonly index: number;
  readonly fn: 'securityGroup' | 'routeTable';
  readonly event: Record<string, unknown>;
  readonly arrivesAt: number;
  /** True while the drift this event reports is still on the account. */
  readonly present: () => boolean;
  readonly place: string;
}

const SG_PORTS = [22, 3389, 3306, 5432, 6379, 9200];
const ROUTE_DESTINATIONS = [
  '0.0.0.0/0',
  '203.0.113.0/24',
  '198.51.100.0/24',
  '192.0.2.0/24',
  '100.64.0.0/10',
  '8.8.8.0/24',
];

/**
 * The account: the three-tier baseline plus `groups` application groups and `routeTables` isolated
 * tables, each with a database subnet (in `into`, an account-region of an organisation, when given).
 */
function stormAccount(
  opts: Pick<StormOptions, 'groups' | 'routeTables' | 'events' | 'arrivalMs'>,
  rand: () => number,
  epoch: number,
  into?: SimulatedAccount,
): { account: SimulatedAccount; events: StormEvent[] } {
  const account = into ?? threeTierAccount();
  const vpc = BASELINE.vpcId;
  const groups = Array.from({ length: opts.groups }, (_, i) =>
    account.createSecurityGroup(vpc, `storm-app-${i}`, {
      tags: { Name: `storm-app-${i}`, Tier: 'Application' },
    }),
  );
  const tables = Array.from({ length: opts.routeTables }, (_, i) => {
    const subnet = account.createSubnet(vpc, `10.0.${100 + i}.0/24`, {
      tags: { Name: `storm-db-${i}`, Tier: 'Database' },
    });
    const table = account.createRouteTable(vpc, { tags: { Name: `storm-db-${i}`, Tier: 'Database' } });
    account.associateRouteTable(table, subnet);
    return table;
  });
  // Events spread over the resources in proportion: groups get events * groups / (groups + tables).
  const sgEvents = Math.round((opts.events * opts.groups) / (opts.groups + opts.routeTables));
  const made: Omit<StormEvent, 'arrivesAt' | 'index'>[] = [];
  for (let i = 0; i < opts.events; i += 1) {
    if (i < sgEvents) {
      const groupId = groups[i % groups.length] as string;
      const port = SG_PORTS[Math.floor(i / groups.length) % SG_PORTS.length] as number;
      const injected = inject.authorizeIngress(
        account,
        groupId,
        [{ protocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: '0.0.0.0/0' }],
        {
          eventTime: new Date(epoch),
        },
      );
      const rule = (account.rulesOf(groupId).find((r) => r.fromPort === port && r.cidrIpv4 === '0.0.0.0/0') ??
        {}) as { ruleId?: string };
      made.push({
        fn: 'securityGroup',
        event: injected.event,
        present: () => account.rules.has(rule.ruleId ?? ''),
        place: placeOf(account),
      });
    } else {
      const j = i - sgEvents;
      const table = tables[j % tables.length] as string;
      const cidr = ROUTE_DESTINATIONS[Math.floor(j / tables.length) % ROUTE_DESTINATIONS.length] as string;
      const injected = inject.createRoute(
        account,
        table,
        { cidrIpv4: cidr },
        { gatewayId: BASELINE.internetGatewayId },
        { eventTime: new Date(epoch) },
      );
      made.push({
        fn: 'routeTable',
        event: injected.event,
        present: () =>
          account
            .routeTable(table)
            ?.routes.some((r) => r.cidrIpv4 === cidr && r.gatewayId === BASELINE.internetGatewayId) ?? false,
        place: placeOf(account),
      });
    }
  }
  // Shuffle (seeded) so that the kinds and resources interleave, then spread the arrivals over the window.
  for (let i = made.length - 1; i > 0; i -= 1) {
    const k = Math.floor(rand() * (i + 1));
    [made[i], made[k]] = [made[k] as (typeof made)[number], made[i] as (typeof made)[number]];
  }
  const events = made.map((e, index) => {
    const arrivesAt = Math.floor((index * opts.arrivalMs) / made.length);
    // The CloudTrail record's time is when the change was made: at its arrival, in this model.
    const detail = (e.event as { detail: { eventTime: string } }).detail;
    detail.eventTime = new Date(epoch + arrivesAt).toISOString();
    return { ...e, index, arrivesAt };
  });
  return { account, events };
}


const restoreEnv = (name: string, value: string | undefined): void => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};

const placeOf = (account: SimulatedAccount): string => `${account.account} ${account.region}`;

/** The least seconds the buckets allow for `calls` calls per bucket: the burst, then the refill rate. */
const bucketBound = (calls: Record<BucketName, number>): number =>
  Math.max(
    ...(Object.keys(EC2_BUCKETS) as BucketName[]).map((b) =>
      Math.max(0, (calls[b] - EC2_BUCKETS[b].capacity) / EC2_BUCKETS[b].refillPerSecond),
    ),
  );
const noCalls = (): Record<BucketName, number> => ({ sgIngress: 0, mutating: 0, reads: 0 });


/**
 * A storm of drift events, handled as the stack deploys them: the rules put each event on its
 * function's queue, the event source mapping hands batches to at most `queue.maxConcurrency`
 * instances at a time, each instance runs the deployed handler (functions/adapters/lambda-handler.ts:
 * the batch judged together, its calls paced at the instance's share of EC2's buckets, partial batch
 * responses), failed messages come back after the retry delay and go to the dead-letter queue after
 * `maxReceiveCount` receives. The simulated account enforces EC2's buckets per account-region.
 * Virtual time: a storm of minutes runs in seconds.
 */
export async function runStorm(opts: StormOptions = DEFAULT_STORM, spread?: StormSpread): Promise<StormReport> {
  const clock = new VirtualClock();
  const rand = prng(opts.seed);
  const epoch = Date.parse('2025-01-01T00:00:00Z');
  const retry = opts.retry ?? SDK_RETRY;
  const organization = spread ? stormOrganization(spread, opts, clock.now, retry) : undefined;
  const places = organization?.places;
  const single = places ? undefined : stormAccount(opts, rand, epoch);
  const perPlace = places?.map((p, i) =>
    stormAccount(share(opts, i, places.length), rand, epoch, organization?.org.place(p.account, p.region).account),
  );
  const events = single ? single.events : mergeArrivals(perPlace ?? []);
  const throttle = ec2Throttle(clock.now);
  const now = () => new Date(epoch + clock.now());
  const k = opts.queue.maxConcurrency;
  const shares = ec2Shares(k, k);

  // Who was told what, when: the time of an event's last notice is when its revert was proven and told.
  const told = new Map<string, { at: number; outcomes: string[] }>();
  const recorder = new RecordingNotifier();
  const timed: NotificationChannel = {
    name: recorder.name,
    audience: recorder.audience,
    async send(outcome) {
      const seen = told.get(outcome.eventId) ?? { at: 0, outcomes: [] };
      told.set(outcome.eventId, { at: clock.now(), outcomes: [...seen.outcomes, outcome.outcome] });
      return recorder.send(outcome);
    },
  };

  const networks: SimulatedNetwork[] = [];
  const context = (fn: string) =>
    ({ functionName: `layerguard-${fn}`, awsRequestId: 'storm', getRemainingTimeInMillis: () => 600_000 }) as unknown as Context;
  const functions: Record<StormEvent['fn'], Remediators> = {
    securityGroup: SECURITY_GROUP_REMEDIATORS,
    routeTable: ROUTE_TABLE_REMEDIATORS,
  };
  const instancesOf = (fn: StormEvent['fn']) => {
    const stores = sharedStores();
    const pacer = () => (opts.paced === false ? undefined : createPacer({ share: shares[fn], now: clock.now }));
    return Array.from({ length: k }, () => {
      const instance: PacedInstance = { pacer: () => pacer() as ReturnType<typeof createPacer>, networks };
      const network = single
        ? new SimulatedNetwork(single.account, { latencyMs: opts.latencyMs, throttle, retry, ...(pacer() ? { pacer: pacer() } : {}) })
        : undefined;
      if (network) networks.push(network);
      const reach = organization ? organization.org.reach(opts.paced === false ? undefined : instance) : undefined;
      const engine = createEngine({
        network: network ?? (reach?.network(organization?.org.hub.region ?? '') as SimulatedNetwork),
        ...(reach ? { reach } : {}),
        channels: [timed],
        makeStore: stores(),
        policy: STORM_POLICY,
        clock: now,
        remediators: functions[fn],
      });
      return createLambdaHandler(fn, engine, '');
    });
  };

  const outcomes: Record<string, number> = {};
  const reports = await (async () => {
    // Math.random drives the SDK-like jitter in the simulated network: seeded for the storm's duration.
    const realRandom = Math.random;
    Math.random = rand;
    // The deployed handler logs each outcome and flushes metrics after each batch: silent here.
    const realWarn = console.warn;
    const env = { log: process.env.POWERTOOLS_LOG_LEVEL, metrics: process.env.POWERTOOLS_METRICS_DISABLED };
    console.warn = () => {};
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    try {
      return await clock.run(async () =>
        Promise.all(
          (Object.keys(functions) as StormEvent['fn'][]).map(async (fn) => {
            const mine = events.filter((e) => e.fn === fn);
            if (mine.length === 0) return undefined;
            const handlers = instancesOf(fn);
            const queue = new SimulatedQueue<StormEvent>(opts.queue);
            for (const e of mine) queue.send(e, e.arrivesAt);
            return queue.run(async (batch: readonly QueueMessage<StormEvent>[], poller: number) => {
              const records = batch.map((m) => ({ messageId: m.messageId, body: JSON.stringify(m.body.event), eventSource: 'aws:sqs' }));
              const handler = handlers[poller] as (typeof handlers)[number];
              const answer = (await handler({ Records: records }, context(fn))) as BatchResponse;
              return answer.batchItemFailures.map((f) => f.itemIdentifier);
            });
          }),
        ),
      );
    } finally {
      Math.random = realRandom;
      console.warn = realWarn;
      restoreEnv('POWERTOOLS_LOG_LEVEL', env.log);
      restoreEnv('POWERTOOLS_METRICS_DISABLED', env.metrics);
    }
  })();
  for (const sent of recorder.sent) outcomes[sent.outcome] = (outcomes[sent.outcome] ?? 0) + 1;

  const placeCalls = new Map<string, CallRecord[]>();
  for (const n of networks) placeCalls.set(placeOf(n.account), [...(placeCalls.get(placeOf(n.account)) ?? []), ...n.calls]);
  const calls = [...placeCalls.values()].flat();
  const callsByBucket = noCalls();
  for (const c of calls) callsByBucket[bucketOf(c.operation)] += 1;
  const throttledCalls = calls.filter((c) => c.errorCode === 'RequestLimitExceeded').length;
  // A call that drew a token: every call EC2 did not throttle.
  const drew = (list: readonly CallRecord[]) => {
    const n = noCalls();
    for (const c of list) if (c.errorCode !== 'RequestLimitExceeded') n[bucketOf(c.operation)] += 1;
    return n;
  };
  // The last event arrives, its batch's window closes, and its round trips run.
  const floor = (Math.max(opts.arrivalMs, opts.queue.batchingWindowMs) + opts.latencyMs * 4) / 1000;
  const boundSeconds = Math.max(floor, ...[...placeCalls.values()].map((list) => bucketBound(drew(list))));
  // One read of each group and its rules and one revoke per group; a table's two reads, its deletes and one read-back.
  const ideal = (list: readonly StormEvent[]) => {
    const groups = new Set(list.filter((e) => e.fn === 'securityGroup').map((e) => groupOfEvent(e)));
    const routes = list.filter((e) => e.fn === 'routeTable');
    const tables = new Set(routes.map((e) => tableOfEvent(e)));
    return { sgIngress: groups.size, mutating: routes.length, reads: 2 * groups.size + 3 * tables.size };
  };
  const byPlace = new Map<string, StormEvent[]>();
  for (const e of events) byPlace.set(e.place, [...(byPlace.get(e.place) ?? []), e]);
  const idealBoundSeconds = Math.max(floor, ...[...byPlace.values()].map((list) => bucketBound(ideal(list))));

  const deadLetteredEvents = new Set(reports.flatMap((r) => (r?.deadLettered ?? []).map((m) => m.body.index)));
  const unreverted = events.filter((e) => e.present());
  const lost = unreverted.filter((e) => !deadLetteredEvents.has(e.index)).length;
  const eventIdOf = (e: StormEvent) => (e.event as { detail: { eventID: string } }).detail.eventID;
  const handledTwice = events.filter((e) => {
    const said = told.get(eventIdOf(e))?.outcomes ?? [];
    return said.length !== new Set(said).size || said.filter((o) => o === 'remediated').length > 1;
  }).length;
  const end = Math.max(0, ...events.map((e) => told.get(eventIdOf(e))?.at ?? 0));
  const batchSizes = reports.flatMap((r) => r?.batchSizes ?? []);
  const report: StormReport = {
    name: opts.name,
    seconds: round(end / 1000, 1),
    boundSeconds: round(boundSeconds, 1),
    idealBoundSeconds: round(idealBoundSeconds, 1),
    throttledCalls,
    retries: reports.reduce((n, r) => n + (r?.redeliveries ?? 0), 0),
    deadLettered: deadLetteredEvents.size,
    lost,
    handledTwice,
    events: events.length,
    reverted: events.length - unreverted.length,
    batches: batchSizes.length,
    largestBatch: Math.max(0, ...batchSizes),
    ec2Calls: calls.length,
    callsByBucket,
    revokes: calls.filter((c) => c.operation === 'RevokeSecurityGroupIngress').length,
    outcomes,
    queue: opts.queue,
    latencyMs: opts.latencyMs,
    ...(spread ? { accounts: spread.accounts, regions: spread.regions, accountRegions: spread.accounts * spread.regions } : {}),
  };
  log(
    `storm ${report.name}${spread ? ` over ${spread.accounts} accounts × ${spread.regions} regions` : ''}: ${report.events} events, ${report.seconds} s (bound ${report.boundSeconds} s, ideal ${report.idealBoundSeconds} s), ${report.throttledCalls} throttled calls, ${report.retries} retries, ${report.deadLettered} dead-lettered, ${report.lost} lost, ${report.handledTwice} handled twice`,
  );
  return report;
}

const groupOfEvent = (e: StormEvent): string => (e.event as { detail: { requestParameters: { groupId: string } } }).detail.requestParameters.groupId;
const tableOfEvent = (e: StormEvent): string =>
  (e.event as { detail: { requestParameters: { routeTableId: string } } }).detail.requestParameters.routeTableId;

/** A storm spread over an organisation's account-regions instead of one. */
export interface StormSpread {
  readonly accounts: number;
  readonly regions: number;
}

/** The `i`th of `n` shares of the storm's groups, tables and events (the remainders to the first shares). */
function share(opts: StormOptions, i: number, n: number): Pick<StormOptions, 'groups' | 'routeTables' | 'events' | 'arrivalMs'> {
  const part = (total: number) => Math.floor(total / n) + (i < total % n ? 1 : 0);
  return { groups: part(opts.groups), routeTables: part(opts.routeTables), events: part(opts.events), arrivalMs: opts.arrivalMs };
}

/** Every account-region's events in one stream, by arrival, numbered again. */
function mergeArrivals(parts: readonly { events: StormEvent[] }[]): StormEvent[] {
  return parts
    .flatMap((p) => p.events)
    .sort((a, b) => a.arrivesAt - b.arrivesAt || a.index - b.index)
    .map((e, index) => Object.assign(e, { index }));
}

/**
 * The organisation of a spread storm: `accounts` accounts (the first the hub, where the functions run),
 * each with `regions` regions, every account-region its own EC2 buckets on the storm's clock
 * (EC2 throttles per account and region: events/simulated-account/organization.ts).
 */
function stormOrganization(spread: StormSpread, opts: StormOptions, now: () => number, retry: NonNullable<StormOptions['retry']>) {
  const accounts = Array.from({ length: spread.accounts }, (_, i) => String(100000000000 + i * 1111));
  const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-west-2'].slice(0, spread.regions);
  const org = new SimulatedOrganization({
    hub: { account: accounts[0] as string, region: regions[0] as string },
    members: accounts.slice(1),
    regions,
    network: { latencyMs: opts.latencyMs, retry, throttle: () => ec2Throttle(now) },
  });
  const places = accounts.flatMap((account) => regions.map((region) => ({ account, region })));
  return { org, places };
}
