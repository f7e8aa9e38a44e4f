import type { SgRule } from '../../functions/core/network.js';
import type { Outcome, OutcomeStatus } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { isWorldOpen, isWorldOpenCidr } from '../../functions/core/security-group.js';
import { describeEntry, internetEntries } from '../../functions/core/network-acl.js';
import type { NetworkAclEntry } from '../../functions/core/network.js';
import type { GamedayTarget, Injection, MemberName } from './target.js';

/**
 * The game-day catalogue: each scenario injects one drift (or a negative control that must not be
 * touched), says what LayerGuard must answer, and checks the network afterwards.
 */
export interface Scenario {
  readonly name: string;
  /** What the scenario injects, in a person's words. */
  readonly drift: string;
  /** The outcome LayerGuard must reach; negative controls expect `ignored` or `exempt`. */
  readonly expected: OutcomeStatus;
  /** What must hold afterwards, in a person's words. */
  readonly mustHold: string;
  /** The targets it plays on; all when absent. */
  readonly targets?: readonly GamedayTarget['kind'][];
  readonly setup?: (t: GamedayTarget) => Promise<void>;
  readonly inject: (t: GamedayTarget) => Promise<Injection>;
  /** The violations of `mustHold` found in the live state; empty when it holds. */
  readonly check: (t: GamedayTarget, injected: Injection) => Promise<string[]>;
  /**
   * The security group this drift opens to the internet (world-open ingress, which LayerGuard reports
   * as `sg-world-open`): on a target with flow logs the internet uses the group while it is open, and the
   * revert must be followed by its flow-log evidence.
   */
  readonly opensToInternet?: (t: GamedayTarget) => string;
  /** Plays across accounts: the target's organisation (a hub and members) is needed; the hub's functions reach the members. */
  readonly organization?: boolean;
  /** Violations in what LayerGuard answered and told (the outcome of the event's first arrival, every arrival's, the notices of the event). */
  readonly checkOutcome?: (seen: {
    readonly outcome: Outcome;
    readonly deliveries: readonly Outcome[];
    readonly notices: readonly Outcome[];
    /** The outcomes of the injection's `also` events, in order. */
    readonly also: readonly Outcome[];
    /** The policy's mode the game day plays under. */
    readonly mode: 'enforce' | 'dry-run';
    readonly target: GamedayTarget;
  }) => string[] | Promise<string[]>;
}

const worldOpen = (rules: readonly SgRule[]) => rules.filter((r) => isWorldOpen(r, DEFAULT_POLICY));

const noWorldOpen = async (t: GamedayTarget, groupId: string): Promise<string[]> =>
  worldOpen(await t.ingressRules(groupId)).map((r) => `${groupId} still admits ${r.cidrIpv4 ?? r.cidrIpv6} (${r.ruleId})`);

const stillAdmits = async (t: GamedayTarget, groupId: string, cidr: string, port?: number): Promise<string[]> =>
  (await t.ingressRules(groupId)).some((r) => (r.cidrIpv4 ?? r.cidrIpv6) === cidr && (port === undefined || r.fromPort === port))
    ? []
    : [`${groupId} lost its rule from ${cidr}${port ? ` on ${port}` : ''}: a negative control was touched`];

/** A negative control's check: the group still has a rule that `matches` picks. */
const keeps = async (t: GamedayTarget, groupId: string, matches: (r: SgRule) => boolean, what: string): Promise<string[]> =>
  (await t.ingressRules(groupId)).some(matches) ? [] : [`${groupId} lost its rule from ${what}: a negative control was touched`];

/**
 * A prefix-list scenario's check: the office list holds none of the entries that had to go, still holds
 * its office range, and the group that names it keeps its rule (only the entry was to go).
 */
const officeListReverted = async (t: GamedayTarget, mustGo: (cidr: string) => boolean, groupId: string): Promise<string[]> => {
  const office = t.ids.prefixLists.office;
  const entries = await prefixListTarget(t).prefixListEntries(office);
  return [
    ...entries.filter(mustGo).map((c) => `${office} still holds ${c}`),
    ...(entries.includes('203.0.113.0/24') ? [] : [`${office} lost its office range 203.0.113.0/24`]),
    ...(await keeps(t, groupId, (r) => r.prefixListId === office, office)),
  ];
};

/** tcp on one port from a security group. */
const fromGroup = (port: number, referencedGroupId: string) => ({ protocol: 'tcp', fromPort: port, toPort: port, referencedGroupId });

