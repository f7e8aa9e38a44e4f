import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { Ec2Error } from '../../events/simulated-account/ec2-error.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import type { CallRecord } from '../../events/simulated-account/network.js';
import type { QueueOptions } from '../../events/simulated-account/queue.js';
import { inject } from '../../events/generator/inject.js';
import { prng } from '../support/prng.js';
import { type Fate, messageIdOf, queuedFunction, silencePowertools } from './queued-support.js';

/**
 * The delivery guarantees of test/reliability/faults.test.ts ('the same event delivered 10 times at
 * once', 'count check'), proven again on the QUEUED path: events on the rules' SQS queue, handed in
 * batches by the event source mapping (events/simulated-account/queue.ts) to the deployed handler
 * (functions/adapters/lambda-handler.ts, partial batch responses), which handles each batch together
 * on a network coalesced per resource (functions/pipeline/coalesce.ts). Duplicates are reverted and
 * told once; under injected EC2 and notification faults every event ends deleted with its outcome
 * told, or dead-lettered, none lost and none handled twice; the events of one batch about one group
 * are reverted by one RevokeSecurityGroupIngress carrying all their rule ids.
 */

const APP = BASELINE.securityGroups.app;
const DB = BASELINE.securityGroups.db;

let restore: () => void;
beforeAll(() => {
  restore = silencePowertools();
});
afterAll(() => restore());

/** A world-open rule on `groupId`, made on the account, with its CloudTrail event and rule id. */
function worldOpen(account: SimulatedAccount, groupId: string, port: number) {
  const injected = inject.authorizeIngress(account, groupId, [{ protocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: '0.0.0.0/0' }]);
  const rule = account.rulesOf(groupId).find((r) => !r.isEgress && r.fromPort === port && r.cidrIpv4 === '0.0.0.0/0');
  if (!rule) throw new Error(`no rule on port ${port}`);
  return { ...injected, ruleId: rule.ruleId };
}

const revokesOf = (calls: readonly CallRecord[]) => calls.filter((c) => c.operation === 'RevokeSecurityGroupIngress');

describe('queued: the same event delivered 10 times', () => {
  it.each<[string, QueueOptions]>([
    // Ten invocations at once, one copy each: nine meet the first one's record in progress.
    ['in 10 invocations at once', { batchSize: 1, batchingWindowMs: 0, maxConcurrency: 10, retryDelayMs: 20, maxReceiveCount: 5 }],
    // All ten copies in ONE batch: one coalesced network, one idempotency record.
    ['as 10 copies in one batch', { batchSize: 10, batchingWindowMs: 5, maxConcurrency: 1, retryDelayMs: 5, maxReceiveCount: 5 }],
  ])('%s: one revoke, one notification per channel, every copy deleted, the rule gone', async (_name, queue) => {
    const account = threeTierAccount();
    const { event, eventId, ruleId } = worldOpen(account, APP, 22);
    const fn = queuedFunction(account, queue, { network: { latencyMs: 5 } });
    const { report, fates, invocations } = await fn.run(Array.from({ length: 10 }, () => ({ event: structuredClone(event) })));

    if (queue.batchSize === 10) expect(invocations[0]).toHaveLength(10);
    else expect(new Set(invocations.slice(0, 10).flat()).size).toBe(10);
    expect(report.redeliveries).toBeGreaterThan(0); // some copies were refused while the first was in progress
    expect(report.deadLettered).toEqual([]);
    expect(fates.size).toBe(10);
    expect([...fates.values()].every((f) => f.end === 'deleted')).toBe(true);
    expect(revokesOf(fn.network.calls)).toHaveLength(1);
    expect(fn.network.revokes).toEqual([{ groupId: APP, ruleIds: [ruleId], result: 'done', confirmedRuleIds: [ruleId] }]);
    expect(fn.sns.sent.map((o) => [o.eventId, o.outcome])).toEqual([[eventId, 'remediated']]);
    expect(fn.eventBridge.sent.map((o) => [o.eventId, o.outcome])).toEqual([[eventId, 'remediated']]);
    expect(account.rules.has(ruleId)).toBe(false);
  });
});

