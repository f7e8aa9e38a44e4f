import { describe, expect, it } from 'vitest';
import type { Actor } from '../../events/generator/cloudtrail.js';
import { inject } from '../../events/generator/inject.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { audiencesOf } from '../../functions/core/audience.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';

const SG = BASELINE.securityGroups;
const RT = BASELINE.routeTables;
const PIPELINE: Actor = { roleName: 'terraform-apply', sessionName: 'ci-42', sourceIp: '203.0.113.9', userAgent: 'Terraform/1.9' };
const PERSON: Actor = { roleName: 'Admin', sessionName: 'alice', sourceIp: '198.51.100.20', userAgent: 'aws-cli/2' };
const SSH = [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }] as const;

/** Someone else removes the world-open SSH rule the reconciler left standing (so it can re-create it). */
const removeSsh = (account: ReturnType<typeof threeTierAccount>, groupId: string) =>
  account.revokeIngress(
    groupId,
    account.rulesOf(groupId).filter((r) => !r.isEgress && r.cidrIpv4 === '0.0.0.0/0' && r.fromPort === 22).map((r) => r.ruleId),
  );

/** A clock the test moves: each event happens a few minutes after the last. */
const movingClock = (start = new Date('2026-03-01T12:00:00Z')) => {
  let now = start.getTime();
  return { clock: () => new Date(now), advance: (minutes: number) => (now += minutes * 60_000) };
};

describe('never fight a reconciler (simulated account)', () => {
  it('reverts a security group three times, then alerts once naming the actor, then stays quiet in the window', async () => {
    const account = threeTierAccount();
    const time = movingClock();
    const { engine, network, notifier } = simulatedEngine(account, { clock: time.clock });
    const outcomes = [];
    for (let i = 0; i < 5; i++) {
      time.advance(5);
      if (i === 4) removeSsh(account, SG.app);
      outcomes.push(await engine.handle(inject.authorizeIngress(account, SG.app, SSH, { actor: PIPELINE, eventTime: time.clock() }).event));
    }
    expect(outcomes.map((o) => o.outcome)).toEqual(['remediated', 'remediated', 'remediated', 'alert-only', 'alert-only']);
    expect(network.countCalls().RevokeSecurityGroupIngress).toBe(3);
    const fourth = outcomes[3]!;
    expect(fourth.humanAction).toContain('role/terraform-apply');
    expect(fourth.humanAction).toMatch(/fix the source/i);
    expect(fourth.humanAction).toMatch(/exempt/);
    expect(fourth.fight).toMatchObject({ reverts: 3, quiet: false });
    expect(fourth.drift[0]?.kind).toBe('sg-world-open');
    expect(outcomes[4]!.fight?.quiet).toBe(true);
    expect(audiencesOf(outcomes[4]!)).toEqual(['machines']);
    // The rule the reconciler made stays (not reverted after the third time).
    expect(account.rulesOf(SG.app).some((r) => !r.isEgress && r.cidrIpv4 === '0.0.0.0/0' && r.fromPort === 22)).toBe(true);
    // The simulated notifier is a "people" channel: three reverts and one fight are told; the fifth is not.
    const told = notifier.sent.map((o) => o.outcome);
    expect(told).toEqual(['remediated', 'remediated', 'remediated', 'alert-only']);
  });

  it('another actor, or another resource, is still reverted; after the window it reverts again', async () => {
    const account = threeTierAccount();
    const time = movingClock();
    const { engine } = simulatedEngine(account, { clock: time.clock });
    const by = (actor: Actor, group: string) => {
      time.advance(1);
      return engine.handle(inject.authorizeIngress(account, group, SSH, { actor, eventTime: time.clock() }).event);
    };
    for (let i = 0; i < 3; i++) expect((await by(PIPELINE, SG.app)).outcome).toBe('remediated');
    expect((await by(PIPELINE, SG.app)).outcome).toBe('alert-only');
    // The rule stands; a person's change to another resource, and the pipeline's elsewhere, are reverted.
    expect((await by(PERSON, SG.db)).outcome).toBe('remediated');
    expect((await by(PIPELINE, SG.db)).outcome).toBe('remediated');
    // A person opening the same group is judged on its own and reverted (the revert takes every world-open rule).
    time.advance(1);
    const rdp = [{ protocol: 'tcp', fromPort: 3389, toPort: 3389, cidrIpv4: '0.0.0.0/0' }];
    expect((await engine.handle(inject.authorizeIngress(account, SG.app, rdp, { actor: PERSON, eventTime: time.clock() }).event)).outcome).toBe('remediated');
    removeSsh(account, SG.app);
    time.advance(61);
    expect((await by(PIPELINE, SG.app)).outcome).toBe('remediated');
  });

  it('a route table fought by a pipeline is alerted, not deleted again', async () => {
    const account = threeTierAccount();
    const time = movingClock();
    const { engine, network } = simulatedEngine(account, { clock: time.clock });
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      time.advance(2);
      const injected = inject.createRoute(
        account,
        RT.database,
        { cidrIpv4: '0.0.0.0/0' },
        { gatewayId: BASELINE.internetGatewayId },
        { actor: PIPELINE, eventTime: time.clock() },
      );
      outcomes.push(await engine.handle(injected.event));
    }
    expect(outcomes.map((o) => o.outcome)).toEqual(['remediated', 'remediated', 'remediated', 'alert-only']);
    expect(network.countCalls().DeleteRoute).toBe(3);
    expect(outcomes[3]!.humanAction).toContain('role/terraform-apply');
    expect(outcomes[3]!.resources).toContain(RT.database);
  });

  it('dry-run never counts (nothing was reverted), and maxRepeats comes from the policy', async () => {
    const account = threeTierAccount();
    const time = movingClock();
    const policy = { ...DEFAULT_POLICY, reconciler: { maxRepeats: 1, windowMinutes: 60 } };
    const { engine } = simulatedEngine(account, { clock: time.clock, policy });
    const once = async () => {
      time.advance(1);
      return (await engine.handle(inject.authorizeIngress(account, SG.app, SSH, { actor: PIPELINE, eventTime: time.clock() }).event)).outcome;
    };
    expect(await once()).toBe('remediated');
    expect(await once()).toBe('alert-only');
    const dry = simulatedEngine(threeTierAccount(), { clock: time.clock, policy: { ...policy, mode: 'dry-run' } });
    for (const port of [22, 23, 24]) {
      const rule = [{ protocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: '0.0.0.0/0' }];
      expect((await dry.engine.handle(inject.authorizeIngress(dry.network.account, SG.app, rule, { actor: PIPELINE }).event)).outcome).toBe('dry-run');
    }
  });
});
