import { describe, expect, it } from 'vitest';
import { accountsToSweep, fanOutSweeps, type QueuedSweep } from '../../functions/pipeline/org-fan-out.js';

/** The organisation's scheduled sweep as a fan-out, on fake ports: what is queued, what is reported. */

const ORG = { accounts: ['999988887777'], memberRegions: ['us-east-1', 'eu-west-1'] };

describe('accountsToSweep', () => {
  it('the listed accounts, then the accounts outside the organisation, each once', () => {
    expect(accountsToSweep(['111122223333', '222233334444'], { accounts: ['999988887777', '222233334444'] })).toEqual([
      '111122223333',
      '222233334444',
      '999988887777',
    ]);
  });
});

describe('fanOutSweeps', () => {
  it('queues one sweep per account and member region, and reports the one that failed to queue', async () => {
    const queued: QueuedSweep[] = [];
    const result = await fanOutSweeps(ORG, false, {
      listAccounts: async () => ['111122223333', '222233334444'],
      queue: async (p) => {
        if (p.account === '222233334444' && p.region === 'eu-west-1') throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
        queued.push(p);
      },
    });
    expect(queued).toEqual([
      { action: 'sweep', account: '111122223333', region: 'us-east-1', dryRun: false },
      { action: 'sweep', account: '111122223333', region: 'eu-west-1', dryRun: false },
      { action: 'sweep', account: '222233334444', region: 'us-east-1', dryRun: false },
      { action: 'sweep', account: '999988887777', region: 'us-east-1', dryRun: false },
      { action: 'sweep', account: '999988887777', region: 'eu-west-1', dryRun: false },
    ]);
    expect(result).toEqual({
      action: 'sweep-organization',
      dryRun: false,
      accounts: 3,
      regions: ['us-east-1', 'eu-west-1'],
      total: 6,
      queued: 5,
      notQueued: [{ account: '222233334444', region: 'eu-west-1', error: 'TooManyRequestsException: Rate exceeded' }],
    });
  });

  it('passes dryRun on to every sweep', async () => {
    const queued: QueuedSweep[] = [];
    await fanOutSweeps({ accounts: [], memberRegions: ['us-east-1'] }, true, { listAccounts: async () => ['111122223333'], queue: async (p) => void queued.push(p) });
    expect(queued).toEqual([{ action: 'sweep', account: '111122223333', region: 'us-east-1', dryRun: true }]);
  });

  it('queues nothing when the accounts cannot be listed (it rejects: the invocation fails, and is retried)', async () => {
    let calls = 0;
    const denied = Object.assign(new Error('You don’t have permissions to access this resource.'), { name: 'AccessDeniedException' });
    await expect(
      fanOutSweeps(ORG, false, {
        listAccounts: async () => {
          throw denied;
        },
        queue: async () => {
          calls += 1;
        },
      }),
    ).rejects.toBe(denied);
    expect(calls).toBe(0);
  });

  it('keeps at most `concurrency` queue calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const accounts = Array.from({ length: 20 }, (_, i) => String(100000000000 + i));
    const result = await fanOutSweeps({ accounts: [], memberRegions: ['us-east-1', 'eu-west-1'] }, false, {
      listAccounts: async () => accounts,
      concurrency: 3,
      queue: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight -= 1;
      },
    });
    expect(result.queued).toBe(40);
    expect(most).toBe(3);
  });
});
