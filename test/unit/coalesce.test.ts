import { describe, expect, it } from 'vitest';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import { createCoalescer, groupKey, tableKey } from '../../functions/pipeline/coalesce.js';

/** The batch's coalesced network: shared reads, one revoke per group, the barrier released by finished events. */

const PLACE = '111122223333 us-east-1';

function setup(n: number, resource: string) {
  const account = threeTierAccount();
  const network = new SimulatedNetwork(account);
  const participants = Array.from({ length: n }, (_, id) => ({ id, place: PLACE, resource }));
  const coalescer = createCoalescer(participants);
  const views = participants.map((p) => coalescer.view(p, PLACE, network));
  return { account, network, participants, coalescer, views };
}

const open = (account: ReturnType<typeof threeTierAccount>, groupId: string, port: number) =>
  (account.authorizeIngress(groupId, [{ protocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: '0.0.0.0/0' }])[0]?.ruleId ?? '');

describe('createCoalescer', () => {
  it('three events on one group: one read of each, one revoke with the three rule ids, each asker answered with it', async () => {
    const group = BASELINE.securityGroups.app;
    const { account, network, views } = setup(3, groupKey(group));
    const ids = [22, 3389, 5432].map((port) => open(account, group, port));
    const reads = await Promise.all(views.map((v) => Promise.all([v.getSecurityGroup({ groupId: group }), v.listRules(group)])));
    expect(reads.every(([g]) => g?.groupId === group)).toBe(true);
    // Each asker has its own copy of the list.
    expect(reads[0]?.[1]).not.toBe(reads[1]?.[1]);
    const answers = await Promise.all(views.map((v, i) => v.revokeIngress(group, [ids[i] as string])));
    expect(network.countCalls()).toEqual({ DescribeSecurityGroups: 1, DescribeSecurityGroupRules: 1, RevokeSecurityGroupIngress: 1 });
    expect(answers.every((a) => a.result === 'done' && ids.every((id) => a.confirmedRuleIds?.includes(id)))).toBe(true);
    expect(ids.some((id) => account.rules.has(id))).toBe(false);
    // A read after the write is a fresh one.
    await views[0]?.listRules(group);
    expect(network.countCalls().DescribeSecurityGroupRules).toBe(2);
  });

  it('waits for every event of the group: one that finishes without writing releases the others', async () => {
    const group = BASELINE.securityGroups.app;
    const { account, network, participants, coalescer, views } = setup(2, groupKey(group));
    const id = open(account, group, 22);
    let answered = false;
    const revoke = views[0]?.revokeIngress(group, [id]).then((a) => {
      answered = true;
      return a;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(answered).toBe(false);
    expect(network.countCalls().RevokeSecurityGroupIngress).toBeUndefined();
    coalescer.finish(participants[1] as (typeof participants)[number]);
    expect((await revoke)?.result).toBe('done');
    expect(network.countCalls().RevokeSecurityGroupIngress).toBe(1);
  });

  it('a failed revoke fails every event that shared it', async () => {
    const group = BASELINE.securityGroups.app;
    const account = threeTierAccount();
    const network = new SimulatedNetwork(account, { fault: (op) => (op === 'RevokeSecurityGroupIngress' ? Object.assign(new Error('boom'), { name: 'UnauthorizedOperation' }) : undefined) });
    const participants = [0, 1].map((id) => ({ id, place: PLACE, resource: groupKey(group) }));
    const coalescer = createCoalescer(participants);
    const ids = [22, 80].map((port) => open(account, group, port));
    const answers = await Promise.allSettled(participants.map((p, i) => coalescer.view(p, PLACE, network).revokeIngress(group, [ids[i] as string])));
    expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected']);
    expect(network.countCalls().RevokeSecurityGroupIngress).toBe(1);
  });

  it('routes of one table are deleted in parallel, and the read-backs after them are one read', async () => {
    const account = threeTierAccount();
    const network = new SimulatedNetwork(account);
    const table = BASELINE.routeTables.database;
    const participants = [0, 1].map((id) => ({ id, place: PLACE, resource: tableKey(table) }));
    const coalescer = createCoalescer(participants);
    const cidrs = ['203.0.113.0/24', '198.51.100.0/24'];
    for (const cidr of cidrs) account.createRoute(table, { cidrIpv4: cidr }, { gatewayId: BASELINE.internetGatewayId });
    const views = participants.map((p) => coalescer.view(p, PLACE, network));
    await Promise.all(views.map((v, i) => v.deleteRoute(table, { cidrIpv4: cidrs[i] as string })));
    const after = await Promise.all(views.map((v) => v.getRouteTable(table)));
    expect(network.countCalls()).toEqual({ DeleteRoute: 2, DescribeRouteTables: 1 });
    expect(after[0]?.routes.some((r) => cidrs.includes(r.cidrIpv4 ?? ''))).toBe(false);
  });

  it('groups read by id in one place are gathered into one call when the batch has several events there', async () => {
    const account = threeTierAccount();
    const network = new SimulatedNetwork(account);
    const ids = [BASELINE.securityGroups.app, BASELINE.securityGroups.web, 'sg-0ffffffffffffffff'];
    const participants = ids.map((g, id) => ({ id, place: PLACE, resource: groupKey(g) }));
    const coalescer = createCoalescer(participants);
    const found = await Promise.all(participants.map((p, i) => coalescer.view(p, PLACE, network).getSecurityGroup({ groupId: ids[i] as string })));
    expect(found.map((g) => g?.groupId)).toEqual([BASELINE.securityGroups.app, BASELINE.securityGroups.web, undefined]);
    expect(network.countCalls()).toEqual({ DescribeSecurityGroups: 1 });
  });
});
