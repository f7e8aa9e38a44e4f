import { AccountAccessError } from '../core/errors.js';
import { memberRoleArn, type Organization, policyFor } from '../core/organization.js';
import { partitionOf } from '../core/own-roles.js';
import type { Policy } from '../core/policy.js';
import type { PipelineDeps, Reach } from './deps.js';

/**
 * Where one change is judged and reverted: the network of its account and region (through `Reach`),
 * under the policy that account runs under (the base, with its OU and account overrides). The event
 * path, the runbook and the organisation's sweep all place their work here.
 */

/** True when some override names an OU: only then are an account's OUs read. */
export const namesOus = (organization: Organization): boolean => organization.overrides.some((o) => o.ous.length > 0);

/**
 * The policy `account` runs under. When an override names an OU, the account's OUs are read; when
 * they cannot be, this rejects (`AccountAccessError`, step `organization-units`) instead of falling
 * back to the base policy. Fail closed, because either fallback is wrong somewhere: an OU override
 * that exempts a tier or sets dry-run would be dropped, and LayerGuard would revert what its owners
 * were promised it would leave; an override that enforces would be dropped the other way. A `failed`
 * outcome is retried, then dead-lettered and alarmed, and names the account and the fix.
 */
export async function accountPolicy(base: Policy, reach: Reach | undefined, account: string | undefined): Promise<Policy> {
  const organization = reach?.organization;
  if (!organization || account === undefined) return base;
  if (!namesOus(organization)) return policyFor(base, organization, account);
  if (!reach?.ous) {
    throw new AccountAccessError(
      'organization-units',
      account,
      memberRoleArn(organization, account, partitionOf(organization.hub.region)),
      'organizations:ListParents',
      'NoOrganizationsReader',
      'this reach cannot read OUs',
    );
  }
  return policyFor(base, organization, account, await reach.ous(account));
}

/**
 * `deps` placed in one account and region: that account's network there and its policy. Without a
 * reach (one simulated account), `deps` as given. A load balancer index read elsewhere is dropped: it
 * belongs to another network.
 */
export async function placeDeps<D extends PipelineDeps>(deps: D, account: string | undefined, region: string): Promise<D> {
  const { reach } = deps;
  if (!reach) return deps;
  const policy = await accountPolicy(deps.policy, reach, account);
  const { loadBalancers: _elsewhere, ...rest } = deps;
  return { ...rest, network: reach.network(region, account), policy } as D;
}