const noInternetRoute = async (t: GamedayTarget, subnetIds: readonly string[]): Promise<string[]> => {
  const problems: string[] = [];
  for (const subnetId of subnetIds) {
    const table = await t.effectiveRouteTable(subnetId);
    for (const r of table.routes) {
      if (r.gatewayId?.startsWith('igw-')) {
        problems.push(`${subnetId} (on ${table.routeTableId}) still routes ${r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId} to ${r.gatewayId}`);
      }
    }
    if (!table.routes.some((r) => r.gatewayId === 'local')) problems.push(`${table.routeTableId} lost its local route`);
  }
  return problems;
};

/** The target's prefix-list injection (targets that model what references a list). */
function prefixListTarget(t: GamedayTarget): Required<Pick<GamedayTarget, 'modifyPrefixList' | 'prefixListEntries'>> {
  if (!t.modifyPrefixList || !t.prefixListEntries) throw new Error(`the ${t.kind} target does not model prefix-list changes`);
  return { modifyPrefixList: t.modifyPrefixList.bind(t), prefixListEntries: t.prefixListEntries.bind(t) };
}

const dbSubnets = (t: GamedayTarget) => [t.ids.subnets.database1, t.ids.subnets.database2];
const tcp = (port: number, cidr: string) =>
  cidr.includes(':') ? { protocol: 'tcp', fromPort: port, toPort: port, cidrIpv6: cidr } : { protocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: cidr };

/** A member of the target's organisation (scenarios across accounts only). */
const member = async (t: GamedayTarget, name: MemberName = 'member'): Promise<GamedayTarget> => {
  const org = await t.organization?.();
  if (!org) throw new Error(`the ${t.kind} target models one account only`);
  return org.member(name);
};

/** Made in a member: the injection says where, for the scorecard. */
const inMember = (m: GamedayTarget, injected: Injection, more: Partial<Injection> = {}): Injection => ({
  ...injected,
  ...(m.where ? { where: m.where } : {}),
  ...more,
});

/** The target's network ACL helpers, or a clear error on a target that does not model network ACLs. */
const acls = (t: GamedayTarget) => {
  const ids = t.ids.networkAcls;
  if (!ids || !t.aclEntry || !t.moveSubnetAcl || !t.networkAcl || !t.subnetAcl) throw new Error(`the ${t.kind} target does not model network ACLs`);
  return { ids, aclEntry: t.aclEntry.bind(t), moveSubnetAcl: t.moveSubnetAcl.bind(t), networkAcl: t.networkAcl.bind(t), subnetAcl: t.subnetAcl.bind(t) };
};
const allowIn = (ruleNumber: number, protocol: string, source: string, ports?: number): NetworkAclEntry => ({
  ruleNumber,
  egress: false,
  ruleAction: 'allow',
  protocol,
  ...(source.includes(':') ? { cidrIpv6: source } : { cidrIpv4: source }),
  ...(ports !== undefined ? { portRange: { from: ports, to: ports } } : {}),
});
/** The database subnets' ACL admits nothing from the internet, and each still uses the database ACL. */
const dbAclClosed = async (t: GamedayTarget): Promise<string[]> => {
  const a = acls(t);
  const problems: string[] = [];
  for (const subnetId of dbSubnets(t)) {
    const acl = await a.subnetAcl(subnetId);
    if (acl.networkAclId !== a.ids.database) problems.push(`${subnetId} is on ${acl.networkAclId}, not the database ACL ${a.ids.database}`);
    for (const e of internetEntries(acl, DEFAULT_POLICY)) problems.push(`${subnetId} (on ${acl.networkAclId}) still admits ${describeEntry(e)}`);
  }
  return problems;
};
/** The entry is still on the ACL (a negative control was not touched). */
const stillHasEntry = async (t: GamedayTarget, networkAclId: string, ruleNumber: number): Promise<string[]> =>
  (await acls(t).networkAcl(networkAclId)).entries.some((e) => e.ruleNumber === ruleNumber && !e.egress)
    ? []
    : [`${networkAclId} lost ingress rule ${ruleNumber}: a negative control was touched`];
/** LayerGuard never names a default (`*`, 32767) entry in what it does. */
const defaultsUntouched = ({ outcome }: { readonly outcome: Outcome }): string[] =>
  outcome.actions.some((a) => a.type === 'delete-nacl-entry' && a.ruleNumber >= 32767) ? ['LayerGuard acted on a default (*) entry'] : [];

