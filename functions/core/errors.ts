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
