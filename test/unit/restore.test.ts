import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../functions/core/change.js';
import type { SgRule } from '../../functions/core/network.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { type ConfigItem, forbiddenRestore, planRouteRestore, planRuleRestore, previousIngress } from '../../functions/core/restore.js';
import { NO_PREFIX_LISTS } from '../../functions/core/security-group.js';
import { NO_TIER_VIEW } from '../../functions/core/tiers.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { BASELINE } from '../../events/simulated-account/ids.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/config/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
const item = (configuration: unknown, status = 'OK'): ConfigItem => ({ captureTime: '2025-03-14T10:00:00.000Z', status, configuration });

const DB = BASELINE.securityGroups.db;
const EDITED = BASELINE.rules.dbFromApp;
/** The db group's rules after the sample ModifySecurityGroupRules (world-open-db-port.json): 3306 from the internet. */
const edited: SgRule[] = [
  { ruleId: EDITED, groupId: DB, isEgress: false, protocol: 'tcp', fromPort: 3306, toPort: 3306, cidrIpv4: '0.0.0.0/0', description: 'temp vendor access' },
  { ruleId: BASELINE.rules.dbEgress, groupId: DB, isEgress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' },
];
const fromApp = { protocol: 'tcp', fromPort: 3306, toPort: 3306, referencedGroupId: BASELINE.securityGroups.app, description: 'MySQL from the app tier' };

describe('previousIngress: the item lists permissions; one rule per source', () => {
  it('reads ipv4Ranges with descriptions, and ipRanges of plain CIDRs when they are alone', () => {
    const perm = { ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: ['10.0.0.0/8'], extra: { kept: true } };
    expect(previousIngress({ groupId: DB, ipPermissions: [perm], unknownField: 1 })).toEqual([{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' }]);
    expect(previousIngress(fixture('security-group-db'))).toEqual([fromApp]);
  });

  it('drops the ports of protocol -1 and splits a permission of several sources', () => {
    const perm = { ipProtocol: '-1', fromPort: -1, toPort: -1, ipv4Ranges: [{ cidrIp: '10.0.0.0/8' }], ipv6Ranges: [{ cidrIpv6: 'fd00::/8' }], prefixListIds: [{ prefixListId: 'pl-1' }] };
    expect(previousIngress({ groupId: DB, ipPermissions: [perm] })).toEqual([
      { protocol: '-1', cidrIpv4: '10.0.0.0/8' },
      { protocol: '-1', cidrIpv6: 'fd00::/8' },
      { protocol: '-1', prefixListId: 'pl-1' },
    ]);
  });

  it('refuses a configuration without what a restore needs', () => {
    expect(previousIngress({ ipPermissions: [] })).toBeUndefined();
    expect(previousIngress({ groupId: DB, ipPermissions: [{ fromPort: 22 }] })).toBeUndefined();
    expect(previousIngress('not an object')).toBeUndefined();
  });
});

describe('planRuleRestore: the edited rule matched honestly, else refused', () => {
  it('finds the permission that was there and is not now, with the rule\'s protocol and ports', () => {
    expect(planRuleRestore(item(fixture('security-group-db')), [EDITED], edited)).toEqual({
      ok: true,
      value: [{ ruleId: EDITED, definition: fromApp }],
      capturedAt: '2025-03-14T10:00:00.000Z',
    });
  });

  it('by description when the ports changed too', () => {
    const before = { groupId: DB, ipPermissions: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipv4Ranges: [{ cidrIp: '10.0.12.0/24', description: 'temp vendor access' }] }] };
    const plan = planRuleRestore(item(before), [EDITED], edited);
    expect(plan).toMatchObject({ ok: true, value: [{ ruleId: EDITED, definition: { fromPort: 5432, cidrIpv4: '10.0.12.0/24' } }] });
  });

  it.each([
    ['two candidates on the same ports, no description to tell them apart', { groupId: DB, ipPermissions: [{ ipProtocol: 'tcp', fromPort: 3306, toPort: 3306, ipv4Ranges: [{ cidrIp: '10.0.11.0/24' }, { cidrIp: '10.0.12.0/24' }] }] }, /2 permissions/],
    ['nothing matches by ports or description', { groupId: DB, ipPermissions: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipv4Ranges: [{ cidrIp: '10.0.0.0/8' }] }] }, /no permission/],
    ['the permission is still there (nothing was edited away)', { groupId: DB, ipPermissions: [{ ipProtocol: 'tcp', fromPort: 3306, toPort: 3306, ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }] }] }, /no permission/],
    ['an unreadable configuration', { groupId: DB }, /can read/],
  ])('refuses: %s', (_name, configuration, why) => {
    const plan = planRuleRestore(item(configuration), [EDITED], edited);
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.why).toMatch(why);
  });

  it('refuses an item of a deleted or unrecorded resource, and a rule that is gone', () => {
    expect(planRuleRestore(item(fixture('security-group-db'), 'ResourceDeleted'), [EDITED], edited)).toEqual({ ok: false, why: 'the configuration item before the change is ResourceDeleted' });
    expect(planRuleRestore(item(fixture('security-group-db')), ['sgr-gone'], edited)).toMatchObject({ ok: false });
  });

  it('refuses two edited rules that would take the same permission', () => {
    const second = { ...edited[0], ruleId: 'sgr-second' } as SgRule;
    expect(planRuleRestore(item(fixture('security-group-db')), [EDITED, 'sgr-second'], [...edited, second])).toMatchObject({ ok: false, why: /same permission/ });
  });
});

