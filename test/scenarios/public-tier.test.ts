import { describe, expect, it } from 'vitest';
import { inject } from '../../events/generator/inject.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import { AwsCallError } from '../../functions/core/errors.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { runRunbook } from '../../functions/pipeline/runbook.js';

/** The public tier by load balancer on the simulated account: the event path and the sweep decide alike. */

const SG = BASELINE.securityGroups;
const open443 = [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }];
const worldOpen443 = (account: ReturnType<typeof threeTierAccount>, groupId: string) =>
  account.rulesOf(groupId).some((r) => !r.isEgress && r.fromPort === 443 && r.cidrIpv4 === '0.0.0.0/0');

describe('the public tier by internet-facing load balancer (simulated account)', () => {
  it('event path: 443 from the world on the app group behind an internet-facing load balancer is left alone, and says why', async () => {
    const account = threeTierAccount();
    account.createLoadBalancer({ name: 'edge', kind: 'application', internetFacing: true, vpcId: BASELINE.vpcId, securityGroupIds: [SG.app] });
    const { engine, network } = simulatedEngine(account);
    const { event } = inject.authorizeIngress(account, SG.app, open443);
    const outcome = await engine.handle(event);
    expect(outcome).toMatchObject({ outcome: 'ignored', reason: `${SG.app} is the public tier (attached to the internet-facing load balancer edge) and the rule is on an allowed port` });
    expect(worldOpen443(account, SG.app)).toBe(true);
    expect(network.countCalls().DescribeLoadBalancers).toBe(1);
  });

  it('event path: the same change without a load balancer (or behind an internal one) is reverted', async () => {
    for (const internetFacing of [undefined, false]) {
      const account = threeTierAccount();
      if (internetFacing === false) account.createLoadBalancer({ name: 'inside', kind: 'network', internetFacing, securityGroupIds: [SG.app] });
      const { engine } = simulatedEngine(account);
      const { event } = inject.authorizeIngress(account, SG.app, open443);
      expect((await engine.handle(event)).outcome).toBe('remediated');
      expect(worldOpen443(account, SG.app)).toBe(false);
    }
  });

  it('event path: a tagged group and a port that is not allowed never read the load balancers', async () => {
    const account = threeTierAccount();
    account.setTags(SG.db, { Tier: 'Web' });
    const { engine, network } = simulatedEngine(account);
    expect((await engine.handle(inject.authorizeIngress(account, SG.db, open443).event)).reason).toMatch(/public tier \(tagged Tier=Web\)/);
    await engine.handle(inject.authorizeIngress(account, SG.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }]).event);
    expect(network.countCalls().DescribeLoadBalancers).toBeUndefined();
  });

  it('a failed load balancer read is a failed outcome: nothing is revoked on a guess', async () => {
    const account = threeTierAccount();
    const { engine } = simulatedEngine(account, {
      network: { fault: (op) => (op === 'DescribeLoadBalancers' ? new AwsCallError('DescribeLoadBalancers', 'AccessDenied', 'not allowed') : undefined) },
    });
    const outcome = await engine.handle(inject.authorizeIngress(account, SG.app, open443).event);
    expect(outcome.outcome).toBe('failed');
    expect(worldOpen443(account, SG.app)).toBe(true);
  });

  it('sweep: the same decision, and one read of the load balancers for the whole sweep', async () => {
    const account = threeTierAccount();
    account.createLoadBalancer({ name: 'edge', kind: 'classic', internetFacing: true, securityGroupIds: [SG.app] });
    account.authorizeIngress(SG.app, open443);
    account.authorizeIngress(SG.db, open443);
    const network = new SimulatedNetwork(account);
    const result = await runRunbook({ action: 'sweep', dryRun: false }, { network, policy: DEFAULT_POLICY, clock: () => new Date() });
    expect(result.outcomes.map((o) => [o.resources[0], o.outcome])).toEqual([[SG.db, 'remediated']]);
    expect(worldOpen443(account, SG.app)).toBe(true);
    expect(network.countCalls().DescribeLoadBalancers).toBe(1);
  });
});
