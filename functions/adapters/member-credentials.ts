import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { AccountAccessError, AwsCallError } from '../core/errors.js';
import { memberRoleArn, type Organization } from '../core/organization.js';
import type { CredentialProvider } from './clients.js';
import { errorCode, isAccessDenied, isRetryable } from './ec2-errors.js';

/**
 * The member role's credentials of each account, from STS AssumeRole (client-sts; the SDK's
 * credential-providers package is not a dependency, and this is all of it LayerGuard needs).
 *
 * - One AssumeRole per account while its credentials are fresh, shared by every region's EC2 and
 *   load balancer clients of that account; concurrent callers share one call in flight.
 * - Refreshed `REFRESH_BEFORE_MS` before they expire: more than the SDK's own margin (it asks its
 *   provider again 5 minutes before `expiration`: @smithy/core `EXPIRATION_MS`), so that a client is
 *   never handed credentials it already takes for expired.
 * - A failure is kept for `FAILURE_TTL_MS` only, for that account only: a storm from a broken member
 *   does not hammer STS, the first event after the fix is acted on within seconds, and every other
 *   account has its own entry (no lock, no shared state beyond the map).
 */

/** AssumeRole's default session, stated so that the cache's arithmetic does not depend on a default (STS API reference, DurationSeconds). */
export const SESSION_SECONDS = 3600;
export const REFRESH_BEFORE_MS = 10 * 60_000;
export const FAILURE_TTL_MS = 10_000;

/** RoleSessionName: 2 to 64 of `[\w+=,.@-]` (STS API reference, AssumeRole). */
export function roleSessionName(functionName: string): string {
  const name = `layerguard-${functionName}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return name.length >= 2 ? name : 'layerguard';
}

export interface MemberCredentialsOptions {
  readonly organization: Organization;
  /** Names the function in the member's CloudTrail (`assumed-role/<member role>/<session name>`). */
  readonly sessionName: string;
  /** The hub's partition (`arn:<partition>:iam::…`). */
  readonly partition: string;
  readonly now?: () => number;
}

interface Assumed {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

interface Entry {
  readonly promise: Promise<Assumed>;
  /** Until when the entry answers; `Infinity` while its call is in flight. */
  until: number;
}

export interface MemberCredentials {
  /** The credential provider of `account`'s member role: hand it to the clients of that account. */
  provider(account: string): CredentialProvider;
  /** The role assumed in `account`. */
  roleArn(account: string): string;
}

/** Member-role credentials per account, cached as described above. */
export function createMemberCredentials(sts: STSClient, opts: MemberCredentialsOptions): MemberCredentials {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, Entry>();
  const roleArn = (account: string) => memberRoleArn(opts.organization, account, opts.partition);

  async function assume(account: string): Promise<Assumed> {
    const arn = roleArn(account);
    try {
      const answer = await sts.send(
        new AssumeRoleCommand({
          RoleArn: arn,
          RoleSessionName: opts.sessionName,
          DurationSeconds: SESSION_SECONDS,
          ...(opts.organization.externalId ? { ExternalId: opts.organization.externalId } : {}),
        }),
      );
      const c = answer.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
        throw new AwsCallError('sts:AssumeRole', 'IncompleteCredentials', `STS answered without credentials for ${arn}`);
      }
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    } catch (error) {
      if (error instanceof AwsCallError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (isAccessDenied(error)) {
        throw new AccountAccessError('assume-role', account, arn, 'sts:AssumeRole', errorCode(error), `${arn}: ${message}`, { cause: error });
      }
      // Throttling, 5xx, a dropped connection: not the member's fault; retried with the event.
      throw new AwsCallError('sts:AssumeRole', errorCode(error), `${arn}: ${message}`, { cause: error, retryable: isRetryable(error) });
    }
  }

  function get(account: string): Entry['promise'] {
    const cached = cache.get(account);
    if (cached && now() < cached.until) return cached.promise;
    const entry: Entry = { promise: assume(account), until: Number.POSITIVE_INFINITY };
    cache.set(account, entry);
    entry.promise.then(
      (c) => {
        entry.until = c.expiration.getTime() - REFRESH_BEFORE_MS;
      },
      () => {
        entry.until = now() + FAILURE_TTL_MS;
      },
    );
    return entry.promise;
  }

  return { provider: (account) => () => get(account), roleArn };
}
