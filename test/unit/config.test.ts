import { describe, expect, it } from 'vitest';
import { ENV, loadConfig } from '../../functions/core/config.js';
import { AccountAccessError, AwsCallError, ConfigError, LayerGuardError, VerificationError } from '../../functions/core/errors.js';
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

  it('turns the Security Hub channel on only for "true", and reads the region Lambda sets', () => {
    expect(loadConfig({ [ENV.securityHub]: 'true', AWS_REGION: 'eu-west-1' })).toMatchObject({ securityHub: true, region: 'eu-west-1' });
    expect(loadConfig({ [ENV.securityHub]: 'yes' }).securityHub).toBeUndefined();
    expect(loadConfig({}).securityHub).toBeUndefined();
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

describe('loadConfig: a variable that is not JSON keeps the parser\'s error as the cause', () => {
  it.each([[ENV.policy], [ENV.organization]])('%s', (name) => {
    let error: unknown;
    try {
      loadConfig({ [name]: '{mode:' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });
});

describe('errors: names and what a person does about an unreachable account', () => {
  const role = 'arn:aws:iam::222233334444:role/layerguard-member';
  const access = (step: 'assume-role' | 'member-permission' | 'organization-units', region?: string) =>
    new AccountAccessError(step, '222233334444', role, step === 'organization-units' ? 'ListParents' : 'DescribeSecurityGroups', 'AccessDenied', 'denied', { region });

  it('names the base error and the account error', () => {
    expect(new LayerGuardError('x').name).toBe('LayerGuardError');
    expect(access('assume-role')).toMatchObject({ name: 'AccountAccessError', code: 'AccessDenied', account: '222233334444' });
  });

  it('assume-role: deploy the member StackSet instance, or check the trust policy and external id', () => {
    expect(access('assume-role').fix).toBe(
      `LayerGuard's hub could not assume ${role} in account 222233334444 (AccessDenied): the role is missing, or its trust policy ` +
        "does not trust the hub's function roles, or the external id differs. Deploy the member StackSet instance to account 222233334444 " +
        "(or check the role's trust policy and organization.externalId). Until then drift in account 222233334444 is not reverted.",
    );
  });

  it('member-permission: update the StackSet instance, check the SCPs; names the region when known', () => {
    const rest =
      ' (AccessDenied): update the member StackSet instance of account 222233334444 to the current template, and check that no service control policy ' +
      'denies the member role. Until then drift there is not reverted.';
    expect(access('member-permission', 'eu-west-1').fix).toBe(`${role} may not call DescribeSecurityGroups in account 222233334444, eu-west-1${rest}`);
    expect(access('member-permission').fix).toBe(`${role} may not call DescribeSecurityGroups in account 222233334444${rest}`);
  });

  it('organization-units: grant ListParents, or name the account in an account override', () => {
    expect(access('organization-units').fix).toBe(
      'LayerGuard could not read the OUs of account 222233334444 (ListParents: AccessDenied), and per-OU overrides decide its policy: ' +
        "nothing was judged. Give the hub's function roles organizations:ListParents (the hub must be the organisation's " +
        'management account or a delegated administrator), or name the account in an account override.',
    );
  });
});
