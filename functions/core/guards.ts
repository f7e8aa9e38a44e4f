import type { CloudTrailRecord, ParsedTrigger } from './cloudtrail.js';
import type { Trigger } from './outcome.js';
import type { Policy } from './policy.js';

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
    account: record.recipientAccountId ?? record.userIdentity?.accountId,
    region: record.awsRegion,
  };
}

/** The IAM role name behind an assumed-role session, from the session issuer or the STS ARN. */
export function actorRoleName(record: CloudTrailRecord): string | undefined {
  const issuer = record.userIdentity?.sessionContext?.sessionIssuer;
  if (issuer?.type === 'Role' && issuer.userName) return issuer.userName;
  const match = /:assumed-role\/([^/]+)\//.exec(record.userIdentity?.arn ?? '');
  return match?.[1];
}

/** True when the call was made by one of LayerGuard's own functions (its reverts raise events too). */
export const isOwnAction = (record: CloudTrailRecord, policy: Policy): boolean => {
  const role = actorRoleName(record);
  return role !== undefined && policy.ownRolePrefixes.some((p) => role.startsWith(p));
};

/**
 * Why a record is not LayerGuard's to act on, or `undefined` when it is. These are checked before the
 * request is read, so a failed call with a half-empty request is still `ignored`, not an error.
 */
export function ignoreReason(record: CloudTrailRecord, policy: Policy): string | undefined {
  if (record.errorCode) return `the call failed (${record.errorCode}): nothing changed`;
  if (isOwnAction(record, policy)) return 'the call was made by LayerGuard itself';
  const account = record.recipientAccountId ?? record.userIdentity?.accountId;
  if (policy.scope.accounts.length > 0 && (!account || !policy.scope.accounts.includes(account))) {
    return `account ${account ?? '(unknown)'} is outside the policy's scope`;
  }
  if (policy.scope.regions.length > 0 && !policy.scope.regions.includes(record.awsRegion)) {
    return `region ${record.awsRegion} is outside the policy's scope`;
  }
  return undefined;
}
