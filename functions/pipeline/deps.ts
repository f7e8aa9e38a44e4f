import type { Change } from '../core/change.js';
import type { NetworkApi } from '../core/network.js';
import type { Organization } from '../core/organization.js';
import type { Outcome, Trigger } from '../core/outcome.js';
import type { Policy } from '../core/policy.js';
import type { ConfigHistory } from '../core/restore.js';

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
  /**
   * `configRestore`: the AWS Config history of the event's account and region, where a ModifySecurityGroupRules
   * or ReplaceRoute is restored from; `undefined` (or none for that place) when the switch is off.
   */
  readonly configHistory?: (region: string | undefined, account: string | undefined) => ConfigHistory | undefined;
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

/**
 * Where the function can act: a network per account and region. Alone, its own account (its own
 * credentials); from an organisation's hub, every account of `organization` too, each through its
 * member role (STS AssumeRole, credentials cached per account). Clients are cached per account and
 * region, so retries and throttling are shaped per account-region, as EC2's request buckets are.
 */
export interface Reach {
  /** The function's own account (the hub's); `undefined` when it is not known (then any account is taken for it). */
  readonly account?: string;
  /**
   * The network of one region of `account`: the function's own credentials for its own account (or when
   * `account` is omitted), the member role's for any other account of the organisation. A member whose
   * role cannot be assumed, or may not make a call, fails that call with `AccountAccessError`.
   */
  network(region: string, account?: string): NetworkApi;
  /** The organisation guarded from this hub; absent: only the own account is in reach. */
  readonly organization?: Organization;
  /**
   * The OUs `account` is in, from the root down (Organizations ListParents, cached); asked only when an
   * override names an OU. Rejects with `AccountAccessError` (`organization-units`) when they cannot be read.
   */
  ous?(account: string): Promise<readonly string[]>;
  /** The account's name in the organisation (Organizations DescribeAccount, cached); `undefined` on any failure. */
  alias?(account: string): Promise<string | undefined>;
}

/** Observe, evaluate, plan, apply and verify one kind of change. */
export type Remediator<K extends Change['kind'] = Change['kind']> = (
  change: Extract<Change, { kind: K }>,
  trigger: Trigger,
  deps: PipelineDeps,
) => Promise<Outcome>;

/** The remediators a function serves, by change kind; a kind it does not serve is unsupported input there. */
export type Remediators = { readonly [K in Change['kind']]?: Remediator<K> };
