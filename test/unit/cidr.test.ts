import { describe, expect, it } from 'vitest';
import {
  canonicalCidr,
  overlaps,
  isBroaderThan,
  isPrivateIpv6,
  isSameNetwork,
  isWithin,
  prefixLength,
} from '../../functions/core/cidr.js';

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

// EC2 stores CIDRs canonically: "if you specify 100.68.0.18/18 … canonicalizes the CIDR block to
// 100.68.0.0/18" (IpRange.CidrIp, @aws-sdk/client-ec2 models_0.d.ts); CreateRoute: "We modify the
// specified CIDR block to its canonical form" (CreateRouteRequest.DestinationCidrBlock, models_2.d.ts).
describe('canonicalCidr', () => {
  it.each<[string | undefined, string | undefined]>([
    ['100.68.0.18/18', '100.68.0.0/18'], // the SDK model's own example
    ['10.9.9.9/0', '0.0.0.0/0'],
    ['203.0.113.77/24', '203.0.113.0/24'],
    ['203.0.113.77/32', '203.0.113.77/32'],
    ['0.0.0.0/00', '0.0.0.0/0'],
    ['::/0', '::/0'],
    ['2001:DB8::1/0', '::/0'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001/32', '2001:db8::/32'],
    ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1'.concat('/128')], // the first of two equal runs
    ['2001:db8:0:1:1:1:1:1/128', '2001:db8:0:1:1:1:1:1/128'], // one zero group is not compressed
    ['fe80::1:2/64', 'fe80::/64'],
    ['::ffff:192.0.2.1/128', '::ffff:c000:201/128'],
    ['FC00::/7', 'fc00::/7'],
    ['256.0.0.0/8', undefined],
    ['10.0.0/8', undefined],
    ['10.0.0.0/33', undefined],
    ['2001:db8::1::/64', undefined],
    ['2001:db8:0:0:0:0:0:0:1/64', undefined],
    ['12345::/16', undefined],
    ['g::/16', undefined],
    ['not-a-cidr/0', undefined],
    [undefined, undefined],
  ])('%s -> %s', (cidr, expected) => {
    expect(canonicalCidr(cidr)).toBe(expected);
  });
});

describe('isSameNetwork', () => {
  it.each<[string | undefined, string | undefined, boolean]>([
    ['10.9.9.9/0', '0.0.0.0/0', true],
    ['203.0.113.77/24', '203.0.113.0/24', true],
    ['203.0.113.0/24', '203.0.113.0/25', false],
    ['2001:DB8::/32', '2001:0db8:0:0:0:0:0:0/32', true],
    ['::/0', '0.0.0.0/0', false],
    [undefined, undefined, true],
    ['0.0.0.0/0', undefined, false],
    ['junk', 'JUNK', true], // unparsable text equals only itself
    ['junk', '0.0.0.0/0', false],
  ])('%s ~ %s: %s', (a, b, expected) => {
    expect(isSameNetwork(a, b)).toBe(expected);
    expect(isSameNetwork(b, a)).toBe(expected);
  });
});

describe('isWithin and isPrivateIpv6 (fc00::/7)', () => {
  it.each<[string | undefined, boolean]>([
    ['fc00::/7', true],
    ['fd00::/8', true],
    ['fdff:ffff::/32', true],
    ['fc00::/6', false],
    ['fe00::/7', false],
    ['::/0', false],
    ['10.0.0.0/8', false],
    [undefined, false],
  ])('%s private: %s', (cidr, expected) => {
    expect(isPrivateIpv6(cidr)).toBe(expected);
  });
  it('compares families and prefixes', () => {
    expect(isWithin('10.1.0.0/16', '10.0.0.0/8')).toBe(true);
    expect(isWithin('10.0.0.0/8', '10.1.0.0/16')).toBe(false);
    expect(isWithin('11.0.0.0/16', '10.0.0.0/8')).toBe(false);
    expect(isWithin('::/0', '0.0.0.0/0')).toBe(false);
  });
});

// RFC 4291 §2.2: an IPv6 address is eight 16-bit groups; "::" stands for one or more groups of zeros;
// the dotted IPv4 form (x:x:x:x:x:x:d.d.d.d) is allowed only as the low-order 32 bits. EC2 accepts
// only valid CIDRs ("a valid IPv4 / IPv6 CIDR", IpRange.CidrIp / Ipv6Range.CidrIpv6, models_0.d.ts).
describe('canonicalCidr: only addresses of the right shape', () => {
  it.each<[string, string | undefined]>([
    ['10.0.0.0.1/8', undefined], // five octets
    ['1.10.0.0.0/8', undefined],
    ['10.0.0.0x/8', undefined],
  ])('an IPv4 address has exactly four octets: %s -> %s', (cidr, expected) => {
    expect(canonicalCidr(cidr)).toBe(expected);
  });

  it.each<[string, string | undefined]>([
    ['0:0:0:0:0:ffff:192.0.2.1/128', '::ffff:c000:201/128'], // full form with the IPv4 tail
    ['::ffff:192.0.2.1/128', '::ffff:c000:201/128'],
    ['1.2.3.4::/96', undefined], // IPv4 before "::"
    ['::1.2.3.4:5/128', undefined], // IPv4 not last
    ['1.2.3.4:0:0:0:0:0:0/128', undefined],
    ['::ffff:300.0.0.1/128', undefined], // an IPv4 tail that is not an address
    ['::ffff:1.2.3/128', undefined],
  ])('a dotted IPv4 part is only the last 32 bits: %s -> %s', (cidr, expected) => {
    expect(canonicalCidr(cidr)).toBe(expected);
  });

  it.each<[string, string | undefined]>([
    ['1:2:3:4::5:6:7:8/128', undefined], // eight groups and "::": "::" would stand for none
    ['1:2:3:4:5::6:7:8/128', undefined], // nine groups
    ['1:2:3:4:5:6:7::/128', '1:2:3:4:5:6:7:0/128'], // "::" for one zero group
    ['::2:3:4:5:6:7:8/128', '0:2:3:4:5:6:7:8/128'],
  ])('"::" stands for at least one zero group: %s -> %s', (cidr, expected) => {
    expect(canonicalCidr(cidr)).toBe(expected);
  });
});

describe('overlaps', () => {
  it.each([
    ['10.0.0.0/16', '10.0.1.0/24', true],
    ['10.0.1.0/24', '10.0.0.0/16', true],
    ['10.0.1.7/24', '10.0.1.0/24', true], // host bits do not change the network
    ['10.0.0.0/22', '10.0.2.0/24', true],
    ['10.0.0.0/23', '10.0.2.0/24', false],
    ['10.0.1.0/24', '10.0.2.0/24', false],
    ['2001:DB8::/32', '2001:db8:0:1::/64', true], // case and compression do not either
    ['10.0.0.0/8', '::/0', false], // families never overlap
    ['not a cidr', '10.0.0.0/8', false],
    [undefined, '10.0.0.0/8', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(overlaps(a, b)).toBe(expected);
  });
});
