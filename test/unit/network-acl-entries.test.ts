import { describe, expect, it } from 'vitest';
import type { NetworkAcl, NetworkAclEntry } from '../../functions/core/network.js';
import {
  canonicalAclProtocol,
  coversTraffic,
  describeAclTraffic,
  describeEntry,
  findEntry,
  isSameEntry,
  shadowingDeny,
  subnetsOnAcl,
} from '../../functions/core/network-acl.js';
import { fresh } from '../support/fresh.js';

/*
 * The entry-level parts of the network-ACL decision: how a protocol is spelled, when one entry matches
 * all of another's traffic (shadowing), when a live entry is still the one an event made, and the texts
 * a person reads in every reason. EC2 applies a port range to tcp (6) and udp (17) only, and an ICMP
 * type and code to icmp (1) and icmpv6 (58) only (CreateNetworkAclEntryRequest.PortRange and
 * .IcmpTypeCode, @aws-sdk/client-ec2 models_2.d.ts); -1 is "all" for the protocol, the type and the code.
 */

const entry = (over: Partial<NetworkAclEntry> & Pick<NetworkAclEntry, 'protocol'>): NetworkAclEntry => ({
  ruleNumber: 90,
  egress: false,
  ruleAction: 'allow',
  cidrIpv4: '0.0.0.0/0',
  ...over,
});
const tcp = (from: number, to: number, over: Partial<NetworkAclEntry> = {}) => entry({ protocol: '6', portRange: { from, to }, ...over });
const icmp = (type: number, code: number, over: Partial<NetworkAclEntry> = {}) => entry({ protocol: '1', icmpTypeCode: { type, code }, ...over });
const denyAt = (ruleNumber: number, e: NetworkAclEntry): NetworkAclEntry => ({ ...e, ruleNumber, ruleAction: 'deny' });

describe('canonicalAclProtocol: only whole protocol numbers 0-255 and EC2\'s names', () => {
  it.each([
    [' tcp ', '6'],
    ['\tUDP\n', '17'],
    [' 6', '6'],
    ['255', '255'],
    ['0', '0'],
  ])('%j -> %s', (given, expected) => expect(canonicalAclProtocol(given)).toBe(expected));

  it.each(['-5', '+6', 'x6', '1e2', '6.0', '6x', '0x6', '1234'])('%j is no protocol number', (given) => {
    expect(canonicalAclProtocol(given)).toBeUndefined();
  });
});

