import { describe, expect, it } from 'vitest';
import { ENV, loadConfig } from '../../functions/core/config.js';
import { AwsCallError, ConfigError, LayerGuardError, VerificationError } from '../../functions/core/errors.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';

describe('loadConfig', () => {
  it('reads the policy and the targets from the environment', () => {
    const config = loadConfig({
      [ENV.policy]: JSON.stringify({ mode: 'dry-run' }),
      [ENV.topicArn]: 'arn:aws:sns:us-east-1:111122223333:t',
      [ENV.eventBusName]: 'bus',
      [ENV.idempotencyTable]: 'table',
    });
    expect(config).toEqual({
      policy: { ...DEFAULT_POLICY, mode: 'dry-run' },
      topicArn: 'arn:aws:sns:us-east-1:111122223333:t',
      eventBusName: 'bus',
      idempotencyTable: 'table',
    });
  });

  it('treats unset and blank variables alike: the default policy, no targets', () => {
    expect(loadConfig({ [ENV.topicArn]: '  ' })).toEqual({
      policy: DEFAULT_POLICY,
      topicArn: undefined,
      eventBusName: undefined,
      idempotencyTable: undefined,
    });
  });

  it('names the variable when the policy is not JSON', () => {
    expect(() => loadConfig({ [ENV.policy]: '{mode:' })).toThrow(new ConfigError(`${ENV.policy} is not valid JSON`));
  });

  it('reads the organisation of a hub, validated against the policy; names the variable when it is not JSON', () => {
    const organization = { id: 'o-a1b2c3d4e5', hub: { account: '111122223333', region: 'us-east-1' }, memberRegions: ['us-east-1'] };
    expect(loadConfig({ [ENV.organization]: JSON.stringify(organization) }).organization).toMatchObject({
      ...organization,
      memberRoleName: 'layerguard-member',
      accounts: [],
      overrides: [],
    });
    expect(loadConfig({}).organization).toBeUndefined();
    expect(() => loadConfig({ [ENV.organization]: '{id:' })).toThrow(new ConfigError('LAYERGUARD_ORGANIZATION is not valid JSON'));
    const bad = { ...organization, overrides: [{ accounts: ['222233334444'], policy: { mode: 'sometimes' } }] };
    expect(() => loadConfig({ [ENV.organization]: JSON.stringify(bad) })).toThrow(/organization\.overrides\.0: invalid policy: mode/);
  });

  it('names the field when the policy is invalid', () => {
    expect(() => loadConfig({ [ENV.policy]: JSON.stringify({ mode: 'sometimes' }) })).toThrow(/invalid policy: mode/);
  });
});

describe('errors', () => {
  it('keep their names, codes and causes', () => {
    const cause = new Error('socket hang up');
    const aws = new AwsCallError('DeleteRoute', 'InternalError', 'try again', { cause, retryable: true });
    expect(aws).toBeInstanceOf(LayerGuardError);
    expect(aws).toMatchObject({ name: 'AwsCallError', operation: 'DeleteRoute', code: 'InternalError', retryable: true, cause });
    expect(aws.message).toBe('DeleteRoute failed: InternalError: try again');
    expect(new AwsCallError('X', 'Y', 'z').retryable).toBe(false);
    expect(new VerificationError('still there')).toMatchObject({ name: 'VerificationError', message: 'still there' });
  });
});
