import type { CloudTrailRecord } from './cloudtrail.js';
import { resourceAccount } from './guards.js';
import type { Policy } from './policy.js';

/**
 * The IAM roles of LayerGuard's own functions: how the stack names them, and their exact ARNs, which the
 * rules' patterns and the guard compare with a call's session issuer. Only the stack's roles are
 * LayerGuard; the CLI runs with the caller's credentials and is not.
 */

/** The stack's name when the configuration does not give one. */
export const DEFAULT_STACK_NAME = 'LayerGuard';

/** The functions whose calls are LayerGuard's own: each reverts drift, and its reverts raise CloudTrail events. */
export const OWN_FUNCTIONS = ['security-group', 'route-table', 'runbook'] as const;
export type OwnFunction = (typeof OWN_FUNCTIONS)[number];

/**
 * A function's role name: the stack's name (two stacks can share an account and region), the function's,
 * and the region (IAM names are global to an account, stacks are regional). At most 64 characters.
 */
export const ownRoleName = (stackName: string, fn: OwnFunction, region: string): string =>
  `${stackName}-${fn}-${region}`;

/** Where a stack is deployed (plain strings, or CDK tokens in the stack). */
export interface StackPlace {
  readonly stackName: string;
  readonly partition: string;
  readonly account: string;
  readonly region: string;
}

/** The exact ARNs of the roles a stack creates for its functions. */
export const ownRoleArns = (place: StackPlace): string[] =>
  OWN_FUNCTIONS.map(
    (fn) => `arn:${place.partition}:iam::${place.account}:role/${ownRoleName(place.stackName, fn, place.region)}`,
  );

/** The AWS partition of a region (ARN reference: aws, aws-cn, aws-us-gov). */
export const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/** The policy as a deployed stack's functions hold it: its own ARNs plus those of the stack's roles. */
export const withOwnRoles = (policy: Policy, place: StackPlace): Policy => ({
  ...policy,
  ownRoleArns: [...new Set([...policy.ownRoleArns, ...ownRoleArns(place)])],
});

/**
 * The policy of a stack deployed where a record's call happened (`explain` and `replay` answer for the
 * deployed stack, which ignores its own roles' calls); `account` stands in when the record names none.
 */
export const policyWhere = (
  policy: Policy,
  record: CloudTrailRecord,
  opts: { readonly stackName?: string; readonly account?: string } = {},
): Policy =>
  withOwnRoles(policy, {
    stackName: opts.stackName ?? DEFAULT_STACK_NAME,
    partition: partitionOf(record.awsRegion),
    account: resourceAccount(record) ?? opts.account ?? '',
    region: record.awsRegion,
  });
