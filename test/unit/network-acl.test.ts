import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toChange } from '../../functions/core/change.js';
import type { CloudTrailRecord } from '../../functions/core/cloudtrail.js';
import type { NetworkAcl, NetworkAclEntry, Subnet } from '../../functions/core/network.js';
import {
  canonicalAclProtocol,
  coversTraffic,
  decideNetworkAcls,
  evaluateAclAssociation,
  evaluateAclEntry,
  internetEntries,
  isInternetAllow,
  shadowingDeny,
} from '../../functions/core/network-acl.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';

/*
 * Network ACLs of isolated tiers. EC2 evaluates an ACL's entries "according to the rule numbers, in
 * ascending order" and the first match decides (CreateNetworkAclEntryRequest, @aws-sdk/client-ec2
 * models_2.d.ts), so a lower deny that matches all of an allow's traffic shadows it. The default `*`
 * entry is rule 32767 ("The range 32767 to 65535 is reserved for internal use").
 */

const SEED = process.env.LAYERGUARD_PROPERTY_SEED ? Number(process.env.LAYERGUARD_PROPERTY_SEED) : undefined;
const options = (numRuns: number) => (SEED === undefined ? { numRuns } : { numRuns, seed: SEED });
const NOW = new Date('2025-03-14T12:00:00Z');
const VPC = 'vpc-0a1b2c3d4e5f60001';
const DB_ACL = 'acl-0a1b2c3d4e5f6a003';
const DEF_ACL = 'acl-0a1b2c3d4e5f6a000';
const DB1 = 'subnet-0a1b2c3d4e5f63001';
const DB2 = 'subnet-0a1b2c3d4e5f63002';
const WEB = 'subnet-0a1b2c3d4e5f61001';

const star = (egress: boolean): NetworkAclEntry => ({ ruleNumber: 32767, egress, ruleAction: 'deny', protocol: '-1', cidrIpv4: '0.0.0.0/0' });
const allow = (ruleNumber: number, source: string, protocol = '6', ports?: [number, number]): NetworkAclEntry => ({
  ruleNumber,
  egress: false,
  ruleAction: 'allow',
  protocol,
  ...(source.includes(':') ? { cidrIpv6: source } : { cidrIpv4: source }),
  ...(ports ? { portRange: { from: ports[0], to: ports[1] } } : {}),
});
const deny = (ruleNumber: number, source: string, protocol = '-1', ports?: [number, number]): NetworkAclEntry => ({
  ...allow(ruleNumber, source, protocol, ports),
  ruleAction: 'deny',
});
const subnet = (subnetId: string, tier: string): Subnet => ({ subnetId, vpcId: VPC, tags: { Tier: tier } });
const SUBNETS = [subnet(DB1, 'Database'), subnet(DB2, 'Database'), subnet(WEB, 'Web')];
const acl = (networkAclId: string, entries: NetworkAclEntry[], subnetIds: string[], tags: Record<string, string> = {}): NetworkAcl => ({
  networkAclId,
  vpcId: VPC,
  isDefault: networkAclId === DEF_ACL,
  entries: [...entries, star(false), star(true)],
  associations: subnetIds.map((s, i) => ({ associationId: `aclassoc-0a1b2c3d4e5f6b${String(100 + i)}`, networkAclId, subnetId: s })),
  tags,
});
const dbAcl = (entries: NetworkAclEntry[], subnetIds = [DB1, DB2]) => acl(DB_ACL, entries, subnetIds, { Tier: 'Database' });
const defaultAcl = (subnetIds = [WEB]) => acl(DEF_ACL, [allow(100, '0.0.0.0/0', '-1')], subnetIds);

describe('canonicalAclProtocol: every spelling EC2 accepts is one protocol number', () => {
  it.each([
    ['tcp', '6'],
    ['TCP', '6'],
    ['6', '6'],
    ['006', '6'],
    ['udp', '17'],
    ['icmp', '1'],
    ['icmpv6', '58'],
    ['-1', '-1'],
    ['all', '-1'],
    ['50', '50'],
    ['256', undefined],
    ['tcpx', undefined],
    ['', undefined],
  ])('%s -> %s', (given, expected) => expect(canonicalAclProtocol(given)).toBe(expected));
});