describe('coversTraffic: ports, ICMP types and codes at their bounds', () => {
  it('a deny of exactly the allow\'s port range covers it (bounds are inclusive)', () => {
    expect(coversTraffic(denyAt(50, tcp(3306, 3306)), tcp(3306, 3306))).toBe(true);
    expect(coversTraffic(denyAt(50, tcp(1024, 65535)), tcp(1024, 2048))).toBe(true);
    expect(coversTraffic(denyAt(50, tcp(1, 3306)), tcp(3000, 3306))).toBe(true);
  });

  it('a deny that misses one port at either end does not cover the allow', () => {
    expect(coversTraffic(denyAt(50, tcp(3307, 4000)), tcp(3306, 3306))).toBe(false);
    expect(coversTraffic(denyAt(50, tcp(3000, 3305)), tcp(3306, 3306))).toBe(false);
  });

  it('a tcp entry without a port range is every port: it covers tcp/3306, and tcp/3306 does not cover it', () => {
    const allPorts = entry({ protocol: '6' });
    expect(coversTraffic(denyAt(50, allPorts), tcp(3306, 3306))).toBe(true);
    expect(coversTraffic(denyAt(50, tcp(3306, 3306)), allPorts)).toBe(false);
    expect(coversTraffic(denyAt(50, tcp(0, 65535)), allPorts)).toBe(true);
  });

  it('a port range on a protocol without ports is ignored (EC2 applies ranges to tcp and udp only)', () => {
    expect(coversTraffic(denyAt(50, entry({ protocol: '50', portRange: { from: 1, to: 1 } })), entry({ protocol: '50', portRange: { from: 2, to: 2 } }))).toBe(true);
  });

  it('another protocol: a deny of protocol 50 covers an allow of protocol 50, not of 51', () => {
    expect(coversTraffic(denyAt(50, entry({ protocol: '50' })), entry({ protocol: '50' }))).toBe(true);
    expect(coversTraffic(denyAt(50, entry({ protocol: '50' })), entry({ protocol: '51' }))).toBe(false);
  });

  it('an unreadable protocol never covers anything, not even the same unreadable protocol', () => {
    expect(coversTraffic(denyAt(50, entry({ protocol: 'bogus' })), entry({ protocol: 'bogus' }))).toBe(false);
  });

  it('an entry without a readable network neither covers nor is covered (and nothing throws)', () => {
    const noSource: NetworkAclEntry = { ruleNumber: 50, egress: false, ruleAction: 'deny', protocol: '-1' };
    const allFromInternet = entry({ protocol: '-1' });
    expect(coversTraffic(noSource, allFromInternet)).toBe(false);
    expect(coversTraffic(denyAt(50, allFromInternet), { ...noSource, ruleNumber: 90, ruleAction: 'allow' })).toBe(false);
    expect(coversTraffic({ ...noSource, cidrIpv4: 'not-a-cidr' }, allFromInternet)).toBe(false);
    expect(coversTraffic(denyAt(50, allFromInternet), entry({ protocol: '-1', cidrIpv4: '0.0.0.0/33' }))).toBe(false);
  });

  it('ICMP: a deny without a type code is every type; it covers echo (type 8)', () => {
    expect(coversTraffic(denyAt(50, entry({ protocol: '1' })), icmp(8, 0))).toBe(true);
    expect(coversTraffic(denyAt(50, entry({ protocol: '1' })), icmp(8, -1))).toBe(true);
  });

  it.each([0, 1, 3, 8, 11])('ICMP: a deny of type %i only never covers an allow of every type', (type) => {
    expect(coversTraffic(denyAt(50, icmp(type, -1)), entry({ protocol: '1' }))).toBe(false);
    expect(coversTraffic(denyAt(50, icmp(type, -1)), icmp(-1, -1))).toBe(false);
  });

  it('ICMP: a deny of type 8, any code, covers type 8 code 0 and type 8 any code', () => {
    expect(coversTraffic(denyAt(50, icmp(8, -1)), icmp(8, 0))).toBe(true);
    expect(coversTraffic(denyAt(50, icmp(8, -1)), icmp(8, -1))).toBe(true);
  });

  it('ICMP: a deny of type 3 code 4 covers exactly type 3 code 4, not code 3, not any code, not type 4', () => {
    expect(coversTraffic(denyAt(50, icmp(3, 4)), icmp(3, 4))).toBe(true);
    expect(coversTraffic(denyAt(50, icmp(3, 4)), icmp(3, 3))).toBe(false);
    expect(coversTraffic(denyAt(50, icmp(3, 4)), icmp(3, -1))).toBe(false);
    expect(coversTraffic(denyAt(50, icmp(3, 4)), icmp(4, 4))).toBe(false);
  });

  it('ICMP: a deny of code 1 of a type does not cover another code of it', () => {
    expect(coversTraffic(denyAt(50, icmp(3, 1)), icmp(3, 0))).toBe(false);
  });

  it('ICMPv6 (58) compares types too: a deny of type 1 does not cover echo request (type 128)', () => {
    const v6 = (type: number, code: number) => entry({ protocol: '58', cidrIpv4: undefined, cidrIpv6: '::/0', icmpTypeCode: { type, code } });
    expect(coversTraffic(denyAt(50, v6(1, -1)), v6(128, 0))).toBe(false);
    expect(coversTraffic(denyAt(50, v6(128, -1)), v6(128, 0))).toBe(true);
  });

  it('an ICMP type code on a protocol that is not ICMP is ignored (EC2 applies it to icmp and icmpv6 only)', () => {
    expect(coversTraffic(denyAt(50, entry({ protocol: '50', icmpTypeCode: { type: 3, code: 0 } })), entry({ protocol: '50', icmpTypeCode: { type: 8, code: 0 } }))).toBe(true);
  });
});

