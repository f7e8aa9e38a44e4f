import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
// Imported statically too, so that a mutation run runs this file for change.ts's mutants (vitest's `related`).
import '../../functions/core/change.js';
import { type Change, toChange as sharedToChange } from '../../functions/core/change.js';
import { type CloudTrailRecord, parseTrigger } from '../../functions/core/cloudtrail.js';
import { UnsupportedEventError } from '../../functions/core/errors.js';
import type { NetworkAclEntry } from '../../functions/core/network.js';
import { loadEvent } from '../support/events.js';
import { fresh } from '../support/fresh.js';
import { refusalOf } from '../support/refusal.js';

/*
 * How CloudTrail records of the network-ACL calls (CreateNetworkAclEntry, ReplaceNetworkAclEntry,
 * ReplaceNetworkAclAssociation) and of DisassociateRouteTable are read into changes. The request is
 * the SDK's (CreateNetworkAclEntryRequest, @aws-sdk/client-ec2 models_2.d.ts;
 * ReplaceNetworkAclEntryRequest and ReplaceNetworkAclAssociationRequest, models_8.d.ts;
 * DisassociateRouteTableRequest, models_6.d.ts) in CloudTrail's lower camel case, as the samples in
 * events/cloudtrail record it (`aclProtocol`, `portRange: {}`, `icmpTypeCode: {}`).
 *
 * The schemas are built at import, so every test here reads records through a copy of change.ts
 * evaluated anew (test/support/fresh.ts): under a mutation run, that copy has the mutant on.
 */

let toChange: typeof sharedToChange = sharedToChange;
beforeAll(async () => {
  ({ toChange } = await fresh<typeof import('../../functions/core/change.js')>(
    new URL('../../functions/core/change.ts', import.meta.url).href,
  ));
});

const SEED = process.env.LAYERGUARD_PROPERTY_SEED ? Number(process.env.LAYERGUARD_PROPERTY_SEED) : undefined;
const RUNS = process.env.LAYERGUARD_PROPERTY_RUNS ? Number(process.env.LAYERGUARD_PROPERTY_RUNS) : 150;
const options = SEED === undefined ? { numRuns: RUNS } : { numRuns: RUNS, seed: SEED };

type Json = Record<string, unknown>;
const DB_ACL = 'acl-0a1b2c3d4e5f6a003';
const DEFAULT_ACL = 'acl-0a1b2c3d4e5f6a000';
const ENTRY_SAMPLE = 'CreateNetworkAclEntry/world-mysql-on-database-acl.json';
const MOVE_SAMPLE = 'ReplaceNetworkAclAssociation/database-subnet-to-default-acl.json';
const DISASSOCIATE_SAMPLE = 'DisassociateRouteTable/database-subnet-off-database-table.json';

const sample = (file: string): CloudTrailRecord => parseTrigger(loadEvent(file)).record as CloudTrailRecord;

/** A CreateNetworkAclEntry (or ReplaceNetworkAclEntry) record with this request. */
const entryRecord = (
  requestParameters: Json,
  eventName: 'CreateNetworkAclEntry' | 'ReplaceNetworkAclEntry' = 'CreateNetworkAclEntry',
): CloudTrailRecord => ({ ...sample(ENTRY_SAMPLE), eventName, requestParameters });

/** The request of the world-mysql sample (tcp/3306 from 0.0.0.0/0, rule 90), with fields replaced or removed (undefined). */
const request = (patch: Json = {}): Json => {
  const merged: Json = {
    networkAclId: DB_ACL,
    ruleNumber: 90,
    egress: false,
    ruleAction: 'allow',
    icmpTypeCode: {},
    portRange: { from: 3306, to: 3306 },
    aclProtocol: '6',
    cidrBlock: '0.0.0.0/0',
    ...patch,
  };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined));
};

const entryOf = (patch: Json, eventName?: 'CreateNetworkAclEntry' | 'ReplaceNetworkAclEntry'): NetworkAclEntry => {
  const change = toChange(entryRecord(request(patch), eventName));
  if (change.kind !== 'nacl-entry') throw new Error(`expected a nacl-entry change, got ${change.kind}`);
  return change.entry;
};

const messageOf = (record: CloudTrailRecord): string => refusalOf(() => toChange(record), UnsupportedEventError);

const MYSQL: NetworkAclEntry = {
  ruleNumber: 90,
  egress: false,
  ruleAction: 'allow',
  protocol: '6',
  cidrIpv4: '0.0.0.0/0',
  portRange: { from: 3306, to: 3306 },
};

