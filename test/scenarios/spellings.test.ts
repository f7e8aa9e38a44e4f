import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { Ec2Error } from '../../events/simulated-account/ec2-error.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { parsePolicy } from '../../functions/core/policy.js';

/*
 * Equivalent spellings decide alike. A random drift is made on a fresh simulated account through its
 * EC2 calls, with the CIDR spelled as the caller wrote it (the account stores it canonically, as EC2
 * does: cidr.ts cites the SDK's model). The CloudTrail record of that call, in each spelling EC2
 * accepts (host bits, case, compressed or expanded IPv6, flat or nested request form, the target id
 * in its own field or in gatewayId, with or without the response's rule set), goes through the engine
 * a deployed function runs. Oracle: every spelling's outcome equals the reference spelling's, and the
 * reference's status equals a model of its own (prefix arithmetic on the generated numbers, no
 * LayerGuard code); a few hand-written cases pin the expected actions.
 */

const RUNS = Number(process.env.LAYERGUARD_PROPERTY_RUNS ?? 60);
// Explicit, so the property does not depend on the default forbidden targets.
const POLICY = parsePolicy({ isolated: { forbiddenTargets: ['internet-gateway', 'nat-gateway'] } });
const NOW = new Date('2025-03-14T09:12:44Z');
const SG = BASELINE.securityGroups;

// ---- spelling a network (independent of functions/core/cidr.ts) -------------------------------

const V4_BITS = 32n;
const V6_BITS = 128n;
const hostMask = (width: bigint, prefix: number) => (1n << (width - BigInt(prefix))) - 1n;

const v4Text = (address: bigint) => [24n, 16n, 8n, 0n].map((s) => String((address >> s) & 0xffn)).join('.');
const v6Groups = (address: bigint) => Array.from({ length: 8 }, (_, i) => (address >> BigInt(112 - 16 * i)) & 0xffffn);
/** Every group written out, zero-padded: the longest spelling. */
const v6Expanded = (address: bigint) => v6Groups(address).map((g) => g.toString(16).padStart(4, '0')).join(':');
/** Leading zeros dropped, the first run of zero groups (any length) as `::`: a valid, not always canonical, spelling. */
function v6Compressed(address: bigint): string {
  const hex = v6Groups(address).map((g) => g.toString(16));
  const start = hex.indexOf('0');
  if (start < 0) return hex.join(':');
  let end = start;
  while (end < 8 && hex[end] === '0') end += 1;
  return `${hex.slice(0, start).join(':')}::${hex.slice(end).join(':')}`;
}

interface NetworkDraw {
  readonly family: 4 | 6;
  readonly network: bigint; // host bits cleared
  readonly prefix: number;
  readonly hostBits: bigint; // what a caller may leave in the host part
}

const networkArb: fc.Arbitrary<NetworkDraw> = fc.oneof(
  fc.record({ family: fc.constant(4 as const), prefix: fc.integer({ min: 0, max: 32 }), raw: fc.bigInt({ min: 0n, max: (1n << V4_BITS) - 1n }), host: fc.bigInt({ min: 0n, max: (1n << V4_BITS) - 1n }) }),
  fc.record({
    family: fc.constant(6 as const),
    prefix: fc.integer({ min: 0, max: 128 }),
    // Private (fc00::/7) addresses often, so the private-IPv6 rule is exercised.
    raw: fc.oneof(fc.bigInt({ min: 0n, max: (1n << V6_BITS) - 1n }), fc.bigInt({ min: 0n, max: (1n << 121n) - 1n }).map((b) => (0x7en << 121n) | b)),
    host: fc.bigInt({ min: 0n, max: (1n << V6_BITS) - 1n }),
  }),
).map(({ family, prefix, raw, host }) => {
  const width = family === 4 ? V4_BITS : V6_BITS;
  const mask = hostMask(width, prefix);
  return { family, prefix, network: raw & ~mask & ((1n << width) - 1n), hostBits: host & mask };
});

/** The spellings EC2 accepts for one network; the first is the reference. */
function spellings(n: NetworkDraw): string[] {
  const withHost = n.network | n.hostBits;
  if (n.family === 4) return [`${v4Text(n.network)}/${n.prefix}`, `${v4Text(withHost)}/${n.prefix}`];
  return [
    `${v6Expanded(n.network)}/${n.prefix}`,
    `${v6Compressed(n.network)}/${n.prefix}`,
    `${v6Compressed(n.network).toUpperCase()}/${n.prefix}`,
    `${v6Compressed(withHost)}/${n.prefix}`,
    `${v6Expanded(withHost).toUpperCase()}/${n.prefix}`,
  ];
}

