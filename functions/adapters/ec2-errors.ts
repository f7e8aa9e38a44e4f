import { AwsCallError } from '../core/errors.js';
import type { NetworkApi } from '../core/network.js';

/*
 * What LayerGuard knows about EC2's errors, in one place: which codes mean "already gone" for each
 * call, and which errors are worth retrying. Used by the EC2 adapter, the simulated account and the
 * game day's sandbox code. No SDK import: the simulated account uses it too.
 *
 * Each code was checked against "Error codes for the Amazon EC2 API"
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), against moto 5.2's
 * `moto/ec2/exceptions.py` (the class that raises it is named beside each code), and against what
 * moto answers over HTTP (test/integration/ec2-network.test.ts).
 */

/** "Does not exist" by kind of resource (the prefix of its id). */
export const NOT_FOUND_BY_RESOURCE = {
  /** moto: InvalidVPCIdError. */
  vpc: 'InvalidVpcID.NotFound',
  /** moto: InvalidInternetGatewayIdError. */
  igw: 'InvalidInternetGatewayID.NotFound',
  /** moto: InvalidSubnetIdError. */
  subnet: 'InvalidSubnetID.NotFound',
  /** moto: InvalidRouteTableIdError. */
  rtb: 'InvalidRouteTableID.NotFound',
  /** moto: InvalidSecurityGroupNotFoundError. */
  sg: 'InvalidGroup.NotFound',
  /** moto: InvalidAssociationIdError (route table associations). EC2 answers the same code for a network ACL association. */
  rtbassoc: 'InvalidAssociationID.NotFound',
  /** moto: InvalidNetworkAclIdError. */
  acl: 'InvalidNetworkAclID.NotFound',
} as const;

/**
 * "The specified network ACL entry does not exist" (EC2's error page). moto 5.2 has no such error: its
 * `delete_network_acl_entry` raises StopIteration for a missing entry (HTTP 500), which stays an error.
 */
const ACL_ENTRY_NOT_FOUND = 'InvalidNetworkAclEntry.NotFound';
/**
 * moto 5.2's `describe_network_acls` answers an unknown NetworkAclIds entry with InvalidRouteTableIdError
 * (`InvalidRouteTableID.NotFound`, models/network_acls.py); a DescribeNetworkAcls by ACL id can mean
 * nothing else by it, so it reads as "gone" there too.
 */
const MOTO_ACL_NOT_FOUND = NOT_FOUND_BY_RESOURCE.rtb;

/**
 * A rule id in SecurityGroupRuleIds that does not exist (moto: InvalidSecurityGroupRuleIdNotFoundError);
 * moto answers an unknown rule id of a revoke with InvalidPermission.NotFound instead
 * (InvalidPermissionNotFoundError), which EC2 also answers for a permission that is not in the group.
 */
const RULE_NOT_FOUND = ['InvalidSecurityGroupRuleId.NotFound', 'InvalidPermission.NotFound'] as const;
/** The route table has no route for that destination (moto: InvalidRouteError). */
const ROUTE_NOT_FOUND = 'InvalidRoute.NotFound';
/** DetachInternetGateway of a gateway that is not attached (moto: GatewayNotAttachedError). */
export const GATEWAY_NOT_ATTACHED = 'Gateway.NotAttached';