describe('toChange: a network ACL entry', () => {
  it('reads the sample request into the entry EC2 will hold', () => {
    expect(toChange(entryRecord(request()))).toStrictEqual({
      kind: 'nacl-entry',
      eventName: 'CreateNetworkAclEntry',
      networkAclId: DB_ACL,
      entry: MYSQL,
    });
    expect(toChange(entryRecord(request(), 'ReplaceNetworkAclEntry'))).toStrictEqual({
      kind: 'nacl-entry',
      eventName: 'ReplaceNetworkAclEntry',
      networkAclId: DB_ACL,
      entry: MYSQL,
    });
  });

  it('reads egress written as the query API\'s "true"/"false" text as the boolean', () => {
    expect(entryOf({ egress: 'true' })).toStrictEqual({ ...MYSQL, egress: true });
    expect(entryOf({ egress: 'false' })).toStrictEqual(MYSQL);
    expect(entryOf({ egress: true })).toStrictEqual({ ...MYSQL, egress: true });
    // "Egress … Default: false" (EC2 API Reference, CreateNetworkAclEntry).
    expect(entryOf({ egress: undefined })).toStrictEqual(MYSQL);
  });

  it('reads the rule action in any case, and refuses any other action', () => {
    expect(entryOf({ ruleAction: 'ALLOW' })).toStrictEqual(MYSQL);
    expect(entryOf({ ruleAction: 'Deny' })).toStrictEqual({ ...MYSQL, ruleAction: 'deny' });
    expect(messageOf(entryRecord(request({ ruleAction: 'permit' })))).toBe(
      'malformed CreateNetworkAclEntry request: ruleAction: expected allow or deny',
    );
  });

  it('reads ports and ICMP numbers written as strings as the numbers', () => {
    expect(entryOf({ portRange: { from: '3306', to: '3306' }, ruleNumber: '90' })).toStrictEqual(MYSQL);
    expect(entryOf({ aclProtocol: '1', portRange: {}, icmpTypeCode: { type: '8', code: '0' } })).toStrictEqual({
      ruleNumber: 90,
      egress: false,
      ruleAction: 'allow',
      protocol: '1',
      cidrIpv4: '0.0.0.0/0',
      icmpTypeCode: { type: 8, code: 0 },
    });
  });

  it('refuses ports and ICMP numbers outside their ranges, and accepts -1 (any) for ICMP', () => {
    expect(messageOf(entryRecord(request({ portRange: { from: 0, to: 65536 } })))).toMatch(
      /^malformed CreateNetworkAclEntry request: portRange\.to: /,
    );
    expect(messageOf(entryRecord(request({ aclProtocol: 'icmp', icmpTypeCode: { type: 256, code: 0 } })))).toMatch(
      /^malformed CreateNetworkAclEntry request: icmpTypeCode\.type: /,
    );
    expect(entryOf({ aclProtocol: 'icmp', icmpTypeCode: { type: -1, code: -1 } }).icmpTypeCode).toStrictEqual({
      type: -1,
      code: -1,
    });
    expect(entryOf({ aclProtocol: 'icmp', icmpTypeCode: { type: 3, code: -1 } }).icmpTypeCode).toStrictEqual({
      type: 3,
      code: -1,
    });
  });

  it('keeps a port range only when both ends are given', () => {
    const noPorts = { ...MYSQL, portRange: undefined };
    delete noPorts.portRange;
    expect(entryOf({ portRange: {} })).toStrictEqual(noPorts);
    expect(entryOf({ portRange: undefined })).toStrictEqual(noPorts);
    expect(entryOf({ portRange: { from: 22 } })).toStrictEqual(noPorts);
    expect(entryOf({ portRange: { to: 22 } })).toStrictEqual(noPorts);
    expect(entryOf({ portRange: { from: 1024, to: 65535 } }).portRange).toStrictEqual({ from: 1024, to: 65535 });
  });

  it('reads a type or a code alone with -1 (any) for the other, and none at all as no ICMP type', () => {
    const icmp = (icmpTypeCode: Json | undefined) => entryOf({ aclProtocol: 'icmp', portRange: undefined, icmpTypeCode }).icmpTypeCode;
    expect(icmp({ type: 8, code: 3 })).toStrictEqual({ type: 8, code: 3 });
    expect(icmp({ type: 8 })).toStrictEqual({ type: 8, code: -1 });
    expect(icmp({ code: 4 })).toStrictEqual({ type: -1, code: 4 });
    expect(icmp({ type: 0, code: 0 })).toStrictEqual({ type: 0, code: 0 });
    expect(icmp({})).toBeUndefined();
    expect(icmp(undefined)).toBeUndefined();
  });

  it('keeps ports for tcp and udp only, an ICMP type for icmp and icmpv6 only', () => {
    const ports = { portRange: { from: 53, to: 53 }, icmpTypeCode: { type: 8, code: 0 } };
    const v6 = { cidrBlock: undefined, ipv6CidrBlock: '::/0' };
    expect(entryOf({ ...ports, aclProtocol: 'udp' })).toStrictEqual({ ...MYSQL, protocol: '17', portRange: { from: 53, to: 53 } });
    expect(entryOf({ ...ports, aclProtocol: '6' })).toStrictEqual({ ...MYSQL, portRange: { from: 53, to: 53 } });
    const { portRange: _p, cidrIpv4: _c, ...bare } = MYSQL;
    expect(entryOf({ ...ports, aclProtocol: 'icmp' })).toStrictEqual({ ...bare, cidrIpv4: '0.0.0.0/0', protocol: '1', icmpTypeCode: { type: 8, code: 0 } });
    expect(entryOf({ ...ports, ...v6, aclProtocol: '58' })).toStrictEqual({ ...bare, cidrIpv6: '::/0', protocol: '58', icmpTypeCode: { type: 8, code: 0 } });
    expect(entryOf({ ...ports, aclProtocol: '-1' })).toStrictEqual({ ...bare, cidrIpv4: '0.0.0.0/0', protocol: '-1' });
    // ESP (50): neither ports nor an ICMP type.
    expect(entryOf({ ...ports, aclProtocol: '50' })).toStrictEqual({ ...bare, cidrIpv4: '0.0.0.0/0', protocol: '50' });
  });

  it('reads the SDK\'s field name `protocol` as `aclProtocol`', () => {
    expect(entryOf({ aclProtocol: undefined, protocol: 'tcp' })).toStrictEqual(MYSQL);
  });

  it('refuses a request without a protocol it knows, or without exactly one CIDR, and says what it needs', () => {
    const needs =
      'malformed CreateNetworkAclEntry request: (root): needs a protocol (a number, or tcp, udp, icmp, icmpv6, all) and exactly one of cidrBlock, ipv6CidrBlock';
    for (const patch of [
      { aclProtocol: undefined },
      { aclProtocol: 'gre' },
      { aclProtocol: '256' },
      { ipv6CidrBlock: '::/0' },
      { cidrBlock: undefined },
    ]) {
      expect(messageOf(entryRecord(request(patch))), JSON.stringify(patch)).toBe(needs);
    }
    expect(messageOf(entryRecord(request({ aclProtocol: 'gre' }), 'ReplaceNetworkAclEntry'))).toBe(
      needs.replace('CreateNetworkAclEntry', 'ReplaceNetworkAclEntry'),
    );
  });

  it('refuses a network ACL id with text before or after it, and says what one looks like', () => {
    const message = 'malformed CreateNetworkAclEntry request: networkAclId: expected a network ACL id like acl-0abc1234';
    for (const bad of [`x${DB_ACL}`, `${DB_ACL}-x`, `${DB_ACL}0`, 'acl-0a1b']) {
      expect(messageOf(entryRecord(request({ networkAclId: bad }))), bad).toBe(message);
    }
  });
});