/** The game day's network-ACL scenarios: on every target (the sandbox VPC has the database tier's ACL too). */
const NACL_SCENARIOS: readonly Scenario[] = [
  {
    name: 'nacl-world-mysql-on-database-acl',
    drift: 'NACL entry: the database ACL gets ingress rule 90: allow tcp/3306 from 0.0.0.0/0 (CreateNetworkAclEntry)',
    expected: 'remediated',
    mustHold: 'the database ACL admits nothing from the internet; its own entries and the * entries stay',
    inject: (t) => acls(t).aclEntry(acls(t).ids.database, allowIn(90, '6', '0.0.0.0/0', 3306)),
    check: async (t) => [...(await dbAclClosed(t)), ...(await stillHasEntry(t, acls(t).ids.database, 100))],
    checkOutcome: defaultsUntouched,
  },
  {
    name: 'nacl-ipv6-world-replaced-entry',
    drift: "NACL entry: the database ACL's rule 100 (all traffic from the VPC) replaced by all traffic from ::/0 (ReplaceNetworkAclEntry)",
    expected: 'remediated',
    mustHold: 'the database ACL admits nothing from the internet; the outcome says what to restore at rule 100',
    inject: (t) => acls(t).aclEntry(acls(t).ids.database, allowIn(100, '-1', '::/0'), { replace: true }),
    check: (t) => dbAclClosed(t),
    checkOutcome: ({ outcome, mode }) =>
      /rule 100/.test(outcome.humanAction ?? '') ? [] : [`the ${mode} outcome does not tell a person what to restore at rule 100`],
  },
  {
    name: 'nacl-database-subnet-moved-to-default-acl',
    drift: 'NACL association: a database subnet moved onto the default ACL, which allows all traffic from 0.0.0.0/0 (ReplaceNetworkAclAssociation)',
    expected: 'remediated',
    mustHold: "the database subnet is on the database ACL again; the default ACL keeps its entries (other tiers use it)",
    inject: (t) => acls(t).moveSubnetAcl(t.ids.subnets.database1, acls(t).ids.default),
    check: async (t) => [...(await dbAclClosed(t)), ...(await stillHasEntry(t, acls(t).ids.default, 100))],
  },
  {
    name: 'control-nacl-entry-shadowed-by-deny',
    drift: 'NACL entry: the database ACL gets rule 50: deny all from 0.0.0.0/0, then rule 150: allow tcp/3306 from 0.0.0.0/0 (shadowed: not drift)',
    expected: 'ignored',
    mustHold: 'both entries stay: the deny matches first, so the allow admits nothing',
    setup: async (t) => {
      await acls(t).aclEntry(acls(t).ids.database, { ruleNumber: 50, egress: false, ruleAction: 'deny', protocol: '-1', cidrIpv4: '0.0.0.0/0' });
    },
    inject: (t) => acls(t).aclEntry(acls(t).ids.database, allowIn(150, '6', '0.0.0.0/0', 3306)),
    check: async (t) => [...(await stillHasEntry(t, acls(t).ids.database, 150)), ...(await stillHasEntry(t, acls(t).ids.database, 50))],
  },
  {
    name: 'control-nacl-web-tier-default-acl',
    drift: 'NACL entry: the default ACL (web and app subnets only) gets rule 130: allow tcp/443 from 0.0.0.0/0 (not an isolated tier: not drift)',
    expected: 'ignored',
    mustHold: 'the default ACL keeps its new entry',
    inject: (t) => acls(t).aclEntry(acls(t).ids.default, allowIn(130, '6', '0.0.0.0/0', 443)),
    check: (t) => stillHasEntry(t, acls(t).ids.default, 130),
  },
  {
    name: 'control-nacl-app-subnet-moved-to-database-acl',
    drift: 'NACL association: the app subnet moved onto the database ACL (not isolated, and the ACL admits nothing from the internet: not drift)',
    expected: 'ignored',
    mustHold: 'the app subnet stays on the database ACL',
    inject: (t) => acls(t).moveSubnetAcl(t.ids.subnets.private1, acls(t).ids.database),
    check: async (t) => {
      const acl = await acls(t).subnetAcl(t.ids.subnets.private1);
      return acl.networkAclId === acls(t).ids.database ? [] : [`${t.ids.subnets.private1} was moved to ${acl.networkAclId}: a negative control was touched`];
    },
  },
  {
    name: 'control-nacl-failed-call',
    drift: 'NACL entry: rule 90 allow tcp/3306 from 0.0.0.0/0 on the database ACL, but the call failed (UnauthorizedOperation)',
    expected: 'ignored',
    mustHold: 'nothing changed and nothing was reverted',
    inject: (t) => acls(t).aclEntry(acls(t).ids.database, allowIn(90, '6', '0.0.0.0/0', 3306), { failWith: 'Client.UnauthorizedOperation' }),
    check: (t) => dbAclClosed(t),
  },
];