describe('isInternetAllow: the security groups\' bounds (policy.worldOpen)', () => {
  it.each<[string, NetworkAclEntry, boolean]>([
    ['allow from 0.0.0.0/0', allow(90, '0.0.0.0/0'), true],
    ['allow from ::/0', allow(90, '::/0', '-1'), true],
    ['allow from 0.0.0.0/7 (broader than /8)', allow(90, '0.0.0.0/7'), true],
    ['allow from 10.0.0.0/8 (the bound itself)', allow(90, '10.0.0.0/8'), false],
    ['allow from 2001:db8::/15', allow(90, '2001:db8::/15'), true],
    ['allow from fc00::/7 (private IPv6)', allow(90, 'fc00::/7'), false],
    ['deny from 0.0.0.0/0', deny(90, '0.0.0.0/0'), false],
    ['egress allow to 0.0.0.0/0', { ...allow(90, '0.0.0.0/0'), egress: true }, false],
    ['a default entry', { ...allow(32767, '0.0.0.0/0'), ruleAction: 'allow' }, false],
  ])('%s: %s', (_name, entry, expected) => expect(isInternetAllow(entry, DEFAULT_POLICY)).toBe(expected));

  it('follows the policy\'s prefix bound', () => {
    expect(isInternetAllow(allow(90, '10.0.0.0/8'), parsePolicy({ worldOpen: { ipv4MinPrefix: 9 } }))).toBe(true);
  });
});