describe('toChange: one rule written in every spelling EC2 accepts is one change', () => {
  // Protocols: "A value of -1 means all protocols"; tcp is 6, udp 17, icmp 1, icmpv6 58 (the IANA numbers,
  // which CreateNetworkAclEntryRequest.Protocol takes; CloudTrail records the request's text).
  const SPELLINGS: Record<string, readonly string[]> = {
    '6': ['6', 'tcp', 'TCP', '006'],
    '17': ['17', 'udp', 'Udp'],
    '1': ['1', 'icmp', 'ICMP'],
    '58': ['58', 'icmpv6', 'ICMPv6'],
    '-1': ['-1', 'all', 'ALL'],
    '50': ['50', '050'],
  };
  const PORTED = new Set(['6', '17']);
  const ICMP = new Set(['1', '58']);

  it('gives the same entry whatever the spelling of the protocol, egress, numbers and fields that do not apply', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(SPELLINGS)),
        fc.nat({ max: 100 }),
        fc.integer({ min: 1, max: 32766 }),
        fc.boolean(),
        fc.constantFrom('allow', 'deny'),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: -1, max: 255 }),
        fc.integer({ min: -1, max: 255 }),
        fc.boolean(),
        (number, pick, ruleNumber, egress, action, a, b, type, code, strings) => {
          const spellings = SPELLINGS[number] as readonly string[];
          const spelling = spellings[pick % spellings.length] as string;
          const [from, to] = a <= b ? [a, b] : [b, a];
          const str = (n: number) => (strings ? String(n) : n);
          const expected: NetworkAclEntry = {
            ruleNumber,
            egress,
            ruleAction: action as 'allow' | 'deny',
            protocol: number,
            cidrIpv4: '0.0.0.0/0',
            ...(PORTED.has(number) ? { portRange: { from, to } } : {}),
            ...(ICMP.has(number) ? { icmpTypeCode: { type, code } } : {}),
          };
          const got = entryOf({
            ruleNumber: str(ruleNumber),
            egress: strings ? String(egress) : egress,
            ruleAction: strings ? action.toUpperCase() : action,
            aclProtocol: strings ? undefined : spelling,
            protocol: strings ? spelling : undefined,
            // A port range and an ICMP type on every protocol: EC2 applies each only where it means something.
            portRange: { from: str(from), to: str(to) },
            icmpTypeCode: { type: str(type), code: str(code) },
          });
          expect(got).toStrictEqual(expected);
        },
      ),
      options,
    );
  });
});