export const CATALOGUE: readonly Scenario[] = [
  {
    name: 'ssh-open-to-world',
    drift: 'app tier: tcp/22 from 0.0.0.0/0 (AuthorizeSecurityGroupIngress)',
    expected: 'remediated',
    mustHold: 'the app tier admits nothing from the internet; its own rules stay',
    opensToInternet: (t) => t.ids.securityGroups.app,
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.app, [tcp(22, '0.0.0.0/0')]),
    check: (t) => noWorldOpen(t, t.ids.securityGroups.app),
  },
  {
    name: 'rdp-open-to-world',
    drift: 'app tier: tcp/3389 from 0.0.0.0/0',
    expected: 'remediated',
    mustHold: 'the app tier admits nothing from the internet',
    opensToInternet: (t) => t.ids.securityGroups.app,
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.app, [tcp(3389, '0.0.0.0/0')]),
    check: (t) => noWorldOpen(t, t.ids.securityGroups.app),
  },
  {
    name: 'all-traffic-open-to-ipv6-world',
    drift: 'db tier: all traffic from ::/0',
    expected: 'remediated',
    mustHold: 'the db tier admits nothing from the internet',
    opensToInternet: (t) => t.ids.securityGroups.db,
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.db, [{ protocol: '-1', cidrIpv6: '::/0' }]),
    check: (t) => noWorldOpen(t, t.ids.securityGroups.db),
  },
  {
    name: 'split-world',
    drift: 'app tier: tcp/22 from 0.0.0.0/1 and 128.0.0.0/1 (the internet in two halves)',
    expected: 'remediated',
    mustHold: 'neither half of the internet is admitted',
    opensToInternet: (t) => t.ids.securityGroups.app,
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.app, [tcp(22, '0.0.0.0/1'), tcp(22, '128.0.0.0/1')]),
    check: (t) => noWorldOpen(t, t.ids.securityGroups.app),
  },
  {
    name: 'db-port-opened-by-modify',
    drift: "db tier: its MySQL rule edited to tcp/3306 from 0.0.0.0/0 (ModifySecurityGroupRules)",
    expected: 'remediated',
    mustHold: 'the db tier admits nothing from the internet',
    opensToInternet: (t) => t.ids.securityGroups.db,
    inject: (t) => t.modifyRule(t.ids.securityGroups.db, t.ids.dbFromAppRuleId, tcp(3306, '0.0.0.0/0')),
    check: (t) => noWorldOpen(t, t.ids.securityGroups.db),
  },
  {
    name: 'ssh-from-prefix-list-of-the-world',
    drift: 'prefix list: app tier tcp/22 from a managed prefix list whose entry is 0.0.0.0/0 (judged by its entries)',
    expected: 'remediated',
    mustHold: 'the app tier admits nothing from that list; the list itself is unchanged',
    opensToInternet: (t) => t.ids.securityGroups.app,
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: t.ids.prefixLists.everywhere }]),
    check: async (t) =>
      (await t.ingressRules(t.ids.securityGroups.app))
        .filter((r) => r.prefixListId === t.ids.prefixLists.everywhere)
        .map((r) => `${t.ids.securityGroups.app} still admits ${r.prefixListId} (${r.ruleId})`),
  },
  {
    name: 'control-prefix-list-of-office-ranges',
    drift: 'prefix list: db tier tcp/3306 from a managed prefix list of office and VPN ranges (not the internet)',
    expected: 'ignored',
    mustHold: 'the db tier keeps its rule from the office list',
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.db, [{ protocol: 'tcp', fromPort: 3306, toPort: 3306, prefixListId: t.ids.prefixLists.office }]),
    check: (t) => keeps(t, t.ids.securityGroups.db, (r) => r.prefixListId === t.ids.prefixLists.office, t.ids.prefixLists.office),
  },
  {
    name: 'office-list-opened-to-the-world',
    drift: 'prefix list: 0.0.0.0/0 added to the office list, which the app tier names on tcp/22 (ModifyManagedPrefixList)',
    expected: 'remediated',
    mustHold: 'the office list holds its office ranges and no entry of the internet; the app tier keeps its rule from the list; the notice names the app tier',
    // The entry opened the app tier (the drift's `groupIds`): its flow logs are asked after the revert.
    opensToInternet: (t) => t.ids.securityGroups.app,
    // moto 5.2 does not answer GetManagedPrefixListAssociations, and the sandbox has no prefix-list injection yet.
    targets: ['simulated'],
    setup: async (t) => {
      await t.authorizeIngress(t.ids.securityGroups.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: t.ids.prefixLists.office }]);
    },
    inject: (t) => prefixListTarget(t).modifyPrefixList(t.ids.prefixLists.office, ['0.0.0.0/0']),
    check: (t) => officeListReverted(t, (c) => isWorldOpenCidr(c, DEFAULT_POLICY), t.ids.securityGroups.app),
    checkOutcome: ({ outcome, target: t }) =>
      outcome.resources.includes(t.ids.securityGroups.app) ? [] : [`the outcome does not name ${t.ids.securityGroups.app}, which referenced the list`],
  },
  {
    name: 'db-list-gains-a-web-subnet',
    drift: 'tier skip: 10.0.1.0/24, a web subnet’s range, added to the office list, which the db tier names on tcp/3306 (ModifyManagedPrefixList)',
    expected: 'remediated',
    mustHold: 'the office list holds its office ranges and not the web subnet’s; the db tier keeps its rule from the list',
    // As the other prefix-list scenarios: moto 5.2 does not answer GetManagedPrefixListAssociations.
    targets: ['simulated'],
    setup: async (t) => {
      await t.authorizeIngress(t.ids.securityGroups.db, [{ protocol: 'tcp', fromPort: 3306, toPort: 3306, prefixListId: t.ids.prefixLists.office }]);
    },
    inject: (t) => prefixListTarget(t).modifyPrefixList(t.ids.prefixLists.office, ['10.0.1.0/24']),
    check: (t) => officeListReverted(t, (c) => c === '10.0.1.0/24', t.ids.securityGroups.db),
    checkOutcome: ({ outcome }) =>
      outcome.drift.some((d) => d.kind === 'prefix-list-tier-entry') ? [] : ['the outcome names no prefix-list-tier-entry drift'],
  },
  {
    name: 'control-office-list-gains-a-branch',
    drift: 'prefix list: a branch office range 10.20.0.0/16 added to the office list, which the app tier names on tcp/22 (not the internet)',
    expected: 'ignored',
    mustHold: 'the office list keeps the new range',
    targets: ['simulated'],
    setup: async (t) => {
      await t.authorizeIngress(t.ids.securityGroups.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: t.ids.prefixLists.office }]);
    },
    inject: (t) => prefixListTarget(t).modifyPrefixList(t.ids.prefixLists.office, ['10.20.0.0/16']),
    check: async (t) =>
      (await prefixListTarget(t).prefixListEntries(t.ids.prefixLists.office)).includes('10.20.0.0/16')
        ? []
        : [`${t.ids.prefixLists.office} lost 10.20.0.0/16: a negative control was touched`],
  },
  {
    name: 'igw-route-on-database-table',
    drift: 'database route table: 0.0.0.0/0 -> internet gateway (CreateRoute)',
    expected: 'remediated',
    mustHold: 'the database subnets have no route to the internet; the local route stays',
    inject: (t) => t.createRoute(t.ids.routeTables.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: t.ids.internetGatewayId }),
    check: (t) => noInternetRoute(t, dbSubnets(t)),
  },
  {
    name: 'igw-route-on-main-table-used-by-database',
    drift: "the VPC's main table, used implicitly by the database subnets: 0.0.0.0/0 -> internet gateway",
    expected: 'remediated',
    mustHold: 'the database subnets have no route to the internet',
    setup: (t) => t.useMainTable(dbSubnets(t)),
    inject: (t) => t.createRoute(t.ids.routeTables.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: t.ids.internetGatewayId }),
    check: (t) => noInternetRoute(t, dbSubnets(t)),
  },
  {
    name: 'database-subnet-moved-to-public-table',
    drift: 'a database subnet moved onto the public route table (ReplaceRouteTableAssociation)',
    expected: 'remediated',
    mustHold: 'the database subnet is back on the database table, with no route to the internet',
    inject: (t) => t.moveSubnet(t.ids.subnets.database1, t.ids.routeTables.public),
    check: async (t) => {
      const table = await t.effectiveRouteTable(t.ids.subnets.database1);
      const back = table.routeTableId === t.ids.routeTables.database ? [] : [`${t.ids.subnets.database1} is on ${table.routeTableId}`];
      return [...back, ...(await noInternetRoute(t, dbSubnets(t)))];
    },
  },
  {
    name: 'database-subnet-disassociated-onto-internet-main-table',
    drift:
      "disassociation: a database subnet taken off the database table (DisassociateRouteTable), onto the VPC's main table, which routes 0.0.0.0/0 -> internet gateway",
    expected: 'remediated',
    mustHold: 'the database subnet is on the database table again; the main table keeps its route (no isolated subnet uses it)',
    // On AWS the setup's CreateRoute reaches the stack minutes later, maybe after the disassociation, and
    // would then be judged as drift itself: the scenario plays where events arrive in order.
    targets: ['simulated', 'emulator'],
    setup: async (t) => {
      await t.createRoute(t.ids.routeTables.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: t.ids.internetGatewayId });
    },
    inject: (t) => t.disassociateSubnet(t.ids.subnets.database1),
    check: async (t) => {
      const table = await t.effectiveRouteTable(t.ids.subnets.database1);
      const back = table.routeTableId === t.ids.routeTables.database ? [] : [`${t.ids.subnets.database1} is on ${table.routeTableId}`];
      const main = await t.routeTable(t.ids.routeTables.main);
      const kept = main.routes.some((r) => r.gatewayId === t.ids.internetGatewayId) ? [] : [`${main.routeTableId} lost its internet route`];
      return [...back, ...kept, ...(await noInternetRoute(t, dbSubnets(t)))];
    },
  },
  {
    name: 'control-app-subnet-disassociated',
    drift:
      "disassociation: the app subnet taken off its table (DisassociateRouteTable), onto a main table that routes 0.0.0.0/0 -> internet gateway (not isolated: not drift)",
    expected: 'ignored',
    mustHold: 'the app subnet stays on the main table, and the main table keeps its route',
    targets: ['simulated', 'emulator'],
    setup: async (t) => {
      await t.createRoute(t.ids.routeTables.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: t.ids.internetGatewayId });
    },
    inject: (t) => t.disassociateSubnet(t.ids.subnets.private1),
    check: async (t) => {
      const table = await t.effectiveRouteTable(t.ids.subnets.private1);
      const stays = table.routeTableId === t.ids.routeTables.main ? [] : [`${t.ids.subnets.private1} was moved to ${table.routeTableId}: a negative control was touched`];
      const kept = table.routes.some((r) => r.gatewayId === t.ids.internetGatewayId) ? [] : [`${table.routeTableId} lost its internet route`];
      return [...stays, ...kept];
    },
  },
  {
    name: 'control-database-subnet-disassociated-onto-private-main-table',
    drift:
      "disassociation: a database subnet taken off the database table (DisassociateRouteTable), onto a main table with no route off the VPC (not drift)",
    expected: 'ignored',
    mustHold: 'the database subnet stays on the main table',
    inject: (t) => t.disassociateSubnet(t.ids.subnets.database2),
    check: async (t) => {
      const table = await t.effectiveRouteTable(t.ids.subnets.database2);
      return table.routeTableId === t.ids.routeTables.main ? [] : [`${t.ids.subnets.database2} was moved to ${table.routeTableId}: a negative control was touched`];
    },
  },
  {
    name: 'canary',
    drift: "the production canary's own code: tcp/9 from 0.0.0.0/2 in an empty group nothing uses",
    expected: 'remediated',
    targets: ['emulator', 'aws'],
    mustHold: "the canary's group admits nothing from the internet again",
    inject: (t) => {
      if (!t.canaryProbe) throw new Error(`the ${t.kind} target cannot run the canary`);
      return t.canaryProbe();
    },
    check: (t) => noWorldOpen(t, t.ids.canaryGroup ?? ''),
  },
  {
    name: 'db-admits-web-tier',
    drift: 'tier skip: the db tier gets tcp/3306 from the web tier’s group, skipping the application tier (SEC05-BP01 example 3)',
    expected: 'remediated',
    mustHold: 'the db tier admits no rule from the web tier’s group; its rule from the app tier stays',
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.db, [fromGroup(3306, t.ids.securityGroups.web)]),
    check: async (t) => {
      const rules = await t.ingressRules(t.ids.securityGroups.db);
      return [
        ...rules.filter((r) => r.referencedGroupId === t.ids.securityGroups.web).map((r) => `${t.ids.securityGroups.db} still admits the web tier's group (${r.ruleId})`),
        ...(rules.some((r) => r.referencedGroupId === t.ids.securityGroups.app) ? [] : [`${t.ids.securityGroups.db} lost its rule from the app tier`]),
      ];
    },
  },
  {
    name: 'db-admits-web-subnet',
    drift: 'tier skip: the db tier gets tcp/3306 from 10.0.1.0/24, a web (public) subnet’s CIDR',
    expected: 'remediated',
    mustHold: 'the db tier admits nothing from the web subnet',
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.db, [tcp(3306, '10.0.1.0/24')]),
    check: async (t) =>
      (await t.ingressRules(t.ids.securityGroups.db))
        .filter((r) => r.cidrIpv4 === '10.0.1.0/24')
        .map((r) => `${t.ids.securityGroups.db} still admits the web subnet 10.0.1.0/24 (${r.ruleId})`),
  },
  {
    name: 'control-db-admits-app-tier',
    drift: 'tier chain: the db tier gets tcp/5432 from the app tier’s group (the tier before it: not drift)',
    expected: 'ignored',
    mustHold: 'the db tier keeps its new rule from the app tier',
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.db, [fromGroup(5432, t.ids.securityGroups.app)]),
    check: (t) => keeps(t, t.ids.securityGroups.db, (r) => r.referencedGroupId === t.ids.securityGroups.app && r.fromPort === 5432, 'the app tier on 5432'),
  },
  {
    name: 'control-db-admits-untiered-group',
    drift: 'tier chain: the db tier gets tcp/22 from a group in no tier (as a bastion’s: not judged)',
    expected: 'ignored',
    mustHold: 'the db tier keeps its rule from the untiered group',
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.db, [fromGroup(22, t.ids.securityGroups.exempt)]),
    check: (t) => keeps(t, t.ids.securityGroups.db, (r) => r.referencedGroupId === t.ids.securityGroups.exempt, 'the untiered group'),
  },
  {
    name: 'control-db-admits-peered-range',
    drift: 'tier chain: the db tier gets tcp/3306 from 172.31.0.0/16, a peered network with no subnet in this VPC (no tier)',
    expected: 'ignored',
    mustHold: 'the db tier keeps the peered range',
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.db, [tcp(3306, '172.31.0.0/16')]),
    check: (t) => stillAdmits(t, t.ids.securityGroups.db, '172.31.0.0/16', 3306),
  },
  {
    name: 'control-web-tier-443',
    drift: 'web tier: tcp/443 from ::/0 (allowed: the public tier on 443)',
    expected: 'ignored',
    mustHold: 'the web tier keeps its new 443 rule',
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.web, [tcp(443, '::/0')]),
    check: (t) => stillAdmits(t, t.ids.securityGroups.web, '::/0', 443),
  },
  {
    name: 'control-narrow-cidr',
    drift: 'db tier: tcp/5432 from 10.0.11.0/24 (a private subnet, not the internet)',
    expected: 'ignored',
    mustHold: 'the db tier keeps the narrow rule',
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.db, [tcp(5432, '10.0.11.0/24')]),
    check: (t) => stillAdmits(t, t.ids.securityGroups.db, '10.0.11.0/24', 5432),
  },
  {
    name: 'control-exempt-group',
    drift: 'exempt group (valid exemption tag): tcp/22 from 0.0.0.0/0',
    expected: 'exempt',
    mustHold: 'the exempt group keeps its rule',
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.exempt, [tcp(22, '0.0.0.0/0')]),
    check: (t) => stillAdmits(t, t.ids.securityGroups.exempt, '0.0.0.0/0', 22),
  },
  {
    name: 'control-failed-call',
    drift: 'app tier: tcp/22 from 0.0.0.0/0, but the call failed (UnauthorizedOperation)',
    expected: 'ignored',
    mustHold: 'nothing changed and nothing was reverted',
    inject: (t) => t.authorizeIngress(t.ids.securityGroups.app, [tcp(22, '0.0.0.0/0')], { failWith: 'Client.UnauthorizedOperation' }),
    check: (t) => noWorldOpen(t, t.ids.securityGroups.app),
  },
  {
    name: 'member-drift-reverted-from-hub',
    drift: "a member account: app tier tcp/22 from 0.0.0.0/0; the member's rule forwards the event to the hub, whose function acts through the member role",
    expected: 'remediated',
    organization: true,
    targets: ['simulated', 'emulator'],
    mustHold: "the member's app tier admits nothing from the internet again; the hub's own app tier is untouched",
    // In the member's app tier: the hub reads flow logs in its own account only, so the evidence is `unknown`.
    opensToInternet: (t) => t.ids.securityGroups.app,
    inject: async (t) => {
      const m = await member(t);
      return inMember(m, await m.authorizeIngress(m.ids.securityGroups.app, [tcp(22, '0.0.0.0/0')]));
    },
    check: async (t) => {
      const m = await member(t);
      return [...(await noWorldOpen(m, m.ids.securityGroups.app)), ...(await stillAdmits(t, t.ids.securityGroups.web, '0.0.0.0/0', 443))];
    },
    checkOutcome: ({ outcome, target }) => {
      const at = outcome.trigger.account;
      return at && at !== target.where?.account ? [] : [`the outcome names account ${at ?? '(none)'}, not the member's`];
    },
  },
  {
    name: 'member-role-broken',
    drift: "a member whose member role the hub cannot assume (AssumeRole: AccessDenied): db tier tcp/22 from 0.0.0.0/0 there; then the same drift in another member",
    expected: 'failed',
    organization: true,
    targets: ['simulated'],
    mustHold: "the broken member's outcome is failed and names the account and the fix; the other member's drift is reverted all the same",
    setup: async (t) => {
      const org = await t.organization?.();
      if (!org?.breakMemberRole) throw new Error(`the ${t.kind} target cannot break a member role`);
      await org.breakMemberRole('other');
    },
    inject: async (t) => {
      const broken = await member(t, 'other');
      const healthy = await member(t, 'member');
      const first = await broken.authorizeIngress(broken.ids.securityGroups.db, [tcp(22, '0.0.0.0/0')]);
      const second = inMember(healthy, await healthy.authorizeIngress(healthy.ids.securityGroups.db, [tcp(22, '0.0.0.0/0')]));
      return inMember(broken, first, { also: [second] });
    },
    check: async (t) => {
      const broken = await member(t, 'other');
      // Nothing could act there: the drift stands until the role is fixed (the event is retried, then dead-lettered).
      return stillAdmits(broken, broken.ids.securityGroups.db, '0.0.0.0/0', 22);
    },
    checkOutcome: async ({ outcome, notices, also, mode, target }) => {
      const broken = await member(target, 'other');
      const healthy = await member(target, 'member');
      const account = broken.where?.account ?? '';
      const told = `${outcome.reason} ${outcome.humanAction ?? ''}`;
      const answer = mode === 'dry-run' ? 'dry-run' : 'remediated';
      return [
        // The other member is not held up: its drift is answered as if the broken one did not exist.
        ...(also[0]?.outcome === answer ? [] : [`the other member's drift was ${also[0]?.outcome ?? 'not handled'}, not ${answer}`]),
        ...(mode === 'enforce' ? await noWorldOpen(healthy, healthy.ids.securityGroups.db) : []),
        ...(told.includes(account) ? [] : [`the failed outcome does not name account ${account}`]),
        ...(told.includes(`arn:aws:iam::${account}:role/`) ? [] : ['the failed outcome does not name the member role']),
        ...(/Deploy the member StackSet instance/.test(told) ? [] : ['the failed outcome does not say how to fix it']),
        ...(notices.length === 1 ? [] : [`${notices.length} notices of the failed event, not 1`]),
      ];
    },
  },
  {
    name: 'same-event-two-paths',
    drift: "a member account's database route table: 0.0.0.0/0 -> internet gateway; the event reaches the hub twice (the member's rule, and an organisation trail's forwarding)",
    expected: 'remediated',
    organization: true,
    targets: ['simulated', 'emulator'],
    mustHold: "the member's database subnets have no route to the internet; one revert, one notice",
    inject: async (t) => {
      const m = await member(t);
      const injected = await m.createRoute(m.ids.routeTables.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: m.ids.internetGatewayId });
      return inMember(m, injected, { paths: 2 });
    },
    check: async (t) => {
      const m = await member(t);
      return noInternetRoute(m, dbSubnets(m));
    },
    checkOutcome: async ({ deliveries, notices, mode, target }) => {
      const m = await member(target);
      const answer = mode === 'dry-run' ? 'dry-run' : 'remediated';
      // The simulated network logs its calls: exactly one DeleteRoute went through (none in dry-run), whatever the retries.
      const calls = (m.network as { calls?: readonly { operation: string; result: string }[] }).calls;
      const deletes = calls?.filter((c) => c.operation === 'DeleteRoute' && c.result === 'ok').length;
      const wanted = mode === 'dry-run' ? 0 : 1;
      return [
        ...(deliveries.length === 2 ? [] : [`the event arrived ${deliveries.length} times, not 2`]),
        ...(deliveries.every((d) => d.outcome === answer) ? [] : [`the arrivals answered ${deliveries.map((d) => d.outcome).join(', ')}`]),
        ...(notices.length === 1 ? [] : [`${notices.length} notices, not 1`]),
        ...(deletes === undefined || deletes === wanted ? [] : [`${deletes} DeleteRoute calls, not ${wanted}`]),
      ];
    },
  },
  ...NACL_SCENARIOS,
];
