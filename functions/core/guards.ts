import type { CloudTrailRecord, ParsedTrigger } from './cloudtrail.js';
import { memberRoleArn, type Organization } from './organization.js';
import type { Trigger } from './outcome.js';
import type { Policy } from './policy.js';

/**
 * The account that owns the resource the call changed. CloudTrail's record contents: `recipientAccountId`
 * is "the account ID that received this event", which "may be different from the CloudTrail userIdentity
 * element accountId … in cross-account resource access"; `userIdentity.accountId` is the caller's account.
 * The caller's account stands in only when a record (a hand-made one) does not say.
 */
export const resourceAccount = (record: CloudTrailRecord): string | undefined =>
  record.recipientAccountId ?? record.userIdentity?.accountId;

/** The trigger's who/what/when/where, copied from the record for outcomes and notifications. */
export function toTrigger({ record, source }: ParsedTrigger): Trigger {
  return {
    eventId: record.eventID,
    eventName: record.eventName,
    eventTime: record.eventTime,
    eventSource: record.eventSource,
    source,
    actorArn: record.userIdentity?.arn,
    sourceIp: record.sourceIPAddress,
    userAgent: record.userAgent,
    account: resourceAccount(record),
    region: record.awsRegion,
  };
}

const ASSUMED_ROLE = /^arn:(aws(?:-[a-z]+)*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]*$/;

/**
 * The ARN of the IAM role (or user) whose temporary credentials made the call: the session issuer's ARN
 * (CloudTrail's `userIdentity.sessionContext.sessionIssuer.arn`, which holds the role's account and path),
 * else, for a record without one, the role ARN an STS assumed-role ARN names (no path: the roles the stack
 * creates have none). `undefined` for long-term credentials (an IAM user, root) and services.
 */
export function sessionIssuerArn(record: CloudTrailRecord): string | undefined {
  const issuer = record.userIdentity?.sessionContext?.sessionIssuer;
  if (issuer?.arn) return issuer.arn;
  const match = ASSUMED_ROLE.exec(record.userIdentity?.arn ?? '');
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : undefined;
}

const ROLE_ARN = /^arn:(aws(?:-[a-z]+)*):iam::(\d{12}):role\/.+$/;

/**
 * True when `arn` is the member role of `account` itself: the role the hub's functions assume there
 * (`memberRoleArn`, in the ARN's own partition). The member role of any other account is not.
 */
export function isMemberRoleOf(arn: string, organization: Organization, account: string | undefined): boolean {
  const match = ROLE_ARN.exec(arn);
  if (!match || account === undefined || match[2] !== account) return false;
  return arn === memberRoleArn(organization, account, match[1]);
}

/**
 * True when the call was made by one of LayerGuard's own functions (its reverts raise events too): the
 * session issuer is exactly one of the policy's own role ARNs, account and name, or, in an organisation,
 * the member role of the account the call changed (the hub acts there through it). A role of the same
 * name in another account, the member role of another account, or any other name, is not LayerGuard
 * (a member role acting outside its own account cannot happen through LayerGuard, so it is someone
 * else). Nor is the CLI, which runs with the caller's credentials.
 */
export const isOwnAction = (record: CloudTrailRecord, policy: Policy, organization?: Organization): boolean => {
  const arn = sessionIssuerArn(record);
  if (arn === undefined) return false;
  if (policy.ownRoleArns.includes(arn)) return true;
  return organization !== undefined && isMemberRoleOf(arn, organization, resourceAccount(record));
};

/**
 * Why a function in `home` cannot act on a record's change, or `undefined` when it can. Alone, its
 * credentials reach its own account only. In an organisation's hub every account is in reach: the hub
 * bus admits only the organisation's accounts and the listed ones (its resource policy), and each is
 * reached through its member role; a member whose role cannot be assumed is a `failed` outcome that
 * names the fix, never silently out of reach. A record that names no account is taken for the
 * function's own.
 */
export function unreachableReason(record: CloudTrailRecord, home: string | undefined, organization?: Organization): string | undefined {
  if (organization) return undefined;
  const account = resourceAccount(record);
  if (home === undefined || account === undefined || account === home) return undefined;
  return `account ${account} is not reachable from account ${home}`;
}

/**
 * Why a record is not LayerGuard's to act on, or `undefined` when it is. These are checked before the
 * request is read, so a failed call with a half-empty request is still `ignored`, not an error.
 */
export function ignoreReason(record: CloudTrailRecord, policy: Policy, organization?: Organization): string | undefined {
  if (record.errorCode) return `the call failed (${record.errorCode}): nothing changed`;
  if (isOwnAction(record, policy, organization)) return 'the call was made by LayerGuard itself';
  const account = resourceAccount(record);
  if (policy.scope.accounts.length > 0 && (!account || !policy.scope.accounts.includes(account))) {
    return `account ${account ?? '(unknown)'} is outside the policy's scope`;
  }
  if (policy.scope.regions.length > 0 && !policy.scope.regions.includes(record.awsRegion)) {
    return `region ${record.awsRegion} is outside the policy's scope`;
  }
  return undefined;
}
