import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../functions/core/policy.js';
import { inject } from '../../events/generator/inject.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { SimulatedConfigHistory } from '../../events/simulated-account/config-history.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';

/** `configRestore` on the simulated account: the rule and the route come back as they were, by their ids. */

const SG = BASELINE.securityGroups;
const RULE = BASELINE.rules.dbFromApp;
const setup = (policy = parsePolicy({})) => {
  const account = threeTierAccount();
  const history = new SimulatedConfigHistory(account);
  return { account, history, ...simulatedEngine(account, { configHistory: history, policy }) };
};
const WORLD_MYSQL = { protocol: 'tcp', fromPort: 3306, toPort: 3306, cidrIpv4: '0.0.0.0/0', description: 'temp vendor access' };

describe('restore from AWS Config on the simulated account', () => {
  it('a rule edited to the internet gets its old source back, keeping its id', async () => {
    const { account, history, engine, network } = setup();
    const before = account.rulesOf(SG.db).find((r) => r.ruleId === RULE);
    history.capture(new Date(Date.now() - 60_000));
    const { event } = inject.modifyRule(account, SG.db, RULE, WORLD_MYSQL);

    const outcome = await engine.handle(event);

    expect(outcome).toMatchObject({ outcome: 'remediated', restoredFrom: 'aws-config' });
    expect(account.rulesOf(SG.db).find((r) => r.ruleId === RULE)).toEqual(before);
    expect(network.countCalls().RevokeSecurityGroupIngress).toBeUndefined();
    expect(network.countCalls().ModifySecurityGroupRules).toBe(1);
  });

  it('dry-run says what it would restore and changes nothing', async () => {
    const { account, history, engine, network } = setup(parsePolicy({ mode: 'dry-run' }));
    history.capture(new Date(Date.now() - 60_000));
    const { event } = inject.modifyRule(account, SG.db, RULE, WORLD_MYSQL);
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('dry-run');
    expect(outcome.reason).toMatch(/^would restore sgr-0a1b2c3d4e5f69301 to /);
    expect(network.countCalls().ModifySecurityGroupRules).toBeUndefined();
    expect(account.rulesOf(SG.db).find((r) => r.ruleId === RULE)?.cidrIpv4).toBe('0.0.0.0/0');
  });

  it('a group Config never recorded: revoked as without the switch, restoredFrom none', async () => {
    const { account, engine } = setup();
    const { event } = inject.modifyRule(account, SG.db, RULE, WORLD_MYSQL);
    const outcome = await engine.handle(event);
    expect(outcome).toMatchObject({ outcome: 'remediated', restoredFrom: 'none', restore: { why: `AWS Config has not recorded ${SG.db}` } });
    expect(account.rulesOf(SG.db).some((r) => r.ruleId === RULE)).toBe(false);
  });

  it('a database route replaced to the internet gateway: deleted when its old target (the NAT gateway) is forbidden too', async () => {
    const { account, history, engine } = setup();
    account.createRoute(BASELINE.routeTables.database, { cidrIpv4: '0.0.0.0/0' }, { natGatewayId: BASELINE.natGatewayId });
    history.capture(new Date(Date.now() - 60_000));
    const { event } = inject.replaceRoute(account, BASELINE.routeTables.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: BASELINE.internetGatewayId });
    const outcome = await engine.handle(event);
    expect(outcome).toMatchObject({ outcome: 'remediated', restoredFrom: 'none', restore: { why: expect.stringMatching(/forbidden there too/) } });
    expect(account.routeTable(BASELINE.routeTables.database)?.routes.some((r) => r.cidrIpv4 === '0.0.0.0/0')).toBe(false);
  });
});