describe('shadowing: a lower deny that matches all of the allow\'s traffic', () => {
  it.each<[string, NetworkAclEntry, NetworkAclEntry, boolean]>([
    ['deny all from 0.0.0.0/0 at 50 shadows tcp/3306 at 90', deny(50, '0.0.0.0/0'), allow(90, '0.0.0.0/0', '6', [3306, 3306]), true],
    ['a deny with a higher number does not', deny(150, '0.0.0.0/0'), allow(90, '0.0.0.0/0', '6', [3306, 3306]), false],
    ['a deny of half the internet does not', deny(50, '0.0.0.0/1'), allow(90, '0.0.0.0/0', '6', [3306, 3306]), false],
    ['a deny of tcp 3000-4000 shadows tcp/3306', deny(50, '0.0.0.0/0', '6', [3000, 4000]), allow(90, '0.0.0.0/0', '6', [3306, 3306]), true],
    ['a deny of tcp/22 does not shadow tcp/3306', deny(50, '0.0.0.0/0', '6', [22, 22]), allow(90, '0.0.0.0/0', '6', [3306, 3306]), false],
    ['a deny of udp does not shadow tcp', deny(50, '0.0.0.0/0', '17', [0, 65535]), allow(90, '0.0.0.0/0', '6', [3306, 3306]), false],
    ['a deny of tcp does not shadow all traffic', deny(50, '0.0.0.0/0', '6', [0, 65535]), allow(90, '0.0.0.0/0', '-1'), false],
    ['an IPv4 deny does not shadow an IPv6 allow', deny(50, '0.0.0.0/0'), allow(90, '::/0', '-1'), false],
    ['an egress deny does not shadow ingress', { ...deny(50, '0.0.0.0/0'), egress: true }, allow(90, '0.0.0.0/0', '-1'), false],
  ])('%s', (_name, d, a, expected) => {
    expect(Boolean(shadowingDeny(a, [d, a]))).toBe(expected);
    expect(internetEntries(dbAcl([d, a]), DEFAULT_POLICY).some((e) => e.ruleNumber === a.ruleNumber)).toBe(!expected);
  });

  it('ICMP: a deny of any type shadows type 8; a deny of type 3 does not', () => {
    const echo: NetworkAclEntry = { ...allow(90, '0.0.0.0/0', '1'), icmpTypeCode: { type: 8, code: -1 } };
    expect(coversTraffic({ ...deny(50, '0.0.0.0/0', '1'), icmpTypeCode: { type: -1, code: -1 } }, echo)).toBe(true);
    expect(coversTraffic({ ...deny(50, '0.0.0.0/0', '1'), icmpTypeCode: { type: 3, code: -1 } }, echo)).toBe(false);
    expect(coversTraffic({ ...deny(50, '0.0.0.0/0', '1'), icmpTypeCode: { type: 8, code: 0 } }, echo)).toBe(false);
  });

  // A reference model of its own: a packet (source address, protocol, port) is admitted when the first
  // entry by rule number that matches it allows it. An allow is shadowed when no packet it matches is
  // admitted by it; the decision must never call an entry shadowed that admits some packet.
  it('never calls an entry shadowed that the first-match rule lets a packet through (property)', () => {
    const cidrArb = fc.constantFrom('0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1', '10.0.0.0/8');
    const protoArb = fc.constantFrom('-1', '6', '17');
    const portsArb = fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]);
    const entryArb = fc.record({ n: fc.integer({ min: 1, max: 200 }), action: fc.constantFrom('allow', 'deny'), cidr: cidrArb, proto: protoArb, ports: portsArb });
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 5 }), (raw) => {
        const seen = new Set<number>();
        const entries: NetworkAclEntry[] = raw
          .filter((r) => !seen.has(r.n) && seen.add(r.n))
          .map((r) => ({
            ruleNumber: r.n,
            egress: false,
            ruleAction: r.action as 'allow' | 'deny',
            protocol: r.proto,
            cidrIpv4: r.cidr,
            ...(r.proto === '-1' ? {} : { portRange: { from: r.ports[0], to: r.ports[1] } }),
          }));
        const first = (ip: number, proto: string, port: number) =>
          [...entries].sort((a, b) => a.ruleNumber - b.ruleNumber).find((e) => {
            const net = e.cidrIpv4 as string;
            const bits = Number(net.split('/')[1]);
            const base = net.startsWith('128.') ? 128 : net.startsWith('10.') ? 10 : 0;
            const inNet = bits === 0 || (bits === 1 ? (ip >= 128) === (base === 128) : ip === 10);
            const protoOk = e.protocol === '-1' || e.protocol === proto;
            const portOk = e.protocol === '-1' || (e.portRange && port >= e.portRange.from && port <= e.portRange.to);
            return inNet && protoOk && portOk;
          });
        for (const e of entries.filter((x) => x.ruleAction === 'allow')) {
          if (!shadowingDeny(e, entries)) continue;
          // Shadowed: no packet that this entry matches is decided by it.
          for (const ip of [0, 10, 127, 128, 200])
            for (const proto of ['6', '17'])
              for (const port of [0, 1, 50, 99, 100]) {
                const hit = first(ip, proto, port);
                expect(hit === e).toBe(false);
              }
        }
      }),
      options(300),
    );
  });
});