describe('shadowingDeny: the first deny by rule number', () => {
  const allow = tcp(3306, 3306, { ruleNumber: 90 });

  it('names the lowest-numbered deny that matches, whatever the order of the list', () => {
    const d70 = denyAt(70, entry({ protocol: '-1' }));
    const d50 = denyAt(50, entry({ protocol: '6' }));
    const d60 = denyAt(60, tcp(3000, 4000));
    expect(shadowingDeny(allow, [d70, allow, d60, d50])?.ruleNumber).toBe(50);
    expect(shadowingDeny(allow, [allow, d70, d60])?.ruleNumber).toBe(60);
  });

  it('does not reorder the ACL\'s own list', () => {
    const entries = [denyAt(70, entry({ protocol: '-1' })), allow, denyAt(50, entry({ protocol: '-1' }))];
    shadowingDeny(allow, entries);
    expect(entries.map((e) => e.ruleNumber)).toEqual([70, 90, 50]);
  });

  it('a lower allow that matches the same traffic shadows nothing (only a deny does)', () => {
    expect(shadowingDeny(allow, [entry({ ruleNumber: 50, protocol: '-1' }), allow])).toBeUndefined();
  });

  it('only a strictly lower rule number comes first: a deny numbered like the entry does not shadow it', () => {
    expect(shadowingDeny(allow, [denyAt(90, entry({ protocol: '-1' })), allow])).toBeUndefined();
  });
});

describe('isSameEntry: the live entry is still the one the event made', () => {
  const base = tcp(3306, 3306);

  it('the same entry in another spelling is the same', () => {
    expect(isSameEntry(base, { ...base, protocol: 'tcp', cidrIpv4: '10.9.9.9/0' })).toBe(true);
  });

  it.each<[string, NetworkAclEntry]>([
    ['another rule number', { ...base, ruleNumber: 91 }],
    ['the other direction', { ...base, egress: true }],
    ['deny instead of allow', { ...base, ruleAction: 'deny' }],
    ['udp instead of tcp', { ...base, protocol: '17' }],
    ['another IPv4 network', { ...base, cidrIpv4: '0.0.0.0/1' }],
    ['IPv6 instead of IPv4', { ...base, cidrIpv4: undefined, cidrIpv6: '::/0' }],
    ['another first port', tcp(3305, 3306)],
    ['another last port', tcp(3306, 3307)],
    ['both ports moved', tcp(22, 22)],
    ['every port (no range)', entry({ protocol: '6' })],
  ])('%s is another entry', (_name, other) => {
    expect(isSameEntry(base, other)).toBe(false);
    expect(isSameEntry(other, base)).toBe(false);
  });

  it('a tcp entry without a range is the same as tcp 0-65535', () => {
    expect(isSameEntry(entry({ protocol: '6' }), tcp(0, 65535))).toBe(true);
  });

  it('ICMP: same type and code is the same; another type or another code is not', () => {
    expect(isSameEntry(icmp(8, 0), icmp(8, 0))).toBe(true);
    expect(isSameEntry(icmp(8, 0), { ...icmp(8, 0), protocol: 'icmp' })).toBe(true);
    expect(isSameEntry(icmp(8, 0), icmp(0, 0))).toBe(false);
    expect(isSameEntry(icmp(8, 0), icmp(8, 1))).toBe(false);
    expect(isSameEntry(icmp(3, 1), icmp(4, 3))).toBe(false);
  });

  it('ICMP: no type code is any type and any code, the same as -1/-1 (either side)', () => {
    const any = entry({ protocol: '1' });
    expect(isSameEntry(any, icmp(-1, -1))).toBe(true);
    expect(isSameEntry(icmp(-1, -1), any)).toBe(true);
    expect(isSameEntry(any, any)).toBe(true);
    expect(isSameEntry(any, icmp(8, -1))).toBe(false);
    expect(isSameEntry(icmp(-1, 0), any)).toBe(false);
  });

  it('ICMPv6 compares type and code too', () => {
    const v6 = (type: number, code: number) => entry({ protocol: '58', cidrIpv4: undefined, cidrIpv6: '::/0', icmpTypeCode: { type, code } });
    expect(isSameEntry(v6(128, 0), v6(128, 0))).toBe(true);
    expect(isSameEntry(v6(128, 0), v6(129, 0))).toBe(false);
  });

  it('ports and ICMP fields on protocols they do not apply to are not part of the entry', () => {
    expect(isSameEntry({ ...base, icmpTypeCode: { type: 3, code: 0 } }, { ...base, icmpTypeCode: { type: 8, code: 0 } })).toBe(true);
    expect(isSameEntry({ ...base, icmpTypeCode: { type: 3, code: 0 } }, base)).toBe(true);
    expect(isSameEntry(entry({ protocol: '1', portRange: { from: 1, to: 1 } }), entry({ protocol: '1', portRange: { from: 2, to: 2 } }))).toBe(true);
    expect(isSameEntry(entry({ protocol: '50', icmpTypeCode: { type: 3, code: 0 } }), entry({ protocol: '50' }))).toBe(true);
  });

  it('an unreadable protocol is not the same as a readable one (and nothing throws)', () => {
    expect(isSameEntry(entry({ protocol: 'bogus' }), entry({ protocol: 'bogus' }))).toBe(true);
    expect(isSameEntry(entry({ protocol: 'bogus' }), entry({ protocol: '6' }))).toBe(false);
  });
});

