import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.js';
import { DEFAULT_POLICY, hasAnyTag, PolicySchema, parsePolicy } from '../../functions/core/policy.js';

/** The ConfigError parsePolicy throws for an input (fails the test when it does not throw). */
function errorOf(input: unknown): ConfigError {
  try {
    parsePolicy(input);
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('parsePolicy did not throw');
}

describe('parsePolicy: defaults (SEC05-BP01)', () => {
  // The defaults written out, from SEC05-BP01 (only the web tier is reached from the internet, on the
  // ports it serves: 80 and 443; "a database ... should be placed in subnets with no routes to or from
  // the internet") and the issue texts for the rest (exemptions at most 90 days, own roles by ARN).
  it.each([
    ['parsePolicy of an empty object', () => parsePolicy({})],
    ['parsePolicy of undefined', () => parsePolicy(undefined)],
    ['parsePolicy of null', () => parsePolicy(null)],
    ['DEFAULT_POLICY, as exported', () => DEFAULT_POLICY],
  ])('%s holds every default', (_name, policy) => {
    expect(policy()).toStrictEqual({
      mode: 'enforce',
      scope: { accounts: [], regions: [] },
      ownRoleArns: [],
      worldOpen: { ipv4MinPrefix: 8, ipv6MinPrefix: 16 },
      publicTier: {
        groupTags: [{ key: 'Tier', value: 'Web' }],
        internetFacingLoadBalancers: true,
        allowedPorts: [
          { protocol: 'tcp', port: 80 },
          { protocol: 'tcp', port: 443 },
        ],
      },
      exemption: { tagKey: 'layerguard:exempt', maxDays: 90 },
      isolated: {
        subnetTags: [{ key: 'Tier', value: 'Database' }],
        subnetIds: [],
        // SEC05-BP01: "subnets with no routes to or from the internet": every internet path, in or out.
        forbiddenTargets: ['internet-gateway', 'egress-only-internet-gateway', 'nat-gateway', 'carrier-gateway'],
        unknownDefaultRoute: 'alert',
      },
      // SEC05-BP01 example 3: web -> application -> database, by the tags the other sections use.
      tiers: {
        chain: [
          { name: 'web', tags: [{ key: 'Tier', value: 'Web' }] },
          { name: 'application', tags: [{ key: 'Tier', value: 'Application' }] },
          { name: 'database', tags: [{ key: 'Tier', value: 'Database' }] },
        ],
        addressSpace: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
      },
      reconciler: { maxRepeats: 3, windowMinutes: 60 },
    });
  });

  it('fills the defaults inside a partly given section', () => {
    const policy = parsePolicy({
      worldOpen: { ipv4MinPrefix: 16 },
      isolated: { subnetIds: ['subnet-0a1b2c3d4e5f63001'] },
    });
    expect(policy.worldOpen).toStrictEqual({ ipv4MinPrefix: 16, ipv6MinPrefix: 16 });
    expect(policy.isolated).toStrictEqual({
      subnetTags: [{ key: 'Tier', value: 'Database' }],
      subnetIds: ['subnet-0a1b2c3d4e5f63001'],
      forbiddenTargets: ['internet-gateway', 'egress-only-internet-gateway', 'nat-gateway', 'carrier-gateway'],
      unknownDefaultRoute: 'alert',
    });
  });

  it('keeps a full custom policy as given', () => {
    const input = {
      mode: 'dry-run',
      scope: { accounts: ['111122223333'], regions: ['us-east-1', 'eu-west-1', 'us-gov-west-1'] },
      ownRoleArns: ['arn:aws:iam::111122223333:role/net-guard-sg', 'arn:aws-us-gov:iam::111122223333:role/team/guard'],
      worldOpen: { ipv4MinPrefix: 1, ipv6MinPrefix: 128 },
      publicTier: {
        groupTags: [{ key: 'Public', value: '' }],
        internetFacingLoadBalancers: false,
        allowedPorts: [{ protocol: 'udp', port: 53 }],
      },
      exemption: { tagKey: 'security:exception', maxDays: 30 },
      isolated: {
        subnetTags: [],
        subnetIds: ['subnet-0a1b2c3d'],
        forbiddenTargets: ['internet-gateway', 'nat-gateway'],
        unknownDefaultRoute: 'forbid',
      },
      tiers: { chain: [{ name: 'edge', tags: [{ key: 'zone', value: 'dmz' }] }], addressSpace: ['100.64.0.0/10'] },
      reconciler: { maxRepeats: 10, windowMinutes: 15 },
    };
    expect(parsePolicy(input)).toStrictEqual(input);
  });

  it('the schema is exported for the stack and the CLI', () => {
    expect(PolicySchema.safeParse({}).success).toBe(true);
  });
});

describe('parsePolicy: own roles by exact ARN', () => {
  it('refuses the old name prefixes, saying why and what replaced them', () => {
    const error = errorOf({ ownRolePrefixes: ['layerguard-'] });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/ownRolePrefixes: no longer read/);
    expect(error.message).toMatch(/ownRoleArns/);
  });
});

