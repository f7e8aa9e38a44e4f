import { afterEach, describe, expect, it, vi } from 'vitest';
import { CATALOGUE } from '../../events/scenarios/catalogue.js';
import { runGameday } from '../../events/scenarios/runner.js';
import { SimulatedTarget } from '../../events/scenarios/simulated-target.js';
import { RecordingNotifier } from '../../events/simulated-account/notifier.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';

/**
 * The game day scores the flow-log evidence: the real evidence step (functions/adapters/flow-evidence.ts)
 * queries the simulated account's flow logs, where the internet used each group while it was open, and
 * a drift that opened a group passes only when its revert is followed by `used` with the counts the
 * internet made; every other scenario passes only with `none`.
 */
const played = CATALOGUE.filter((s) => !s.targets || s.targets.includes('simulated'));
const byName = (name: string) => played.filter((s) => s.name === name);
const simulated = async () => new SimulatedTarget();

// What the internet makes of an opened group on the simulated account (events/simulated-account/flow-logs.ts),
// written out here: each tier has two interfaces, and each accepts 198.51.100.7 twice, 203.0.113.9 and
// 2001:db8::7 once; the private, shared-space, REJECT, hour-old and other-group records do not count.
const USED = 'used: 8 flows from 3 public addresses (top 3: 198.51.100.7 4, 2001:db8::7 2, 203.0.113.9 2)';

afterEach(() => vi.restoreAllMocks());

describe('game day: flow-log evidence', () => {
  it('enforce: every group opened to the internet is told `used`, with the flows it had; everything else `none`', async () => {
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: played, target: simulated }, 'simulated');
    expect(card.verdict).toBe('pass');
    const opened = card.scenarios.filter((r) => played.find((s) => s.name === r.name)?.opensToInternet && r.name !== 'member-drift-reverted-from-hub');
    expect(opened.map((r) => r.name)).toEqual([
      'ssh-open-to-world',
      'rdp-open-to-world',
      'all-traffic-open-to-ipv6-world',
      'split-world',
      'db-port-opened-by-modify',
      'ssh-from-prefix-list-of-the-world',
      // An internet entry in a list the app tier names: the prefix-list drift's groups are asked too.
      'office-list-opened-to-the-world',
    ]);
    for (const r of opened) expect([r.name, r.evidence, r.evidenceText]).toEqual([r.name, 'used', USED]);
    const others = card.scenarios.filter((r) => !opened.includes(r) && r.name !== 'member-drift-reverted-from-hub');
    expect(others.length).toBeGreaterThan(20);
    for (const r of others) expect([r.name, r.evidence, r.evidenceText]).toEqual([r.name, 'none', undefined]);
  });

  it("a member account's drift is told `unknown`: the hub reads flow logs in its own account only", async () => {
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: byName('member-drift-reverted-from-hub'), target: simulated }, 'simulated');
    expect(card.scenarios.map((r) => [r.evidence, r.evidenceText, r.passed])).toEqual([
      ['unknown', 'unknown: flow logs are read in the hub account only', true],
    ]);
  });

  it('dry-run: nothing is reverted, so no evidence is told, and the scenarios pass', async () => {
    const drift = played.filter((s) => s.opensToInternet && !s.organization);
    const card = await runGameday({ policy: parsePolicy({ mode: 'dry-run' }), scenarios: drift, target: simulated }, 'simulated');
    expect(card.scenarios.map((r) => [r.name, r.outcome, r.evidence, r.passed])).toEqual(drift.map((s) => [s.name, 'dry-run', 'none', true]));
  });

  it('the revert is still told once: the follow-up is a second notice, and "one notice" checks count the revert\'s', async () => {
    const sent = vi.spyOn(RecordingNotifier.prototype, 'send');
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: byName('ssh-open-to-world'), target: simulated }, 'simulated');
    expect(card.scenarios[0]?.passed).toBe(true);
    const told = sent.mock.calls.map(([o]) => o.evidence?.status ?? o.outcome);
    expect(told).toEqual(['remediated', 'used']);
  });

  it('fails the scenario when the follow-up is not sent', async () => {
    const send = RecordingNotifier.prototype.send;
    vi.spyOn(RecordingNotifier.prototype, 'send').mockImplementation(async function (this: RecordingNotifier, outcome) {
      return outcome.evidence ? 'dropped' : send.call(this, outcome);
    });
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: byName('ssh-open-to-world'), target: simulated }, 'simulated');
    expect(card.scenarios.map((r) => [r.outcome, r.reverted, r.notified, r.evidence, r.passed])).toEqual([['remediated', true, true, 'none', false]]);
    expect(card.scenarios[0]?.violations).toContain('the flow-log evidence was not told, not used');
  });

  it('fails the scenario when the evidence step fails (the engine tells `unknown`), and says why', async () => {
    const target = async () => {
      const t = new SimulatedTarget();
      (t.flowLogs.clients.logs as { send: unknown }).send = async () => {
        throw Object.assign(new Error('User is not authorized to perform: logs:StartQuery'), { name: 'AccessDeniedException' });
      };
      return t;
    };
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: byName('rdp-open-to-world'), target }, 'simulated');
    expect(card.scenarios[0]?.evidence).toBe('unknown');
    expect(card.scenarios[0]?.passed).toBe(false);
    expect(card.scenarios[0]?.violations).toContain('the evidence step failed: User is not authorized to perform: logs:StartQuery');
  });

  it('fails the scenario when the counts are not the flows the internet made', async () => {
    // The internet made one flow more than the flow logs hold: the counts told cannot match it.
    const target = async () => {
      const t = new SimulatedTarget();
      const use = t.flowLogs.internetUse.bind(t.flowLogs);
      t.flowLogs.internetUse = (groupId, at) => ({ ...use(groupId, at), flows: 9 });
      return t;
    };
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: byName('split-world'), target }, 'simulated');
    expect(card.scenarios.map((r) => [r.evidence, r.passed])).toEqual([['used', false]]);
    expect(card.scenarios[0]?.violations).toEqual(['the evidence counts 8 flows from 3 addresses; the internet made 9 from 3']);
  });

  it('fails the scenario when the flow logs hold nothing of the window (`not used` is not what happened)', async () => {
    const target = async () => {
      const t = new SimulatedTarget();
      t.flowLogs.internetUse = () => ({ flows: 8, addresses: 3 });
      return t;
    };
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: byName('db-port-opened-by-modify'), target }, 'simulated');
    expect(card.scenarios.map((r) => [r.evidence, r.evidenceText, r.passed])).toEqual([['not-used', 'not used', false]]);
  });

  it('a target without flow logs is not scored on evidence (as the emulator and AWS targets)', async () => {
    const target = async () => Object.assign(new SimulatedTarget(), { flowLogs: undefined });
    const card = await runGameday({ policy: DEFAULT_POLICY, scenarios: byName('ssh-open-to-world'), target }, 'simulated');
    expect(card.scenarios.map((r) => [r.evidence, r.passed])).toEqual([[undefined, true]]);
  });
});
