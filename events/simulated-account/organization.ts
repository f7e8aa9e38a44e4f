import { AccountAccessError } from '../../functions/core/errors.js';
import type { NetworkApi } from '../../functions/core/network.js';
import { memberRoleArn, type Organization, OrganizationSchema } from '../../functions/core/organization.js';
import type { Reach } from '../../functions/pipeline/deps.js';
import { SimulatedAccount } from './account.js';
import { seedThreeTier } from './baseline.js';
import { BASELINE } from './ids.js';
import { SimulatedNetwork, type SimulatedNetworkOptions } from './network.js';
import { type Ec2Throttle, ec2Throttle } from './throttle.js';
import type { Pacer } from '../../functions/pipeline/pacer.js';

/**
 * An AWS Organization held in memory: a hub account and member accounts, each with the three-tier
 * baseline in every one of its regions. Each account-region is a `SimulatedAccount` of its own behind
 * a `SimulatedNetwork` of its own, with EC2's request buckets of its own: EC2 throttles "for each
 * account, on a per-Region basis" (EC2 API reference, "Request throttling for the Amazon EC2 API"),
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), so a storm in one
 * account-region never drains another's.
 *
 * The baseline's resource ids are the same in every account-region (ids are per account in this
 * model), which makes a revert in the wrong account visible: it would find the hub's group, or none.
 */

/** The hub of the simulated organisation: the baseline's own account and region. */
export const SIMULATED_HUB = { account: BASELINE.account, region: BASELINE.region } as const;
/** Its member accounts, in the order Organizations would list them. */
export const SIMULATED_MEMBERS = ['222233334444', '333344445555'] as const;
/** Every account-region has these regions unless told otherwise. */
export const SIMULATED_REGIONS = [BASELINE.region, 'eu-west-1'] as const;
/** The organisation's id. */
export const SIMULATED_ORGANIZATION_ID = 'o-lg1sim2org3';

export interface AccountRegion {
  readonly account: string;
  readonly region: string;
}

/** A function instance of the hub: a pacer of its own for each account-region, and the networks it made (their call logs). */
export interface PacedInstance {
  readonly pacer: () => Pacer;
  readonly networks: SimulatedNetwork[];
}

export interface SimulatedOrganizationOptions {
  readonly hub?: AccountRegion;
  /** Member accounts (default `SIMULATED_MEMBERS`). */
  readonly members?: readonly string[];
  /** The regions of every account (default `SIMULATED_REGIONS`). */
  readonly regions?: readonly string[];
  /** Options of every account-region's network; `throttle` makes one set of buckets per account-region. */
  readonly network?: Omit<SimulatedNetworkOptions, 'throttle'> & { readonly throttle?: (where: AccountRegion) => Ec2Throttle };
  /** Seeds each account-region's baseline with its exemption valid from this time. */
  readonly now?: Date;
  /** The hub's account-region as it already is (a simulated target's account and network), instead of a fresh one. */
  readonly hubPlace?: { readonly account: SimulatedAccount; readonly network: SimulatedNetwork };
}

const key = (account: string, region: string) => `${account}/${region}`;

/** A simulated organisation: one three-tier account-region per account and region, each its own network and buckets. */
export class SimulatedOrganization {
  readonly id = SIMULATED_ORGANIZATION_ID;
  readonly hub: AccountRegion;
  readonly members: readonly string[];
  readonly regions: readonly string[];
  readonly #places = new Map<string, { account: SimulatedAccount; network: SimulatedNetwork }>();
  readonly #options: SimulatedOrganizationOptions;
  /** Accounts whose member role the hub cannot assume, with the code STS answers. */
  readonly #brokenRoles = new Map<string, string>();
  /** Every AssumeRole the hub made (or tried), by account: one per call that needed the role. */
  readonly assumeRoleCalls: string[] = [];

  constructor(options: SimulatedOrganizationOptions = {}) {
    this.#options = options;
    this.hub = options.hub ?? SIMULATED_HUB;
    this.members = options.members ?? SIMULATED_MEMBERS;
    this.regions = options.regions ?? SIMULATED_REGIONS;
    if (options.hubPlace) this.#places.set(key(this.hub.account, this.hub.region), options.hubPlace);
  }

  /** Every account: the hub first, then the members. */
  get accounts(): readonly string[] {
    return [this.hub.account, ...this.members.filter((m) => m !== this.hub.account)];
  }

  /** True when `account` is in the organisation. */
  has(account: string): boolean {
    return this.accounts.includes(account);
  }

