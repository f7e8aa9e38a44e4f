import { AccountAccessError, AwsCallError, LayerGuardError } from '../core/errors.js';
import type { NetworkApi } from '../core/network.js';
import type { Organization } from '../core/organization.js';
import { partitionOf } from '../core/own-roles.js';
import type { Reach } from '../pipeline/deps.js';
import { clientsAs, ec2Client, organizationsClient, stsClient } from './clients.js';
import { isAccessDenied } from './ec2-errors.js';
import { createEc2Network } from './ec2-network.js';
import { createLoadBalancerReader, defaultLoadBalancerReader } from './elb.js';
import { createMemberCredentials, roleSessionName } from './member-credentials.js';
import { createOrganizationsReader } from './organizations.js';

/**
 * The reach of a deployed function (and of the CLI): its own account with its own credentials, and,
 * from an organisation's hub, every other account through the member role there. A network per
 * account and region, built once and kept: each has its own clients, so the SDK's retry quota (one
 * per client) and the throttling it meets are per account and region, like EC2's request buckets.
 */

export interface AwsReachOptions {
  /** The function's own account; in a hub, `organization.hub.account` when not given. */
  readonly account?: string;
  /** The organisation guarded from this hub; none: only the own account. */
  readonly organization?: Organization;
  /** Who acts, in each AssumeRole's RoleSessionName (`layerguard-<name>`): a function's name, or `cli`. */
  readonly functionName: string;
  /** The clock of the credentials and OU caches (tests move it). */
  readonly now?: () => number;
}

/**
 * A member network whose access errors name the account, the role and the fix: an `AwsCallError` the
 * member role was denied (`UnauthorizedOperation`, `AccessDenied`…) becomes `AccountAccessError`
 * (`member-permission`). Everything else passes through as it is.
 */
export function withAccessErrors(network: NetworkApi, account: string, roleArn: string, region: string): NetworkApi {
  const translate = (error: unknown): unknown =>
    error instanceof AwsCallError && !(error instanceof AccountAccessError) && isAccessDenied(error)
      ? new AccountAccessError('member-permission', account, roleArn, error.operation, error.code, `${roleArn}: ${error.message}`, {
          cause: error,
          region,
        })
      : error;
  async function* pages<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
    try {
      yield* source;
    } catch (error) {
      throw translate(error);
    }
  }
  return new Proxy(network, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) return result.catch((error: unknown) => Promise.reject(translate(error)));
        if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
          return pages(result as AsyncIterable<unknown>);
        }
        return result;
      };
    },
  });
}

/** The reach on the SDK's standard configuration (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL: STS and Organizations too). */
export function createAwsReach(opts: AwsReachOptions): Reach {
  const { organization } = opts;
  const home = opts.account ?? organization?.hub.account;
  const networks = new Map<string, NetworkApi>();
  const own = (region: string) => createEc2Network(ec2Client(region), { loadBalancers: defaultLoadBalancerReader(region) });
  if (!organization) {
    return {
      ...(home ? { account: home } : {}),
      network(region, account) {
        if (account !== undefined && home !== undefined && account !== home) {
          throw new LayerGuardError(`account ${account} is not reachable from account ${home}: no organisation is configured`);
        }
        return cached(networks, `own ${region}`, () => own(region));
      },
    };
  }
  const credentials = createMemberCredentials(stsClient(), {
    organization,
    sessionName: roleSessionName(opts.functionName),
    partition: partitionOf(organization.hub.region),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const reader = createOrganizationsReader(organizationsClient(), { roleArn: credentials.roleArn, ...(opts.now ? { now: opts.now } : {}) });
  return {
    ...(home ? { account: home } : {}),
    organization,
    ous: (account) => reader.ous(account),
    alias: (account) => reader.alias(account),
    network(region, account) {
      if (account === undefined || account === home) return cached(networks, `own ${region}`, () => own(region));
      return cached(networks, `${account} ${region}`, () => {
        const clients = clientsAs(region, credentials.provider(account));
        const network = createEc2Network(clients.ec2, { loadBalancers: createLoadBalancerReader(clients.elbv2, clients.classicElb) });
        return withAccessErrors(network, account, credentials.roleArn(account), region);
      });
    },
  };
}

function cached(networks: Map<string, NetworkApi>, key: string, make: () => NetworkApi): NetworkApi {
  let network = networks.get(key);
  if (!network) {
    network = make();
    networks.set(key, network);
  }
  return network;
}