describe('findEntry: by rule number and direction', () => {
  it('an ingress rule 90 is found even when the egress rule 90 comes first, and the other way round', () => {
    const egress = entry({ protocol: '-1', egress: true });
    const ingress = tcp(3306, 3306);
    const acl = { entries: [egress, ingress] };
    expect(findEntry(acl, 90, false)).toBe(ingress);
    expect(findEntry(acl, 90, true)).toBe(egress);
    expect(findEntry({ entries: [ingress, egress] }, 90, true)).toBe(egress);
    expect(findEntry(acl, 91, false)).toBeUndefined();
  });
});

describe('describeAclTraffic and describeEntry: what a person reads', () => {
  it.each<[string, NetworkAclEntry, string]>([
    ['one tcp port', tcp(3306, 3306), 'tcp/3306'],
    ['a tcp range', tcp(1024, 65535), 'tcp/1024-65535'],
    ['tcp named, with a port', entry({ protocol: 'tcp', portRange: { from: 3306, to: 3306 } }), 'tcp/3306'],
    ['tcp without a range', entry({ protocol: '6' }), 'tcp/0-65535'],
    ['udp', entry({ protocol: '17', portRange: { from: 53, to: 53 } }), 'udp/53'],
    ['all traffic', entry({ protocol: '-1' }), 'all traffic'],
    ['all, named', entry({ protocol: 'all' }), 'all traffic'],
    ['another protocol', entry({ protocol: '50' }), 'protocol 50'],
    ['another protocol, with leading zeros', entry({ protocol: '050' }), 'protocol 50'],
    ['an unreadable protocol, as written', entry({ protocol: 'bogus' }), 'protocol bogus'],
    ['icmp without a type code', entry({ protocol: '1' }), 'icmp, any type'],
    ['icmp of any type', icmp(-1, -1), 'icmp, any type'],
    ['icmp type 8, any code', icmp(8, -1), 'icmp type 8, any code'],
    ['icmp type 3 code 4', icmp(3, 4), 'icmp type 3, code 4'],
    ['icmp type 1 code 1', icmp(1, 1), 'icmp type 1, code 1'],
    ['icmp type 0 code 0', icmp(0, 0), 'icmp type 0, code 0'],
    ['icmpv6 type 128', entry({ protocol: '58', icmpTypeCode: { type: 128, code: -1 } }), 'icmpv6 type 128, any code'],
    ['icmpv6 named, any type', entry({ protocol: 'icmpv6' }), 'icmpv6, any type'],
  ])('%s: %s', (_name, e, expected) => expect(describeAclTraffic(e)).toBe(expected));

  it.each<[string, NetworkAclEntry, string]>([
    ['an ingress allow', tcp(3306, 3306, { ruleNumber: 120 }), 'rule 120: allow tcp/3306 from 0.0.0.0/0'],
    ['an egress allow', entry({ ruleNumber: 100, egress: true, protocol: '-1' }), 'rule 100 (egress): allow all traffic to 0.0.0.0/0'],
    ['a default entry', entry({ ruleNumber: 32767, ruleAction: 'deny', protocol: '-1' }), 'rule *: deny all traffic from 0.0.0.0/0'],
    ['an IPv6 source', entry({ protocol: '-1', cidrIpv4: undefined, cidrIpv6: '::/0' }), 'rule 90: allow all traffic from ::/0'],
    ['no source', { ruleNumber: 90, egress: false, ruleAction: 'allow', protocol: '-1' }, 'rule 90: allow all traffic from ?'],
  ])('%s: %s', (_name, e, expected) => expect(describeEntry(e)).toBe(expected));

  // PROTOCOL_LABELS is a table built at import: a module evaluated anew sees the mutant that is on.
  it('names tcp, udp, icmp and icmpv6 (the module\'s table, evaluated anew)', async () => {
    const m = await fresh<typeof import('../../functions/core/network-acl.js')>(new URL('../../functions/core/network-acl.ts', import.meta.url).href);
    expect(m.describeAclTraffic(tcp(22, 22))).toBe('tcp/22');
    expect(m.describeAclTraffic(entry({ protocol: '17', portRange: { from: 53, to: 53 } }))).toBe('udp/53');
    expect(m.describeAclTraffic(icmp(8, 0))).toBe('icmp type 8, code 0');
    expect(m.describeAclTraffic(entry({ protocol: '58' }))).toBe('icmpv6, any type');
    expect(m.describeAclTraffic(entry({ protocol: '47' }))).toBe('protocol 47');
  });
});

describe('subnetsOnAcl', () => {
  it('lists the ACL\'s subnets sorted by id; one the list lacks comes without tags', () => {
    const acl: NetworkAcl = {
      networkAclId: 'acl-0a1b2c3d4e5f6a003',
      vpcId: 'vpc-0a1b2c3d4e5f60001',
      isDefault: false,
      entries: [],
      associations: [
        { associationId: 'aclassoc-0a1b2c3d4e5f6b102', networkAclId: 'acl-0a1b2c3d4e5f6a003', subnetId: 'subnet-0a1b2c3d4e5f63009' },
        { associationId: 'aclassoc-0a1b2c3d4e5f6b101', networkAclId: 'acl-0a1b2c3d4e5f6a003', subnetId: 'subnet-0a1b2c3d4e5f63001' },
      ],
      tags: {},
    };
    const known = { subnetId: 'subnet-0a1b2c3d4e5f63001', vpcId: 'vpc-0a1b2c3d4e5f60001', tags: { Tier: 'Database' } };
    expect(subnetsOnAcl(acl, [known])).toEqual([known, { subnetId: 'subnet-0a1b2c3d4e5f63009', vpcId: 'vpc-0a1b2c3d4e5f60001', tags: {} }]);
  });
});
