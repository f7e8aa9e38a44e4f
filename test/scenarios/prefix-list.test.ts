import { describe, expect, it } from 'vitest';
import { inject } from '../../events/generator/inject.js';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { dayFrom } from '../../functions/core/exemption.js';
import { BASELINE as B } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import { runRunbook } from '../../functions/pipeline/runbook.js';
import { SECURITY_GROUP_REMEDIATORS } from '../../functions/pipeline/security-group.js';

/**
 * ModifyManagedPrefixList on the simulated three-tier account, end to end through the engine: the list,
 * its entries, what references it and those groups are read from the account, the entry is removed
 * there, and the list is read back.
 */

const OFFICE = B.prefixLists.office;
const SG = B.securityGroups;
const remediators = SECURITY_GROUP_REMEDIATORS;

/** The app tier admits SSH from the office list (what the game day's setup does). */
function officeAccount(): SimulatedAccount {
  const account = threeTierAccount();
  account.authorizeIngress(SG.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: OFFICE }]);
  return account;
}

describe('prefix lists on the simulated account', () => {
  it('removes 0.0.0.0/0 from the office list, keeps its ranges and the app tier’s rule, names the app tier, reads back', async () => {
    const account = officeAccount();
    const rulesBefore = account.rulesOf(SG.app);
    const { engine, network, notifier } = simulatedEngine(account, { remediators });
    const { event } = inject.modifyPrefixList(account, OFFICE, ['0.0.0.0/0']);
    expect(account.prefixListEntries(OFFICE)).toContain('0.0.0.0/0');

    const outcome = await engine.handle(event);

    expect(outcome.outcome).toBe('remediated');
    expect(account.prefixListEntries(OFFICE)).toEqual(['203.0.113.0/24', '10.8.0.0/16']);
    expect(account.rulesOf(SG.app)).toEqual(rulesBefore);
    expect(outcome.resources).toEqual([OFFICE, SG.app]);
    expect(outcome.actions).toEqual([{ type: 'remove-prefix-list-entries', prefixListId: OFFICE, currentVersion: 2, cidrs: ['0.0.0.0/0'], result: 'done' }]);
    // The list moved from version 1 (made) to 2 (the drift) to 3 (the removal).
    expect(account.prefixLists.get(OFFICE)?.version).toBe(3);
    expect(network.countCalls()).toEqual({
      DescribeManagedPrefixLists: 1,
      GetManagedPrefixListEntries: 2,
      GetManagedPrefixListAssociations: 1,
      DescribeSecurityGroups: 1,
      DescribeSecurityGroupRules: 1,
      ModifyManagedPrefixList: 1,
    });
    expect(notifier.sent).toHaveLength(1);
    expect(outcome.reason).toBe(`removed 0.0.0.0/0 from ${OFFICE}: ${OFFICE} gained 0.0.0.0/0, so ${SG.app}: tcp/22 from ${OFFICE} (0.0.0.0/0); referenced by ${SG.app}`);
  });

  it('the same event twice: one removal, one notice, the same outcome', async () => {
    const account = officeAccount();
    const { engine, network, notifier } = simulatedEngine(account, { remediators });
    const { event } = inject.modifyPrefixList(account, OFFICE, ['0.0.0.0/0']);
    const first = await engine.handle(event);
    const second = await engine.handle(event);
    expect(second).toEqual(first);
    expect(network.countCalls().ModifyManagedPrefixList).toBe(1);
    expect(notifier.sent).toHaveLength(1);
  });

  it('a redelivery under a new id after the revert: already compliant, no write', async () => {
    const account = officeAccount();
    const { engine, network } = simulatedEngine(account, { remediators });
    const { event } = inject.modifyPrefixList(account, OFFICE, ['0.0.0.0/0']);
    await engine.handle(event);
    const copy = structuredClone(event) as { detail: { eventID: string } };
    copy.detail.eventID = 'another-delivery';
    const again = await engine.handle(copy);
    expect(again.outcome).toBe('already-compliant');
    expect(network.countCalls().ModifyManagedPrefixList).toBe(1);
  });

  it('someone else changed the list in between: the removal at the stale version is refused, read again, removed at the new one', async () => {
    const account = officeAccount();
    const { event } = inject.modifyPrefixList(account, OFFICE, ['0.0.0.0/0']);
    const { engine, network } = simulatedEngine(account, {
      remediators,
      network: {
        // Just before LayerGuard's removal, a person adds a range: the list moves on to the next version.
        fault: (operation, attempt) => {
          if (operation === 'ModifyManagedPrefixList' && attempt === 1 && !account.prefixListEntries(OFFICE).includes('198.51.100.0/24')) {
            account.modifyPrefixList(OFFICE, { add: ['198.51.100.0/24'] });
          }
          return undefined;
        },
      },
    });
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('remediated');
    expect(account.prefixListEntries(OFFICE)).toEqual(['203.0.113.0/24', '10.8.0.0/16', '198.51.100.0/24']);
    expect(outcome.actions[0]).toMatchObject({ currentVersion: 3, result: 'done' });
    expect(network.calls.filter((c) => c.operation === 'ModifyManagedPrefixList').map((c) => [c.result, c.errorCode])).toEqual([
      ['error', 'PrefixListVersionMismatch'],
      ['ok', undefined],
    ]);
  });

  it('a list no guarded group references: ignored, the list keeps the entry, the reason says so', async () => {
    const account = threeTierAccount();
    const { engine, network } = simulatedEngine(account, { remediators });
    const outcome = await engine.handle(inject.modifyPrefixList(account, OFFICE, ['0.0.0.0/0']).event);
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toBe(`no security group references ${OFFICE}: 0.0.0.0/0 left in the list`);
    expect(account.prefixListEntries(OFFICE)).toContain('0.0.0.0/0');
    expect(network.countCalls().ModifyManagedPrefixList).toBeUndefined();
  });

  it('the web tier names the list on 443 only: ignored', async () => {
    const account = threeTierAccount();
    account.authorizeIngress(SG.web, [{ protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: OFFICE }]);
    const { engine } = simulatedEngine(account, { remediators });
    expect((await engine.handle(inject.modifyPrefixList(account, OFFICE, ['::/0']).event)).outcome).toBe('ignored');
  });

  it('an exempt list: exempt, unchanged', async () => {
    const account = officeAccount();
    account.setTags(OFFICE, { 'layerguard:exempt': `until=${dayFrom(new Date(), 10)};reason=partner cut-over` });
    const { engine } = simulatedEngine(account, { remediators });
    const outcome = await engine.handle(inject.modifyPrefixList(account, OFFICE, ['0.0.0.0/0']).event);
    expect(outcome.outcome).toBe('exempt');
    expect(account.prefixListEntries(OFFICE)).toContain('0.0.0.0/0');
  });

  it('only the exempt group names the list: exempt', async () => {
    const account = threeTierAccount();
    account.authorizeIngress(SG.exempt, [{ protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: OFFICE }]);
    const { engine } = simulatedEngine(account, { remediators });
    const outcome = await engine.handle(inject.modifyPrefixList(account, OFFICE, ['0.0.0.0/0']).event);
    expect(outcome.outcome).toBe('exempt');
    expect(outcome.reason).toMatch(new RegExp(`opens only exempt groups to the internet: ${SG.exempt}`));
  });

  it('dry-run: would remove, changes nothing', async () => {
    const account = officeAccount();
    const { engine, network } = simulatedEngine(account, { remediators, policy: parsePolicy({ mode: 'dry-run' }) });
    const outcome = await engine.handle(inject.modifyPrefixList(account, OFFICE, ['0.0.0.0/1', '128.0.0.0/1']).event);
    expect(outcome.outcome).toBe('dry-run');
    expect(outcome.reason).toMatch(/^would remove: /);
    expect(account.prefixListEntries(OFFICE)).toEqual(['203.0.113.0/24', '10.8.0.0/16', '0.0.0.0/1', '128.0.0.0/1']);
    expect(network.countCalls().ModifyManagedPrefixList).toBeUndefined();
  });

  it('a failed call: ignored, the list and the account untouched, no EC2 call', async () => {
    const account = officeAccount();
    const { engine, network } = simulatedEngine(account, { remediators });
    const outcome = await engine.handle(inject.modifyPrefixList(account, OFFICE, ['0.0.0.0/0'], { failWith: 'Client.InvalidParameterValue' }).event);
    expect(outcome.outcome).toBe('ignored');
    expect(network.calls).toEqual([]);
  });

  it('the sweep, without the event, reverts on the group side: it revokes the rule that admits the internet through the list, never the entry', async () => {
    const account = officeAccount();
    account.modifyPrefixList(OFFICE, { add: ['0.0.0.0/0'] });
    const network = new SimulatedNetwork(account);
    const result = await runRunbook({ action: 'sweep', dryRun: false }, { network, policy: DEFAULT_POLICY, clock: () => new Date() });
    expect(result.outcomes.map((o) => [o.outcome, o.drift.map((d) => d.kind)])).toEqual([['remediated', ['sg-world-open']]]);
    expect(account.prefixListEntries(OFFICE)).toContain('0.0.0.0/0');
    expect(account.rulesOf(SG.app).some((r) => r.prefixListId === OFFICE)).toBe(false);
    expect(network.countCalls().ModifyManagedPrefixList).toBeUndefined();
  });

describe('runbook revert-prefix-list: the same decision on every entry of the internet in the list', () => {
  const run = (account: SimulatedAccount, prefixListId: string, dryRun = false) => {
    const network = new SimulatedNetwork(account);
    return { network, result: runRunbook({ action: 'revert-prefix-list', prefixListId, dryRun }, { network, policy: DEFAULT_POLICY, clock: () => new Date() }) };
  };

  it('removes every internet entry the app tier is opened by, keeps the office ranges; a second run finds nothing', async () => {
    const account = officeAccount();
    account.modifyPrefixList(OFFICE, { add: ['0.0.0.0/1', '128.0.0.0/1'] });
    const first = await run(account, OFFICE).result;
    expect(first.outcomes.map((o) => o.outcome)).toEqual(['remediated']);
    expect(first.outcomes[0]?.reason).toMatch(new RegExp(`${OFFICE} holds 0.0.0.0/1, 128.0.0.0/1, so ${SG.app}`));
    expect(first.outcomes[0]?.secondsOpen).toBeUndefined();
    expect(account.prefixListEntries(OFFICE)).toEqual(['203.0.113.0/24', '10.8.0.0/16']);
    const second = await run(account, OFFICE).result;
    expect(second.outcomes.map((o) => [o.outcome, o.reason])).toEqual([['already-compliant', `${OFFICE} holds no entry of the internet`]]);
  });

  it('dry-run changes nothing; an AWS-managed list is ignored; an unknown list is not found', async () => {
    const account = officeAccount();
    account.modifyPrefixList(OFFICE, { add: ['0.0.0.0/0'] });
    const dry = await run(account, OFFICE, true).result;
    expect(dry.outcomes.map((o) => o.outcome)).toEqual(['dry-run']);
    expect(account.prefixListEntries(OFFICE)).toContain('0.0.0.0/0');
    expect((await run(account, B.prefixLists.awsS3).result).outcomes.map((o) => o.outcome)).toEqual(['ignored']);
    const missing = await run(account, 'pl-0a1b2c3d4e5f6afff').result;
    expect(missing.notFound).toEqual(['pl-0a1b2c3d4e5f6afff']);
  });
});
});
