import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../events/scenarios/catalogue.js';
import { runGameday } from '../../events/scenarios/runner.js';
import { SimulatedTarget } from '../../events/scenarios/simulated-target.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';

/** The game day under the configuration's mode: in dry-run a drift scenario must be reported and told, and nothing changed. */
describe('game day under a dry-run policy', () => {
  it('every drift scenario expects dry-run and passes; negative controls keep their answer; the scorecard says the mode', async () => {
    const policy = parsePolicy({ mode: 'dry-run' });
    const card = await runGameday({ policy, scenarios: CATALOGUE, target: async () => new SimulatedTarget() }, 'simulated');
    expect(card.mode).toBe('dry-run');
    // Scenarios that name their targets (the canary: emulator and aws) are not played on the simulated one.
    const played = CATALOGUE.filter((s) => !s.targets || s.targets.includes('simulated'));
    expect(card.scenarios.map((r) => r.name).sort()).toEqual(played.map((s) => s.name).sort());
    for (const s of played) {
      const r = card.scenarios.find((x) => x.name === s.name);
      expect(r, s.name).toBeDefined();
      expect(r?.expected, s.name).toBe(s.expected === 'remediated' ? 'dry-run' : s.expected);
      expect(r?.reverted, s.name).toBe(false);
      expect(r?.passed, `${s.name}: ${r?.reason} ${r?.violations.join('; ')}`).toBe(true);
    }
    expect(card.verdict).toBe('pass');
  });

  it('in enforce the same scenarios expect remediated (and the scorecard says enforce)', async () => {
    const drift = CATALOGUE.filter((s) => s.expected === 'remediated').slice(0, 2);
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: drift, target: async () => new SimulatedTarget() }, 'simulated');
    expect(card.mode).toBe('enforce');
    expect(card.scenarios.map((r) => [r.expected, r.outcome, r.reverted])).toEqual(drift.map(() => ['remediated', 'remediated', true]));
  });
});
