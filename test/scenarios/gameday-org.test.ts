import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../events/scenarios/catalogue.js';
import { runGameday } from '../../events/scenarios/runner.js';
import { SimulatedTarget } from '../../events/scenarios/simulated-target.js';
import { BASELINE as B } from '../../events/simulated-account/ids.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';

/** The game day across accounts on the simulated organisation: a hub (the baseline's account) and two members. */

const ORG = ['member-drift-reverted-from-hub', 'member-role-broken', 'same-event-two-paths'];
const scenarios = CATALOGUE.filter((s) => ORG.includes(s.name));

describe('game day across accounts (simulated organisation)', () => {
  it('each scenario passes and names the account and region it played in', async () => {
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios, target: async () => new SimulatedTarget() }, 'simulated');
    expect(card.scenarios.filter((s) => !s.passed).map((s) => `${s.name}: ${s.reason} ${s.violations.join('; ')}`)).toEqual([]);
    expect(card.scenarios.map((s) => [s.name, s.outcome, s.account, s.region])).toEqual([
      ['member-drift-reverted-from-hub', 'remediated', '222233334444', 'eu-west-1'],
      ['member-role-broken', 'failed', '333344445555', 'us-east-1'],
      ['same-event-two-paths', 'remediated', '222233334444', 'eu-west-1'],
    ]);
    expect(card.scenarios[1]?.reason).toContain('333344445555');
  });

  it('the single-account scenarios name the simulated account and its region', async () => {
    const card = await runGameday(
      { policy: DEFAULT_POLICY, scenarios: CATALOGUE.filter((s) => s.name === 'ssh-open-to-world'), target: async () => new SimulatedTarget() },
      'simulated',
    );
    expect(card.scenarios[0]).toMatchObject({ passed: true, account: B.account, region: B.region });
  });

  it('the member drift is reverted in the member, through the member role: the hub network is never asked', async () => {
    const target = new SimulatedTarget();
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: scenarios.slice(0, 1), target: async () => target }, 'simulated');
    expect(card.verdict).toBe('pass');
    expect(target.network.calls).toEqual([]);
    const member = await (await target.organization()).member('member');
    expect((member.network as SimulatedTarget['network']).countCalls()).toMatchObject({ RevokeSecurityGroupIngress: 1 });
  });

  it('has teeth: a second path that is not deduplicated fails the two-paths scenario (its check counts notices and reverts)', async () => {
    const twoPaths = scenarios.find((s) => s.name === 'same-event-two-paths');
    const target = new SimulatedTarget();
    const m = await (await target.organization()).member('member');
    const injected = await twoPaths?.inject(target);
    const outcome = { outcome: 'remediated' } as never;
    const problems = await twoPaths?.checkOutcome?.({ outcome, deliveries: [outcome], notices: [outcome, outcome], also: [], mode: 'enforce', target });
    // Nothing handled the event here, so no DeleteRoute went through either.
    expect(problems).toEqual(['the event arrived 1 times, not 2', '2 notices, not 1', '0 DeleteRoute calls, not 1']);
    expect(injected?.where).toEqual(m.where);
  });

  it('has teeth: a hub that ignores the event\'s account (acts on its own network) fails the member scenario', async () => {
    class OwnAccountOnly extends SimulatedTarget {
      override async organization() {
        const org = await super.organization();
        // The hub's own network whatever the account: the revert lands in the wrong account.
        return { ...org, reach: { ...org.reach, network: () => this.network } };
      }
    }
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: scenarios.slice(0, 1), target: async () => new OwnAccountOnly() }, 'simulated');
    expect(card.verdict).toBe('fail');
    expect(card.scenarios[0]?.outcome).not.toBe('remediated');
  });
});
