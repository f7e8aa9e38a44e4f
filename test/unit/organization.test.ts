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

/** The message of the ConfigError parseOrganization throws for an input (fails the test when it does not throw). */
function messageOf(input: unknown, policy = base): string {
  try {
    parseOrganization(input, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('parseOrganization did not throw');
}

describe('organization: identifier formats, whole ids only', () => {
  // Formats: Organizations API reference (Organization.Id `^o-[a-z0-9]{10,32}$`, OrganizationalUnit.Id
  // `^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`, Root.Id `^r-[0-9a-z]{4,32}$`), IAM identifiers (role names:
  // 1 to 64 of `\w+=,.@-`), STS AssumeRole (ExternalId: 2 to 1224 of `[\w+=,.@:\/-]`).
  it('accepts ids of every documented form and fills the StackSet defaults', () => {
    const o = parseOrganization(
      {
        ...org,
        hub: { account: '111122223333', region: 'us-gov-west-1' },
        memberRegions: ['us-gov-west-1'],
        memberRoleName: 'team.guard@net-1',
        externalId: 'layerguard-ext-42',
        memberOus: ['ou-ab12-cdef3456', 'r-ab12'],
        overrides: [{ accounts: ['222233334444'], ous: ['ou-ab12-cdef3456'], policy: { mode: 'enforce' } }],
      },
      base,
    );
    expect(o).toMatchObject({
      memberRoleName: 'team.guard@net-1',
      externalId: 'layerguard-ext-42',
      memberOus: ['ou-ab12-cdef3456', 'r-ab12'],
      stackSetCallAs: 'DELEGATED_ADMIN',
    });
    expect(parseOrganization(org, base)).toMatchObject({ memberOus: [], stackSetCallAs: 'DELEGATED_ADMIN' });
    expect(parseOrganization({ ...org, stackSetCallAs: 'SELF' }, base).stackSetCallAs).toBe('SELF');
    expect(parseOrganization({ ...org, stackSetCallAs: 'DELEGATED_ADMIN' }, base).stackSetCallAs).toBe('DELEGATED_ADMIN');
  });

  it.each([
    ['an organisation id with a prefix', { ...org, id: 'xo-a1b2c3d4e5' }, 'organization.id: an organisation id looks like o-a1b2c3d4e5'],
    ['an organisation id with a suffix', { ...org, id: 'o-a1b2c3d4e5!' }, 'organization.id: an organisation id looks like o-a1b2c3d4e5'],
    ['an override OU with a prefix', { ...org, overrides: [{ ous: ['xou-ab12-cdef3456'], policy: {} }] }, 'organization.overrides.0.ous.0: an OU id looks like ou-ab12-cdef3456'],
    ['an override OU with a suffix', { ...org, overrides: [{ ous: ['ou-ab12-cdef3456!'], policy: {} }] }, 'organization.overrides.0.ous.0: an OU id looks like ou-ab12-cdef3456'],
    ['a member OU with a prefix', { ...org, memberOus: ['xou-ab12-cdef3456'] }, 'organization.memberOus.0: an OU id looks like ou-ab12-cdef3456, a root id like r-ab12'],
    ['a member OU with a suffix', { ...org, memberOus: ['r-ab12!'] }, 'organization.memberOus.0: an OU id looks like ou-ab12-cdef3456, a root id like r-ab12'],
    ['a member role name with a path', { ...org, memberRoleName: 'team/guard' }, 'organization.memberRoleName: a role name is 1 to 64 of letters, digits and +=,.@_-'],
    ['a member role name of 65 characters', { ...org, memberRoleName: 'a'.repeat(65) }, 'organization.memberRoleName: a role name is 1 to 64 of letters, digits and +=,.@_-'],
    ['an external id with a space first', { ...org, externalId: ' layerguard' }, 'organization.externalId: an external id is 2 to 1224 of letters, digits and +=,.@:/_-'],
    ['an external id with a space last', { ...org, externalId: 'layerguard ' }, 'organization.externalId: an external id is 2 to 1224 of letters, digits and +=,.@:/_-'],
    ['a hub account of 13 digits', { ...org, hub: { ...org.hub, account: '1111222233334' } }, 'organization.hub.account: an account id is 12 digits'],
    ['a hub region with a prefix', { ...org, hub: { ...org.hub, region: 'xeu-west-1' } }, 'organization.hub.region: a region looks like eu-west-1'],
    ['a hub region with a suffix', { ...org, hub: { ...org.hub, region: 'eu-west-1a' } }, 'organization.hub.region: a region looks like eu-west-1'],
  ])('refuses %s, saying what the id looks like', (_name, input, problem) => {
    expect(messageOf(input)).toBe(`invalid organisation: ${problem}`);
  });
});

describe('organization: the error names every problem', () => {
  it('names a key of the organisation itself as `organization:`, and lists each problem', () => {
    expect(messageOf({ ...org, id: 'o-1', homeRegion: 'eu-west-1' })).toBe(
      'invalid organisation: organization.id: an organisation id looks like o-a1b2c3d4e5; organization: Unrecognized key: "homeRegion"',
    );
  });

  it('accepts an override naming one account and one OU', () => {
    const o = parseOrganization({ ...org, overrides: [{ accounts: ['222233334444'], ous: ['ou-ab12-cdef3456'], policy: { mode: 'enforce' } }] }, base);
    expect(o.overrides).toHaveLength(1);
  });

  it("keeps the policy's own error as the cause of an invalid override", () => {
    let error: unknown;
    try {
      parseOrganization({ ...org, overrides: [{ accounts: ['222233334444'], policy: { mode: 'maybe' } }] }, base);
    } catch (e) {
      error = e;
    }
    expect((error as Error).cause).toBeInstanceOf(ConfigError);
    expect(((error as Error).cause as Error).message).toMatch(/^invalid policy: mode: /);
  });
});

describe('organization: an override replaces only the sections it sets', () => {
  const custom = parsePolicy({ mode: 'dry-run', exemption: { maxDays: 30 }, scope: { regions: ['eu-west-1'] } });

  it("keeps the base's sections the override does not name", () => {
    const o = parseOrganization({ ...org, overrides: [{ accounts: ['222233334444'], policy: { mode: 'enforce' } }] }, custom);
    const p = policyFor(custom, o, '222233334444');
    expect(p).toStrictEqual({ ...custom, mode: 'enforce' });
  });

  it("keeps the base's section for a section given as undefined (an organisation written in code)", () => {
    const o = parseOrganization({ ...org, overrides: [{ accounts: ['222233334444'], policy: { mode: undefined, exemption: { maxDays: 7 } } }] }, custom);
    const p = policyFor(custom, o, '222233334444');
    expect(p.mode).toBe('dry-run');
    expect(p.exemption).toStrictEqual({ tagKey: 'layerguard:exempt', maxDays: 7 });
  });
});
