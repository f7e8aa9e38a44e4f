import type { Outcome, Trigger } from './outcome.js';

/** Base of every error LayerGuard raises on purpose; `cause` keeps the original. */
export class LayerGuardError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LayerGuardError';
  }
}

/** Input that is not a trigger LayerGuard understands: dropped with a clear reason, never retried. */
export class UnsupportedEventError extends LayerGuardError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnsupportedEventError';
  }
}

/** A well-formed event that LayerGuard does not act on (another service or API call): `ignored`. */
export class NotApplicableEventError extends UnsupportedEventError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotApplicableEventError';
  }
}

/**
 * A call LayerGuard watches whose event it cannot read: `ignored`, never retried, and a person is told
 * once (the change was not judged). `trigger` holds what could be read of it; an empty `eventId` when the
 * record names none.
 */
export class UnreadableEventError extends UnsupportedEventError {
  constructor(
    message: string,
    readonly trigger: Trigger,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UnreadableEventError';
  }

  /** The `ignored` outcome people were told, once the engine has told them. */
  outcome?: Outcome;
}

/** Configuration or policy that fails validation: fails at cold start or `cdk synth`. */
export class ConfigError extends LayerGuardError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** An AWS call that failed for a reason other than "already gone": the outcome is `failed`. */
export class AwsCallError extends LayerGuardError {
  readonly code: string;
  readonly operation: string;
  readonly retryable: boolean;
  constructor(operation: string, code: string, message: string, options?: ErrorOptions & { retryable?: boolean }) {
    super(`${operation} failed: ${code}: ${message}`, options);
    this.name = 'AwsCallError';
    this.code = code;
    this.operation = operation;
    this.retryable = options?.retryable ?? false;
  }
}

/** The revert ran but the state read afterwards still holds the drift. */
export class VerificationError extends LayerGuardError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VerificationError';
  }
}

/**
 * Why an account of the organisation could not be acted on: the hub could not assume its member role
 * (`assume-role`), the member role may not make a call there (`member-permission`), or the account's
 * OUs, which decide its policy, could not be read (`organization-units`). Each names the account and
 * the fix, so that the `failed` outcome tells a person what to do.
 */
export type AccountAccessStep = 'assume-role' | 'member-permission' | 'organization-units';

/** A failure to reach one account: an `AwsCallError` (the adapters pass it through) with the account, the role and the fix. */
export class AccountAccessError extends AwsCallError {
  constructor(
    readonly step: AccountAccessStep,
    readonly account: string,
    /** The member role the hub assumes there (for `organization-units`: the role it would assume). */
    readonly roleArn: string,
    operation: string,
    code: string,
    message: string,
    options?: ErrorOptions & { retryable?: boolean; region?: string },
  ) {
    super(operation, code, message, options);
    this.name = 'AccountAccessError';
    this.region = options?.region;
  }

  /** The region of the call, for `member-permission`. */
  readonly region: string | undefined;

  /** What a person does about it: the account, the role and the fix, in one sentence or two. */
  get fix(): string {
    const where = `account ${this.account}`;
    switch (this.step) {
      case 'assume-role':
        return (
          `LayerGuard's hub could not assume ${this.roleArn} in ${where} (${this.code}): the role is missing, or its trust policy ` +
          `does not trust the hub's function roles, or the external id differs. Deploy the member StackSet instance to ${where} ` +
          `(or check the role's trust policy and organization.externalId). Until then drift in ${where} is not reverted.`
        );
      case 'member-permission':
        return (
          `${this.roleArn} may not call ${this.operation} in ${where}${this.region ? `, ${this.region}` : ''} (${this.code}): ` +
          `update the member StackSet instance of ${where} to the current template, and check that no service control policy ` +
          `denies the member role. Until then drift there is not reverted.`
        );
      case 'organization-units':
        return (
          `LayerGuard could not read the OUs of ${where} (${this.operation}: ${this.code}), and per-OU overrides decide its policy: ` +
          `nothing was judged. Give the hub's function roles organizations:ListParents (the hub must be the organisation's ` +
          `management account or a delegated administrator), or name the account in an account override.`
        );
    }
  }
}
