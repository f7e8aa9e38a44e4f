import { describe, expect, it } from 'vitest';
import { inject } from '../../events/generator/inject.js';
import { SimulatedAccount } from '../../events/simulated-account/account.js';
import { seedThreeTier } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import { AccountAccessError } from '../../functions/core/errors.js';
import type { NetworkApi } from '../../functions/core/network.js';
import { type Organization, parseOrganization } from '../../functions/core/organization.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import { RunbookPayloadError } from '../../functions/core/runbook.js';
import type { Reach } from '../../functions/pipeline/deps.js';
import { runRunbook } from '../../functions/pipeline/runbook.js';

/**
 * The organisation on simulated accounts: a hub whose reach holds one simulated account per member
 * account and region. Duplicates across paths, the policy of each account, and the runbook placed in
 * the account and region its payload names.
 */

const HUB = '111122223333';
const B = '222233334444';
const C = '333344445555';
const SG = BASELINE.securityGroups;
const ssh = [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }];
const POLICY = parsePolicy({ reconciler: { maxRepeats: 100 } });
const ORG: Organization = parseOrganization(
  {
    id: 'o-a1b2c3d4e5',
    hub: { account: HUB, region: 'us-east-1' },
    memberRegions: ['us-east-1', 'eu-west-1'],
    overrides: [{ ous: ['ou-ab12-sandbox1'], policy: { mode: 'dry-run' } }],
  },
  POLICY,
);
const worldOpen = (account: SimulatedAccount, groupId: string) =>
  account.rulesOf(groupId).filter((r) => !r.isEgress && r.cidrIpv4 === '0.0.0.0/0' && r.fromPort === 22);

/** A hub reaching HUB, B and C in us-east-1 and eu-west-1; C is in the sandbox OU; OUs of `unreadable` fail. */
function hub(opts: { organization?: Organization; unreadable?: string } = {}) {
  const accounts = new Map<string, SimulatedAccount>();
  const networks = new Map<string, SimulatedNetwork>();
  let seed = 1;
  for (const id of [HUB, B, C]) {
    for (const region of ['us-east-1', 'eu-west-1']) {
      const account = seedThreeTier(new SimulatedAccount(id, region, seed++));
      accounts.set(`${id} ${region}`, account);
      networks.set(`${id} ${region}`, new SimulatedNetwork(account));
    }
  }
  const organization = 'organization' in opts ? opts.organization : ORG;
  const reach: Reach = {
    account: HUB,
    ...(organization ? { organization } : {}),
    network(region, account = HUB): NetworkApi {
      const network = networks.get(`${account} ${region}`);
      if (!network) throw new Error(`no simulated ${account} ${region}`);
      return network;
    },
    async ous(account) {
      if (account === opts.unreadable) {
        throw new AccountAccessError('organization-units', account, `arn:aws:iam::${account}:role/layerguard-member`, 'organizations:ListParents', 'AccessDeniedException', 'denied');
      }
      return account === C ? ['ou-ab12-sandbox1'] : [];
    },
  };
  const at = (account: string, region = 'us-east-1') => accounts.get(`${account} ${region}`) as SimulatedAccount;
  const calls = (account: string, region = 'us-east-1') => (networks.get(`${account} ${region}`) as SimulatedNetwork).calls;
  return { reach, at, calls };
}

describe('organisation: duplicates across paths', () => {
  it('the same event on two paths is one revert and one notice; the same id in another account is another change', async () => {
    const { reach, at, calls } = hub();
    const { engine, notifier } = simulatedEngine(at(HUB), { policy: POLICY, reach });
    const { event } = inject.authorizeIngress(at(B), SG.app, ssh);
    const first = await engine.handle(event);
    const again = await engine.handle({ ...structuredClone(event), id: 'second-path' });
    expect(first.outcome).toBe('remediated');
    expect(again).toEqual(first);
    expect(calls(B).filter((c) => c.operation === 'RevokeSecurityGroupIngress')).toHaveLength(1);
    expect(notifier.sent).toHaveLength(1);

    // The same event id in account C (a hand-made event can carry one): judged there, on its own.
    const inC = inject.authorizeIngress(at(C), SG.app, ssh).event as { detail: { eventID: string } };
    inC.detail.eventID = (event as { detail: { eventID: string } }).detail.eventID;
    const other = await engine.handle(inC);
    expect(other.trigger.account).toBe(C);
    expect(other.outcome).toBe('dry-run'); // C is in the sandbox OU
    expect(notifier.sent).toHaveLength(2);
  });
});