describe('queued: a batch of several events about one group', () => {
  it('one RevokeSecurityGroupIngress per group, carrying every rule id; each event its own outcome and notifications', async () => {
    const account = threeTierAccount();
    const app = [22, 23, 3389, 5900, 6379].map((port) => worldOpen(account, APP, port));
    const db = worldOpen(account, DB, 5432);
    // A narrow range on the same group: judged in the same batch, nothing to revoke.
    const narrow = inject.authorizeIngress(account, APP, [{ protocol: 'tcp', fromPort: 8443, toPort: 8443, cidrIpv4: '198.51.100.0/24' }]);
    const narrowRule = account.rulesOf(APP).find((r) => r.fromPort === 8443)?.ruleId as string;
    const events = [app[0], app[1], db, app[2], narrow, app[3], app[4]].map((e) => ({ event: e?.event, eventId: e?.eventId as string }));
    const fn = queuedFunction(account, { batchSize: 10, batchingWindowMs: 5, maxConcurrency: 1, retryDelayMs: 5, maxReceiveCount: 5 });
    const { report, fates, invocations } = await fn.run(events);

    expect(invocations).toEqual([events.map((_, i) => messageIdOf(i))]); // one batch, nothing retried
    expect(report.redeliveries).toBe(0);
    expect([...fates.values()].map((f) => f.end)).toEqual(Array(events.length).fill('deleted'));
    // Two revokes, one per group, each on its first attempt: the app group's carries its five rule ids.
    expect(revokesOf(fn.network.calls).map((c) => [c.attempt, c.result])).toEqual([
      [1, 'ok'],
      [1, 'ok'],
    ]);
    const appIds = app.map((a) => a.ruleId).sort();
    const sorted = (ids: readonly string[] | undefined) => [...(ids ?? [])].sort();
    expect(
      fn.network.revokes
        .map((r) => ({ ...r, ruleIds: sorted(r.ruleIds), confirmedRuleIds: sorted(r.confirmedRuleIds) }))
        .sort((a, b) => b.ruleIds.length - a.ruleIds.length),
    ).toEqual([
      { groupId: APP, ruleIds: appIds, result: 'done', confirmedRuleIds: appIds },
      { groupId: DB, ruleIds: [db.ruleId], result: 'done', confirmedRuleIds: [db.ruleId] },
    ]);
    for (const id of [...appIds, db.ruleId]) expect(account.rules.has(id)).toBe(false);
    expect(account.rules.has(narrowRule)).toBe(true);
    // Each event its own outcome, told once on each channel, naming its own rule only.
    for (const channel of [fn.sns, fn.eventBridge]) {
      for (const { eventId, ruleId } of [...app, db]) {
        const told = channel.sent.filter((o) => o.eventId === eventId);
        expect(told.map((o) => o.outcome)).toEqual(['remediated']);
        expect(told[0]?.actions).toEqual([
          { type: 'revoke-ingress', groupId: ruleId === db.ruleId ? DB : APP, ruleIds: [ruleId], result: 'done' },
        ]);
      }
      expect(channel.toldOf(narrow.eventId)).toEqual(['ignored']);
      expect(channel.sent).toHaveLength(events.length);
    }
  });
});

