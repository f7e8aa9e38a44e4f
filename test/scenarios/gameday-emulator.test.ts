import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEnv, emulatorEnv, type RunningEmulator, startMoto } from '../../events/scenarios/emulator.js';
import { CATALOGUE } from '../../events/scenarios/catalogue.js';
import { runDeployedGameday } from '../../events/scenarios/deployed.js';
import { EMULATOR_MEMBER_ACCOUNT, runEc2Gameday } from '../../events/scenarios/ec2-target.js';
import { HANDLERS } from '../../events/scenarios/runner.js';
import { RecordingNotifier } from '../../events/simulated-account/notifier.js';
import { ec2Client, resetClients } from '../../functions/adapters/clients.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import { buildRulePatterns, matchingRules } from '../../functions/core/patterns.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/*
 * The whole game-day catalogue against moto, through the same code path as `layerguard gameday
 * --target emulator` (runEc2Gameday: a sandbox VPC per scenario, real HTTP, the EC2 adapter, the
 * production client singleton built from the environment), on a moto of its own. Skipped with a
 * notice when moto is missing (a failure in CI, which sets LAYERGUARD_REQUIRE_MOTO=1). The stand-in
 * for a deployed stack shares the suite's moto with other files (its canaries are this run's own VPCs;
 * moto is never reset). The scenarios across accounts build a second sandbox in the member account
 * (EMULATOR_MEMBER_ACCOUNT) with an assumed role's credentials, and the hub reverts there through
 * the member role: moto keeps the two accounts' resources apart.
 */

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)(`game day on the emulator (${endpoint ?? 'moto unavailable'})`, () => {
  // A moto of its own, as `layerguard gameday --target emulator` starts one: a disassociation is judged
  // across the region's main tables (its record names no VPC), and the other files' VPCs in the shared
  // moto would be judged with it.
  let own: RunningEmulator | undefined;
  let restore: (() => void) | undefined;
  beforeAll(async () => {
    own = await startMoto();
    restore = applyEnv(emulatorEnv(own.endpoint));
  }, 60_000);
  afterAll(async () => {
    restore?.();
    await own?.stop();
  });

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
      // Every scenario that plays on the emulator: all but the broken member role (moto's AssumeRole never refuses).
      const played = CATALOGUE.filter((s) => !s.targets || s.targets.includes('emulator')).map((s) => s.name);
      expect(played).not.toContain('member-role-broken');
      expect(played).toContain('member-drift-reverted-from-hub');
      expect(run.card.scenarios.map((s) => s.name)).toEqual(played);
      // Each scenario names its account and region: the hub's sandbox, or the member account's for those across accounts.
      const hub = run.card.scenarios.find((s) => s.name === 'ssh-open-to-world');
      expect(hub?.account).toMatch(/^\d{12}$/);
      expect(hub?.account).not.toBe(EMULATOR_MEMBER_ACCOUNT);
      for (const s of run.card.scenarios) {
        const across = ['member-drift-reverted-from-hub', 'same-event-two-paths'].includes(s.name);
        expect([s.name, s.account, s.region]).toEqual([s.name, across ? EMULATOR_MEMBER_ACCOUNT : hub?.account, 'us-east-1']);
      }
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

/*
 * `--via deployed --inject` on moto, with a stand-in for the deployed stack: EventBridge is mocked
 * (aws-sdk-client-mock patches EventBridgeClient only; EC2 still goes over HTTP to moto), and each
 * game-day event put on the default bus is handed, a moment later, to LayerGuard's engine through
 * the deployed patterns, as the stack's rule and function would. The game day only watches the state.
 */
describe.skipIf(!endpoint)('game day via a deployed stack (stand-in on moto)', () => {
  useMoto();

  it('waits for the revert, measures it, and leaves negative controls alone', async () => {
    resetClients();
    const client = ec2Client();
    const eventBridge = mockClient(EventBridgeClient);
    const handled: Promise<unknown>[] = [];
    const put: Record<string, unknown>[] = [];
    eventBridge
      .on(PutEventsCommand)
      .callsFake((input: { Entries: { Source: string; DetailType: string; Detail: string }[] }) => {
        const entry = input.Entries[0] as { Source: string; DetailType: string; Detail: string };
        const event = {
          version: '0',
          id: 'e',
          source: entry.Source,
          'detail-type': entry.DetailType,
          detail: JSON.parse(entry.Detail),
        };
        put.push(event);
        // The deployed stack: its rules (game-day switch on) and functions, a little later.
        const rules = matchingRules(buildRulePatterns(DEFAULT_POLICY, { gameday: true }), event);
        handled.push(
          new Promise((r) => setTimeout(r, 300)).then(async () => {
            for (const rule of rules) {
              const engine = createEngine({
                network: createEc2Network(client),
                channels: [new RecordingNotifier()],
                policy: DEFAULT_POLICY,
                clock: () => new Date(),
                remediators: HANDLERS[rule],
                makeStore: () => new MemoryIdempotencyStore(),
              });
              await engine.handle(event);
            }
          }),
        );
        return { FailedEntryCount: 0, Entries: [{ EventId: 'x' }] };
      });
    try {
      const scenarios = CATALOGUE.filter((s) =>
        ['ssh-open-to-world', 'igw-route-on-database-table', 'control-narrow-cidr'].includes(s.name),
      );
      const run = await runDeployedGameday({
        client,
        policy: DEFAULT_POLICY,
        scenarios,
        inject: new EventBridgeClient({}),
        timeoutMs: 10_000,
        graceMs: 800,
        wait: { intervalMs: 100, maxIntervalMs: 200 },
        warn: () => {},
      });
      await Promise.all(handled);
      expect(run.card.scenarios.map((s) => [s.name, s.outcome, s.passed])).toEqual([
        ['ssh-open-to-world', 'remediated', true],
        ['igw-route-on-database-table', 'remediated', true],
        ['control-narrow-cidr', 'ignored', true],
      ]);
      expect(run.card).toMatchObject({ verdict: 'pass', target: 'aws (deployed, injected)' });
      for (const s of run.card.scenarios.slice(0, 2)) {
        // Not before the stand-in stack acted (300 ms), and within a poll interval of it.
        expect(s.secondsToRevert).toBeGreaterThanOrEqual(0.3);
        expect(s.secondsToRevert).toBeLessThan(5);
        expect(s).toMatchObject({ detected: true, reverted: true, notified: false });
        expect(s.reason).toMatch(/time to notify not measured/);
      }
      expect(put.map((e) => e.source)).toEqual([
        'layerguard.gameday',
        'layerguard.gameday',
        'layerguard.gameday',
      ]);
      expect(run.leftovers).toEqual([]);
    } finally {
      eventBridge.restore();
      client.destroy();
      resetClients();
    }
  }, 60_000);
});
