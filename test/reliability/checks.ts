import fc from 'fast-check';
import { expect } from 'vitest';
import { UnsupportedEventError } from '../../functions/core/errors.js';
import { readExemption } from '../../functions/core/exemption.js';
import { parseTrigger } from '../../functions/core/cloudtrail.js';
import type { Route, RouteTarget, SgRule, Tags } from '../../functions/core/network.js';
import { OUTCOME_STATUSES, type Outcome } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY, type Policy } from '../../functions/core/policy.js';
import { routeTargetOf } from '../../functions/core/route-table.js';
import { isAllowedPublic, isSamePermission, isWorldOpen } from '../../functions/core/security-group.js';
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
import { maybe, clock, type Mutation, mutate, NOW, policyArb, samples, tagsArb } from './support.js';

/**
 * The safety properties, one check per generated input (properties.test.ts runs them on random input,
 * regressions.test.ts on the counterexamples kept in events/cloudtrail/_regressions). Safety
 * properties on generated input: random account states (groups, rules, route tables, routes,
 * associations, tags with exemptions of random dates) and random real-shaped CloudTrail events about
 * them (built by the event generator, then mutated), run through the same engine a deployed function
 * runs, on the simulated account. What changed in the account is compared with what was allowed to.
 * Failures found are kept in events/cloudtrail/_regressions and replayed by regressions.test.ts.
 */

/** Counts outcomes, so that a test can show that its input reaches every branch (a property that never acts proves nothing). */
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
    { weight: 8, arbitrary: fc.constant('alice-admin') },
    // The stack's own roles, and roles named like them that are not: a CI role with the old prefix, the
    // name for another region, a longer name.
    fc.constantFrom(OWN, 'LayerGuard-runbook-us-east-1', 'layerguard-ci-deployer', 'LayerGuard-route-table-eu-west-1', `${OWN}-x`),
  )
  .map((roleName) => ({ roleName, sessionName: 's', sourceIp: '198.51.100.1', userAgent: 'aws-cli/2' }));
const errorArb = maybe(
  fc.constantFrom('Client.UnauthorizedOperation', 'InvalidPermission.Duplicate', 'RouteAlreadyExists'),
  8,
);
const sourceArb = fc.constantFrom('aws.ec2', 'aws.ec2', 'layerguard.gameday', 'layerguard.canary');

// The event generator records the actor's session issuer as arn:aws:iam::<account>:role/<roleName>.
const isOwn = (actor: Actor, policy: Policy) =>
  policy.ownRoleArns.includes(`arn:aws:iam::111122223333:role/${actor.roleName}`);
const isExempt = (tags: Tags, policy: Policy) => readExemption(tags, policy.exemption, NOW).exempt;

// ---- security groups ---------------------------------------------------------------------------