describe('queued count check: 10,000 events with 10 % of EC2 calls and 10 % of notifications failing', () => {
  it('every event ends deleted (outcome told, or rejected as unreadable) or dead-lettered; none lost, none handled twice', async () => {
    const ACCOUNTS = 100;
    const PER_ACCOUNT = 100;
    // Five receives, as deployed (infra/config.ts QUEUE_DEFAULTS.maxReceiveCount). With three, 2.4 to 3.8 % of the
    // events are dead-lettered here: a failed call shared by a batch's events about one group fails them together.
    const QUEUE: QueueOptions = { batchSize: 50, batchingWindowMs: 5, maxConcurrency: 2, retryDelayMs: 5, maxReceiveCount: 5 };
    // Three streams, so that the events drawn do not depend on how the batches happened to interleave.
    const draw = prng(0x5e9d0c1f);
    const ec2Random = prng(0x0ec2fa17);
    const notifyRandom = prng(0x50e7d0a1);
    const CODES = ['RequestLimitExceeded', 'UnauthorizedOperation', 'InternalError', 'TimeoutError'];
    const totals = { events: 0, deleted: 0, deadLettered: 0, malformed: 0, rejected: 0, open: 0, remediated: 0, redeliveries: 0 };

    for (let a = 0; a < ACCOUNTS; a += 1) {
      const account = threeTierAccount();
      const fn = queuedFunction(account, QUEUE, {
        // 10 % of EC2 calls fail, with no retry inside the invocation: the queue's redeliveries must recover them.
        network: {
          fault: () => (ec2Random() < 0.1 ? new Ec2Error(CODES[Math.floor(ec2Random() * CODES.length)] as string, 'injected') : undefined),
        },
        notifyFailRate: 0.1,
        random: notifyRandom,
      });
      type Body = { kind: 'malformed' | 'narrow' | 'open'; event: unknown; eventId: string; ruleId?: string };
      const bodies: Body[] = [];
      for (let i = 0; i < PER_ACCOUNT; i += 1) {
        const roll = draw();
        if (roll < 0.05) {
          const eventId = `malformed-${a}-${i}`;
          bodies.push({ kind: 'malformed', eventId, event: { 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', detail: { eventID: eventId } } });
        } else if (roll < 0.2) {
          // A narrow public range, outside the tiers' address space: nothing to revoke.
          const injected = inject.authorizeIngress(account, APP, [{ protocol: 'tcp', fromPort: 1000 + i, toPort: 1000 + i, cidrIpv4: '198.51.100.0/24' }]);
          bodies.push({ kind: 'narrow', event: injected.event, eventId: injected.eventId });
        } else {
          const open = worldOpen(account, APP, 2000 + i);
          bodies.push({ kind: 'open', event: open.event, eventId: open.eventId, ruleId: open.ruleId });
        }
      }
      const { report, fates } = await fn.run(bodies);
      totals.redeliveries += report.redeliveries;

      // Every message ended once, deleted or dead-lettered, within the receive limit.
      expect(fates.size).toBe(PER_ACCOUNT);
      // No rule was confirmed revoked by two calls.
      const confirmed = new Map<string, number>();
      for (const r of fn.network.revokes) for (const id of r.confirmedRuleIds ?? []) confirmed.set(id, (confirmed.get(id) ?? 0) + 1);
      expect([...confirmed].filter(([, n]) => n !== 1)).toEqual([]);

      bodies.forEach((body, i) => {
        const fate = fates.get(messageIdOf(i)) as Fate;
        expect(fate.receives).toBeGreaterThanOrEqual(1);
        expect(fate.receives).toBeLessThanOrEqual(QUEUE.maxReceiveCount);
        const machines = fn.eventBridge.toldOf(body.eventId);
        const people = fn.sns.toldOf(body.eventId);
        // None told twice of the same outcome, on either channel (dead-lettered or not).
        expect(new Set(machines).size).toBe(machines.length);
        expect(new Set(people).size).toBe(people.length);
        if (fate.end === 'dead-letter') {
          expect(fate.receives).toBe(QUEUE.maxReceiveCount);
          totals.deadLettered += 1;
          return;
        }
        totals.deleted += 1;
        if (body.kind === 'malformed') {
          // Unreadable, no call named: answered `ignored` on its first receive, never retried, nothing told.
          expect([fate.receives, machines, people]).toEqual([1, [], []]);
          totals.rejected += 1;
          return;
        }
        // Deleted: each channel was told exactly one outcome that ends the event (after any `failed`), the same one.
        const final = machines.filter((o) => o !== 'failed');
        expect(people.filter((o) => o !== 'failed')).toEqual(final);
        if (body.kind === 'narrow') expect(final).toEqual(['ignored']);
        if (body.kind === 'open') {
          // Reverted, by exactly one revoke (LayerGuard's: nobody else touches the account).
          expect(final).toEqual(['remediated']);
          expect(account.rules.has(body.ruleId as string)).toBe(false);
          expect(confirmed.get(body.ruleId as string)).toBe(1);
          totals.remediated += 1;
        }
      });
      // Nothing lost: a world-open rule is still open only behind a dead letter.
      const lost = bodies.filter(
        (b, i) => b.kind === 'open' && account.rules.has(b.ruleId as string) && fates.get(messageIdOf(i))?.end !== 'dead-letter',
      );
      expect(lost).toEqual([]);
      totals.events += bodies.length;
      totals.open += bodies.filter((b) => b.kind === 'open').length;
      totals.malformed += bodies.filter((b) => b.kind === 'malformed').length;
    }

    expect(totals.events).toBe(ACCOUNTS * PER_ACCOUNT);
    expect(totals.deleted + totals.deadLettered).toBe(totals.events);
    expect(totals.rejected).toBe(totals.malformed);
    expect(totals.redeliveries).toBeGreaterThan(0);
    expect(totals.deadLettered).toBeGreaterThan(0); // faults on every receive happen
    expect(totals.deadLettered).toBeLessThan(totals.events * 0.02);
  }, 60_000);
});