describe('toChange: ReplaceNetworkAclAssociation', () => {
  const move = (requestParameters: Json, responseElements: Json | null = null): CloudTrailRecord => ({
    ...sample(MOVE_SAMPLE),
    requestParameters,
    responseElements,
  });
  const req = { associationId: 'aclassoc-0a1b2c3d4e5f6b031', networkAclId: DEFAULT_ACL };

  it('reads the ACL, the association it replaced and the one it made', () => {
    expect(toChange(move(req, { newAssociationId: 'aclassoc-0a1b2c3d4e5f6b102' }))).toStrictEqual({
      kind: 'nacl-association',
      eventName: 'ReplaceNetworkAclAssociation',
      networkAclId: DEFAULT_ACL,
      previousAssociationId: 'aclassoc-0a1b2c3d4e5f6b031',
      associationId: 'aclassoc-0a1b2c3d4e5f6b102',
    });
  });

  it('refuses a request without the association or the ACL, and names what is missing', () => {
    expect(messageOf(move({ networkAclId: DEFAULT_ACL }))).toMatch(
      /^malformed ReplaceNetworkAclAssociation request: associationId: /,
    );
    expect(messageOf(move({ associationId: req.associationId }))).toMatch(
      /^malformed ReplaceNetworkAclAssociation request: networkAclId: /,
    );
  });

  it('refuses association ids with text before or after them, and says what one looks like', () => {
    const looks = 'expected an association id like aclassoc-0abc1234';
    for (const bad of [`x${req.associationId}`, `${req.associationId}-x`, `${req.associationId}0`]) {
      expect(messageOf(move({ ...req, associationId: bad })), bad).toBe(
        `malformed ReplaceNetworkAclAssociation request: associationId: ${looks}`,
      );
      expect(messageOf(move(req, { newAssociationId: bad })), bad).toBe(
        `malformed ReplaceNetworkAclAssociation response: newAssociationId: ${looks}`,
      );
    }
    expect(messageOf(move({ ...req, networkAclId: `x${DEFAULT_ACL}` }))).toBe(
      'malformed ReplaceNetworkAclAssociation request: networkAclId: expected a network ACL id like acl-0abc1234',
    );
  });
});

describe('toChange: DisassociateRouteTable', () => {
  const disassociate = (requestParameters: Json | null): CloudTrailRecord => ({
    ...sample(DISASSOCIATE_SAMPLE),
    requestParameters,
  });

  it('refuses a request without an association id, or with something else in its place', () => {
    expect(messageOf(disassociate({}))).toMatch(/^malformed DisassociateRouteTable request: associationId: /);
    expect(messageOf(disassociate({ associationId: 'aclassoc-0a1b2c3d4e5f6b031' }))).toBe(
      'malformed DisassociateRouteTable request: associationId: expected an association id like rtbassoc-0abc1234',
    );
    const change: Change = toChange(disassociate({ associationId: 'rtbassoc-0a1b2c3d4e5f68031' }));
    expect(change).toStrictEqual({
      kind: 'disassociation',
      eventName: 'DisassociateRouteTable',
      associationId: 'rtbassoc-0a1b2c3d4e5f68031',
    });
  });
});