/** Per port method that can meet one: the codes that mean "the thing is already gone". */
export const GONE_CODES = {
  getSecurityGroup: [NOT_FOUND_BY_RESOURCE.sg],
  revokeIngress: [NOT_FOUND_BY_RESOURCE.sg, ...RULE_NOT_FOUND],
  getRouteTable: [NOT_FOUND_BY_RESOURCE.rtb],
  /** DescribeSubnets with an unknown SubnetIds entry ("Error codes for the Amazon EC2 API"; moto: InvalidSubnetIdError). */
  getSubnet: [NOT_FOUND_BY_RESOURCE.subnet],
  deleteRoute: [ROUTE_NOT_FOUND, NOT_FOUND_BY_RESOURCE.rtb],
  /** A restore of a rule that was revoked or whose group was deleted meanwhile: nothing left to restore. */
  modifyIngressRule: [NOT_FOUND_BY_RESOURCE.sg, ...RULE_NOT_FOUND],
  /**
   * A restore of a route that was deleted meanwhile, or whose table was: the same codes as DeleteRoute
   * (moto: InvalidRouteError for a missing destination). A target that no longer exists is not "gone":
   * it fails, and the pipeline retries then dead-letters, as for any failed write.
   */
  replaceRoute: [ROUTE_NOT_FOUND, NOT_FOUND_BY_RESOURCE.rtb],
  replaceRouteTableAssociation: [NOT_FOUND_BY_RESOURCE.rtbassoc],
  getNetworkAcl: [NOT_FOUND_BY_RESOURCE.acl, MOTO_ACL_NOT_FOUND],
  deleteNetworkAclEntry: [ACL_ENTRY_NOT_FOUND, NOT_FOUND_BY_RESOURCE.acl],
  replaceNetworkAclAssociation: [NOT_FOUND_BY_RESOURCE.rtbassoc],
  /**
   * DescribeManagedPrefixLists of an unknown id. Both spellings are read: the simulated account's
   * `InvalidPrefixListID.NotFound` follows EC2's `…ID.NotFound` codes, and `InvalidPrefixListId.NotFound`
   * is the form of the other `Id` codes; moto 5.2 answers an empty list instead (no prefix-list error in
   * moto/ec2/exceptions.py). A read only: no write treats either as done.
   */
  getPrefixList: ['InvalidPrefixListID.NotFound', 'InvalidPrefixListId.NotFound'],
} as const satisfies Partial<Record<keyof NetworkApi, readonly string[]>>;

/** True when `code` means "already gone" for the port method. */
export const isGone = (method: keyof NetworkApi, code: string): boolean =>
  ((GONE_CODES as Partial<Record<keyof NetworkApi, readonly string[]>>)[method] ?? []).includes(code);

/**
 * Codes the SDK's standard retry treats as throttling: @smithy/service-error-classification
 * THROTTLING_ERROR_CODES (`RequestLimitExceeded` is EC2's, "Request throttling" in the EC2 API
 * Reference).
 */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'EC2ThrottledException',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'SlowDown',
]);
/**
 * Transient codes: EC2's server errors (InternalError, Unavailable: HTTP 500 and 503 on the EC2 error
 * page), the SDK's timeouts (@smithy TRANSIENT_ERROR_CODES) and dropped connections (Node's `code`,
 * @smithy NODEJS_TIMEOUT_ERROR_CODES and NODEJS_NETWORK_ERROR_CODES).
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'Unavailable',
  'InternalError',
  'InternalFailure',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

interface ErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const asShape = (error: unknown): ErrorShape =>
  typeof error === 'object' && error !== null ? (error as ErrorShape) : {};

/**
 * The EC2 error code of a thrown error: `Code` (the SDK's parsed error code), else `name` (which the
 * SDK also sets to the code), else Node's `code` (ECONNRESET...); `Unknown` when none says more than
 * `Error`.
 */
export function errorCode(error: unknown): string {
  const e = asShape(error);
  for (const candidate of [e.Code, e.name, e.code]) {
    if (typeof candidate === 'string' && candidate && candidate !== 'Error') return candidate;
  }
  return 'Unknown';
}

/** True for errors worth retrying later: throttling, 5xx, timeouts, dropped connections. */
export function isRetryable(error: unknown): boolean {
  const e = asShape(error);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : 0;
  const code = errorCode(error);
  const nodeCode = typeof e.code === 'string' ? e.code : '';
  return (
    e.$retryable !== undefined ||
    e.$fault === 'server' ||
    status === 429 ||
    status >= 500 ||
    THROTTLING_CODES.has(code) ||
    TRANSIENT_CODES.has(code) ||
    TRANSIENT_CODES.has(nodeCode)
  );
}

/**
 * Codes that mean "these credentials may not do this", which no retry fixes: STS AssumeRole answers
 * `AccessDenied` (HTTP 403) when the role does not exist, its trust policy does not name the caller, or
 * the external id differs (IAM User Guide, "Troubleshooting IAM roles": "I can't assume a role"); EC2
 * answers `UnauthorizedOperation` for an action the role's policies or an SCP deny, and `AuthFailure`
 * for credentials it does not accept ("Error codes for the Amazon EC2 API", client errors); Elastic
 * Load Balancing answers `AccessDenied`; Organizations `AccessDeniedException` (its SDK model's
 * `AccessDeniedException`, thrown by ListParents and DescribeAccount).
 */
export const ACCESS_DENIED_CODES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthFailure',
]);

/** True when an error says the caller's credentials may not make the call (see `ACCESS_DENIED_CODES`). */
export const isAccessDenied = (error: unknown): boolean =>
  ACCESS_DENIED_CODES.has(error instanceof AwsCallError ? error.code : errorCode(error));
