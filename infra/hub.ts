import { type Organization, memberRoleArn } from '../functions/core/organization.js';
import { ownRoleArns, partitionOf } from '../functions/core/own-roles.js';
import type { MemberRole } from '../functions/core/patterns.js';

/**
 * The names both templates of an organisation deployment share, built from the configuration alone
 * (never from the hub stack's resources): the member template is synthesised apart from the hub stack
 * and deployed into other accounts, so it can only hold names that are known before either exists.
 */

/** The hub's event bus, which every member forwards its drift candidates to. */
export const hubBusName = (stackName: string): string => `${stackName}-hub`;

/** The partition of the whole organisation (an organisation never spans partitions): the hub's. */
export const organizationPartition = (organization: Organization): string => partitionOf(organization.hub.region);

/** The hub bus's ARN, in the hub's account and home region. */
export const hubBusArn = (stackName: string, organization: Organization): string =>
  `arn:${organizationPartition(organization)}:events:${organization.hub.region}:${organization.hub.account}:event-bus/${hubBusName(stackName)}`;

/**
 * The exact ARNs of the hub functions' roles (`<stack>-<function>-<region>` in the hub account,
 * functions/core/own-roles.ts): the only principals the member role trusts.
 */
export const hubFunctionRoleArns = (stackName: string, organization: Organization): string[] =>
  ownRoleArns({
    stackName,
    partition: organizationPartition(organization),
    account: organization.hub.account,
    region: organization.hub.region,
  });

/** The member role as the rules' patterns exclude it (its calls are LayerGuard's own in every account). */
export const memberRoleOf = (organization: Organization): MemberRole => ({
  name: organization.memberRoleName,
  partition: organizationPartition(organization),
});

/** The member role of the accounts outside the organisation that the configuration lists. */
export const listedMemberRoleArns = (organization: Organization): string[] =>
  organization.accounts.map((account) => memberRoleArn(organization, account, organizationPartition(organization)));