/** The model: the internet, or a slice broader than the default bounds; never fc00::/7 (RFC 4193). */
function modelWorldOpen(n: NetworkDraw): boolean {
  if (n.family === 4) return n.prefix < POLICY.worldOpen.ipv4MinPrefix;
  const isPrivate = n.prefix >= 7 && n.network >> 121n === 0x7en;
  return n.prefix < POLICY.worldOpen.ipv6MinPrefix && !isPrivate;
}

// ---- records ---------------------------------------------------------------------------------

function envelope(eventName: string, requestParameters: unknown, responseElements: unknown) {
  return {
    version: '0',
    id: 'eb-spelling',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: BASELINE.account,
    time: NOW.toISOString(),
    region: BASELINE.region,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${BASELINE.account}:user/alice`, accountId: BASELINE.account, userName: 'alice' },
      eventTime: '2025-03-14T09:12:44Z',
      eventSource: 'ec2.amazonaws.com',
      eventName,
      awsRegion: BASELINE.region,
      sourceIPAddress: '203.0.113.24',
      userAgent: 'aws-cli/2.24.21',
      requestParameters,
      responseElements,
      eventID: 'spelling-0001',
      eventType: 'AwsApiCall',
      recipientAccountId: BASELINE.account,
    },
  };
}

/** What a spelling must not change: the status, the drift, the actions and the account afterwards. */
interface Verdict {
  readonly outcome: Outcome['outcome'];
  readonly drift: Outcome['drift'];
  readonly actions: Outcome['actions'];
  readonly rules: unknown;
  readonly routes: unknown;
}

async function judge(account: SimulatedAccount, event: unknown): Promise<Verdict> {
  const { engine } = simulatedEngine(account, { policy: POLICY, clock: () => NOW });
  const o = await engine.handle(event);
  return {
    outcome: o.outcome,
    drift: o.drift,
    actions: o.actions,
    rules: [...account.rules.values()].sort((a, b) => a.ruleId.localeCompare(b.ruleId)),
    routes: account.routeTable(BASELINE.routeTables.database)?.routes,
  };
}

// ---- security groups ---------------------------------------------------------------------------

interface SgDraw {
  readonly groupId: string;
  readonly port: number;
  readonly net: NetworkDraw;
}
const sgArb: fc.Arbitrary<SgDraw> = fc.record({
  groupId: fc.constantFrom(SG.app, SG.db, SG.web),
  port: fc.oneof(fc.constantFrom(22, 443, 5432), fc.integer({ min: 1, max: 65535 })),
  net: networkArb,
});

/** The drift made on a fresh account by the caller's spelling; `undefined` when EC2 would refuse it. */
function authorize(d: SgDraw, cidr: string) {
  const account = threeTierAccount(NOW);
  const source = d.net.family === 4 ? { cidrIpv4: cidr } : { cidrIpv6: cidr };
  try {
    const [created] = account.authorizeIngress(d.groupId, [{ protocol: 'tcp', fromPort: d.port, toPort: d.port, ...source }]);
    return { account, created };
  } catch (e) {
    if (e instanceof Ec2Error && e.code === 'InvalidPermission.Duplicate') return undefined; // the baseline has it
    throw e;
  }
}

/** Every CloudTrail record of that call: nested or flat (IPv4), with or without the rule set. */
function sgRecords(d: SgDraw, cidr: string, created: { ruleId: string; cidrIpv4?: string; cidrIpv6?: string }) {
  const ranges =
    d.net.family === 4
      ? { ipRanges: { items: [{ cidrIp: cidr }] }, ipv6Ranges: {} }
      : { ipRanges: {}, ipv6Ranges: { items: [{ cidrIpv6: cidr }] } };
  const nested = {
    groupId: d.groupId,
    ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: d.port, toPort: d.port, groups: {}, prefixListIds: {}, ...ranges }] },
  };
  const flat = { groupId: d.groupId, ipPermissions: {}, ipProtocol: 'tcp', fromPort: d.port, toPort: d.port, cidrIp: cidr };
  const stored = created.cidrIpv4 !== undefined ? { cidrIpv4: created.cidrIpv4 } : { cidrIpv6: created.cidrIpv6 };
  const ruleSet = {
    _return: true,
    securityGroupRuleSet: {
      items: [{ groupId: d.groupId, securityGroupRuleId: created.ruleId, isEgress: false, ipProtocol: 'tcp', fromPort: d.port, toPort: d.port, ...stored }],
    },
  };
  const requests = d.net.family === 4 ? [nested, flat] : [nested];
  return requests.flatMap((request) =>
    [ruleSet, { _return: true }].map((response) => envelope('AuthorizeSecurityGroupIngress', request, response)),
  );
}

const sgModel = (d: SgDraw): Outcome['outcome'] => {
  const allowedPublic = d.groupId === SG.web && (d.port === 80 || d.port === 443);
  return modelWorldOpen(d.net) && !allowedPublic ? 'remediated' : 'ignored';
};

describe('security groups: every spelling of one drift decides alike', () => {
  it('same status, drift, actions and resulting rules, whatever the spelling; the status the model says', async () => {
    await fc.assert(
      fc.asyncProperty(sgArb, async (d) => {
        const names = spellings(d.net);
        const reference = authorize(d, names[0] as string);
        fc.pre(reference !== undefined);
        const [referenceEvent] = sgRecords(d, names[0] as string, reference.created as never);
        const expected = await judge(reference.account, referenceEvent);
        expect(expected.outcome).toBe(sgModel(d));
        for (const cidr of names) {
          for (let i = 0; i < sgRecords(d, cidr, reference.created as never).length; i += 1) {
            const made = authorize(d, cidr);
            expect(made).toBeDefined(); // the same network: EC2 accepts it as it accepted the reference
            const event = sgRecords(d, cidr, made?.created as never)[i];
            expect(await judge(made?.account as SimulatedAccount, event), `${cidr}, record ${i}`).toStrictEqual(expected);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['10.9.9.9/0, flat, no rule set', '10.9.9.9/0', 'flat'],
    ['203.0.113.77/7, nested, no rule set', '203.0.113.77/7', 'nested'],
  ])('%s: the rule EC2 stored is revoked', async (_name, cidr, form) => {
    const account = threeTierAccount(NOW);
    const [created] = account.authorizeIngress(SG.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: cidr }]);
    expect(created?.cidrIpv4).toBe(cidr === '10.9.9.9/0' ? '0.0.0.0/0' : '202.0.0.0/7'); // EC2's canonical form
    const request =
      form === 'flat'
        ? { groupId: SG.app, ipPermissions: {}, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIp: cidr }
        : { groupId: SG.app, ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: cidr }] } }] } };
    const verdict = await judge(account, envelope('AuthorizeSecurityGroupIngress', request, { _return: true }));
    expect(verdict.outcome).toBe('remediated');
    expect(verdict.actions).toEqual([{ type: 'revoke-ingress', groupId: SG.app, ruleIds: [created?.ruleId], result: 'done' }]);
    expect(account.rules.has(created?.ruleId as string)).toBe(false);
  });

  it.each([
    ['fc00::/7', 'ignored'],
    ['fd12:3456::/8', 'ignored'],
    ['FD00::/15', 'ignored'],
    ['fe80::/10', 'remediated'], // link-local is not fc00::/7: the bound alone decides
    ['::/0', 'remediated'],
  ] as const)('%s on the db tier -> %s', async (cidr, status) => {
    const account = threeTierAccount(NOW);
    account.authorizeIngress(SG.db, [{ protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIpv6: cidr }]);
    const request = { groupId: SG.db, ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipv6Ranges: { items: [{ cidrIpv6: cidr }] } }] } };
    expect((await judge(account, envelope('AuthorizeSecurityGroupIngress', request, { _return: true }))).outcome).toBe(status);
  });
});

// ---- routes ------------------------------------------------------------------------------------

interface RouteDraw {
  readonly target: 'igw' | 'nat' | 'vgw';
  readonly net: NetworkDraw;
  readonly eventName: 'CreateRoute';
}
const routeArb: fc.Arbitrary<RouteDraw> = fc.record({
  target: fc.constantFrom('igw' as const, 'nat' as const),
  net: networkArb,
  eventName: fc.constant('CreateRoute' as const),
});
const targetId = (t: RouteDraw['target']) => (t === 'igw' ? BASELINE.internetGatewayId : BASELINE.natGatewayId);
/** The fields EC2 accepts the id in: its own, or gatewayId. */
const targetFields = (t: RouteDraw['target']) => (t === 'igw' ? ['gatewayId'] : ['natGatewayId', 'gatewayId']);

function createRoute(d: RouteDraw, cidr: string, field: string) {
  const account = threeTierAccount(NOW);
  const destination = d.net.family === 4 ? { cidrIpv4: cidr } : { cidrIpv6: cidr };
  try {
    account.createRoute(BASELINE.routeTables.database, destination, { [field]: targetId(d.target) });
    return account;
  } catch (e) {
    if (e instanceof Ec2Error && e.code === 'RouteAlreadyExists') return undefined; // the local route's network
    throw e;
  }
}
const routeRecord = (d: RouteDraw, cidr: string, field: string) =>
  envelope(
    d.eventName,
    {
      routeTableId: BASELINE.routeTables.database,
      ...(d.net.family === 4 ? { destinationCidrBlock: cidr } : { destinationIpv6CidrBlock: cidr }),
      [field]: targetId(d.target),
    },
    { _return: true },
  );

describe('routes: every spelling of one drift decides alike', () => {
  it('same status, drift, actions and resulting routes; a forbidden target on the isolated table is deleted', async () => {
    await fc.assert(
      fc.asyncProperty(routeArb, async (d) => {
        const names = spellings(d.net);
        const [field0] = targetFields(d.target) as [string];
        const reference = createRoute(d, names[0] as string, field0);
        fc.pre(reference !== undefined);
        const expected = await judge(reference, routeRecord(d, names[0] as string, field0));
        // The model: both targets are forbidden by POLICY and the database table is isolated.
        expect(expected.outcome).toBe('remediated');
        for (const cidr of names) {
          for (const field of targetFields(d.target)) {
            const account = createRoute(d, cidr, field) as SimulatedAccount;
            expect(await judge(account, routeRecord(d, cidr, field)), `${cidr} in ${field}`).toStrictEqual(expected);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('CreateRoute 10.9.9.9/0 -> igw on the database table: the stored 0.0.0.0/0 is deleted', async () => {
    const account = threeTierAccount(NOW);
    account.createRoute(BASELINE.routeTables.database, { cidrIpv4: '10.9.9.9/0' }, { gatewayId: BASELINE.internetGatewayId });
    const event = envelope(
      'CreateRoute',
      { routeTableId: BASELINE.routeTables.database, destinationCidrBlock: '10.9.9.9/0', gatewayId: BASELINE.internetGatewayId },
      { _return: true },
    );
    const verdict = await judge(account, event);
    expect(verdict.outcome).toBe('remediated');
    expect(verdict.actions).toEqual([
      expect.objectContaining({ type: 'delete-route', routeTableId: BASELINE.routeTables.database, destination: { cidrIpv4: '0.0.0.0/0' } }),
    ]);
    expect(account.routeTable(BASELINE.routeTables.database)?.routes.map((r) => r.cidrIpv4)).toEqual([BASELINE.vpcCidr]);
  });

  it('a NAT gateway id in gatewayId is stored and judged as a NAT route', async () => {
    const account = threeTierAccount(NOW);
    account.createRoute(BASELINE.routeTables.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: BASELINE.natGatewayId });
    expect(account.routeTable(BASELINE.routeTables.database)?.routes[1]).toMatchObject({ natGatewayId: BASELINE.natGatewayId });
    const event = envelope(
      'CreateRoute',
      { routeTableId: BASELINE.routeTables.database, destinationCidrBlock: '0.0.0.0/0', gatewayId: BASELINE.natGatewayId },
      { _return: true },
    );
    expect((await judge(account, event)).outcome).toBe('remediated');
  });
});

describe('group names: resolved in the default VPC, as EC2 does', () => {
  // "[Default VPC] The name of the security group" (AuthorizeSecurityGroupIngressRequest.GroupName, models_0.d.ts).
  it("a record naming only groupName 'default' reverts the default VPC's group, not another VPC's", async () => {
    const account = threeTierAccount(NOW);
    // The other VPC's group comes first, so a lookup that ignores the default VPC finds it.
    const inBaseline = account.createSecurityGroup(BASELINE.vpcId, 'default');
    const defaultVpc = account.createVpc('172.31.0.0/16', { isDefault: true });
    const inDefault = account.createSecurityGroup(defaultVpc, 'default');
    const opened = { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' };
    const [drift] = account.authorizeIngress(inDefault, [opened]);
    const [twin] = account.authorizeIngress(inBaseline, [opened]); // the same rule elsewhere: not this event's
    const request = { groupName: 'default', ipPermissions: {}, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIp: '0.0.0.0/0' };
    const verdict = await judge(account, envelope('AuthorizeSecurityGroupIngress', request, { _return: true }));
    expect(verdict.outcome).toBe('remediated');
    expect(verdict.actions).toEqual([{ type: 'revoke-ingress', groupId: inDefault, ruleIds: [drift?.ruleId], result: 'done' }]);
    expect(account.rules.has(twin?.ruleId as string)).toBe(true);
  });
});