describe('parsePolicy: an invalid policy is a ConfigError that names the field', () => {
  it.each([
    { name: 'an unknown mode', input: { mode: 'audit' }, field: 'mode' },
    { name: 'an unknown top-level key (typo)', input: { worldopen: {} }, field: '(policy)' },
    { name: 'an unknown nested key', input: { scope: { account: ['111122223333'] } }, field: 'scope' },
    {
      name: 'an 11-digit account',
      input: { scope: { accounts: ['11112222333'] } },
      field: 'scope.accounts.0',
    },
    {
      name: 'a region without its number',
      input: { scope: { regions: ['us-east'] } },
      field: 'scope.regions.0',
    },
    { name: 'an exemption cap of 0 days', input: { exemption: { maxDays: 0 } }, field: 'exemption.maxDays' },
    { name: 'an exemption cap of 1.5 days', input: { exemption: { maxDays: 1.5 } }, field: 'exemption.maxDays' },
    { name: 'an exemption cap over ten years', input: { exemption: { maxDays: 3651 } }, field: 'exemption.maxDays' },
    { name: 'an empty role ARN', input: { ownRoleArns: [''] }, field: 'ownRoleArns.0' },
    { name: 'a role name, not its ARN', input: { ownRoleArns: ['LayerGuard-security-group-us-east-1'] }, field: 'ownRoleArns.0' },
    {
      name: 'a role ARN without its account',
      input: { ownRoleArns: ['arn:aws:iam:::role/LayerGuard-security-group-us-east-1'] },
      field: 'ownRoleArns.0',
    },
    { name: 'a wildcard', input: { ownRoleArns: ['arn:aws:iam::111122223333:role/LayerGuard-*'] }, field: 'ownRoleArns.0' },
    { name: 'a user ARN', input: { ownRoleArns: ['arn:aws:iam::111122223333:user/alice'] }, field: 'ownRoleArns.0' },
    {
      name: 'an IPv4 bound of 0 (nothing would be world-open)',
      input: { worldOpen: { ipv4MinPrefix: 0 } },
      field: 'worldOpen.ipv4MinPrefix',
    },
    {
      name: 'an IPv4 bound over 32',
      input: { worldOpen: { ipv4MinPrefix: 33 } },
      field: 'worldOpen.ipv4MinPrefix',
    },
    {
      name: 'a fractional IPv6 bound',
      input: { worldOpen: { ipv6MinPrefix: 16.5 } },
      field: 'worldOpen.ipv6MinPrefix',
    },
    {
      name: 'an IPv6 bound over 128',
      input: { worldOpen: { ipv6MinPrefix: 129 } },
      field: 'worldOpen.ipv6MinPrefix',
    },
    {
      name: 'an allowed port over 65535',
      input: { publicTier: { allowedPorts: [{ protocol: 'tcp', port: 65536 }] } },
      field: 'publicTier.allowedPorts.0.port',
    },
    {
      name: 'an allowed protocol -1',
      input: { publicTier: { allowedPorts: [{ protocol: '-1', port: 0 }] } },
      field: 'publicTier.allowedPorts.0.protocol',
    },
    {
      name: 'a tag selector without a key',
      input: { publicTier: { groupTags: [{ key: '', value: 'Web' }] } },
      field: 'publicTier.groupTags.0.key',
    },
    { name: 'an empty exemption tag key', input: { exemption: { tagKey: '' } }, field: 'exemption.tagKey' },
    {
      name: 'a subnet id that is not one',
      input: { isolated: { subnetIds: ['db-subnet-a'] } },
      field: 'isolated.subnetIds.0',
    },
    {
      name: 'no forbidden targets',
      input: { isolated: { forbiddenTargets: [] } },
      field: 'isolated.forbiddenTargets',
    },
    {
      name: 'an unknown target kind',
      input: { isolated: { forbiddenTargets: ['vpn-gateway'] } },
      field: 'isolated.forbiddenTargets.0',
    },
    { name: 'a policy that is a string', input: 'enforce', field: '(policy)' },
  ])('$name → $field', ({ input, field }) => {
    const error = errorOf(input);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toMatch(/^invalid policy: /);
    expect(error.message).toContain(`${field}: `);
  });

  it('names every bad field, not only the first', () => {
    const error = errorOf({ mode: 'x', scope: { accounts: ['1'] }, worldOpen: { ipv4MinPrefix: 99 } });
    expect(error.message).toContain('mode: ');
    expect(error.message).toContain('scope.accounts.0: an account id is 12 digits');
    expect(error.message).toContain('worldOpen.ipv4MinPrefix: ');
  });

  it('says what a region and a subnet id look like', () => {
    expect(errorOf({ scope: { regions: ['EU'] } }).message).toContain('a region looks like eu-west-1');
    expect(errorOf({ isolated: { subnetIds: ['x'] } }).message).toContain(
      'a subnet id looks like subnet-0abc1234',
    );
  });
});