describe('forbiddenRestore: the restored definition is judged as any rule is', () => {
  const group = { groupId: DB, groupName: 'db-tier', tags: { Tier: 'Database' } };

  it('allows the app tier into the database tier', () => {
    const view = { groupTiers: new Map([[BASELINE.securityGroups.app, 'application']]), subnets: [] };
    expect(forbiddenRestore(group, edited, [{ ruleId: EDITED, definition: fromApp }], DEFAULT_POLICY, NO_PREFIX_LISTS, view)).toBeUndefined();
  });

  it('never restores a world-open source, even one the public tier may have', () => {
    const web = { groupId: 'sg-web', groupName: 'web', tags: { Tier: 'Web' } };
    const open = { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' };
    expect(forbiddenRestore(web, edited, [{ ruleId: EDITED, definition: open }], DEFAULT_POLICY, NO_PREFIX_LISTS, NO_TIER_VIEW)).toMatch(/open to the internet/);
    const split = { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/1' };
    expect(forbiddenRestore(group, edited, [{ ruleId: EDITED, definition: split }], DEFAULT_POLICY, NO_PREFIX_LISTS, NO_TIER_VIEW)).toMatch(/open to the internet/);
  });

  it('refuses a prefix list whose entries are the internet, and a tier skip', () => {
    const viaList = { protocol: 'tcp', fromPort: 3306, toPort: 3306, prefixListId: 'pl-world' };
    expect(forbiddenRestore(group, edited, [{ ruleId: EDITED, definition: viaList }], DEFAULT_POLICY, new Map([['pl-world', ['0.0.0.0/0']]]), NO_TIER_VIEW)).toMatch(/internet/);
    const fromWeb = { protocol: 'tcp', fromPort: 3306, toPort: 3306, referencedGroupId: BASELINE.securityGroups.web };
    const view = { groupTiers: new Map([[BASELINE.securityGroups.web, 'web']]), subnets: [] };
    expect(forbiddenRestore(group, edited, [{ ruleId: EDITED, definition: fromWeb }], DEFAULT_POLICY, NO_PREFIX_LISTS, view)).toMatch(/skip/);
  });
});

describe('planRouteRestore: the previous target of the same destination, if the decision allows it', () => {
  const account = threeTierAccount();
  // The sample ReplaceRoute (nat-to-igw-on-database-table.json), applied.
  const TABLE = BASELINE.routeTables.database;
  account.createRoute(TABLE, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: BASELINE.internetGatewayId });
  const table = account.routeTable(TABLE) as NonNullable<ReturnType<typeof account.routeTable>>;
  const tables = [...account.routeTables.keys()].map((id) => account.routeTable(id) as typeof table);
  const subnets = [...account.subnets.values()];
  const change: Extract<Change, { kind: 'route' }> = {
    kind: 'route', eventName: 'ReplaceRoute', routeTableId: TABLE, destination: { cidrIpv4: '0.0.0.0/0' }, target: { gatewayId: BASELINE.internetGatewayId },
  };
  const plan = (configuration: unknown, status = 'OK') => planRouteRestore(item(configuration, status), change, table, tables, subnets, DEFAULT_POLICY, new Date());
  const routes = (route: Record<string, string>) => ({ routeTableId: TABLE, routes: [{ destinationCidrBlock: '10.0.0.0/16', gatewayId: 'local' }, { destinationCidrBlock: '0.0.0.0/0', ...route }] });

  it('restores an allowed target (a transit gateway)', () => {
    expect(plan(fixture('route-table-db'))).toEqual({ ok: true, value: { transitGatewayId: 'tgw-0a1b2c3d4e5f6c001' }, capturedAt: '2025-03-14T10:00:00.000Z' });
  });

  it.each([
    ['a target forbidden there too (the NAT gateway of the sample)', routes({ natGatewayId: BASELINE.natGatewayId }), /forbidden there too/],
    ['a blackhole', routes({ transitGatewayId: 'tgw-1', state: 'blackhole' }), /blackhole/],
    ['the same target', routes({ gatewayId: BASELINE.internetGatewayId }), /already pointed/],
    ['no route to the destination', { routeTableId: TABLE, routes: [] }, /no route/],
    ['an unreadable configuration', { routes: 'x' }, /can read/],
  ])('refuses %s', (_name, configuration, why) => {
    const answer = plan(configuration);
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.why).toMatch(why);
  });

  it('refuses an item that is not OK', () => {
    expect(plan(fixture('route-table-db'), 'ResourceNotRecorded')).toMatchObject({ ok: false, why: /ResourceNotRecorded/ });
  });
});
