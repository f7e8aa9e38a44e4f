import { describe, expect, it } from 'vitest';
import { isFight, repeatKeyText, repeatsInWindow, windowStart } from '../../functions/core/repeats.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const policy = { maxRepeats: 3, windowMinutes: 60 };

describe('isFight', () => {
  it('is not a fight until maxRepeats reverts are inside the window', () => {
    expect(isFight([], NOW, policy)).toBe(false);
    expect(isFight([ago(1), ago(2)], NOW, policy)).toBe(false);
    expect(isFight([ago(1), ago(2), ago(3)], NOW, policy)).toBe(true);
  });

  it('counts a revert exactly windowMinutes ago, not one a millisecond earlier', () => {
    const edge = [ago(60), ago(10), ago(5)];
    expect(isFight(edge, NOW, policy)).toBe(true);
    const outside = [new Date(ago(60).getTime() - 1), ago(10), ago(5)];
    expect(isFight(outside, NOW, policy)).toBe(false);
    expect(repeatsInWindow(outside, NOW, policy)).toBe(2);
  });

  it('follows the policy: maxRepeats 1 fights the second time, a short window forgets sooner', () => {
    expect(isFight([ago(30)], NOW, { maxRepeats: 1, windowMinutes: 60 })).toBe(true);
    expect(isFight([ago(30), ago(20), ago(10)], NOW, { maxRepeats: 3, windowMinutes: 15 })).toBe(false);
    expect(windowStart(NOW, { maxRepeats: 3, windowMinutes: 15 })).toEqual(ago(15));
  });
});

describe('repeatKeyText', () => {
  it('differs by each part, and a part holding the separator cannot forge another key', () => {
    const base = { account: '111122223333', region: 'eu-west-1', resourceId: 'sg-1', kind: 'sg-ingress', actorArn: 'arn:aws:iam::1:role/a' };
    const keys = new Set([
      repeatKeyText(base),
      repeatKeyText({ ...base, account: '444455556666' }),
      repeatKeyText({ ...base, region: 'us-east-1' }),
      repeatKeyText({ ...base, resourceId: 'sg-2' }),
      repeatKeyText({ ...base, kind: 'route' }),
      repeatKeyText({ ...base, actorArn: 'arn:aws:iam::1:role/b' }),
    ]);
    expect(keys.size).toBe(6);
    expect(repeatKeyText({ ...base, resourceId: 'a#b', kind: 'c' })).not.toBe(repeatKeyText({ ...base, resourceId: 'a', kind: 'b#c' }));
    expect(repeatKeyText(base).startsWith('repeat#')).toBe(true);
  });
});