const cidr4Arb = fc.oneof(
  fc.constantFrom(
    '0.0.0.0/0',
    '0.0.0.0/1',
    '128.0.0.0/1',
    '10.0.0.0/8',
    '10.0.0.0/16',
    '192.168.1.0/24',
    '203.0.113.7/32',
    '64.0.0.0/2',
  ),
  fc
    .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.integer({ min: 0, max: 32 }))
    .map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`),
);
const ruleSourceArb = fc.oneof(
  { weight: 5, arbitrary: cidr4Arb.map((c) => ({ cidrIpv4: c })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('::/0', '2001:db8::/32', '::/8', '2000::/3', '::/15').map((c) => ({ cidrIpv6: c })),
  },
  {
    weight: 1,
    arbitrary: fc.constant({ prefixListId: 'pl-0123456789abcdef0' }),
  },
  {
    weight: 1,
    arbitrary: fc.constant({ referencedGroupId: BASELINE.securityGroups.web }),
  },
);
const permissionArb = fc.oneof(
  fc
    .tuple(fc.constantFrom('tcp', 'udp', '6', '17', 'TCP'), fc.constantFrom(22, 53, 80, 443, 3306, 3389, 8080))
    .map(([protocol, port]) => ({ protocol, fromPort: port, toPort: port })),
  fc
    .tuple(fc.constantFrom('tcp', 'udp'), fc.integer({ min: 0, max: 65000 }), fc.integer({ min: 1, max: 500 }))
    .map(([protocol, from, len]) => ({
      protocol,
      fromPort: from,
      toPort: from + len,
    })),
  fc.constant({ protocol: '-1' }),
  fc.constant({ protocol: 'icmp', fromPort: -1, toPort: -1 }),
);
const ruleArb = fc.record({
  permission: permissionArb,
  source: ruleSourceArb,
  egress: fc.boolean(),
});

export const sgScenarioArb = fc.record({
  policy: policyArb,
  groups: fc.array(
    fc.record({
      tags: tagsArb([undefined, 'Web', 'Application', 'Database', 'web']),
      rules: fc.array(ruleArb, { maxLength: 6 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  groupIndex: fc.nat(),
  eventName: fc.constantFrom('AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'),
  picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  withRuleIds: fc.boolean(),
  byName: fc.boolean(),
  /** After the event: the named rules are narrowed, revoked or left as they are (the live state moved on). */
  afterwards: fc.array(fc.constantFrom('keep', 'keep', 'narrow', 'revoke'), {
    maxLength: 4,
  }),
  errorCode: errorArb,
  actor: actorArb,
  source: sourceArb,
});
export type SgScenario = typeof sgScenarioArb extends fc.Arbitrary<infer T> ? T : never;

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
  const pool = s.eventName === 'AuthorizeSecurityGroupIngress' ? ingress : rules;
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
    record = modifyRuleRecord(groupId, named[0], ctx);
    named.splice(1);
  } else {
    // An authorize that created the named rules (a rule id in the response), or a request only.
    record = authorizeIngressRecord(groupId, named, ctx);
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

/** The security-group property for one scenario: throws (an assertion) when LayerGuard did what it must not. */
export async function checkSgScenario(s: SgScenario, stats?: Stats): Promise<void> {
  const { account, groupId, named, event } = buildSgScenario(s);
  const group = account.groups.get(groupId);
  const before = ruleSnapshot(account);
  const { outcome, error, network, notifier } = await handle(account, event, s.policy);
  expect(error).toBeUndefined();
  const o = outcome as Outcome;
  expect(OUTCOME_STATUSES).toContain(o.outcome);
  expect(notifier.sent).toHaveLength(1);

  const revoked = [...before.values()].filter((r) => !account.rules.has(r.ruleId));
  const guarded = s.errorCode !== undefined || isOwn(s.actor, s.policy);
  if (guarded) {
    expect(o.outcome).toBe('ignored');
    expect(network.calls).toEqual([]);
  }
  for (const r of revoked) {
    expect(r.groupId).toBe(groupId);
    expect(r.isEgress).toBe(false);
    expect(isWorldOpen(r, s.policy)).toBe(true);
    expect(isAllowedPublic(r, group as NonNullable<typeof group>, s.policy)).toBe(false);
    const namedIt = named.some((n) => n.ruleId === r.ruleId || (!s.withRuleIds && isSamePermission(r, n)));
    expect(namedIt).toBe(true);
  }
  if (revoked.length > 0) {
    expect(guarded).toBe(false);
    expect(s.policy.mode).toBe('enforce');
    expect(isExempt(group?.tags ?? {}, s.policy)).toBe(false);
    expect(o.outcome).toBe('remediated');
  } else {
    expect(o.outcome).not.toBe('remediated');
  }
  // Nothing else in the account changed: other groups' rules, egress, the named rules' neighbours.
  expect(account.rules.size).toBe(before.size - revoked.length);
  for (const r of account.rules.values()) expect(r).toEqual(before.get(r.ruleId));

  // Liveness: every named rule still live, world-open, not allowed, in a non-exempt group, is revoked.
  const due = named.filter((n) => {
    const live = before.get(n.ruleId);
    // Without rule ids, the event's rule is found by its permission: a rule edited since is another rule.
    const byId = s.withRuleIds || s.eventName === 'ModifySecurityGroupRules';
    return (
      live &&
      (byId || isSamePermission(live, n)) &&
      // The event itself asked for the internet: other changes since come with their own events.
      isWorldOpen(n, s.policy) &&
      !live.isEgress &&
      isWorldOpen(live, s.policy) &&
      !isAllowedPublic(live, group as NonNullable<typeof group>, s.policy)
    );
  });
  if (!guarded && s.policy.mode === 'enforce' && !isExempt(group?.tags ?? {}, s.policy)) {
    for (const n of due) expect(account.rules.has(n.ruleId)).toBe(false);
  }
  if (s.policy.mode === 'dry-run') expect(revoked).toEqual([]);
  stats?.add(o.outcome);
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
const targetArb = fc.oneof({ weight: 6, arbitrary: fc.constant('igw') }, fc.constantFrom(...Object.keys(TARGETS)));
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
  moves: fc.array(maybe(fc.nat(), 2), {
    minLength: 6,
    maxLength: 6,
  }),
  subnetTags: fc.array(maybe(tagsArb([undefined, 'Database', 'Web']), 2), { minLength: 6, maxLength: 6 }),
  eventName: fc.constantFrom('CreateRoute', 'ReplaceRoute', 'AssociateRouteTable', 'ReplaceRouteTableAssociation'),
  pick: fc.nat(),
  /** A route event about a route that is not (or no longer) there. */
  absent: maybe(fc.tuple(fc.nat(DESTINATIONS.length - 1), targetArb), 3),
  errorCode: errorArb,
  actor: actorArb,
  source: sourceArb,
});
export type RtScenario = typeof rtScenarioArb extends fc.Arbitrary<infer T> ? T : never;

const baselineTables: string[] = [
  BASELINE.routeTables.main,
  BASELINE.routeTables.public,
  BASELINE.routeTables.private,
  BASELINE.routeTables.database,
];
const baselineSubnets: string[] = Object.values(BASELINE.subnets);

function addRoute(account: SimulatedAccount, tableId: string, d: number, t: string) {
  try {
    account.createRoute(tableId, DESTINATIONS[d] as (typeof DESTINATIONS)[number], TARGETS[t] as RouteTarget);
  } catch (error) {
    if (!(error instanceof Ec2Error)) throw error; // RouteAlreadyExists
  }
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
  baselineSubnets.forEach((subnetId, i) => {
    const tags = s.subnetTags[i];
    if (tags) account.setTags(subnetId, tags);
    const move = s.moves[i];
    if (move === undefined) return;
    const current = [...account.associations.values()].find((a) => a.subnetId === subnetId);
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
  let record: Record<string, unknown>;
  let routeTableId: string;
  let about: {
    destination?: (typeof DESTINATIONS)[number];
    subnetId?: string;
    associationId?: string;
  } = {};
  if (s.eventName === 'CreateRoute' || s.eventName === 'ReplaceRoute') {
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
    about = { destination };
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
  return {
    account,
    tableIds,
    routeTableId,
    about,
    event: eventBridgeEnvelope(record, s.source),
  };
}

const isolatedTag = (tags: Tags) => tags.Tier === 'Database';

/** The route-table property for one scenario. */
export async function checkRtScenario(s: RtScenario, stats?: Stats): Promise<void> {
  const { account, tableIds, routeTableId, about, event } = buildRtScenario(s);
  const beforeTables = new Map(tableIds.map((id) => [id, account.routeTable(id)]));
  const beforeEffective = new Map(baselineSubnets.map((id) => [id, account.effectiveRouteTable(id)?.routeTableId]));
  const beforeAssoc = new Map([...account.associations.values()].map((a) => [a.associationId, { ...a }]));
  const subnetTags = new Map(baselineSubnets.map((id) => [id, account.subnets.get(id)?.tags ?? {}]));
  const beforeRules = ruleSnapshot(account);
  const { outcome, error, network, notifier } = await handle(account, event, s.policy);
  expect(error).toBeUndefined();
  const o = outcome as Outcome;
  expect(OUTCOME_STATUSES).toContain(o.outcome);
  expect(notifier.sent).toHaveLength(1);
  expect(ruleSnapshot(account)).toEqual(beforeRules);

  const guarded = s.errorCode !== undefined || isOwn(s.actor, s.policy);
  if (guarded) {
    expect(o.outcome).toBe('ignored');
    expect(network.calls).toEqual([]);
  }

  const deleted: Array<{ table: string; route: Route }> = [];
  for (const id of tableIds) {
    const after = account.routeTable(id)?.routes ?? [];
    for (const r of beforeTables.get(id)?.routes ?? []) {
      if (
        !after.some(
          (a) => (a.cidrIpv4 ?? a.cidrIpv6 ?? a.prefixListId) === (r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId),
        )
      ) {
        deleted.push({ table: id, route: r });
      }
    }
    expect(after.length).toBeLessThanOrEqual(beforeTables.get(id)?.routes.length ?? 0);
  }
  expect(deleted.length).toBeLessThanOrEqual(1);
  for (const { table, route } of deleted) {
    expect(guarded).toBe(false);
    expect(s.policy.mode).toBe('enforce');
    expect(table).toBe(routeTableId);
    expect(route.gatewayId).not.toBe('local');
    expect(route.origin).not.toBe('CreateRouteTable');
    const kind = routeTargetOf(route)?.kind;
    expect(kind && s.policy.isolated.forbiddenTargets.includes(kind)).toBe(true);
    const d = about.destination as unknown as Record<string, string>;
    expect(route.cidrIpv4 ?? route.cidrIpv6 ?? route.prefixListId).toBe(d.cidrIpv4 ?? d.cidrIpv6 ?? d.prefixListId);
    // The table was exposed: tagged isolated, or used by an isolated subnet; and not exempt.
    const tableTags = beforeTables.get(table)?.tags ?? {};
    const users = baselineSubnets.filter((id) => beforeEffective.get(id) === table);
    const isolatedUsers = users.filter((id) => isolatedTag(subnetTags.get(id) ?? {}));
    expect(isolatedTag(tableTags) || isolatedUsers.length > 0).toBe(true);
    expect(isExempt(tableTags, s.policy)).toBe(false);
    if (!isolatedTag(tableTags)) {
      expect(isolatedUsers.every((id) => isExempt(subnetTags.get(id) ?? {}, s.policy))).toBe(false);
    }
  }

  const moved = [...beforeAssoc.values()].filter((a) => !account.associations.has(a.associationId));
  expect(moved.length).toBeLessThanOrEqual(1);
  for (const a of moved) {
    expect(guarded).toBe(false);
    expect(s.policy.mode).toBe('enforce');
    expect(a.associationId).toBe(about.associationId);
    expect(a.main).toBe(false);
    expect(isolatedTag(subnetTags.get(a.subnetId as string) ?? {})).toBe(true);
    expect(isExempt(subnetTags.get(a.subnetId as string) ?? {}, s.policy)).toBe(false);
    const now = [...account.associations.values()].find((x) => x.subnetId === a.subnetId);
    const to = account.routeTable(now?.routeTableId as string);
    expect(to && isolatedTag(to.tags)).toBe(true);
    expect(
      (to?.routes ?? []).some(
        (r) => r.gatewayId !== 'local' && s.policy.isolated.forbiddenTargets.includes(routeTargetOf(r)?.kind as never),
      ),
    ).toBe(false);
  }
  if (deleted.length + moved.length > 0) expect(o.outcome).toBe('remediated');
  else expect(o.outcome).not.toBe('remediated');
  stats?.add(o.outcome);
}

// ---- malformed and mutated input -------------------------------------------------------------

export const SAMPLES = samples();

/** The malformed-input property for one sample and its mutations. */
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
  const { outcome, error, network, notifier } = await handle(account, event, DEFAULT_POLICY);
  if (error !== undefined) {
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect((error as Error).message.length).toBeGreaterThan(0);
    expect(network.calls).toEqual([]);
    expect(notifier.sent).toEqual([]);
    expect(outcome).toBeUndefined();
    stats?.add('rejected');
    return;
  }
  expect(OUTCOME_STATUSES).toContain((outcome as Outcome).outcome);
  expect(notifier.sent).toHaveLength(1);
  // Whatever the event said: a revoked rule was world-open ingress that the policy does not allow.
  for (const r of before.values()) {
    if (account.rules.has(r.ruleId)) continue;
    const group = account.groups.get(r.groupId);
    expect(r.isEgress).toBe(false);
    expect(isWorldOpen(r, DEFAULT_POLICY)).toBe(true);
    expect(group && isAllowedPublic(r, group, DEFAULT_POLICY)).toBe(false);
    expect(isExempt(group?.tags ?? {}, DEFAULT_POLICY)).toBe(false);
  }
  // The local route of every table stays; a deleted route pointed at an internet gateway.
  for (const t of account.routeTables.values()) {
    expect(t.routes.some((r) => r.gatewayId === 'local')).toBe(true);
    for (const r of routes.get(t.routeTableId) ?? []) {
      const key = r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId;
      if (!t.routes.some((x) => (x.cidrIpv4 ?? x.cidrIpv6 ?? x.prefixListId) === key)) {
        expect(routeTargetOf(r)?.kind).toBe('internet-gateway');
      }
    }
  }
  stats?.add((outcome as Outcome).outcome);
}
