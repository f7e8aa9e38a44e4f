import { describe, expect, it } from 'vitest';
import { type CloudTrailRecord, parseTrigger } from '../../functions/core/cloudtrail.js';
import { actorRoleName, ignoreReason, isOwnAction, toTrigger } from '../../functions/core/guards.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import { loadEvent, manifest } from '../support/events.js';

const recordOf = (file: string): CloudTrailRecord => parseTrigger(loadEvent(file)).record;
const ssh = () => recordOf('AuthorizeSecurityGroupIngress/world-open-ssh');
const own = () => recordOf('AuthorizeSecurityGroupIngress/own-action');

describe('toTrigger', () => {
  it('copies who, what, when and where from an envelope', () => {
    expect(toTrigger(parseTrigger(loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh')))).toStrictEqual({
      eventId: '8c1f4e2b-3d5a-4b6c-9e7f-0a1b2c3d4e01',
      eventName: 'AuthorizeSecurityGroupIngress',
      eventTime: '2025-03-14T09:12:44Z',
      eventSource: 'ec2.amazonaws.com',
      source: 'aws.ec2',
      actorArn:
        'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_PlatformEngineer_5f1c2a9b8d7e6f40/alice@example.com',
      sourceIp: '203.0.113.24',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36',
      account: '111122223333',
      region: 'us-east-1',
    });
  });

  it('reads a bare record the same way', () => {
    const trigger = toTrigger(parseTrigger(loadEvent('AuthorizeSecurityGroupIngress/bare-record')));
    expect(trigger).toMatchObject({
      eventId: '8c1f4e2b-3d5a-4b6c-9e7f-0a1b2c3d4e16',
      source: 'aws.ec2',
      account: '111122223333',
    });
  });

  it('falls back to the identity’s account, and leaves out what the record does not say', () => {
    const { recipientAccountId: _, sourceIPAddress: __, userAgent: ___, ...record } = ssh();
    const trigger = toTrigger({ record: record as CloudTrailRecord, source: 'layerguard.gameday' });
    expect(trigger.account).toBe('111122223333');
    expect(trigger.source).toBe('layerguard.gameday');
    expect(trigger.sourceIp).toBeUndefined();
    expect(trigger.userAgent).toBeUndefined();
    const bare = toTrigger({
      record: { ...record, userIdentity: undefined } as CloudTrailRecord,
      source: 'aws.ec2',
    });
    expect(bare.account).toBeUndefined();
    expect(bare.actorArn).toBeUndefined();
  });
});

describe('actorRoleName', () => {
  it.each<[string, CloudTrailRecord['userIdentity'], string | undefined]>([
    [
      'the session issuer of an assumed role',
      {
        type: 'AssumedRole',
        sessionContext: { sessionIssuer: { type: 'Role', userName: 'layerguard-sg-remediator' } },
      },
      'layerguard-sg-remediator',
    ],
    [
      'the STS ARN when the issuer is missing',
      {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/layerguard-route-remediator/session-1',
      },
      'layerguard-route-remediator',
    ],
    [
      'the STS ARN when the issuer has no userName',
      {
        arn: 'arn:aws:sts::111122223333:assumed-role/layerguard-runbook/s',
        sessionContext: { sessionIssuer: { type: 'Role' } },
      },
      'layerguard-runbook',
    ],
    [
      'the STS ARN when the issuer is not a role',
      {
        arn: 'arn:aws:sts::111122223333:assumed-role/ops/s',
        sessionContext: { sessionIssuer: { type: 'IAMUser', userName: 'layerguard-user' } },
      },
      'ops',
    ],
    [
      'nothing for an IAM user',
      { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/layerguard-admin' },
      undefined,
    ],
    [
      'nothing for an empty sessionIssuer (IAM user console session)',
      { type: 'IAMUser', sessionContext: { sessionIssuer: {} } },
      undefined,
    ],
    ['nothing without a userIdentity', undefined, undefined],
  ])('%s', (_name, userIdentity, expected) => {
    expect(actorRoleName({ ...ssh(), userIdentity })).toBe(expected);
  });
});

describe('isOwnAction', () => {
  it('is true for the sample made by layerguard-sg-remediator (via sessionContext.sessionIssuer)', () => {
    expect(isOwnAction(own(), DEFAULT_POLICY)).toBe(true);
  });

  it('is true from the assumed-role ARN alone', () => {
    const { sessionContext: _, ...identity } = own().userIdentity ?? {};
    expect(isOwnAction({ ...own(), userIdentity: identity }, DEFAULT_POLICY)).toBe(true);
  });

  it('is false for people and pipelines', () => {
    expect(isOwnAction(ssh(), DEFAULT_POLICY)).toBe(false);
    expect(isOwnAction(recordOf('AuthorizeSecurityGroupIngress/world-open-rdp'), DEFAULT_POLICY)).toBe(false);
    expect(isOwnAction(recordOf('AuthorizeSecurityGroupIngress/bare-record'), DEFAULT_POLICY)).toBe(false);
  });

  it('is a prefix match on the role name, not on the session name or a substring', () => {
    const as = (arn: string): CloudTrailRecord => ({ ...ssh(), userIdentity: { type: 'AssumedRole', arn } });
    expect(
      isOwnAction(as('arn:aws:sts::111122223333:assumed-role/ops/layerguard-sg-remediator'), DEFAULT_POLICY),
    ).toBe(false);
    expect(isOwnAction(as('arn:aws:sts::111122223333:assumed-role/not-layerguard-x/s'), DEFAULT_POLICY)).toBe(
      false,
    );
  });

  it('follows the policy’s prefixes', () => {
    const policy = parsePolicy({ ownRolePrefixes: ['net-guard-'] });
    expect(isOwnAction(own(), policy)).toBe(false);
    const identity = { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/net-guard-sg/s' };
    expect(isOwnAction({ ...ssh(), userIdentity: identity }, policy)).toBe(true);
  });
});

describe('ignoreReason', () => {
  const scoped = parsePolicy({ scope: { accounts: ['111122223333'], regions: ['us-east-1', 'eu-west-1'] } });

  it.each([
    {
      name: 'a failed Authorize (Client.UnauthorizedOperation)',
      record: () => recordOf('AuthorizeSecurityGroupIngress/failed-call'),
      reason: 'the call failed (Client.UnauthorizedOperation): nothing changed',
    },
    {
      name: 'a failed CreateRoute',
      record: () => recordOf('CreateRoute/failed-call'),
      reason: 'the call failed (Client.UnauthorizedOperation): nothing changed',
    },
    {
      name: 'a refused AssociateRouteTable',
      record: () => recordOf('AssociateRouteTable/failed-call'),
      reason: 'the call failed (Client.Resource.AlreadyAssociated): nothing changed',
    },
    {
      name: 'a duplicate rule',
      record: () => ({ ...ssh(), errorCode: 'Client.InvalidPermission.Duplicate', responseElements: null }),
      reason: 'the call failed (Client.InvalidPermission.Duplicate): nothing changed',
    },
    { name: 'LayerGuard’s own call', record: own, reason: 'the call was made by LayerGuard itself' },
    {
      name: 'a failed own call (the failure is named first)',
      record: () => ({ ...own(), errorCode: 'Client.RequestLimitExceeded' }),
      reason: 'the call failed (Client.RequestLimitExceeded): nothing changed',
    },
  ])('ignores $name', ({ record, reason }) => {
    expect(ignoreReason(record(), DEFAULT_POLICY)).toBe(reason);
  });

  it.each(
    manifest()
      .filter((e) => e.expected === 'remediated')
      .map((e) => [e.file]),
  )('acts on %s under the default and the scoped policy', (file) => {
    expect(ignoreReason(recordOf(file), DEFAULT_POLICY)).toBeUndefined();
    expect(ignoreReason(recordOf(file), scoped)).toBeUndefined();
  });

  it.each([
    {
      name: 'another account',
      patch: { recipientAccountId: '444455556666' },
      reason: "account 444455556666 is outside the policy's scope",
    },
    {
      name: 'the identity’s account when the recipient is missing',
      patch: { recipientAccountId: undefined, userIdentity: { accountId: '444455556666' } },
      reason: "account 444455556666 is outside the policy's scope",
    },
    {
      name: 'an unknown account',
      patch: { recipientAccountId: undefined, userIdentity: undefined },
      reason: "account (unknown) is outside the policy's scope",
    },
    {
      name: 'another region',
      patch: { awsRegion: 'ap-southeast-2' },
      reason: "region ap-southeast-2 is outside the policy's scope",
    },
  ])('scopes out $name', ({ patch, reason }) => {
    expect(ignoreReason({ ...ssh(), ...patch } as CloudTrailRecord, scoped)).toBe(reason);
  });

  it('acts in any account and region when the scope is empty', () => {
    const record = {
      ...ssh(),
      recipientAccountId: '444455556666',
      awsRegion: 'ap-southeast-2',
      userIdentity: undefined,
    };
    expect(ignoreReason(record, DEFAULT_POLICY)).toBeUndefined();
  });

  it('scopes by account only, or by region only', () => {
    const byAccount = parsePolicy({ scope: { accounts: ['111122223333'] } });
    const byRegion = parsePolicy({ scope: { regions: ['eu-west-1'] } });
    expect(ignoreReason({ ...ssh(), awsRegion: 'ap-southeast-2' }, byAccount)).toBeUndefined();
    expect(ignoreReason(ssh(), byRegion)).toBe("region us-east-1 is outside the policy's scope");
    expect(ignoreReason({ ...ssh(), recipientAccountId: '444455556666' }, byRegion)).toBe(
      "region us-east-1 is outside the policy's scope",
    );
  });
});