describe('organisation: each account under its own policy', () => {
  it('an account in a dry-run OU is reported, another enforced, in the account and region of each event', async () => {
    const { reach, at } = hub();
    const { engine } = simulatedEngine(at(HUB), { policy: POLICY, reach });
    const inC = await engine.handle(inject.authorizeIngress(at(C, 'eu-west-1'), SG.app, ssh).event);
    expect(inC).toMatchObject({ outcome: 'dry-run', trigger: { account: C, region: 'eu-west-1' } });
    expect(worldOpen(at(C, 'eu-west-1'), SG.app)).toHaveLength(1);
    const inB = await engine.handle(inject.authorizeIngress(at(B, 'eu-west-1'), SG.app, ssh).event);
    expect(inB).toMatchObject({ outcome: 'remediated', trigger: { account: B, region: 'eu-west-1' } });
    expect(worldOpen(at(B, 'eu-west-1'), SG.app)).toEqual([]);
    expect(worldOpen(at(B), SG.app)).toEqual([]);
  });

  it('unreadable OUs: failed, naming the account and the fix; nothing read or changed there', async () => {
    const { reach, at, calls } = hub({ unreadable: B });
    const { engine } = simulatedEngine(at(HUB), { policy: POLICY, reach });
    const outcome = await engine.handle(inject.authorizeIngress(at(B), SG.app, ssh).event);
    expect(outcome.outcome).toBe('failed');
    expect(outcome.humanAction).toContain(`could not read the OUs of account ${B}`);
    expect(calls(B)).toEqual([]);
    expect(worldOpen(at(B), SG.app)).toHaveLength(1);
  });
});

describe('organisation: runbooks placed in an account and region', () => {
  const deps = (reach: Reach | undefined, home = HUB) => ({
    network: reach ? reach.network('us-east-1') : new SimulatedNetwork(seedThreeTier(new SimulatedAccount(home, 'us-east-1', 99))),
    policy: POLICY,
    clock: () => new Date(),
    ...(reach ? { reach } : {}),
    context: { account: home, region: 'us-east-1' },
    newId: () => 'fixed',
  });

  it('a sweep of account B, eu-west-1 reverts there and nowhere else; outcomes name B and eu-west-1', async () => {
    const { reach, at, calls } = hub();
    at(B, 'eu-west-1').authorizeIngress(SG.app, ssh);
    at(HUB, 'eu-west-1').authorizeIngress(SG.app, ssh);
    const result = await runRunbook({ action: 'sweep', dryRun: false, account: B, region: 'eu-west-1' }, deps(reach));
    expect(result.outcomes.map((o) => [o.outcome, o.trigger.account, o.trigger.region])).toEqual([['remediated', B, 'eu-west-1']]);
    expect(worldOpen(at(B, 'eu-west-1'), SG.app)).toEqual([]);
    expect(worldOpen(at(HUB, 'eu-west-1'), SG.app)).toHaveLength(1);
    expect(calls(HUB)).toEqual([]);
  });

  it('a runbook in a dry-run OU account reports only', async () => {
    const { reach, at } = hub();
    at(C).authorizeIngress(SG.app, ssh);
    const result = await runRunbook({ action: 'revert-security-group', groupId: SG.app, dryRun: false, account: C }, deps(reach));
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['dry-run']);
    expect(result.dryRun).toBe(true);
    expect(worldOpen(at(C), SG.app)).toHaveLength(1);
  });

  it('OUs that cannot be read: one failed outcome naming the account and the fix, nothing judged', async () => {
    const { reach, at, calls } = hub({ unreadable: B });
    at(B).authorizeIngress(SG.app, ssh);
    const result = await runRunbook({ action: 'sweep', dryRun: false, account: B }, deps(reach));
    expect(result.outcomes).toHaveLength(1);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'failed', trigger: { account: B, region: 'us-east-1' } });
    expect(result.outcomes[0]?.humanAction).toContain(`could not read the OUs of account ${B}`);
    expect(calls(B)).toEqual([]);
  });

  it('without an organisation another account is refused before any call; the own account runs as always', async () => {
    const { reach, at, calls } = hub({ organization: undefined });
    await expect(runRunbook({ action: 'sweep', dryRun: true, account: B }, deps(reach))).rejects.toThrow(
      new RunbookPayloadError(`invalid runbook payload: account ${B} is not reachable from account ${HUB}: no organisation is configured`),
    );
    expect(calls(B)).toEqual([]);
    at(HUB).authorizeIngress(SG.app, ssh);
    const own = await runRunbook({ action: 'revert-security-group', groupId: SG.app, dryRun: false, account: HUB }, deps(reach));
    expect(own.outcomes.map((o) => [o.outcome, o.trigger.account])).toEqual([['remediated', HUB]]);
  });

  it('without a reach (one simulated account) a region other than its own is refused', async () => {
    await expect(runRunbook({ action: 'sweep', dryRun: true, region: 'eu-west-1' }, deps(undefined))).rejects.toThrow(
      /region eu-west-1: this runbook acts in us-east-1 only/,
    );
    const result = await runRunbook({ action: 'sweep', dryRun: true, region: 'us-east-1' }, { ...deps(undefined), policy: DEFAULT_POLICY });
    expect(result.summary.counts.failed).toBe(0);
  });
});
