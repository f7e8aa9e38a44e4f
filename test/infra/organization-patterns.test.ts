import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../functions/core/event-pattern.js';
import { buildRulePatterns, matchingRules, ownRoleExclusion } from '../../functions/core/patterns.js';
import { parsePolicy } from '../../functions/core/policy.js';

/**
 * The own-role exclusion with an organisation: the hub functions' roles by exact ARN, and the member
 * role of every account by its session ARN (EventBridge `anything-but` with `wildcard`). The events are
 * shaped as CloudTrail records them: an AssumedRole caller's `userIdentity.arn` is the session
 * (`arn:aws:sts::<account>:assumed-role/<role>/<session>`), its `sessionContext.sessionIssuer.arn` the role.
 */

const HUB = '111122223333';
const MEMBER = '444455556666';
const HUB_ROLES = ['security-group', 'route-table', 'runbook'].map((fn) => `arn:aws:iam::${HUB}:role/LayerGuard-${fn}-eu-west-1`);
const MEMBER_ROLE = { name: 'layerguard-member', partition: 'aws' };

const assumed = (role: string, account: string, session = 'session') => ({
  type: 'AssumedRole',
  arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
  accountId: account,
  sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/${role}`, accountId: account, userName: role } },
});

const opened = (userIdentity: unknown, account = MEMBER) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.ec2',
  account,
  region: 'us-east-1',
  time: '2026-01-01T00:00:00Z',
  resources: [],
  detail: {
    eventSource: 'ec2.amazonaws.com',
    eventName: 'AuthorizeSecurityGroupIngress',
    awsRegion: 'us-east-1',
    userIdentity,
    requestParameters: {
      groupId: 'sg-0123456789abcdef0',
      ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] },
    },
  },
});

describe('ownRoleExclusion', () => {
  it('is what it was without an organisation (the single-account patterns do not change)', () => {
    expect(ownRoleExclusion(HUB_ROLES)).toEqual({
      userIdentity: {
        $or: [
          { sessionContext: { sessionIssuer: { arn: [{ exists: false }] } } },
          { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': HUB_ROLES }] } } },
        ],
      },
    });
    expect(ownRoleExclusion([])).toEqual({});
  });

  it('adds the member role of any account by its session ARN, beside the exact ARNs', () => {
    expect(ownRoleExclusion(HUB_ROLES, MEMBER_ROLE)).toEqual({
      userIdentity: {
        $or: [
          { sessionContext: { sessionIssuer: { arn: [{ exists: false }] } } },
          {
            sessionContext: { sessionIssuer: { arn: [{ 'anything-but': HUB_ROLES }] } },
            $or: [
              { arn: [{ 'anything-but': { wildcard: 'arn:aws:sts::*:assumed-role/layerguard-member/*' } }] },
              { arn: [{ exists: false }] },
            ],
          },
        ],
      },
    });
  });

  it('writes the partition of the organisation', () => {
    expect(JSON.stringify(ownRoleExclusion([], { name: 'lg', partition: 'aws-cn' }))).toContain('"arn:aws-cn:sts::*:assumed-role/lg/*"');
  });
});

describe('the patterns of an organisation', () => {
  const policy = parsePolicy({ ownRoleArns: HUB_ROLES });
  const rules = buildRulePatterns(policy, { gameday: false, memberRole: MEMBER_ROLE });

  it.each([
    ['a person in a member account', { type: 'IAMUser', arn: `arn:aws:iam::${MEMBER}:user/alice`, userName: 'alice' }],
    ["another role of a member account", assumed('deployer', MEMBER)],
    ['a role whose name only begins like the member role', assumed('layerguard-member-old', MEMBER)],
    ['a role whose name only ends like it', assumed('not-layerguard-member', MEMBER)],
    ['a session with an issuer but no session ARN', { ...assumed('deployer', MEMBER), arn: undefined }],
    ['root', { type: 'Root', arn: `arn:aws:iam::${MEMBER}:root` }],
  ])('fire for %s', (_name, who) => {
    expect(matchingRules(rules, opened(JSON.parse(JSON.stringify(who))))).toEqual(['security-group']);
  });

  it.each([
    ['the member role in a member account', assumed('layerguard-member', MEMBER)],
    ['the member role in another member account, any session name', assumed('layerguard-member', '777788889999', 'LayerGuard-runbook')],
    ['the member role in the hub account', assumed('layerguard-member', HUB)],
    ['a hub function role in the hub account', assumed('LayerGuard-runbook-eu-west-1', HUB)],
  ])('do not fire for %s', (_name, who) => {
    expect(matchingRules(rules, opened(who))).toEqual([]);
  });

  it('still fire for a role of the hub functions’ name in another account (exact ARNs, not names)', () => {
    expect(matchesPattern(rules[0]?.pattern, opened(assumed('LayerGuard-runbook-eu-west-1', MEMBER)))).toBe(true);
  });
});
