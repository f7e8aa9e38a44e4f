import { describe, expect, it } from 'vitest';
import { type CloudTrailRecord, parseTrigger } from '../../functions/core/cloudtrail.js';
import {
  ignoreReason,
  isMemberRoleOf,
  isOwnAction,
  resourceAccount,
  sessionIssuerArn,
  toTrigger,
  unreachableReason,
} from '../../functions/core/guards.js';
import { type Organization, parseOrganization } from '../../functions/core/organization.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import { loadEvent, manifest } from '../support/events.js';

const recordOf = (file: string): CloudTrailRecord => parseTrigger(loadEvent(file)).record;
const ssh = () => recordOf('AuthorizeSecurityGroupIngress/world-open-ssh');
const own = () => recordOf('AuthorizeSecurityGroupIngress/own-action');
/** The roles a stack named LayerGuard creates in 111122223333, us-east-1 (the sample own-action's account and region). */
const OWN_ARNS = ['security-group', 'route-table', 'runbook'].map(
  (fn) => `arn:aws:iam::111122223333:role/LayerGuard-${fn}-us-east-1`,
);
const POLICY = parsePolicy({ ownRoleArns: OWN_ARNS });
/** A session of `role` in `account`, as CloudTrail records it. */
const assumed = (role: string, account = '111122223333'): CloudTrailRecord['userIdentity'] => ({
  type: 'AssumedRole',
  arn: `arn:aws:sts::${account}:assumed-role/${role}/session`,
  accountId: account,
  sessionContext: {
    sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/${role}`, userName: role },
  },
});

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

describe('resourceAccount', () => {
  it('is the recipient account, the caller’s only when the record does not name one', () => {
    const cross = { ...ssh(), recipientAccountId: '111122223333', userIdentity: assumed('x', '444455556666') };
    expect(resourceAccount(cross)).toBe('111122223333');
    expect(resourceAccount({ ...cross, recipientAccountId: undefined })).toBe('444455556666');
    expect(resourceAccount({ ...cross, recipientAccountId: undefined, userIdentity: undefined })).toBeUndefined();
  });
});

describe('sessionIssuerArn', () => {
  it.each<[string, CloudTrailRecord['userIdentity'], string | undefined]>([
    [
      'the session issuer of an assumed role (with its path)',
      {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/ops/s',
        sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/team/ops', userName: 'ops' } },
      },
      'arn:aws:iam::111122223333:role/team/ops',
    ],
    [
      'the role an STS ARN names when the issuer is missing',
      { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/LayerGuard-route-table-us-east-1/s-1' },
      'arn:aws:iam::111122223333:role/LayerGuard-route-table-us-east-1',
    ],
    [
      'the STS ARN when the issuer has no ARN, in another partition',
      {
        arn: 'arn:aws-us-gov:sts::111122223333:assumed-role/LayerGuard-runbook-us-gov-west-1/s',
        sessionContext: { sessionIssuer: { type: 'Role' } },
      },
      'arn:aws-us-gov:iam::111122223333:role/LayerGuard-runbook-us-gov-west-1',
    ],
    [
      'an IAM user’s federated session: the user',
      {
        type: 'FederatedUser',
        sessionContext: { sessionIssuer: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/bob' } },
      },
      'arn:aws:iam::111122223333:user/bob',
    ],
    ['nothing for an IAM user', { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/layerguard-admin' }, undefined],
    ['nothing for an empty sessionIssuer (IAM user console session)', { type: 'IAMUser', sessionContext: { sessionIssuer: {} } }, undefined],
    ['nothing without a userIdentity', undefined, undefined],
    // The STS ARN is read whole: text before it, or a path after the session, is not an assumed role.
    ['nothing for text before an STS ARN', { type: 'AssumedRole', arn: 'x-arn:aws:sts::111122223333:assumed-role/LayerGuard-runbook-us-east-1/s' }, undefined],
    ['nothing for a path after the session', { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/LayerGuard-runbook-us-east-1/s/more' }, undefined],
  ])('%s', (_name, userIdentity, expected) => {
    expect(sessionIssuerArn({ ...ssh(), userIdentity })).toBe(expected);
  });
});

describe('isOwnAction', () => {
  it('is true for the sample made by the stack’s security-group role (via sessionContext.sessionIssuer)', () => {
    expect(isOwnAction(own(), POLICY)).toBe(true);
  });

  it('is true from the assumed-role ARN alone', () => {
    const { sessionContext: _, ...identity } = own().userIdentity ?? {};
    expect(isOwnAction({ ...own(), userIdentity: identity }, POLICY)).toBe(true);
  });

  it('is false for people and pipelines', () => {
    expect(isOwnAction(ssh(), POLICY)).toBe(false);
    expect(isOwnAction(recordOf('AuthorizeSecurityGroupIngress/world-open-rdp'), POLICY)).toBe(false);
    expect(isOwnAction(recordOf('AuthorizeSecurityGroupIngress/bare-record'), POLICY)).toBe(false);
  });

  it.each([
    ['a CI role named like LayerGuard', assumed('layerguard-ci-deployer')],
    ['any role whose name starts with the old prefix', assumed('layerguard-sg-remediator')],
    ['LayerGuard’s own role name in another account', assumed('LayerGuard-security-group-us-east-1', '444455556666')],
    ['the role name as the session name of another role', { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/ops/LayerGuard-security-group-us-east-1' }],
    ['a role name that only starts with LayerGuard’s', assumed('LayerGuard-security-group-us-east-1-x')],
    ['an IAM user named like the role', { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/LayerGuard-security-group-us-east-1', userName: 'LayerGuard-security-group-us-east-1' }],
  ])('is false for %s', (_name, userIdentity) => {
    expect(isOwnAction({ ...ssh(), userIdentity }, POLICY)).toBe(false);
  });

  it('is false for everyone when the policy names no own role (the CLI runs with the caller’s credentials)', () => {
    expect(isOwnAction(own(), DEFAULT_POLICY)).toBe(false);
  });

  it('follows the policy’s ARNs', () => {
    const policy = parsePolicy({ ownRoleArns: ['arn:aws:iam::111122223333:role/net-guard-sg'] });
    expect(isOwnAction(own(), policy)).toBe(false);
    expect(isOwnAction({ ...ssh(), userIdentity: assumed('net-guard-sg') }, policy)).toBe(true);
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
    expect(ignoreReason(record(), POLICY)).toBe(reason);
  });

  it.each(
    manifest()
      .filter((e) => e.expected === 'remediated')
      .map((e) => [e.file]),
  )('acts on %s under the default and the scoped policy', (file) => {
    const record = recordOf(file);
    expect(ignoreReason(record, DEFAULT_POLICY)).toBeUndefined();
    // Records written by others (public-*) come from their authors' accounts (and, anonymised, regions that
    // no policy can name): scope them to their own account.
    const scope = file.includes('/public-')
      ? parsePolicy({ scope: { accounts: [String(record.recipientAccountId)] } })
      : scoped;
    expect(ignoreReason(record, scope)).toBeUndefined();
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

  // CloudTrail record contents: recipientAccountId is "the account ID that received this event"; it "may be
  // different from the CloudTrail userIdentity element accountId … in cross-account resource access".
  it('judges the account that owns the resource, not the caller’s (a cross-account call)', () => {
    const byAccount = parsePolicy({ scope: { accounts: ['111122223333'] } });
    const intoOurs = { ...ssh(), recipientAccountId: '111122223333', userIdentity: assumed('deployer', '444455556666') };
    const fromOurs = { ...ssh(), recipientAccountId: '444455556666', userIdentity: assumed('deployer', '111122223333') };
    expect(ignoreReason(intoOurs, byAccount)).toBeUndefined();
    expect(ignoreReason(fromOurs, byAccount)).toBe("account 444455556666 is outside the policy's scope");
    expect(toTrigger({ record: intoOurs, source: 'aws.ec2' }).account).toBe('111122223333');
    expect(toTrigger({ record: fromOurs, source: 'aws.ec2' }).account).toBe('444455556666');
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

describe('in an organisation: the member role and reach', () => {
  const HUB = '111122223333';
  const B = '222233334444';
  const C = '333344445555';
  const ORG: Organization = parseOrganization(
    { id: 'o-a1b2c3d4e5', hub: { account: HUB, region: 'us-east-1' }, memberRegions: ['us-east-1'], memberRoleName: 'lg-member' },
    POLICY,
  );
  /** A call in `recipient` by a session of `role` in `roleAccount`. */
  const callBy = (role: string, roleAccount: string, recipient: string): CloudTrailRecord => ({
    ...ssh(),
    userIdentity: assumed(role, roleAccount),
    recipientAccountId: recipient,
  });

  it.each([
    ['arn:aws:iam::222233334444:role/lg-member', B, true],
    ['arn:aws-cn:iam::222233334444:role/lg-member', B, true],
    ['arn:aws:iam::222233334444:role/lg-member', C, false],
    ['arn:aws:iam::222233334444:role/lg-member-2', B, false],
    ['arn:aws:iam::222233334444:role/team/lg-member', B, false],
    ['arn:aws:iam::222233334444:role/layerguard-member', B, false],
    ['arn:aws:iam::222233334444:user/lg-member', B, false],
    ['arn:aws:iam::222233334444:role/lg-member', undefined, false],
    ['not an ARN', B, false],
    ['', B, false],
  ] as const)('isMemberRoleOf(%s, account %s) is %s', (arn, account, expected) => {
    expect(isMemberRoleOf(arn, ORG, account)).toBe(expected);
  });

  it('the member role of the call’s own account is LayerGuard itself', () => {
    const record = callBy('lg-member', B, B);
    expect(isOwnAction(record, POLICY, ORG)).toBe(true);
    expect(ignoreReason(record, POLICY, ORG)).toBe('the call was made by LayerGuard itself');
  });

  it('the member role of another account, acting here, is not LayerGuard', () => {
    expect(isOwnAction(callBy('lg-member', C, B), POLICY, ORG)).toBe(false);
    expect(ignoreReason(callBy('lg-member', C, B), POLICY, ORG)).toBeUndefined();
  });

  it('without an organisation, a role named like the member role is not LayerGuard', () => {
    expect(isOwnAction(callBy('lg-member', B, B), POLICY)).toBe(false);
  });

  it('the hub’s own roles stay LayerGuard’s in an organisation', () => {
    expect(isOwnAction(callBy('LayerGuard-security-group-us-east-1', HUB, HUB), POLICY, ORG)).toBe(true);
  });

  it('every account is in reach of a hub; alone, only the own account', () => {
    const inB = callBy('Developer', B, B);
    expect(unreachableReason(inB, HUB, ORG)).toBeUndefined();
    expect(unreachableReason(inB, HUB)).toBe('account 222233334444 is not reachable from account 111122223333');
    expect(unreachableReason(callBy('Developer', HUB, HUB), HUB)).toBeUndefined();
  });

  it('a record that names no account is taken for the function\'s own: in reach', () => {
    const { recipientAccountId: _r, ...rest } = callBy('Developer', HUB, HUB);
    const noAccount: CloudTrailRecord = { ...rest, userIdentity: { ...rest.userIdentity, accountId: undefined } };
    expect(unreachableReason(noAccount, HUB)).toBeUndefined();
  });
});
