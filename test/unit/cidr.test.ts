import { describe, expect, it } from 'vitest';
import { isBroaderThan, prefixLength } from '../../functions/core/cidr.js';

describe('prefixLength', () => {
  it.each<[string | undefined, number | undefined]>([
    ['0.0.0.0/0', 0],
    ['0.0.0.0/1', 1],
    ['128.0.0.0/1', 1],
    ['10.0.11.0/24', 24],
    ['203.0.113.7/32', 32],
    ['::/0', 0],
    ['2000::/3', 3],
    ['2001:db8::/32', 32],
    ['2001:db8::1/128', 128],
    ['1.2.3.4/0', 0], // EC2 canonicalises it to 0.0.0.0/0: the prefix is what counts
    [undefined, undefined],
    ['', undefined],
    ['10.0.0.1', undefined],
    ['10.0.0.0/', undefined],
    ['10.0.0.0/ 8', undefined],
    ['10.0.0.0/0x10', undefined],
    ['10.0.0.0/1e1', undefined],
    ['10.0.0.0/abc', undefined],
    ['10.0.0.0/8.5', undefined],
    ['10.0.0.0/-1', undefined],
    ['::/129', undefined],
  ])('%s → %s', (cidr, expected) => {
    expect(prefixLength(cidr)).toBe(expected);
  });
});

describe('isBroaderThan', () => {
  it.each<[string | undefined, number, boolean]>([
    ['0.0.0.0/0', 8, true],
    ['0.0.0.0/7', 8, true],
    ['10.0.0.0/8', 8, false],
    ['10.0.11.0/24', 8, false],
    ['::/0', 16, true],
    ['2000::/15', 16, true],
    ['2001::/16', 16, false],
    ['0.0.0.0/0', 1, true],
    ['0.0.0.0/1', 1, false],
    [undefined, 8, false],
    ['not-a-cidr', 8, false],
  ])('%s broader than /%i: %s', (cidr, bound, expected) => {
    expect(isBroaderThan(cidr, bound)).toBe(expected);
  });
});
