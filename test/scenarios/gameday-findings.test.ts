import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../events/scenarios/catalogue.js';
import { runGameday } from '../../events/scenarios/runner.js';
import { SimulatedTarget } from '../../events/scenarios/simulated-target.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';

/**
 * The game day scores the Security Hub channel: the real channel files each scenario's findings in the
 * simulated account's Security Hub, and a drift scenario passes only when its finding is there and
 * resolved (dry-run: there and open); a control passes only when it made none.
 */
const played = CATALOGUE.filter((s) => !s.targets || s.targets.includes('simulated'));

describe('game day: Security Hub findings', () => {
  it('enforce: every reverted drift leaves its finding RESOLVED and PASSED; every ignored control leaves none', async () => {
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: played, target: async () => new SimulatedTarget() }, 'simulated');
    expect(card.verdict).toBe('pass');
    const remediated = card.scenarios.filter((r) => r.expected === 'remediated');
    expect(remediated.length).toBeGreaterThan(10);
    for (const r of remediated) expect(r.finding, r.name).toBe('resolved');
    for (const r of card.scenarios.filter((x) => x.expected === 'ignored')) expect(r.finding, r.name).toBe('none');
  });

  it('dry-run: the finding is filed and stays open (NEW, FAILED: a person must act)', async () => {
    const drift = played.filter((s) => s.expected === 'remediated').slice(0, 3);
    const card = await runGameday({ policy: parsePolicy({ mode: 'dry-run' }), scenarios: drift, target: async () => new SimulatedTarget() }, 'simulated');
    expect(card.scenarios.map((r) => [r.name, r.finding, r.passed])).toEqual(drift.map((s) => [s.name, 'open', true]));
  });

  it('a finding left open after a revert fails the scenario', async () => {
    const [drift] = played.filter((s) => s.expected === 'remediated');
    // A Security Hub that keeps every workflow NEW: the revert is right, the finding says otherwise. Both
    // calls are broken: the flow-log evidence follow-up sends the remediated outcome to the channel a second
    // time, and its BatchUpdateFindings, on the finding the first send created, would resolve it.
    const target = async () => {
      const t = new SimulatedTarget();
      const send = t.securityHub.client.send.bind(t.securityHub.client);
      (t.securityHub.client as { send: unknown }).send = async (command: { input?: { Findings?: { Workflow?: unknown }[]; Workflow?: unknown } }) => {
        for (const f of command.input?.Findings ?? []) f.Workflow = { Status: 'NEW' };
        if (command.input?.Workflow) command.input.Workflow = { Status: 'NEW' };
        return send(command as never);
      };
      return t;
    };
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: drift ? [drift] : [], target }, 'simulated');
    expect(card.scenarios[0]?.finding).toBe('open');
    expect(card.scenarios[0]?.passed).toBe(false);
  });
});
