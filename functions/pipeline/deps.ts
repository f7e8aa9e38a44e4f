import type { Change } from '../core/change.js';
import type { NetworkApi } from '../core/network.js';
import type { Outcome, Trigger } from '../core/outcome.js';
import type { Policy } from '../core/policy.js';

/** What a remediation needs: the network, the policy, and a clock (injected so tests and game days control time). */
export interface PipelineDeps {
  /** The network a remediation reads and changes: the event's region's, once `reach` has chosen it. */
  readonly network: NetworkApi;
  readonly policy: Policy;
  readonly clock: () => Date;
  /** The region's internet-facing load balancers by group, read once per run (a sweep shares it); read on demand otherwise. */
  readonly loadBalancers?: () => Promise<ReadonlyMap<string, readonly string[]>>;
  /**
   * Where the function can act, for events that say where they happened: its own account, and the
   * network of each region in it. Without it, every event is judged on `network` (one simulated account).
   */
  readonly reach?: Reach;
  /** Where the event path counts its reverts per drift and actor, to stop fighting a reconciler; none: not counted. */
  readonly repeats?: RepeatLedger;
}

/**
 * Times recorded per key (a revert, or "a person was told"), kept at least as long as asked: memory
 * locally, DynamoDB when deployed.
 */
export interface RepeatLedger {
  /** Adds one time under `key`, kept at least `keepSeconds`. */
  record(key: string, at: Date, keepSeconds: number): Promise<void>;
  /** The times recorded under `key` at or after `from`. */
  since(key: string, from: Date): Promise<readonly Date[]>;
}

/** The account a function's credentials reach, and a network per region in it (clients cached per region). */
export interface Reach {
  /** The function's own account; `undefined` when it is not known (then any account is taken for it). */
  readonly account?: string;
  /** The network of one region of that account. */
  network(region: string): NetworkApi;
}

/** Observe, evaluate, plan, apply and verify one kind of change. */
export type Remediator<K extends Change['kind'] = Change['kind']> = (
  change: Extract<Change, { kind: K }>,
  trigger: Trigger,
  deps: PipelineDeps,
) => Promise<Outcome>;

/** The remediators a function serves, by change kind; a kind it does not serve is unsupported input there. */
export type Remediators = { readonly [K in Change['kind']]?: Remediator<K> };
