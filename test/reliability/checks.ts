import fc from 'fast-check';
import { expect } from 'vitest';
import { UnreadableEventError, UnsupportedEventError } from '../../functions/core/errors.js';
import { parseTrigger } from '../../functions/core/cloudtrail.js';
import type { Route, RouteTarget, SgRule, Tags } from '../../functions/core/network.js';
import { OUTCOME_STATUSES, type Outcome } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../functions/core/policy.js';
import { Ec2Error } from '../../events/simulated-account/ec2-error.js';
import type { RuleRequest, SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { materialise } from '../../events/simulated-account/materialise.js';
import {
  type Actor,
  associateRecord,
  authorizeIngressRecord,
  eventBridgeEnvelope,
  modifyRuleRecord,
  replaceAssociationRecord,
  routeRecord,
} from '../../events/generator/cloudtrail.js';
import {
  AWAITING,
  clock,
  maybe,
  type Mutation,
  mutate,
  NOW,
  policyArb,
  samples,
  tagsArb,
  validExemptionArb,
} from './support.js';
import { formatNetwork, parseNetwork } from './reference/networks.js';
import * as model from './reference/sec05.js';

/**
 * The safety properties, one check per generated input (properties.test.ts runs them on random input,
 * regressions.test.ts on the counterexamples kept in events/cloudtrail/_regressions). Safety
 * properties on generated input: random account states (groups, rules, route tables, routes,
 * associations, tags with exemptions of random dates) and random real-shaped CloudTrail events about
 * them (built by the event generator, then mutated), run through the same engine a deployed function
 * runs, on the simulated account. What changed in the account is compared with what was allowed to.
 * Failures found are kept in events/cloudtrail/_regressions and replayed by regressions.test.ts.
 */

/**
 * Counts what the generated input reached (outcomes, drift kinds, spellings), so that a property can
 * assert its coverage: a property whose input never reaches drift proves nothing.
 */
export class Stats {
  readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
const OWN = 'LayerGuard-security-group-us-east-1';

const actorArb: fc.Arbitrary<Actor> = fc
  .oneof(
    { weight: 16, arbitrary: fc.constant('alice-admin') },
    // The stack's own roles, and roles named like them that are not: a CI role with the old prefix, the
    // name for another region, a longer name.
    fc.constantFrom(OWN, 'LayerGuard-runbook-us-east-1', 'layerguard-ci-deployer', 'LayerGuard-route-table-eu-west-1', `${OWN}-x`),
  )
  .map((roleName) => ({ roleName, sessionName: 's', sourceIp: '198.51.100.1', userAgent: 'aws-cli/2' }));
const errorArb = maybe(
  fc.constantFrom('Client.UnauthorizedOperation', 'InvalidPermission.Duplicate', 'RouteAlreadyExists'),
  16,
);
const sourceArb = fc.constantFrom('aws.ec2', 'aws.ec2', 'layerguard.gameday');

// The event generator records the actor's session issuer as arn:aws:iam::<account>:role/<roleName>;
// LayerGuard's own calls are those of the role ARNs the policy lists, read from the policy as written.
const isOwn = (actor: Actor, policy: Policy, account: string) =>
  policy.ownRoleArns.includes(`arn:aws:iam::${account}:role/${actor.roleName}`);
const isExempt = (tags: Tags, policy: Policy) => model.isExempt(tags, policy as unknown as model.PolicyView, NOW);
const view = (policy: Policy) => policy as unknown as model.PolicyView;

// ---- security groups ---------------------------------------------------------------------------

/** Spellings EC2 accepts for the same network: host bits set, IPv6 upper-case or written out in full. */
export function respell(cidr: string, how: number): string {
  const n = parseNetwork(cidr);
  if (!n) return cidr;
  if (n.family === 4) {
    if (how % 2 === 0 || n.prefix === 32) return cidr;
    // Set the host bits: 0.0.0.0/0 -> 10.9.9.9/0, 203.0.113.0/24 -> 203.0.113.77/24.
    const host = (1n << BigInt(32 - n.prefix)) - 1n;
    const spelled = formatNetwork({ ...n, base: n.base | (0x0a090909n & host) });
    return spelled;
  }
  // 1: written out in full; 2: upper case; 3: both.
  const full = how % 2 === 1 ? formatNetwork(n) : cidr;
  return how >= 2 ? full.toUpperCase() : full;
}

const cidr4Arb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1', '64.0.0.0/2', '0.0.0.0/4'),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('10.0.0.0/8', '10.0.0.0/16', '192.168.1.0/24', '203.0.113.7/32'),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.integer({ min: 0, max: 32 }))
      .map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`),
  },
);
const ruleSourceArb = fc.oneof(
  { weight: 6, arbitrary: cidr4Arb.map((c) => ({ cidrIpv4: c })) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(
        '::/0',
        '2001:db8::/32',
        '::/8',
        '2000::/3',
        '::/15',
        '8000::/1',
        ...(AWAITING.has('private-ipv6') ? [] : ['fc00::/7', 'fd00::/8']),
      )
      .map((c) => ({ cidrIpv6: c })),
  },
  // The baseline's managed prefix lists: office ranges, and the internet in one entry (judged by their entries).
  { weight: 1, arbitrary: fc.constantFrom(BASELINE.prefixLists.office, BASELINE.prefixLists.everywhere).map((prefixListId) => ({ prefixListId })) },
  { weight: 1, arbitrary: fc.constant({ referencedGroupId: BASELINE.securityGroups.web }) },
);
const permissionArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom('tcp', 'udp', '6', '17', 'TCP'), fc.constantFrom(22, 53, 80, 443, 3306, 3389, 8080))
      .map(([protocol, port]) => ({ protocol, fromPort: port, toPort: port })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('tcp', 'udp'), fc.integer({ min: 0, max: 65000 }), fc.integer({ min: 1, max: 500 }))
      .map(([protocol, from, len]) => ({ protocol, fromPort: from, toPort: from + len })),
  },
  { weight: 1, arbitrary: fc.constant({ protocol: '-1' }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('icmp', '1', 'icmpv6', '58'), fc.constantFrom(-1, 3, 8), fc.constantFrom(-1, 0, 4))
      .map(([protocol, type, code]) => ({ protocol, fromPort: type, toPort: type === -1 ? -1 : code })),
  },
);
const ruleArb = fc.record({
  permission: permissionArb,
  source: ruleSourceArb,
  egress: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

export const sgScenarioArb = fc.record({
  policy: policyArb,
  groups: fc.array(
    fc.record({
      tags: tagsArb([undefined, 'Web', 'Application', 'Database', 'web']),
      rules: fc.array(ruleArb, { minLength: 1, maxLength: 6 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  groupIndex: fc.nat(),
  eventName: fc.constantFrom('AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'),
  picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  withRuleIds: fc.boolean(),
  byName: fc.boolean(),
  /** After the event: the named rules are narrowed, revoked or left as they are (the live state moved on). */
  afterwards: fc.array(fc.constantFrom('keep', 'keep', 'keep', 'narrow', 'revoke'), {
    maxLength: 4,
  }),
  errorCode: errorArb,
  actor: actorArb,
  source: sourceArb,
  /** Most events name rules that admit the internet (the rest: any rule of the group). */
  aim: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  /** How the event's request spells each CIDR (another spelling of the same network; 0: as stored). */
  spelling: AWAITING.has('respelled-cidr') ? fc.constant(undefined) : fc.option(fc.nat(3), { nil: undefined }),
});
export type SgScenario = typeof sgScenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** The request's copy of a rule, in the scenario's spelling of its CIDRs. */
const spelled = (rule: SgRule, spelling: number | undefined): SgRule =>
  spelling === undefined || spelling === 0
    ? rule
    : {
        ...rule,
        ...(rule.cidrIpv4 ? { cidrIpv4: respell(rule.cidrIpv4, spelling) } : {}),
        ...(rule.cidrIpv6 ? { cidrIpv6: respell(rule.cidrIpv6, spelling) } : {}),
      };

function buildSgScenario(s: SgScenario) {
  const account = threeTierAccount();
  const groupIds = s.groups.map((g, i) => {
    const groupId = account.createSecurityGroup(BASELINE.vpcId, `g${i}`, {
      tags: g.tags,
    });
    for (const r of g.rules) {
      const request: RuleRequest = { ...r.permission, ...r.source };
      try {
        if (r.egress) account.authorizeEgress(groupId, [request]);
        else account.authorizeIngress(groupId, [request]);
      } catch (error) {
        if (!(error instanceof Ec2Error)) throw error; // a duplicate: EC2 refuses it too
      }
    }
    return groupId;
  });
  const groupId = groupIds[s.groupIndex % groupIds.length] as string;
  const groupName = `g${s.groupIndex % groupIds.length}`;
  const rules = account.rulesOf(groupId);
  const ingress = rules.filter((r) => !r.isEgress);
  const any = s.eventName === 'AuthorizeSecurityGroupIngress' ? ingress : rules;
  const open = any.filter((r) => model.admitsInternet({ ...r, isEgress: false }, view(s.policy), listsOf(account)));
  const pool = s.aim && open.length > 0 ? open : any;
  const named: SgRule[] = pool.length === 0 ? [] : [...new Set(s.picks.map((i) => pool[i % pool.length] as SgRule))];
  const ctx = {
    account: account.account,
    region: account.region,
    actor: s.actor,
    eventTime: NOW,
    errorCode: s.errorCode,
  };
  let record: Record<string, unknown>;
  if (s.eventName === 'ModifySecurityGroupRules' && named[0]) {
    record = modifyRuleRecord(groupId, spelled(named[0], s.spelling), ctx);
    named.splice(1);
  } else {
    // An authorize that created the named rules (a rule id in the response), or a request only.
    record = authorizeIngressRecord(
      groupId,
      named.map((r) => spelled(r, s.spelling)),
      ctx,
    );
    if (!s.withRuleIds) record.responseElements = { requestId: 'r', _return: true };
    if (s.byName) {
      const request = record.requestParameters as Record<string, unknown>;
      delete request.groupId;
      request.groupName = groupName;
      if (!s.withRuleIds) record.responseElements = null;
    }
  }
  // The live state moves on after the event: a named rule narrowed or revoked by someone else.
  named.forEach((rule, i) => {
    const next = s.afterwards[i] ?? 'keep';
    if (next === 'narrow')
      account.modifyRule(groupId, rule.ruleId, {
        protocol: rule.protocol,
        fromPort: rule.fromPort,
        toPort: rule.toPort,
        cidrIpv4: '10.9.8.0/24',
      });
    if (next === 'revoke' && !rule.isEgress) account.revokeIngress(groupId, [rule.ruleId]);
  });
  return {
    account,
    groupId,
    named,
    event: eventBridgeEnvelope(record, s.source),
  };
}

/** The account's prefix lists' entries, for the reference model. */
const listsOf = (account: SimulatedAccount): model.ListEntries =>
  new Map([...account.prefixLists.values()].map((l) => [l.prefixListId, l.entries]));

const ruleSnapshot = (account: SimulatedAccount) =>
  new Map([...account.rules.values()].map((r) => [r.ruleId, { ...r }]));

async function handle(account: SimulatedAccount, event: unknown, policy: Policy) {
  const sim = simulatedEngine(account, { policy, clock });
  let outcome: Outcome | undefined;
  let error: unknown;
  try {
    outcome = await sim.engine.handle(event);
  } catch (e) {
    error = e;
  }
  return { ...sim, outcome, error };
}

/**
 * The security-group property for one scenario, judged by the reference model
 * (test/reliability/reference): throws (an assertion) when LayerGuard revoked what it must not, or
 * left what it must revoke.
 */
export async function checkSgScenario(s: SgScenario, stats?: Stats): Promise<void> {
  const { account, groupId, named, event } = buildSgScenario(s);
  const policy = view(s.policy);
  const groupTags = account.groups.get(groupId)?.tags ?? {};
  const lists = listsOf(account);
  const before = ruleSnapshot(account);
  const { outcome, error, network, notifier } = await handle(account, event, s.policy);
  expect(error).toBeUndefined();
  const o = outcome as Outcome;
  expect(OUTCOME_STATUSES).toContain(o.outcome);
  expect(notifier.sent).toHaveLength(1);

  const revoked = [...before.values()].filter((r) => !account.rules.has(r.ruleId));
  const guarded = s.errorCode !== undefined || isOwn(s.actor, s.policy, account.account);
  if (guarded) {
    expect(o.outcome).toBe('ignored');
    expect(network.calls).toEqual([]);
  }
  // What must not change: only named, forbidden ingress rules of the event's group go.
  for (const r of revoked) {
    expect(r.groupId).toBe(groupId);
    expect(r.isEgress).toBe(false);
    expect(model.isForbiddenRule(r, groupTags, policy, lists)).toBe(true);
    const namedIt = named.some((n) => n.ruleId === r.ruleId || (!s.withRuleIds && model.samePermission(r, n)));
    expect(namedIt).toBe(true);
  }
  if (revoked.length > 0) {
    expect(guarded).toBe(false);
    expect(s.policy.mode).toBe('enforce');
    expect(isExempt(groupTags, s.policy)).toBe(false);
    expect(o.outcome).toBe('remediated');
  } else {
    expect(o.outcome).not.toBe('remediated');
  }
  // Nothing else in the account changed: other groups' rules, egress, the named rules' neighbours.
  expect(account.rules.size).toBe(before.size - revoked.length);
  for (const r of account.rules.values()) expect(r).toEqual(before.get(r.ruleId));

  // What must change: every named rule still live, as the event asked, world-open and not allowed, in
  // a non-exempt group, is revoked (in dry-run: reported as dry-run).
  const due = named.filter((n) => {
    const live = before.get(n.ruleId);
    // Without rule ids, the event's rule is found by its permission: a rule edited since is another rule.
    const byId = s.withRuleIds || s.eventName === 'ModifySecurityGroupRules';
    return (
      live &&
      (byId || model.samePermission(live, n)) &&
      // The event itself asked for the internet: other changes since come with their own events.
      model.admitsInternet(n, policy, lists) &&
      !live.isEgress &&
      model.isForbiddenRule(live, groupTags, policy, lists)
    );
  });
  const acts = !guarded && !isExempt(groupTags, s.policy) && due.length > 0;
  if (acts && s.policy.mode === 'enforce') {
    for (const n of due) expect(account.rules.has(n.ruleId)).toBe(false);
    expect(o.outcome).toBe('remediated');
  }
  if (acts && s.policy.mode === 'dry-run') expect(o.outcome).toBe('dry-run');
  if (!guarded && due.length > 0 && isExempt(groupTags, s.policy)) expect(o.outcome).toBe('exempt');
  if (s.policy.mode === 'dry-run') expect(revoked).toEqual([]);
  stats?.add(o.outcome);
  if (acts) stats?.add('drift:sg-world-open');
  if (s.spelling) stats?.add('spelling:respelled');
  if (revoked.length > 0 && s.spelling && !s.withRuleIds) stats?.add('spelling:matched-by-network');
}

// ---- route tables ------------------------------------------------------------------------------

const TARGETS: Record<string, RouteTarget> = {
  igw: { gatewayId: BASELINE.internetGatewayId },
  nat: { natGatewayId: BASELINE.natGatewayId },
  tgw: { transitGatewayId: 'tgw-0a1b2c3d4e5f6a001' },
  pcx: { vpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f6a002' },
  eigw: { egressOnlyInternetGatewayId: 'eigw-0a1b2c3d4e5f6a003' },
  vgw: { gatewayId: 'vgw-0a1b2c3d4e5f6a004' },
  vpce: { gatewayId: 'vpce-0a1b2c3d4e5f6a005' },
  eni: { networkInterfaceId: 'eni-0a1b2c3d4e5f6a006' },
  natInGatewayId: { gatewayId: BASELINE.natGatewayId },
};
const targetArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('igw') },
  { weight: 3, arbitrary: fc.constantFrom('nat', 'eigw', 'natInGatewayId') },
  { weight: 3, arbitrary: fc.constantFrom(...Object.keys(TARGETS)) },
);
const DESTINATIONS = [
  { cidrIpv4: '0.0.0.0/0' },
  { cidrIpv4: '172.16.0.0/12' },
  { cidrIpv6: '::/0' },
  { prefixListId: 'pl-0a1b2c3d4e5f6a007' },
];

export const rtScenarioArb = fc.record({
  policy: policyArb,
  tables: fc.array(
    fc.record({
      tags: tagsArb([undefined, 'Database', 'Web', 'Application']),
      routes: fc.array(fc.tuple(fc.nat(DESTINATIONS.length - 1), targetArb), {
        maxLength: 3,
      }),
    }),
    { maxLength: 3 },
  ),
  /** Extra routes on the baseline tables (main, public, private, database). */
  baselineRoutes: fc.array(fc.tuple(fc.nat(3), fc.nat(DESTINATIONS.length - 1), targetArb), { maxLength: 4 }),
  /** Each baseline subnet: stay, move to table k, or fall back to the main table. */
  moves: fc.array(AWAITING.has('shared-table') ? fc.constant(undefined) : maybe(fc.nat(), 2), {
    minLength: 6,
    maxLength: 6,
  }),
  subnetTags: fc.array(maybe(tagsArb(AWAITING.has('shared-table') ? [undefined] : [undefined, 'Database', 'Web']), 2), {
    minLength: 6,
    maxLength: 6,
  }),
  eventName: fc.constantFrom('CreateRoute', 'ReplaceRoute', 'AssociateRouteTable', 'ReplaceRouteTableAssociation'),
  pick: fc.nat(),
  /** A route event about a route that is not (or no longer) there. */
  absent: maybe(fc.tuple(fc.nat(DESTINATIONS.length - 1), targetArb), 3),
  errorCode: errorArb,
  actor: actorArb,
  source: sourceArb,
  /**
   * The drift the event is about, planted before it (most runs): a forbidden-looking route on a table
   * an isolated subnet uses (its own, the main table, or a table it shares with the web tier), or a
   * database subnet moved onto another table. Without it the state and event are as random as above.
   */
  focus: fc.option(
    fc.oneof(
      fc.record({
        kind: fc.constant('route' as const),
        table: fc.constantFrom('database', 'main', 'new-isolated', ...(AWAITING.has('shared-table') ? [] : ['shared' as const])),
        destination: fc.nat(DESTINATIONS.length - 1),
        target: targetArb,
        spelling: AWAITING.has('respelled-cidr') ? fc.constant(0) : fc.nat(3),
        afterwards: fc.constantFrom('keep', 'keep', 'keep', 'gone', 'exempt'),
        exemption: validExemptionArb,
      }),
      fc.record({
        kind: fc.constant('association' as const),
        subnet: fc.constantFrom('database1', 'database2'),
        to: fc.constantFrom('public', 'private', 'new'),
        target: targetArb,
        /** Another table tagged Database (two homes: nothing to guess) or none (the database table untagged). */
        homes: fc.constantFrom(1, 1, 1, 0, 2),
        afterwards: fc.constantFrom('keep', 'keep', 'keep', 'gone', 'exempt'),
        exemption: validExemptionArb,
      }),
    ),
    { freq: 9, nil: undefined },
  ),
});
export type RtScenario = typeof rtScenarioArb extends fc.Arbitrary<infer T> ? T : never;

const baselineTables: string[] = [
  BASELINE.routeTables.main,
  BASELINE.routeTables.public,
  BASELINE.routeTables.private,
  BASELINE.routeTables.database,
];
const baselineSubnets: string[] = Object.values(BASELINE.subnets);
const DATABASE_SUBNETS = new Set<string>([BASELINE.subnets.database1, BASELINE.subnets.database2]);

function addRoute(account: SimulatedAccount, tableId: string, d: number, t: string) {
  try {
    account.createRoute(tableId, DESTINATIONS[d] as (typeof DESTINATIONS)[number], TARGETS[t] as RouteTarget);
  } catch (error) {
    if (!(error instanceof Ec2Error)) throw error; // RouteAlreadyExists
  }
}

const explicitAssociation = (account: SimulatedAccount, subnetId: string) =>
  [...account.associations.values()].find((a) => a.subnetId === subnetId);

/** Plants the focus drift; returns what the event is about. */
function plant(account: SimulatedAccount, s: RtScenario, tableIds: string[]) {
  const f = s.focus;
  if (!f) return undefined;
  if (f.kind === 'route') {
    let tableId: string = BASELINE.routeTables.database;
    if (f.table === 'main') {
      // database1 falls back to the main table.
      const a = explicitAssociation(account, BASELINE.subnets.database1);
      if (a) account.disassociate(a.associationId);
      tableId = BASELINE.routeTables.main;
    } else if (f.table === 'shared') {
      const a = explicitAssociation(account, BASELINE.subnets.database1);
      if (a) account.replaceAssociation(a.associationId, BASELINE.routeTables.public);
      else account.associateRouteTable(BASELINE.routeTables.public, BASELINE.subnets.database1);
      tableId = BASELINE.routeTables.public;
    } else if (f.table === 'new-isolated') {
      tableId = account.createRouteTable(BASELINE.vpcId, { tags: { Tier: 'Database' } });
      tableIds.push(tableId);
    }
    const destination = DESTINATIONS[f.destination] as (typeof DESTINATIONS)[number];
    const target = TARGETS[f.target] as RouteTarget;
    const live = account.routeTable(tableId)?.routes.find(
      (r) => model.destinationKey(r as never) === model.destinationKey(destination as never),
    );
    if (live) account.deleteRoute(tableId, destination);
    account.createRoute(tableId, destination, target);
    // The event may spell the destination another way (host bits, IPv6 forms): EC2 stores it canonically.
    if (f.afterwards === 'exempt') account.setTags(tableId, { 'layerguard:exempt': f.exemption });
    const written = destination.cidrIpv4
      ? { cidrIpv4: respell(destination.cidrIpv4, f.spelling) }
      : destination.cidrIpv6
        ? { cidrIpv6: respell(destination.cidrIpv6, f.spelling) }
        : destination;
    return { kind: 'route' as const, tableId, destination: written, target };
  }
  const subnetId = BASELINE.subnets[f.subnet];
  let tableId: string = BASELINE.routeTables[f.to === 'new' ? 'public' : f.to];
  if (f.to === 'new') {
    tableId = account.createRouteTable(BASELINE.vpcId, { tags: {} });
    tableIds.push(tableId);
    addRoute(account, tableId, 0, f.target);
    addRoute(account, tableId, 2, 'eigw');
  }
  if (f.homes === 0) account.setTags(BASELINE.routeTables.database, { Tier: 'Retired' });
  if (f.homes === 2) tableIds.push(account.createRouteTable(BASELINE.vpcId, { tags: { Tier: 'Database' } }));
  const current = explicitAssociation(account, subnetId);
  const associationId = current
    ? account.replaceAssociation(current.associationId, tableId)
    : account.associateRouteTable(tableId, subnetId);
  if (f.afterwards === 'exempt') account.setTags(subnetId, { 'layerguard:exempt': f.exemption });
  return { kind: 'association' as const, tableId, subnetId, associationId, replaced: current !== undefined };
}

/** After the event, the planted drift went by other hands: the route deleted, the subnet moved back. */
function undoPlanted(account: SimulatedAccount, planted: ReturnType<typeof plant>, s: RtScenario) {
  if (!planted || s.focus?.afterwards !== 'gone') return;
  if (planted.kind === 'route') {
    const live = account.routeTable(planted.tableId)?.routes.find(
      (r) => model.destinationKey(r as never) === model.destinationKey(planted.destination as never),
    );
    if (live) account.deleteRoute(planted.tableId, live);
  } else account.replaceAssociation(planted.associationId, BASELINE.routeTables.database);
}

function buildRtScenario(s: RtScenario) {
  const account = threeTierAccount();
  const tableIds = [...baselineTables];
  for (const t of s.tables) {
    const id = account.createRouteTable(BASELINE.vpcId, { tags: t.tags });
    for (const [d, target] of t.routes) addRoute(account, id, d, target);
    tableIds.push(id);
  }
  for (const [table, d, target] of s.baselineRoutes) addRoute(account, baselineTables[table] as string, d, target);
  // With a focus, the database subnets keep their tier tags so that the planted drift is drift.
  baselineSubnets.forEach((subnetId, i) => {
    const tags = s.subnetTags[i];
    if (tags && !(s.focus && DATABASE_SUBNETS.has(subnetId))) account.setTags(subnetId, tags);
    const move = s.moves[i];
    if (move === undefined || s.focus) return;
    const current = explicitAssociation(account, subnetId);
    const to = tableIds[move % (tableIds.length + 1)];
    if (to === undefined || to === BASELINE.routeTables.main) {
      if (current) account.disassociate(current.associationId); // falls back to the main table
    } else if (current) account.replaceAssociation(current.associationId, to);
    else account.associateRouteTable(to, subnetId);
  });

  const ctx = {
    account: account.account,
    region: account.region,
    actor: s.actor,
    eventTime: NOW,
    errorCode: s.errorCode,
  };
  const planted = plant(account, s, tableIds);
  let record: Record<string, unknown>;
  let routeTableId: string;
  let about: {
    destination?: (typeof DESTINATIONS)[number];
    target?: RouteTarget;
    subnetId?: string;
    associationId?: string;
  } = {};
  if (planted?.kind === 'route') {
    routeTableId = planted.tableId;
    about = { destination: planted.destination, target: planted.target };
    const name = s.eventName === 'ReplaceRoute' ? 'ReplaceRoute' : 'CreateRoute';
    record = routeRecord(name, routeTableId, planted.destination, planted.target, ctx);
  } else if (planted?.kind === 'association') {
    routeTableId = planted.tableId;
    about = { subnetId: planted.subnetId, associationId: planted.associationId };
    record = planted.replaced
      ? replaceAssociationRecord('rtbassoc-0eeeeeeeeeeeeeeee', routeTableId, planted.associationId, ctx)
      : associateRecord(routeTableId, planted.subnetId, planted.associationId, ctx);
  } else if (s.eventName === 'CreateRoute' || s.eventName === 'ReplaceRoute') {
    const all = tableIds.flatMap((id) => (account.routeTable(id)?.routes ?? []).map((r) => ({ id, r })));
    // Mostly a route that can be drift; one pick in five may name any route, the local one included.
    const nonLocal = all.filter((x) => x.r.gatewayId !== 'local');
    const pool = s.pick % 5 === 0 || nonLocal.length === 0 ? all : nonLocal;
    const chosen = pool[s.pick % pool.length] as { id: string; r: Route };
    routeTableId = chosen.id;
    let destination = (
      chosen.r.cidrIpv4
        ? { cidrIpv4: chosen.r.cidrIpv4 }
        : chosen.r.cidrIpv6
          ? { cidrIpv6: chosen.r.cidrIpv6 }
          : { prefixListId: chosen.r.prefixListId }
    ) as (typeof DESTINATIONS)[number];
    let target: RouteTarget = Object.fromEntries(
      Object.entries(chosen.r).filter(
        ([k]) => !['cidrIpv4', 'cidrIpv6', 'prefixListId', 'state', 'origin'].includes(k),
      ),
    );
    if (s.absent) {
      destination = DESTINATIONS[s.absent[0]] as (typeof DESTINATIONS)[number];
      target = TARGETS[s.absent[1]] as RouteTarget;
    }
    about = { destination, target };
    record = routeRecord(s.eventName, routeTableId, destination, target, ctx);
  } else {
    const explicit = [...account.associations.values()].filter((a) => !a.main && a.subnetId);
    const chosen = explicit[s.pick % Math.max(1, explicit.length)];
    if (!chosen) {
      routeTableId = BASELINE.routeTables.public;
      record = associateRecord(routeTableId, BASELINE.subnets.database1, 'rtbassoc-0ffffffffffffffff', ctx);
    } else {
      routeTableId = chosen.routeTableId;
      about = {
        subnetId: chosen.subnetId,
        associationId: chosen.associationId,
      };
      record =
        s.eventName === 'AssociateRouteTable'
          ? associateRecord(routeTableId, chosen.subnetId as string, chosen.associationId, ctx)
          : replaceAssociationRecord('rtbassoc-0eeeeeeeeeeeeeeee', routeTableId, chosen.associationId, ctx);
    }
  }
  undoPlanted(account, planted, s);
  return {
    account,
    tableIds,
    routeTableId,
    about,
    event: eventBridgeEnvelope(record, s.source),
  };
}

/** The VPC as the reference model reads it, from the simulated account's state. */
function vpcView(account: SimulatedAccount): model.VpcView {
  const tables = new Map(
    [...account.routeTables.values()]
      .filter((t) => t.vpcId === BASELINE.vpcId)
      .map((t) => [t.routeTableId, { tags: { ...t.tags }, routes: t.routes.map((r) => ({ ...r })) }]),
  );
  const explicit = new Map(
    [...account.associations.values()]
      .filter((a) => !a.main && a.subnetId)
      .map((a) => [a.subnetId as string, a.routeTableId]),
  );
  const main = [...account.associations.values()].find((a) => a.main && tables.has(a.routeTableId));
  return {
    tables,
    subnets: new Map([...account.subnets.values()].map((sub) => [sub.subnetId, { ...sub.tags }])),
    explicit,
    mainTableId: main?.routeTableId ?? '',
  };
}

/** The route-table property for one scenario, judged by the reference model, in both directions. */
export async function checkRtScenario(s: RtScenario, stats?: Stats): Promise<void> {
  const { account, tableIds, routeTableId, about, event } = buildRtScenario(s);
  const policy = view(s.policy);
  const v0 = vpcView(account);
  const beforeAssoc = new Map([...account.associations.values()].map((a) => [a.associationId, { ...a }]));
  const beforeRules = ruleSnapshot(account);
  const { outcome, error, network, notifier } = await handle(account, event, s.policy);
  expect(error).toBeUndefined();
  const o = outcome as Outcome;
  expect(OUTCOME_STATUSES).toContain(o.outcome);
  expect(notifier.sent).toHaveLength(1);
  expect(ruleSnapshot(account)).toEqual(beforeRules);
  const v1 = vpcView(account);

  const guarded = s.errorCode !== undefined || isOwn(s.actor, s.policy, account.account);
  if (guarded) {
    expect(o.outcome).toBe('ignored');
    expect(network.calls).toEqual([]);
  }
  const isolated = (subnetId: string) => model.isIsolatedSubnet({ subnetId, tags: v0.subnets.get(subnetId) ?? {} }, policy);
  const exempt = (tags: Tags | undefined) => isExempt(tags ?? {}, s.policy);

  // ---- what must not change --------------------------------------------------------------------
  const deleted: Array<{ table: string; route: Readonly<Record<string, unknown>> }> = [];
  for (const id of tableIds) {
    const after = v1.tables.get(id)?.routes ?? [];
    const before = v0.tables.get(id)?.routes ?? [];
    for (const r of before) {
      if (!after.some((a) => model.destinationKey(a) === model.destinationKey(r))) deleted.push({ table: id, route: r });
    }
    // Nothing added, nothing re-pointed.
    for (const a of after) expect(before).toContainEqual(a);
  }
  expect(deleted.length).toBeLessThanOrEqual(1);
  for (const { table, route } of deleted) {
    expect(guarded).toBe(false);
    expect(s.policy.mode).toBe('enforce');
    expect(table).toBe(routeTableId);
    expect(model.targetKind(route)).not.toBe('local');
    expect(route.origin).not.toBe('CreateRouteTable');
    expect(model.isForbiddenRoute(route, policy)).toBe(true);
    expect(model.destinationKey(route)).toBe(model.destinationKey((about.destination ?? {}) as never));
    const tableTags = v0.tables.get(table)?.tags ?? {};
    const users = model.usersOf(v0, table);
    // Never delete a route that a subnet of another tier uses: that is its way out.
    expect(users.filter((u) => !isolated(u))).toEqual([]);
    // The table was exposed (tagged isolated, or used by a non-exempt isolated subnet) and not exempt.
    expect(model.isIsolatedTable(tableTags, policy) || users.some((u) => isolated(u) && !exempt(v0.subnets.get(u)))).toBe(
      true,
    );
    expect(exempt(tableTags)).toBe(false);
  }

  // A subnet moved: its traffic follows another table now (a replaced association, or a new one for a
  // subnet that was on the main table implicitly).
  const moved = [...v0.subnets.keys()].filter((id) => model.effectiveTable(v0, id) !== model.effectiveTable(v1, id));
  for (const subnetId of moved) {
    expect(guarded).toBe(false);
    expect(s.policy.mode).toBe('enforce');
    expect(isolated(subnetId)).toBe(true);
    expect(exempt(v0.subnets.get(subnetId))).toBe(false);
    // Moved to the one table where isolated subnets belong, and nowhere else.
    const from = model.effectiveTable(v0, subnetId);
    const homes = model.isolatedHomes(v0, policy).filter((t) => t !== from);
    expect(homes).toHaveLength(1);
    expect(v1.explicit.get(subnetId)).toBe(homes[0]);
  }
  // The main table stays the main table.
  expect(v1.mainTableId).toBe(v0.mainTableId);
  const changed = deleted.length + moved.length > 0;
  if (changed) expect(o.outcome).toBe('remediated');
  else expect(o.outcome).not.toBe('remediated');
  if (s.policy.mode === 'dry-run') expect(changed).toBe(false);

  // ---- what must change -------------------------------------------------------------------------
  let due: 'route' | 'association' | undefined;
  if (!guarded && about.destination && about.target) {
    const table = v0.tables.get(routeTableId);
    const live = table?.routes.find((r) => model.destinationKey(r) === model.destinationKey(about.destination as never));
    const sameTarget =
      live !== undefined && model.targetIdOf(live)?.toLowerCase() === model.targetIdOf(about.target as never)?.toLowerCase();
    const exposed = model.usersOf(v0, routeTableId).filter((u) => isolated(u) && !exempt(v0.subnets.get(u)));
    const tagged = table !== undefined && model.isIsolatedTable(table.tags, policy);
    if (live && sameTarget && model.isForbiddenRoute(live, policy) && !exempt(table?.tags) && (exposed.length > 0 || tagged)) {
      due = 'route';
      const others = model.usersOf(v0, routeTableId).filter((u) => !isolated(u));
      const canDelete = others.length === 0;
      const homes = model.isolatedHomes(v0, policy).filter((t) => t !== routeTableId);
      // Explicitly associated subnets are moved by ReplaceRouteTableAssociation, a main table's implicit
      // ones by AssociateRouteTable: either way, to the VPC's one isolated table.
      const canMove = exposed.length > 0 && homes.length === 1;
      // Drift that cannot be reverted safely is alert-only, in dry-run too; the rest is reverted.
      if (!(canDelete || canMove)) expect(o.outcome).toBe('alert-only');
      else if (s.policy.mode === 'dry-run') expect(o.outcome).toBe('dry-run');
      else {
        expect(o.outcome).toBe('remediated');
        // The drift is reverted: no exposed subnet's traffic takes that route any more.
        for (const u of exposed) {
          const now = v1.tables.get(model.effectiveTable(v1, u));
          const key = model.destinationKey(about.destination as never);
          expect(now?.routes.some((r) => model.destinationKey(r) === key && model.isForbiddenRoute(r, policy))).not.toBe(
            true,
          );
        }
      }
    }
  }
  if (!guarded && about.associationId && about.subnetId && beforeAssoc.has(about.associationId)) {
    const subnetId = about.subnetId;
    const tableId = beforeAssoc.get(about.associationId)?.routeTableId as string;
    const table = v0.tables.get(tableId);
    if (
      table &&
      isolated(subnetId) &&
      !exempt(v0.subnets.get(subnetId)) &&
      !exempt(table.tags) &&
      table.routes.some((r) => model.isForbiddenRoute(r, policy))
    ) {
      due = 'association';
      const homes = model.isolatedHomes(v0, policy).filter((t) => t !== tableId);
      if (homes.length !== 1) expect(o.outcome).toBe('alert-only');
      else if (s.policy.mode === 'dry-run') expect(o.outcome).toBe('dry-run');
      else {
        expect(o.outcome).toBe('remediated');
        expect(v1.explicit.get(subnetId)).toBe(homes[0]);
      }
    }
  }
  stats?.add(o.outcome);
  if (due) stats?.add(`drift:${due}`);
  if (deleted.length > 0) stats?.add('revert:delete-route');
  if (moved.length > 0) stats?.add('revert:move-subnet');
  if (s.focus?.kind === 'route' && s.focus.table === 'shared') stats?.add('focus:shared-table');
}

// ---- malformed and mutated input -------------------------------------------------------------

export const SAMPLES = samples();

/** The malformed-input property for one sample and its mutations. */
/**
 * The default policy without tiers: the reference model judges the internet edge, so the properties
 * built on it do too (tier-to-tier reachability has its own property, test/reliability/tiers.test.ts).
 */
const UNTIERED_DEFAULT = parsePolicy({ tiers: { chain: [] } });

export async function checkMutatedSample(i: number, mutations: readonly Mutation[], stats?: Stats): Promise<void> {
  const sample = SAMPLES[i] as (typeof SAMPLES)[number];
  const event = mutate(sample.event, mutations);
  const account = threeTierAccount();
  try {
    // As `replay` does: make the change the event describes, where it can be made.
    materialise(account, parseTrigger(event), DEFAULT_POLICY);
  } catch {
    // Not a readable event, or not one the baseline can hold: the engine gets it as it is.
  }
  const before = ruleSnapshot(account);
  const routes = new Map(
    [...account.routeTables.values()].map((t) => [t.routeTableId, t.routes.map((r) => ({ ...r }))]),
  );
  const { outcome, error, network, notifier } = await handle(account, event, UNTIERED_DEFAULT);
  if (error !== undefined) {
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect((error as Error).message.length).toBeGreaterThan(0);
    expect(network.calls).toEqual([]);
    // A watched call that could not be read is told once (ignored, with what a person must do); nothing else is.
    if (error instanceof UnreadableEventError) {
      expect(notifier.sent).toHaveLength(1);
      expect(notifier.sent[0]).toMatchObject({ outcome: 'ignored', humanAction: expect.any(String) });
      stats?.add('unreadable');
    } else expect(notifier.sent).toEqual([]);
    expect(outcome).toBeUndefined();
    stats?.add('rejected');
    return;
  }
  expect(OUTCOME_STATUSES).toContain((outcome as Outcome).outcome);
  expect(notifier.sent).toHaveLength(1);
  // Whatever the event said: a revoked rule was internet ingress that the policy does not allow.
  const policy = view(UNTIERED_DEFAULT);
  for (const r of before.values()) {
    if (account.rules.has(r.ruleId)) continue;
    const group = account.groups.get(r.groupId);
    expect(r.isEgress).toBe(false);
    expect(model.isForbiddenRule(r, group?.tags ?? {}, policy, listsOf(account))).toBe(true);
    expect(isExempt(group?.tags ?? {}, DEFAULT_POLICY)).toBe(false);
  }
  // The local route of every table stays; a deleted route pointed at a target the policy forbids.
  for (const t of account.routeTables.values()) {
    expect(t.routes.some((r) => r.gatewayId === 'local')).toBe(true);
    for (const r of routes.get(t.routeTableId) ?? []) {
      if (!t.routes.some((x) => model.destinationKey(x as never) === model.destinationKey(r as never))) {
        expect(model.isForbiddenRoute(r as never, policy)).toBe(true);
      }
    }
  }
  stats?.add((outcome as Outcome).outcome);
}
