import { EC2Client, DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ec2Share, paceClient } from '../../functions/adapters/pace.js';
import { bucketOf } from '../../functions/core/ec2-rates.js';
import { createPacer, type Pacer } from '../../functions/pipeline/pacer.js';

/** The pacer: each attempt waits for a token of its EC2 bucket, at this process's share of it. */

afterEach(() => vi.useRealTimers());

/** When each of `n` acquisitions of `operation` is granted, in ms from the start (fake timers). */
async function grants(pacer: Pacer, operation: string, n: number): Promise<number[]> {
  const start = Date.now();
  const at: number[] = [];
  const all = Array.from({ length: n }, () => pacer.acquire(operation).then(() => at.push(Date.now() - start)));
  await vi.runAllTimersAsync();
  await Promise.all(all);
  return at;
}

describe('createPacer', () => {
  it('lets the burst through at once, then one call per 1/refill seconds (the revoke bucket: 50, then 5 a second)', async () => {
    vi.useFakeTimers();
    const pacer = createPacer({ now: () => Date.now() });
    const at = await grants(pacer, 'RevokeSecurityGroupIngress', 55);
    expect(at.slice(0, 50).every((t) => t === 0)).toBe(true);
    expect(at.slice(50)).toEqual([200, 400, 600, 800, 1000]);
  });

  it('at a share of 1/2: half the burst, half the rate; the buckets are apart (reads are not held up by revokes)', async () => {
    vi.useFakeTimers();
    const pacer = createPacer({ share: { sgIngress: 0.5, reads: 0.25 }, now: () => Date.now() });
    const revokes = await grants(pacer, 'RevokeSecurityGroupIngress', 27);
    expect(revokes.slice(25)).toEqual([400, 800]);
    const reads = await grants(pacer, 'DescribeSecurityGroups', 26);
    expect(reads.slice(0, 25).every((t) => t === 0)).toBe(true);
    expect(reads[25]).toBe(200);
  });

  it('a throttle answered anyway empties the bucket: the next call waits for the next token', async () => {
    vi.useFakeTimers();
    const pacer = createPacer({ now: () => Date.now() });
    pacer.throttled('DeleteRoute');
    expect(await grants(pacer, 'DeleteRoute', 1)).toEqual([200]);
  });

  it('refuses a share outside (0, 1]', () => {
    expect(() => createPacer({ share: 0 })).toThrow(/share/);
    expect(() => createPacer({ share: { reads: 1.5 } })).toThrow(/reads/);
  });
});

describe('bucketOf', () => {
  it.each([
    ['RevokeSecurityGroupIngress', 'sgIngress'],
    ['ModifySecurityGroupRules', 'sgIngress'],
    ['DescribeSecurityGroupRules', 'reads'],
    ['GetManagedPrefixListEntries', 'reads'],
    ['DeleteRoute', 'mutating'],
    ['ModifyManagedPrefixList', 'mutating'],
  ])('%s draws from %s', (operation, bucket) => expect(bucketOf(operation)).toBe(bucket));
});

describe('ec2Share', () => {
  it('reads a number or a share per bucket; refuses anything else at cold start', () => {
    expect(ec2Share({})).toBeUndefined();
    expect(ec2Share({ LAYERGUARD_EC2_SHARE: '0.5' })).toBe(0.5);
    expect(ec2Share({ LAYERGUARD_EC2_SHARE: '{"sgIngress":0.5,"reads":0.25}' })).toEqual({ sgIngress: 0.5, reads: 0.25 });
    expect(() => ec2Share({ LAYERGUARD_EC2_SHARE: '2' })).toThrow(/LAYERGUARD_EC2_SHARE/);
    expect(() => ec2Share({ LAYERGUARD_EC2_SHARE: '{"writes":0.5}' })).toThrow(/LAYERGUARD_EC2_SHARE/);
  });
});

describe('paceClient', () => {
  /** A client whose every request is answered by `answer` without leaving the process. */
  const clientAnswering = (answer: () => { statusCode: number; body: string }) =>
    new EC2Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 3,
      retryStrategy: undefined,
      requestHandler: {
        handle: async () => {
          const { statusCode, body } = answer();
          // An HttpResponse by its shape (smithy's HttpResponse.isInstance checks statusCode and headers).
          return { response: { statusCode, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(body)]) } };
        },
      },
    });

  it('every attempt, the SDK retries included, asks the pacer first; a RequestLimitExceeded answer empties its bucket', async () => {
    const asked: string[] = [];
    const throttled: string[] = [];
    const pacer: Pacer = { acquire: async (op) => void asked.push(op), throttled: (op) => void throttled.push(op) };
    let n = 0;
    const client = paceClient(
      clientAnswering(() => {
        n += 1;
        return n === 1
          ? { statusCode: 503, body: '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>' }
          : { statusCode: 200, body: '<RevokeSecurityGroupIngressResponse><requestId>r</requestId><return>true</return></RevokeSecurityGroupIngressResponse>' };
      }),
      pacer,
    );
    await client.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0a1b2c3d', SecurityGroupRuleIds: ['sgr-0a1b2c3d'] }));
    expect(asked).toEqual(['RevokeSecurityGroupIngress', 'RevokeSecurityGroupIngress']);
    expect(throttled).toEqual(['RevokeSecurityGroupIngress']);
    asked.length = 0;
    await client.send(new DescribeSecurityGroupsCommand({})).catch(() => undefined);
    expect(asked[0]).toBe('DescribeSecurityGroups');
  });
});