  /** The account-region's state and network, made (with the baseline) the first time it is asked for. */
  place(account: string, region: string): { readonly account: SimulatedAccount; readonly network: SimulatedNetwork } {
    const k = key(account, region);
    let place = this.#places.get(k);
    if (!place) {
      if (!this.has(account)) throw new Error(`account ${account} is not in the simulated organisation`);
      if (!this.regions.includes(region)) throw new Error(`region ${region} is not enabled in the simulated organisation`);
      // One hex digit of salt (ids keep EC2's 17 hex digits), different between neighbours: the ids an
      // account-region makes (rules, associations) seldom repeat another's; ids are per account here.
      const salt = (0xc + this.#places.size) % 16;
      const simulated = seedThreeTier(new SimulatedAccount(account, region, salt), this.#options.now);
      const { throttle, ...rest } = this.#options.network ?? {};
      const network = new SimulatedNetwork(simulated, { ...rest, ...(throttle ? { throttle: throttle({ account, region }) } : {}) });
      place = { account: simulated, network };
      this.#places.set(k, place);
    }
    return place;
  }

  /** The network of one account-region (the hub reaches it through the member role). */
  network(account: string, region: string): NetworkApi {
    return this.place(account, region).network;
  }

  /** The configuration's `organization` key for this organisation (the member role's name is the default). */
  get organization(): Organization {
    return OrganizationSchema.parse({
      id: this.id,
      hub: this.hub,
      memberRegions: [...this.regions],
    });
  }

  /**
   * Breaks `account`'s member role: from now on the hub's AssumeRole there answers `code` (STS
   * answers `AccessDenied` for a role that is missing, does not trust the caller, or wants another
   * external id: the STS API reference, AssumeRole, Errors).
   */
  breakMemberRole(account: string, code = 'AccessDenied'): void {
    if (!this.has(account)) throw new Error(`account ${account} is not in the simulated organisation`);
    this.#brokenRoles.set(account, code);
  }

  /**
   * The hub's reach into the organisation: its own account-regions with its own credentials, every
   * member's through the member role. A member whose role is broken fails each call with
   * `AccountAccessError` (`assume-role`), as the hub's credentials provider does on AWS
   * (functions/adapters/member-credentials.ts); the state there is never touched.
   */
  reach(instance?: PacedInstance): Reach {
    const organization = this.organization;
    // One function instance's own networks (its own pacer each) over the account-regions' shared state and buckets.
    const own = new Map<string, SimulatedNetwork>();
    const networkOf = (account: string, region: string): SimulatedNetwork => {
      const place = this.place(account, region);
      if (!instance) return place.network;
      let network = own.get(key(account, region));
      if (!network) {
        network = new SimulatedNetwork(place.account, { ...place.network.options, pacer: instance.pacer() });
        own.set(key(account, region), network);
        instance.networks.push(network);
      }
      return network;
    };
    return {
      account: this.hub.account,
      organization,
      network: (region, account = this.hub.account) => {
        if (account === this.hub.account) return networkOf(account, region);
        const code = this.#brokenRoles.get(account);
        if (code === undefined) {
          this.assumeRoleCalls.push(account);
          return networkOf(account, region);
        }
        return refusing(() => {
          this.assumeRoleCalls.push(account);
          const roleArn = memberRoleArn(organization, account);
          return new AccountAccessError(
            'assume-role',
            account,
            roleArn,
            'sts:AssumeRole',
            code,
            `User: arn:aws:sts::${this.hub.account}:assumed-role/layerguard-hub/layerguard is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
          );
        });
      },
    };
  }

  /** The account-regions made so far. */
  placesMade(): AccountRegion[] {
    return [...this.#places.values()].map((p) => ({ account: p.account.account, region: p.account.region }));
  }
}

/** One set of EC2's buckets per account-region, on the given clock. */
export const bucketsPerAccountRegion =
  (now?: () => number) =>
  (_where: AccountRegion): Ec2Throttle =>
    ec2Throttle(now);

/** A network whose every call fails with the error `make` builds (an account the hub cannot reach). */
function refusing(make: () => Error): NetworkApi {
  return new Proxy({} as NetworkApi, {
    get(_target, property) {
      if (property === 'then') return undefined;
      return () => {
        const error = make();
        if (String(property).startsWith('page')) {
          return {
            // biome-ignore lint/correctness/useYield: the first page already fails
            async *[Symbol.asyncIterator]() {
              throw error;
            },
          };
        }
        return Promise.reject(error);
      };
    },
  });
}
