import { describe, expect, it } from 'vitest';
import type { NetworkApi } from '../../functions/core/network.js';
import { parsePolicy } from '../../functions/core/policy.js';
import { inject } from '../../events/generator/inject.js';
import { SimulatedAccount } from '../../events/simulated-account/account.js';
import { seedThreeTier } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';

/**
 * Where a change is judged: in the event's own region, by a function deployed in another one; and never
 * in an account the function cannot reach. Each region is a simulated account of its own with the same
 * baseline (so the same ids): a decision made in the wrong region finds the wrong state.
 */

const HOME = '111122223333';
const SG = BASELINE.securityGroups;
const RT = BASELINE.routeTables;
const ssh = [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }];
const worldOpen = (account: SimulatedAccount, groupId: string) =>
  account.rulesOf(groupId).filter((r) => !r.isEgress && r.cidrIpv4 === '0.0.0.0/0' && r.fromPort === 22);

/** A function in us-east-1 of HOME that reaches us-east-1 and us-west-2, each its own simulated account. */
function functionInUsEast1(policy = parsePolicy({})) {
  const east = seedThreeTier(new SimulatedAccount(HOME, 'us-east-1', 0xe));
  const west = seedThreeTier(new SimulatedAccount(HOME, 'us-west-2', 0xf));
  const networks = new Map<string, SimulatedNetwork>([
    ['us-east-1', new SimulatedNetwork(east)],
    ['us-west-2', new SimulatedNetwork(west)],
  ]);
  const reached: string[] = [];
  const reach = {
    account: HOME,
    network(region: string): NetworkApi {
      reached.push(region);
      const network = networks.get(region);
      if (!network) throw new Error(`no simulated region ${region}`);
      return network;
    },
  };
  const { engine, notifier } = simulatedEngine(east, { policy, reach });
  return { engine, notifier, east, west, networks, reached };
}

describe('scope: the event’s region and account', () => {
  it('an ingress change in us-west-2 is judged and revoked in us-west-2, not in the function’s us-east-1', async () => {
    const { engine, east, west, networks, reached } = functionInUsEast1();
    const { event } = inject.authorizeIngress(west, SG.app, ssh);
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.trigger.region).toBe('us-west-2');
    expect(worldOpen(west, SG.app)).toEqual([]);
    expect(reached).toEqual(['us-west-2']);
    expect(networks.get('us-east-1')?.calls).toEqual([]);
    expect(networks.get('us-west-2')?.countCalls().RevokeSecurityGroupIngress).toBe(1);
    expect(east.rulesOf(SG.app)).toEqual(seedThreeTier(new SimulatedAccount(HOME, 'us-east-1', 0xe)).rulesOf(SG.app));
  });

  it('an internet route on a database table in us-west-2 is deleted in us-west-2', async () => {
    const { engine, west, networks } = functionInUsEast1();
    const { event } = inject.createRoute(west, RT.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: BASELINE.internetGatewayId });
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('remediated');
    expect(west.routeTable(RT.database)?.routes.map((r) => r.gatewayId)).toEqual(['local']);
    expect(networks.get('us-east-1')?.calls).toEqual([]);
  });

  it('an event from an account the function cannot reach is ignored with the reason, never already-compliant', async () => {
    const { engine, notifier, networks, reached } = functionInUsEast1();
    const other = seedThreeTier(new SimulatedAccount('444455556666', 'us-east-1', 0xa));
    const { event } = inject.authorizeIngress(other, SG.app, ssh);
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toBe('account 444455556666 is not reachable from account 111122223333');
    expect(reached).toEqual([]);
    for (const network of networks.values()) expect(network.calls).toEqual([]);
    // People are told: the drift stays open in that account.
    expect(notifier.sent.map((o) => o.reason)).toEqual([outcome.reason]);
    expect(worldOpen(other, SG.app)).toHaveLength(1);
  });

  it('the policy’s scope still comes first: an account out of scope says so', async () => {
    const { engine } = functionInUsEast1(parsePolicy({ scope: { accounts: [HOME] } }));
    const other = seedThreeTier(new SimulatedAccount('444455556666', 'us-east-1', 0xa));
    const outcome = await engine.handle(inject.authorizeIngress(other, SG.app, ssh).event);
    expect(outcome.reason).toBe("account 444455556666 is outside the policy's scope");
  });
});