describe('hasAnyTag', () => {
  const selectors = [
    { key: 'Tier', value: 'Web' },
    { key: 'Public', value: 'true' },
  ];
  it.each([
    ['the first selector', { Tier: 'Web' }, true],
    ['the second selector', { Name: 'edge', Public: 'true' }, true],
    ['the key with another value', { Tier: 'Application' }, false],
    ['a value match is case-sensitive', { Tier: 'web' }, false],
    ['a key match is case-sensitive', { tier: 'Web' }, false],
    ['no tags', {}, false],
  ])('%s: %s', (_name, tags, expected) => {
    expect(hasAnyTag(tags, selectors)).toBe(expected);
  });

  it('matches nothing with no selectors', () => {
    expect(hasAnyTag({ Tier: 'Web' }, [])).toBe(false);
  });
});

describe('parsePolicy: ICMP entries of the public tier', () => {
  it('keeps tcp, udp, icmp and icmpv6 entries, with type and code -1 meaning any', () => {
    // Path-MTU discovery: ICMP type 3 code 4 (RFC 1191), ICMPv6 type 2 "packet too big" (RFC 4443); -1 is
    // EC2's "any" for an ICMP type or code (IpPermission FromPort/ToPort, @aws-sdk/client-ec2).
    const allowedPorts = [
      { protocol: 'tcp', port: 443 },
      { protocol: 'udp', port: 0 },
      { protocol: 'icmp', type: 3, code: 4 },
      { protocol: 'icmp', type: 0, code: -1 },
      { protocol: 'icmp', type: -1 },
      { protocol: 'icmpv6', type: 2 },
    ];
    expect(parsePolicy({ publicTier: { allowedPorts } }).publicTier.allowedPorts).toStrictEqual(allowedPorts);
  });
});

describe('parsePolicy: defaults inside a section given in part', () => {
  it('a public tier given only its tags still allows 80 and 443 and internet-facing load balancers', () => {
    expect(parsePolicy({ publicTier: { groupTags: [] } }).publicTier).toStrictEqual({
      groupTags: [],
      internetFacingLoadBalancers: true,
      allowedPorts: [
        { protocol: 'tcp', port: 80 },
        { protocol: 'tcp', port: 443 },
      ],
    });
  });

  it('isolated subnets given only by tag list no subnet ids', () => {
    expect(parsePolicy({ isolated: { subnetTags: [] } }).isolated.subnetIds).toStrictEqual([]);
  });

  it('a reconciler window may be up to a week (10080 minutes), not more', () => {
    expect(parsePolicy({ reconciler: { windowMinutes: 7 * 24 * 60 } }).reconciler.windowMinutes).toBe(10080);
    expect(errorOf({ reconciler: { windowMinutes: 10081 } }).message).toMatch(/^invalid policy: reconciler\.windowMinutes: /);
  });
});

describe('parsePolicy: ids and ARNs are whole values', () => {
  it.each([
    { name: 'an account of 13 digits', input: { scope: { accounts: ['1111222233334'] } }, problem: 'scope.accounts.0: an account id is 12 digits' },
    { name: 'a region with a prefix', input: { scope: { regions: ['xeu-west-1'] } }, problem: 'scope.regions.0: a region looks like eu-west-1' },
    {
      name: 'a role ARN with a prefix',
      input: { ownRoleArns: ['xarn:aws:iam::111122223333:role/guard'] },
      problem: 'ownRoleArns.0: a role ARN looks like arn:aws:iam::111122223333:role/name',
    },
    { name: 'a subnet id with a prefix', input: { isolated: { subnetIds: ['db-subnet-0abc1234'] } }, problem: 'isolated.subnetIds.0: a subnet id looks like subnet-0abc1234' },
    { name: 'a subnet id with a suffix', input: { isolated: { subnetIds: ['subnet-0abc1234-old'] } }, problem: 'isolated.subnetIds.0: a subnet id looks like subnet-0abc1234' },
  ])('refuses $name, saying what it looks like', ({ input, problem }) => {
    expect(errorOf(input).message).toBe(`invalid policy: ${problem}`);
  });

  it('lists every problem, separated by semicolons', () => {
    expect(errorOf({ scope: { accounts: ['1'], regions: ['EU'] } }).message).toBe(
      'invalid policy: scope.accounts.0: an account id is 12 digits; scope.regions.0: a region looks like eu-west-1',
    );
  });
});
