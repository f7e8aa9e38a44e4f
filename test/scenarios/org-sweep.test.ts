import { describe, expect, it } from 'vitest';
import { inject } from '../../events/generator/inject.js';
import { BASELINE as B } from '../../events/simulated-account/ids.js';
import { SimulatedOrganization } from '../../events/simulated-account/organization.js';
import { DEFAULT_POLICY, type Policy } from '../../functions/core/policy.js';
import { type AccountRegion, sweepOrganization } from '../../functions/pipeline/org-sweep.js';

/** The organisation-wide sweep on the simulated organisation (hub 111122223333 and two members, two regions each). */

const fixedClock = () => new Date('2026-11-20T10:00:00Z');
const M1 = '222233334444';
const M2 = '333344445555';
const places = (org: SimulatedOrganization): AccountRegion[] => org.accounts.flatMap((account) => org.regions.map((region) => ({ account, region })));
const ssh = { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' };

describe('sweepOrganization', () => {
  it('reverts the drift of each account-region in that account-region only, rows in the order asked', async () => {
    const org = new SimulatedOrganization({ now: fixedClock() });
    inject.authorizeIngress(org.place(M1, 'eu-west-1').account, B.securityGroups.app, [ssh]);
    inject.authorizeIngress(org.place(M2, 'us-east-1').account, B.securityGroups.db, [ssh]);
    const result = await sweepOrganization(places(org), false, {
      place: async (w) => ({ network: org.network(w.account, w.region), policy: DEFAULT_POLICY }),
      policy: DEFAULT_POLICY,
      clock: fixedClock,
    });
    expect(result.rows.map((r) => [r.account, r.region, r.summary.counts.remediated])).toEqual([
      [B.account, 'us-east-1', 0],
      [B.account, 'eu-west-1', 0],
      [M1, 'us-east-1', 0],
      [M1, 'eu-west-1', 1],
      [M2, 'us-east-1', 1],
      [M2, 'eu-west-1', 0],
    ]);
    expect(result.summary.counts).toMatchObject({ remediated: 2, failed: 0 });
    // The reverted rules are gone from their own account-region; the same group elsewhere keeps its rules.
    const open = (a: string, r: string, g: string) => org.place(a, r).account.rulesOf(g).filter((x) => !x.isEgress && x.cidrIpv4 === '0.0.0.0/0').length;
    expect(open(M1, 'eu-west-1', B.securityGroups.app)).toBe(0);
    expect(open(M2, 'us-east-1', B.securityGroups.db)).toBe(0);
    expect(open(B.account, 'us-east-1', B.securityGroups.web)).toBe(2); // the web tier's 80 and 443 stay
    const m1 = result.rows[3];
    expect(m1?.outcomes[0]?.trigger).toMatchObject({ account: M1, region: 'eu-west-1', source: 'runbook' });
  });

  it('sweeps at most `parallel` account-regions at once', async () => {
    const org = new SimulatedOrganization({ now: fixedClock(), network: { latencyMs: 2 } });
    let running = 0;
    let most = 0;
    const done: string[] = [];
    await sweepOrganization(places(org), true, {
      place: async (w) => {
        running += 1;
        most = Math.max(most, running);
        return { network: org.network(w.account, w.region), policy: DEFAULT_POLICY };
      },
      policy: DEFAULT_POLICY,
      clock: fixedClock,
      parallel: 2,
      onRow: (row, n, total) => {
        running -= 1;
        done.push(`${n}/${total} ${row.account}`);
      },
    });
    expect(most).toBe(2);
    expect(done).toHaveLength(6);
    expect(done.at(-1)).toMatch(/^6\/6 /);
  });

  it('runs each account-region under the policy its place gives (an account override in dry-run changes nothing there)', async () => {
    const org = new SimulatedOrganization({ now: fixedClock(), regions: ['us-east-1'] });
    for (const a of org.accounts) inject.authorizeIngress(org.place(a, 'us-east-1').account, B.securityGroups.app, [ssh]);
    const dryRun: Policy = { ...DEFAULT_POLICY, mode: 'dry-run' };
    const result = await sweepOrganization(places(org), false, {
      place: async (w) => ({ network: org.network(w.account, w.region), policy: w.account === M1 ? dryRun : DEFAULT_POLICY }),
      policy: DEFAULT_POLICY,
      clock: fixedClock,
    });
    expect(result.rows.map((r) => [r.account, r.dryRun, r.outcomes.map((o) => o.outcome)])).toEqual([
      [B.account, false, ['remediated']],
      [M1, true, ['dry-run']],
      [M2, false, ['remediated']],
    ]);
    expect(result.dryRun).toBe(false);
  });
});
