import { describe, expect, it } from 'vitest';
import { dayFrom } from '../../functions/core/exemption.js';
import { formatNotification } from '../../functions/core/notification.js';
import { parsePolicy } from '../../functions/core/policy.js';
import { inject } from '../../events/generator/inject.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';

/** Exemption tags on the simulated account, end to end: what holds, what does not, and what people are told. */

const SG = BASELINE.securityGroups;
const NOW = new Date('2026-05-04T09:30:00Z');
const clock = () => NOW;
const ssh = [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }];

async function openAppTierTagged(value: string, policy = parsePolicy({})) {
  const account = threeTierAccount(NOW);
  account.setTags(SG.app, { Tier: 'Application', 'layerguard:exempt': value });
  const { engine, notifier } = simulatedEngine(account, { policy, clock });
  const outcome = await engine.handle(inject.authorizeIngress(account, SG.app, ssh).event);
  return { outcome, notifier, account };
}

describe('exemptions on the simulated account', () => {
  it('holds an exemption within the policy’s 90 days', async () => {
    const { outcome } = await openAppTierTagged(`until=${dayFrom(NOW, 90)};reason=pen test`);
    expect(outcome.outcome).toBe('exempt');
  });

  it('reverts under an exemption longer than the cap, and the notification says why', async () => {
    const { outcome, notifier } = await openAppTierTagged(`until=${dayFrom(NOW, 91)};reason=pen test`);
    expect(outcome.outcome).toBe('remediated');
    const { message } = formatNotification(notifier.sent[0] ?? outcome);
    expect(message).toContain('exemption until 2026-08-03 is longer than the policy allows (at most 90 days: until 2026-08-02 at the latest)');
  });

  it('follows a policy’s own cap', async () => {
    const policy = parsePolicy({ exemption: { maxDays: 180 } });
    const { outcome } = await openAppTierTagged(`until=${dayFrom(NOW, 91)};reason=pen test`, policy);
    expect(outcome.outcome).toBe('exempt');
  });

  it.each(['2026-02-30', '12/31/2026', '2026', '2026-06-01T00:00:00'])(
    'reverts under until=%s (not a calendar day as YYYY-MM-DD), and the notification says why',
    async (until) => {
      const { outcome, notifier } = await openAppTierTagged(`until=${until};reason=pen test`);
      expect(outcome.outcome).toBe('remediated');
      expect(formatNotification(notifier.sent[0] ?? outcome).message).toContain(`has an invalid date: ${until}`);
    },
  );

  it('the baseline’s exempt group is exempt at the clock it was seeded for', async () => {
    const account = threeTierAccount(NOW);
    const { engine } = simulatedEngine(account, { clock });
    expect((await engine.handle(inject.authorizeIngress(account, SG.exempt, ssh).event)).outcome).toBe('exempt');
  });
});
