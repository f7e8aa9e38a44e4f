import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.js';
import { DEFAULT_MEMBER_ROLE_NAME, memberRoleArn, parseOrganization, policyFor } from '../../functions/core/organization.js';
import { parsePolicy } from '../../functions/core/policy.js';

const base = parsePolicy({ mode: 'dry-run' });
const org = {
  id: 'o-a1b2c3d4e5',
  hub: { account: '111122223333', region: 'eu-west-1' },
  memberRegions: ['eu-west-1', 'us-east-1'],
};

describe('organization: parse', () => {
  it('fills the member role name and empty lists', () => {
    const o = parseOrganization(org, base);
    expect(o.memberRoleName).toBe(DEFAULT_MEMBER_ROLE_NAME);
    expect(o.overrides).toEqual([]);
    expect(o.accounts).toEqual([]);
  });

  it.each([
    ['a malformed organisation id', { ...org, id: 'org-1' }, /organization\.id/],
    ['a hub region outside the member regions', { ...org, memberRegions: ['us-east-1'] }, /hub's region eu-west-1/],
    ['no member regions', { ...org, memberRegions: [] }, /memberRegions/],
    ['an override naming nothing', { ...org, overrides: [{ policy: { mode: 'enforce' } }] }, /at least one account or OU/],
    ['an override of a section that cannot be overridden', { ...org, overrides: [{ accounts: ['222233334444'], policy: { scope: {} } }] }, /overrides\.0\.policy/],
    ['an override that makes an invalid policy', { ...org, overrides: [{ accounts: ['222233334444'], policy: { mode: 'maybe' } }] }, /overrides\.0: invalid policy: mode/],
    ['a malformed OU id', { ...org, overrides: [{ ous: ['r-abcd'], policy: { mode: 'enforce' } }] }, /OU id/],
    ['a too-short external id', { ...org, externalId: 'x' }, /external id/],
  ])('refuses %s, naming it', (_name, input, message) => {
    expect(() => parseOrganization(input, base)).toThrow(ConfigError);
    expect(() => parseOrganization(input, base)).toThrow(message);
  });
});

describe('organization: the policy an account runs under', () => {
  const o = parseOrganization(
    {
      ...org,
      overrides: [
        { ous: ['ou-ab12-cdef3456'], policy: { mode: 'enforce', isolated: { subnetTags: [{ key: 'Tier', value: 'Data' }] } } },
        { accounts: ['222233334444'], policy: { mode: 'dry-run' } },
      ],
    },
    base,
  );

  it('is the base for an account no override names', () => {
    expect(policyFor(base, o, '999988887777', ['ou-zz99-zzzzzzzz'])).toBe(base);
    expect(policyFor(base, undefined, '222233334444')).toBe(base);
  });

  it("takes an OU's sections whole, keeping the base's others", () => {
    const p = policyFor(base, o, '333344445555', ['ou-ab12-cdef3456']);
    expect(p.mode).toBe('enforce');
    expect(p.isolated.subnetTags).toEqual([{ key: 'Tier', value: 'Data' }]);
    // The section was replaced whole: its fields the override leaves out are the schema's defaults.
    expect(p.isolated.forbiddenTargets).toEqual(base.isolated.forbiddenTargets);
    expect(p.publicTier).toEqual(base.publicTier);
  });

  it('lets an account override win over its OU', () => {
    const p = policyFor(base, o, '222233334444', ['ou-ab12-cdef3456']);
    expect(p.mode).toBe('dry-run');
    expect(p.isolated.subnetTags).toEqual([{ key: 'Tier', value: 'Data' }]);
  });

  it('names the member role in an account', () => {
    expect(memberRoleArn(o, '222233334444')).toBe('arn:aws:iam::222233334444:role/layerguard-member');
    expect(memberRoleArn(o, '222233334444', 'aws-cn')).toBe('arn:aws-cn:iam::222233334444:role/layerguard-member');
  });
});
