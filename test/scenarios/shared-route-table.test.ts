import { describe, expect, it } from 'vitest';
import { inject } from '../../events/generator/inject.js';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE as B } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { type RunbookPayload } from '../../functions/core/runbook.js';
import { runRunbook } from '../../functions/pipeline/runbook.js';

/**
 * A route table that an isolated subnet shares with other tiers (issue: "collateral damage"). The
 * public subnets need its internet route; the database subnet must not have it. Whatever the entry
 * point (the event, the runbook, the sweep), the route stays and the database subnet moves to the
 * database table; with no single isolated table to move it to, nothing changes and a person is told.
 */

const RT = B.routeTables;
const SUB = B.subnets;
const IGW = B.internetGatewayId;
const WEB = [SUB.public1, SUB.public2];
const DATABASE = [SUB.database1, SUB.database2];
const MUTATING = new Set(['DeleteRoute', 'ReplaceRouteTableAssociation', 'AssociateRouteTable']);

/** The table each subnet uses and whether that table routes to the internet gateway, read straight off the account. */
const reach = (account: SimulatedAccount, ids: readonly string[]) =>
  ids.map((id) => {
    const table = account.effectiveRouteTable(id);
    return { id, table: table?.routeTableId, internet: table?.routes.some((r) => r.gatewayId === IGW) ?? false };
  });

/** database2 explicitly on the public table (someone put it there long ago). */
const databaseOnPublic = (account: SimulatedAccount) => {
  account.replaceAssociation(B.associations.database2, RT.public);
  return account;
};

/** A default-VPC style layout: the web and database subnets use the main table implicitly. */
const sharedMain = (account: SimulatedAccount) => {
  for (const a of [...account.associations.values()]) {
    if (a.subnetId && ([...WEB, ...DATABASE] as string[]).includes(a.subnetId)) account.disassociate(a.associationId);
  }
  return account;
};

const mutations = (network: SimulatedNetwork) => network.calls.filter((c) => MUTATING.has(c.operation)).map((c) => c.operation);

describe('a route table shared by the database subnet and the web tier', () => {
  it('CreateRoute ::/0 -> igw on the public table that database2 shares: the route stays, database2 moves', async () => {
    const account = databaseOnPublic(threeTierAccount());
    const { engine, network } = simulatedEngine(account);
    const injected = inject.createRoute(account, RT.public, { cidrIpv6: '::/0' }, { gatewayId: IGW });
    const routesBefore = account.routeTable(RT.public)?.routes;

    const outcome = await engine.handle(injected.event);

    expect(outcome.outcome).toBe('remediated');
    expect(account.routeTable(RT.public)?.routes).toEqual(routesBefore);
    expect(reach(account, WEB)).toEqual(WEB.map((id) => ({ id, table: RT.public, internet: true })));
    expect(reach(account, [SUB.database2])).toEqual([{ id: SUB.database2, table: RT.database, internet: false }]);
    expect(mutations(network)).toEqual(['ReplaceRouteTableAssociation']);
    expect(outcome.actions).toMatchObject([{ type: 'replace-association', subnetId: SUB.database2, toRouteTableId: RT.database, result: 'done' }]);
    expect(outcome.reason).toContain(`not on the isolated route table ${RT.database}`);
  });

  it('ReplaceRoute 0.0.0.0/0 -> igw on the public table: the web tier keeps its only default route', async () => {
    const account = databaseOnPublic(threeTierAccount());
    const { engine, network } = simulatedEngine(account);
    const injected = inject.replaceRoute(account, RT.public, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW });

    const outcome = await engine.handle(injected.event);

    expect(outcome.outcome).toBe('remediated');
    expect(reach(account, WEB).every((r) => r.internet)).toBe(true);
    expect(reach(account, [SUB.database2])[0]?.internet).toBe(false);
    expect(mutations(network)).not.toContain('DeleteRoute');
  });

  it('default-VPC layout: an internet route on the shared main table; the database subnets get the database table', async () => {
    const account = sharedMain(threeTierAccount());
    const { engine, network } = simulatedEngine(account);
    const injected = inject.createRoute(account, RT.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW });

    const outcome = await engine.handle(injected.event);

    expect(outcome.outcome).toBe('remediated');
    expect(reach(account, WEB)).toEqual(WEB.map((id) => ({ id, table: RT.main, internet: true })));
    expect(reach(account, DATABASE)).toEqual(DATABASE.map((id) => ({ id, table: RT.database, internet: false })));
    expect(mutations(network)).toEqual(['AssociateRouteTable', 'AssociateRouteTable']);
    expect(outcome.actions.map((a) => a.type)).toEqual(['associate-subnet', 'associate-subnet']);
  });

  it('with no single isolated table: alert-only, nothing deleted or moved, and what to do', async () => {
    const account = sharedMain(threeTierAccount());
    account.setTags(RT.database, { Tier: 'Data' }); // not Tier=Database: no isolated table is known
    const { engine, network } = simulatedEngine(account);
    const injected = inject.createRoute(account, RT.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW });

    const outcome = await engine.handle(injected.event);

    expect(outcome.outcome).toBe('alert-only');
    expect(mutations(network)).toEqual([]);
    expect(reach(account, WEB).every((r) => r.internet)).toBe(true);
    expect(outcome.humanAction).toContain(`aws ec2 associate-route-table --subnet-id ${SUB.database1}`);
  });

  it.each<{ name: string; payload: RunbookPayload }>([
    { name: 'sweep', payload: { action: 'sweep', dryRun: false } as RunbookPayload },
    { name: 'revert-route-table', payload: { action: 'revert-route-table', routeTableId: RT.main, dryRun: false } as RunbookPayload },
  ])('$name decides the shared main table as the event path does', async ({ payload }) => {
    const viaEvent = sharedMain(threeTierAccount());
    const { engine } = simulatedEngine(viaEvent);
    const event = await engine.handle(inject.createRoute(viaEvent, RT.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }).event);

    const missed = sharedMain(threeTierAccount());
    missed.createRoute(RT.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }); // no event: the sweep finds it
    const network = new SimulatedNetwork(missed);
    const result = await runRunbook(payload, { network, policy: DEFAULT_POLICY, clock: () => new Date() });

    const moves = (outcomes: readonly Outcome[]) =>
      outcomes.flatMap((o) => o.actions).map((a) => ('toRouteTableId' in a ? `${a.type} ${a.subnetId} -> ${a.toRouteTableId}` : a.type)).sort();
    expect(moves(result.outcomes)).toEqual(moves([event]));
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['remediated', 'remediated']);
    expect(reach(missed, WEB).every((r) => r.internet)).toBe(true);
    expect(reach(missed, DATABASE).every((r) => r.table === RT.database && !r.internet)).toBe(true);
  });
});