describe('decideNetworkAcls: the one decision', () => {
  it('deletes an internet entry of the isolated ACL that only isolated subnets use', () => {
    const acls = [dbAcl([allow(90, '0.0.0.0/0', '6', [3306, 3306]), allow(100, '10.0.0.0/16', '-1')]), defaultAcl()];
    const findings = decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      status: 'revert',
      action: { type: 'delete-nacl-entry', networkAclId: DB_ACL, ruleNumber: 90, egress: false },
      drift: { kind: 'internet-entry-on-isolated-acl', subnetIds: [DB1, DB2] },
    });
  });

  it('on a tagged isolated ACL the entry is deleted, even where another isolated ACL exists (no subnet is moved)', () => {
    const other = acl('acl-0a1b2c3d4e5f6a004', [], [], { Tier: 'Database' });
    const findings = decideNetworkAcls([dbAcl([allow(90, '0.0.0.0/0', '-1')]), other], SUBNETS, DEFAULT_POLICY, NOW);
    expect(findings.map((f) => ('action' in f ? f.action.type : f.status))).toEqual(['delete-nacl-entry']);
  });

  it('never plans the default (*) entries, and leaves the default ACL that no isolated subnet uses', () => {
    const findings = decideNetworkAcls([dbAcl([]), defaultAcl()], SUBNETS, DEFAULT_POLICY, NOW);
    expect(findings).toEqual([]);
  });

  it('moves an isolated subnet on the default ACL back to the database ACL, and keeps the default ACL\'s entries', () => {
    const acls = [dbAcl([], [DB2]), defaultAcl([WEB, DB1])];
    const findings = decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW);
    expect(findings).toEqual([
      expect.objectContaining({
        status: 'revert',
        action: expect.objectContaining({ type: 'replace-nacl-association', subnetId: DB1, fromNetworkAclId: DEF_ACL, toNetworkAclId: DB_ACL }),
      }),
    ]);
  });

  it('a whole-VPC decision moves a misplaced subnet onto the isolated ACL whose internet entry it deletes (deletion first)', () => {
    const acls = [defaultAcl([WEB, DB1]), dbAcl([allow(90, '0.0.0.0/0', '-1')], [DB2])];
    const findings = decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW);
    expect(findings.map((f) => ('action' in f ? f.action.type : f.status))).toEqual(['delete-nacl-entry', 'replace-nacl-association']);
  });

  it('an event narrowed to one ACL never moves a subnet onto an isolated ACL that still admits the internet', () => {
    const acls = [defaultAcl([WEB, DB1]), dbAcl([allow(90, '0.0.0.0/0', '-1')], [DB2])];
    const findings = decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW, { networkAclId: DEF_ACL, subnetIds: [DB1], placement: true });
    expect(findings.map((f) => f.status)).toEqual(['alert-only']);
  });

  it('alert-only when no single isolated ACL is known', () => {
    const acls = [acl(DEF_ACL, [allow(100, '0.0.0.0/0', '-1')], [WEB, DB1])];
    const [finding] = decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW);
    expect(finding?.status).toBe('alert-only');
    expect(finding && 'humanAction' in finding ? finding.humanAction : '').toMatch(/replace-network-acl-association --association-id aclassoc-/);
  });

  it('an exempt ACL is exempt', () => {
    const tags = { Tier: 'Database', 'layerguard:exempt': 'until=2025-04-01;reason=migration' };
    const acls = [acl(DB_ACL, [allow(90, '0.0.0.0/0', '-1')], [DB1], tags)];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW).map((f) => f.status)).toEqual(['exempt']);
  });
});

const record = (eventName: string, requestParameters: Record<string, unknown>, responseElements: Record<string, unknown> = { _return: true }) =>
  ({ eventID: 'e1', eventSource: 'ec2.amazonaws.com', eventName, awsRegion: 'us-east-1', requestParameters, responseElements }) as CloudTrailRecord;
const entryRecord = (over: Record<string, unknown>) =>
  record('CreateNetworkAclEntry', { networkAclId: DB_ACL, ruleNumber: 90, egress: false, ruleAction: 'allow', icmpTypeCode: {}, portRange: { from: 3306, to: 3306 }, aclProtocol: '6', cidrBlock: '0.0.0.0/0', ...over });

