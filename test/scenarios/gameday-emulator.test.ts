import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../events/scenarios/catalogue.js';
import { runEc2Gameday } from '../../events/scenarios/ec2-target.js';
import { ec2Client, resetClients } from '../../functions/adapters/clients.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/*
 * The whole game-day catalogue against moto, through the same code path as `layerguard gameday
 * --target emulator` (runEc2Gameday: a canary VPC per scenario, real HTTP, the EC2 adapter, the
 * production client singleton built from the environment), but on the moto server that the vitest
 * globalSetup already runs. Skipped with a notice when moto is missing (a failure in CI, which sets
 * LAYERGUARD_REQUIRE_MOTO=1). Other files share this moto: the canaries are this run's own VPCs,
 * and moto is never reset.
 */

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)(`game day on the emulator (${endpoint ?? 'moto unavailable'})`, () => {
  useMoto();

  it('passes every scenario of the catalogue and leaves nothing behind', async () => {
    resetClients();
    const client = ec2Client();
    try {
      const run = await runEc2Gameday({
        client,
        kind: 'emulator',
        policy: DEFAULT_POLICY,
        scenarios: CATALOGUE,
        warn: () => {},
      });
      const failed = run.card.scenarios
        .filter((s) => !s.passed)
        .map(
          (s) => `${s.name}: ${s.outcome} (expected ${s.expected}): ${s.reason} ${s.violations.join('; ')}`,
        );
      expect(failed).toEqual([]);
      expect(run.card).toMatchObject({ verdict: 'pass', target: 'emulator' });
      expect(run.card.scenarios.map((s) => s.name)).toEqual(CATALOGUE.map((s) => s.name));
      for (const s of run.card.scenarios.filter((x) => x.expected === 'remediated')) {
        expect(s, s.name).toMatchObject({ detected: true, reverted: true, notified: true });
        expect(s.secondsToRevert, s.name).toBeGreaterThanOrEqual(0);
      }
      expect(run.leftovers).toEqual([]);
    } finally {
      client.destroy();
      resetClients();
    }
  }, 120_000);
});