describe('evaluateAclEntry: the event narrows the decision', () => {
  const live = dbAcl([allow(90, '0.0.0.0/0', '6', [3306, 3306])]);
  const change = toChange(entryRecord({})) as Extract<ReturnType<typeof toChange>, { kind: 'nacl-entry' }>;

  it('drift on live state', () => {
    const d = evaluateAclEntry(change, live, [live, defaultAcl()], SUBNETS, DEFAULT_POLICY, NOW);
    expect(d.status).toBe('judged');
  });

  it('already-compliant when the entry is gone or replaced since', () => {
    expect(evaluateAclEntry(change, dbAcl([]), [], SUBNETS, DEFAULT_POLICY, NOW).status).toBe('already-compliant');
    const replaced = dbAcl([allow(90, '10.0.0.0/16', '6', [3306, 3306])]);
    expect(evaluateAclEntry(change, replaced, [], SUBNETS, DEFAULT_POLICY, NOW)).toMatchObject({ status: 'already-compliant', reason: expect.stringMatching(/replaced since/) });
    expect(evaluateAclEntry(change, undefined, [], SUBNETS, DEFAULT_POLICY, NOW).status).toBe('already-compliant');
  });

  it('ignored when a lower deny shadows it, or no isolated subnet uses an untagged ACL', () => {
    const shadowed = dbAcl([deny(50, '0.0.0.0/0'), allow(90, '0.0.0.0/0', '6', [3306, 3306])]);
    expect(evaluateAclEntry(change, shadowed, [], SUBNETS, DEFAULT_POLICY, NOW)).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/rule 50/) });
    const webOnly = acl(DB_ACL, [allow(90, '0.0.0.0/0', '6', [3306, 3306])], [WEB]);
    expect(evaluateAclEntry(change, webOnly, [], SUBNETS, DEFAULT_POLICY, NOW).status).toBe('ignored');
  });

  // Every spelling of one request is one change, with one decision: protocol names and numbers, host
  // bits in the CIDR, rule numbers as numbers or strings (EC2 stores "the canonical form" of a CIDR).
  it('every spelling of the request is the same change (property)', () => {
    const spellings = fc.record({
      protocol: fc.constantFrom('6', 'tcp', 'TCP', '06'),
      cidr: fc.constantFrom('0.0.0.0/0', '10.9.9.9/0', '255.255.255.255/0'),
      rule: fc.constantFrom(90, '90'),
      egress: fc.constantFrom(false, 'false', undefined),
    });
    fc.assert(
      fc.property(spellings, (s) => {
        const c = toChange(entryRecord({ aclProtocol: s.protocol, cidrBlock: s.cidr, ruleNumber: s.rule, egress: s.egress }));
        expect(c).toStrictEqual(change);
      }),
      options(100),
    );
  });
});

describe('evaluateAclAssociation', () => {
  const moved = (to: string, newAssociationId: string) =>
    toChange(record('ReplaceNetworkAclAssociation', { associationId: 'aclassoc-0a1b2c3d4e5f6b031', networkAclId: to }, { newAssociationId })) as Extract<
      ReturnType<typeof toChange>,
      { kind: 'nacl-association' }
    >;

  it('an isolated subnet moved onto an ACL that admits the internet goes back to the isolated ACL', () => {
    const def = defaultAcl([WEB, DB1]);
    const change = moved(DEF_ACL, 'aclassoc-0a1b2c3d4e5f6b101');
    const d = evaluateAclAssociation(change, def, [def, dbAcl([], [DB2])], SUBNETS, DEFAULT_POLICY, NOW);
    expect(d).toMatchObject({ status: 'judged', findings: [{ status: 'revert', action: { type: 'replace-nacl-association', toNetworkAclId: DB_ACL } }] });
  });

  it('ignored for a subnet that is not isolated, or an ACL that admits nothing from the internet', () => {
    const def = defaultAcl([WEB, DB1]);
    const webMove = moved(DEF_ACL, 'aclassoc-0a1b2c3d4e5f6b100');
    expect(evaluateAclAssociation(webMove, def, [def], SUBNETS, DEFAULT_POLICY, NOW)).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/not an isolated subnet/) });
    const db = dbAcl([], [DB1, DB2]);
    expect(evaluateAclAssociation(moved(DB_ACL, 'aclassoc-0a1b2c3d4e5f6b100'), db, [db], SUBNETS, DEFAULT_POLICY, NOW).status).toBe('ignored');
  });

  it('already-compliant when the association is gone (moved again)', () => {
    const def = defaultAcl([WEB]);
    expect(evaluateAclAssociation(moved(DEF_ACL, 'aclassoc-0a1b2c3d4e5f6b1ff'), def, [def], SUBNETS, DEFAULT_POLICY, NOW).status).toBe('already-compliant');
  });
});
