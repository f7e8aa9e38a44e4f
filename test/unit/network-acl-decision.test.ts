import { describe, expect, it } from 'vitest';
import type { Change } from '../../functions/core/change.js';
import type { NetworkAcl, NetworkAclEntry, Subnet } from '../../functions/core/network.js';
import { type AclFinding, decideNetworkAcls, evaluateAclAssociation, evaluateAclEntry } from '../../functions/core/network-acl.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';

/*
 * The network-ACL decision as a person and a pipeline read it: which finding each layout gives, the
 * action in full, and every reason and human action word for word (a person acts on them). The ids are
 * EC2-shaped; each subnet's association id ends in the subnet's own digits, so a human action that
 * names the wrong association shows.
 */

const NOW = new Date('2025-03-14T12:00:00Z');
const VPC = 'vpc-0a1b2c3d4e5f60001';
const VPC_B = 'vpc-0a1b2c3d4e5f60002';
const DEF_ACL = 'acl-0a1b2c3d4e5f6a000';
const DB_ACL = 'acl-0a1b2c3d4e5f6a003';
const DB_ACL2 = 'acl-0a1b2c3d4e5f6a004';
const APP_ACL = 'acl-0a1b2c3d4e5f6a005';
const DB_ACL_B = 'acl-0a1b2c3d4e5f6a013';
const DB1 = 'subnet-0a1b2c3d4e5f63001';
const DB2 = 'subnet-0a1b2c3d4e5f63002';
const DB3 = 'subnet-0a1b2c3d4e5f63003';
const WEB = 'subnet-0a1b2c3d4e5f61001';
const WEB2 = 'subnet-0a1b2c3d4e5f61002';
const assoc = (subnetId: string) => `aclassoc-${subnetId.slice('subnet-'.length)}`;

const EXEMPT = { 'layerguard:exempt': 'until=2025-04-01;reason=migration' };
const EXPIRED = { 'layerguard:exempt': 'until=2025-03-01;reason=migration' };
const NO_REASON = { 'layerguard:exempt': 'until=2025-04-01' };
const BAD_DATE = { 'layerguard:exempt': 'until=2025-02-30;reason=migration' };
const DB_TAGS = { Tier: 'Database' };

const star = (egress: boolean): NetworkAclEntry => ({ ruleNumber: 32767, egress, ruleAction: 'deny', protocol: '-1', cidrIpv4: '0.0.0.0/0' });
const allowAll = (ruleNumber: number, source = '0.0.0.0/0'): NetworkAclEntry => ({ ruleNumber, egress: false, ruleAction: 'allow', protocol: '-1', cidrIpv4: source });
const allowTcp = (ruleNumber: number, port: number, source = '0.0.0.0/0'): NetworkAclEntry => ({
  ruleNumber,
  egress: false,
  ruleAction: 'allow',
  protocol: '6',
  cidrIpv4: source,
  portRange: { from: port, to: port },
});
const denyAll = (ruleNumber: number): NetworkAclEntry => ({ ...allowAll(ruleNumber), ruleAction: 'deny' });

const subnet = (subnetId: string, tags: Record<string, string>, vpcId = VPC): Subnet => ({ subnetId, vpcId, tags });
const db = (subnetId: string, more: Record<string, string> = {}, vpcId = VPC) => subnet(subnetId, { ...DB_TAGS, ...more }, vpcId);
const web = (subnetId: string, vpcId = VPC) => subnet(subnetId, { Tier: 'Web' }, vpcId);
const SUBNETS = [db(DB1), db(DB2), db(DB3), web(WEB), web(WEB2)];

const acl = (networkAclId: string, entries: NetworkAclEntry[], subnetIds: string[], tags: Record<string, string> = {}, vpcId = VPC): NetworkAcl => ({
  networkAclId,
  vpcId,
  isDefault: networkAclId === DEF_ACL,
  entries: [...entries, star(false), star(true)],
  associations: subnetIds.map((s) => ({ associationId: assoc(s), networkAclId, subnetId: s })),
  tags,
});
const tagged = (networkAclId: string, entries: NetworkAclEntry[], subnetIds: string[], more: Record<string, string> = {}) =>
  acl(networkAclId, entries, subnetIds, { ...DB_TAGS, ...more });

const deletion = (networkAclId: string, entry: NetworkAclEntry, subnetIds: string[], reason: string): AclFinding => ({
  status: 'revert',
  drift: { kind: 'internet-entry-on-isolated-acl', networkAclId, entry, subnetIds },
  action: { type: 'delete-nacl-entry', networkAclId, ruleNumber: entry.ruleNumber, egress: entry.egress },
  reason,
});
const placement = (subnetId: string, networkAclId: string) => ({
  kind: 'isolated-subnet-on-internet-acl' as const,
  subnetId,
  associationId: assoc(subnetId),
  networkAclId,
});
const moveTo = (subnetId: string, from: string, to: string, reason: string): AclFinding => ({
  status: 'revert',
  drift: { ...placement(subnetId, from), isolatedNetworkAclId: to },
  action: { type: 'replace-nacl-association', associationId: assoc(subnetId), subnetId, fromNetworkAclId: from, toNetworkAclId: to },
  reason,
});
const NO_HOME = `no network ACL in ${VPC} is tagged Tier=Database without an entry that admits the internet, so LayerGuard did not guess where it belongs`;
const stayHuman = (subnetId: string, then: string) =>
  `Move ${subnetId} to its tier's network ACL: aws ec2 replace-network-acl-association --association-id ${assoc(subnetId)} --network-acl-id <isolated network ACL>. ${then}`;
const TAG_IT = 'Then tag that ACL Tier=Database so LayerGuard can restore it next time.';
const KEEP_ONE = 'Then keep the Tier=Database tag on exactly one network ACL that admits nothing from the internet.';

describe('deleting internet entries of an ACL only isolated subnets use', () => {
  it('names the entry, the ACL and both subnets, sorted by id whatever the order of the associations', () => {
    const e = allowTcp(90, 3306);
    const acls = [tagged(DB_ACL, [e, allowAll(100, '10.0.0.0/16')], [DB2, DB1])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([
      deletion(DB_ACL, e, [DB1, DB2], `rule 90: allow tcp/3306 from 0.0.0.0/0 on ${DB_ACL} admits the internet to isolated subnets ${DB1}, ${DB2}`),
    ]);
  });

  it('one subnet is "subnet", not "subnets"', () => {
    const e = allowAll(90);
    expect(decideNetworkAcls([tagged(DB_ACL, [e], [DB1])], SUBNETS, DEFAULT_POLICY, NOW)).toEqual([
      deletion(DB_ACL, e, [DB1], `rule 90: allow all traffic from 0.0.0.0/0 on ${DB_ACL} admits the internet to isolated subnet ${DB1}`),
    ]);
  });

  it('a tagged isolated ACL no subnet uses yet: the ACL itself is named', () => {
    const e = allowAll(90);
    expect(decideNetworkAcls([tagged(DB_ACL, [e], [])], SUBNETS, DEFAULT_POLICY, NOW)).toEqual([
      deletion(DB_ACL, e, [], `rule 90: allow all traffic from 0.0.0.0/0 on ${DB_ACL} admits the internet to the isolated network ACL ${DB_ACL}`),
    ]);
  });

  it('an untagged ACL that only isolated subnets use, with no isolated ACL to move them to: its entries are deleted', () => {
    const e = allowAll(90);
    expect(decideNetworkAcls([acl(APP_ACL, [e], [DB1])], SUBNETS, DEFAULT_POLICY, NOW)).toEqual([
      deletion(APP_ACL, e, [DB1], `rule 90: allow all traffic from 0.0.0.0/0 on ${APP_ACL} admits the internet to isolated subnet ${DB1}`),
    ]);
  });

  it('exemption tags that do not count are named in the reason, in order: the ACL\'s, then each subnet\'s', () => {
    const e = allowAll(90);
    const subnets = [db(DB1, EXPIRED), db(DB2, BAD_DATE)];
    const acls = [tagged(DB_ACL, [e], [DB1, DB2], NO_REASON)];
    const note =
      ' (tag layerguard:exempt needs until=YYYY-MM-DD;reason=...; exemption expired on 2025-03-01; ' +
      'tag layerguard:exempt has an invalid date: 2025-02-30 (until is a calendar day, YYYY-MM-DD, UTC))';
    expect(decideNetworkAcls(acls, subnets, DEFAULT_POLICY, NOW)).toEqual([
      deletion(DB_ACL, e, [DB1, DB2], `rule 90: allow all traffic from 0.0.0.0/0 on ${DB_ACL} admits the internet to isolated subnets ${DB1}, ${DB2}${note}`),
    ]);
  });

  it('one exemption that does not count is named alone; a valid exemption is no problem', () => {
    const e = allowAll(90);
    const subnets = [db(DB1, EXEMPT), db(DB2, EXPIRED)];
    expect(decideNetworkAcls([tagged(DB_ACL, [e], [DB1, DB2])], subnets, DEFAULT_POLICY, NOW)).toEqual([
      deletion(DB_ACL, e, [DB1, DB2], `rule 90: allow all traffic from 0.0.0.0/0 on ${DB_ACL} admits the internet to isolated subnets ${DB1}, ${DB2} (exemption expired on 2025-03-01)`),
    ]);
  });

  it('an ACL tagged as isolated is never exempted by its subnets, even when every one of them is exempt', () => {
    const e = allowAll(90);
    const subnets = [db(DB1, EXEMPT), db(DB2, EXEMPT)];
    expect(decideNetworkAcls([tagged(DB_ACL, [e], [DB1, DB2])], subnets, DEFAULT_POLICY, NOW)).toEqual([
      deletion(DB_ACL, e, [DB1, DB2], `rule 90: allow all traffic from 0.0.0.0/0 on ${DB_ACL} admits the internet to isolated subnets ${DB1}, ${DB2}`),
    ]);
  });

  it('an untagged ACL whose isolated subnets are all exempt is exempt, and the reason lists them', () => {
    const e = allowAll(90);
    const subnets = [db(DB1, EXEMPT), db(DB2, EXEMPT)];
    expect(decideNetworkAcls([acl(APP_ACL, [e], [DB1, DB2])], subnets, DEFAULT_POLICY, NOW)).toEqual([
      {
        status: 'exempt',
        drift: { kind: 'internet-entry-on-isolated-acl', networkAclId: APP_ACL, entry: e, subnetIds: [DB1, DB2] },
        reason: `every isolated subnet on ${APP_ACL} is exempt (${DB1}, ${DB2})`,
      },
    ]);
  });

  it('an untagged ACL with one exempt isolated subnet and one that is not: the entry is deleted', () => {
    const e = allowAll(90);
    const subnets = [db(DB1, EXEMPT), db(DB2)];
    expect(decideNetworkAcls([acl(APP_ACL, [e], [DB1, DB2])], subnets, DEFAULT_POLICY, NOW)).toEqual([
      deletion(APP_ACL, e, [DB1, DB2], `rule 90: allow all traffic from 0.0.0.0/0 on ${APP_ACL} admits the internet to isolated subnets ${DB1}, ${DB2}`),
    ]);
  });

  it('an exempt ACL exempts each of its internet entries, with its own until and reason', () => {
    const [e80, e90] = [allowTcp(80, 3306), allowAll(90)];
    const acls = [tagged(DB_ACL, [e80, e90], [DB1], EXEMPT)];
    const exempt = (e: NetworkAclEntry) => ({
      status: 'exempt',
      drift: { kind: 'internet-entry-on-isolated-acl', networkAclId: DB_ACL, entry: e, subnetIds: [DB1] },
      reason: `${DB_ACL} is exempt until 2025-04-01: migration`,
    });
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([exempt(e80), exempt(e90)]);
  });
});

describe('an isolated subnet on another tier\'s ACL moves to the one isolated ACL', () => {
  const [e80, e90] = [allowTcp(80, 3306), allowAll(90)];
  const both = `rule 80: allow tcp/3306 from 0.0.0.0/0, rule 90: allow all traffic from 0.0.0.0/0`;

  it('the move names the subnet, every internet entry of its ACL and the isolated ACL; the ACL keeps its entries', () => {
    const acls = [acl(APP_ACL, [e80, e90], [DB1]), tagged(DB_ACL, [], [DB2])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([
      moveTo(DB1, APP_ACL, DB_ACL, `isolated subnet ${DB1} is on ${APP_ACL}, which admits ${both}, not the isolated network ACL ${DB_ACL}`),
    ]);
  });

  it('the default ACL that the web tier uses too: the subnet moves, nothing is deleted', () => {
    const acls = [acl(DEF_ACL, [allowAll(100)], [WEB, DB1]), tagged(DB_ACL, [], [DB2])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([
      moveTo(DB1, DEF_ACL, DB_ACL, `isolated subnet ${DB1} is on ${DEF_ACL}, which admits rule 100: allow all traffic from 0.0.0.0/0, not the isolated network ACL ${DB_ACL}`),
    ]);
  });

  it('an exempt subnet is not moved: exempt, with its own until and reason', () => {
    const acls = [acl(APP_ACL, [e90], [DB1]), tagged(DB_ACL, [], [DB2])];
    expect(decideNetworkAcls(acls, [db(DB1, EXEMPT), db(DB2)], DEFAULT_POLICY, NOW)).toEqual([
      { status: 'exempt', drift: placement(DB1, APP_ACL), reason: `${DB1} is exempt until 2025-04-01: migration` },
    ]);
  });

  it('narrowed to one subnet, only that subnet moves', () => {
    const acls = [acl(APP_ACL, [e90], [DB1, DB3]), tagged(DB_ACL, [], [DB2])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW, { subnetIds: [DB3] })).toEqual([
      moveTo(DB3, APP_ACL, DB_ACL, `isolated subnet ${DB3} is on ${APP_ACL}, which admits rule 90: allow all traffic from 0.0.0.0/0, not the isolated network ACL ${DB_ACL}`),
    ]);
  });

  it('an isolated subnet on an ACL that admits nothing from the internet is left where it is', () => {
    const acls = [acl(APP_ACL, [allowAll(90, '10.0.0.0/8')], [DB1]), tagged(DB_ACL, [], [DB2])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([]);
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW, { networkAclId: APP_ACL, subnetIds: [DB1], placement: true })).toEqual([]);
  });

  it('the isolated ACL must be in the subnet\'s own VPC', () => {
    const acls = [acl(DEF_ACL, [allowAll(100)], [WEB, DB1]), acl(DB_ACL_B, [], [], DB_TAGS, VPC_B)];
    const [finding] = decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW);
    expect(finding?.status).toBe('alert-only');
    // With an isolated ACL in each VPC, each VPC's is the only home of its subnets.
    const withOwn = [...acls, tagged(DB_ACL, [], [DB2])];
    expect(decideNetworkAcls(withOwn, SUBNETS, DEFAULT_POLICY, NOW).map((f) => ('action' in f ? f.action : f.status))).toEqual([
      { type: 'replace-nacl-association', associationId: assoc(DB1), subnetId: DB1, fromNetworkAclId: DEF_ACL, toNetworkAclId: DB_ACL },
    ]);
  });
});

describe('an ACL shared with another tier: no entry is deleted', () => {
  const e90 = allowAll(90);
  const shared = (others: string) => `${DB_ACL} admits rule 90: allow all traffic from 0.0.0.0/0 and non-isolated ${others} use it, so no entry is deleted`;

  it('alert-only for each isolated subnet when there is no other isolated ACL, with the command to move it', () => {
    const acls = [tagged(DB_ACL, [e90], [DB2, WEB, DB1])];
    const stay = (s: string): AclFinding => ({
      status: 'alert-only',
      drift: placement(s, DB_ACL),
      reason: `isolated subnet ${s} is on ${DB_ACL}: ${shared(`subnet ${WEB}`)}; ${NO_HOME}`,
      humanAction: stayHuman(s, TAG_IT),
    });
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([stay(DB1), stay(DB2)]);
  });

  it('two other tiers\' subnets are listed; narrowed to one isolated subnet, only it is judged', () => {
    const acls = [tagged(DB_ACL, [e90], [DB1, DB2, WEB, WEB2])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW, { subnetIds: [DB2] })).toEqual([
      {
        status: 'alert-only',
        drift: placement(DB2, DB_ACL),
        reason: `isolated subnet ${DB2} is on ${DB_ACL}: ${shared(`subnets ${WEB}, ${WEB2}`)}; ${NO_HOME}`,
        humanAction: stayHuman(DB2, TAG_IT),
      },
    ]);
  });

  it('a subnet that the ACL does not hold narrows to nothing', () => {
    const acls = [tagged(DB_ACL, [e90], [DB1, WEB]), tagged(DB_ACL2, [e90], [DB2])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW, { networkAclId: DB_ACL2, subnetIds: [DB3] })).toEqual([]);
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW, { subnetIds: [WEB2] })).toEqual([]);
  });

  it('moves each isolated subnet to the one other isolated ACL', () => {
    const acls = [tagged(DB_ACL, [e90], [DB1, WEB]), tagged(DB_ACL2, [], [DB2])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([
      moveTo(DB1, DB_ACL, DB_ACL2, `isolated subnet ${DB1} is on ${DB_ACL}: ${shared(`subnet ${WEB}`)}`),
    ]);
  });

  it('two isolated ACLs qualify: alert-only, naming both, and asking to keep the tag on one', () => {
    const acls = [acl(DEF_ACL, [allowAll(100)], [WEB, DB1]), tagged(DB_ACL, [], [DB2]), tagged(DB_ACL2, [], [DB3])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([
      {
        status: 'alert-only',
        drift: placement(DB1, DEF_ACL),
        reason:
          `isolated subnet ${DB1} is on ${DEF_ACL}: ${DEF_ACL} admits rule 100: allow all traffic from 0.0.0.0/0 and non-isolated subnet ${WEB} use it, so no entry is deleted; ` +
          `2 network ACLs in ${VPC} qualify (${DB_ACL}, ${DB_ACL2}), so LayerGuard did not guess where it belongs`,
        humanAction: stayHuman(DB1, KEEP_ONE),
      },
    ]);
  });

  it('an exempt subnet with nowhere to go is exempt, not alert-only', () => {
    const acls = [tagged(DB_ACL, [e90], [DB1, WEB])];
    expect(decideNetworkAcls(acls, [db(DB1, EXEMPT), web(WEB)], DEFAULT_POLICY, NOW)).toEqual([
      { status: 'exempt', drift: placement(DB1, DB_ACL), reason: `${DB1} is exempt until 2025-04-01: migration` },
    ]);
  });

  it('the policy\'s isolated tags are all named, joined by "or"', () => {
    const policy = parsePolicy({ isolated: { subnetTags: [{ key: 'Tier', value: 'Database' }, { key: 'Tier', value: 'Data' }] } });
    const acls = [tagged(DB_ACL, [e90], [DB1, WEB])];
    const [finding] = decideNetworkAcls(acls, SUBNETS, policy, NOW);
    expect(finding).toMatchObject({
      reason: `isolated subnet ${DB1} is on ${DB_ACL}: ${shared(`subnet ${WEB}`)}; no network ACL in ${VPC} is tagged Tier=Database or Tier=Data without an entry that admits the internet, so LayerGuard did not guess where it belongs`,
      humanAction: stayHuman(DB1, 'Then tag that ACL Tier=Database or Tier=Data so LayerGuard can restore it next time.'),
    });
  });

  it('a tagged isolated ACL that only other tiers use: alert-only per entry, with the commands', () => {
    const e80 = allowTcp(80, 3306);
    const acls = [tagged(DB_ACL, [e80, e90], [WEB2, WEB])];
    const both = `rule 80: allow tcp/3306 from 0.0.0.0/0, rule 90: allow all traffic from 0.0.0.0/0`;
    const alert = (e: NetworkAclEntry): AclFinding => ({
      status: 'alert-only',
      drift: { kind: 'internet-entry-on-isolated-acl', networkAclId: DB_ACL, entry: e, subnetIds: [] },
      reason: `${DB_ACL} is tagged as isolated, but ${DB_ACL} admits ${both} and non-isolated subnets ${WEB}, ${WEB2} use it, so no entry is deleted`,
      humanAction: `Move ${WEB}, ${WEB2} to the network ACL of their tier, then delete the entry: aws ec2 delete-network-acl-entry --network-acl-id ${DB_ACL} --ingress --rule-number ${e.ruleNumber}.`,
    });
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([alert(e80), alert(e90)]);
  });

  it('the same ACL exempt: each entry is exempt with the ACL\'s reason', () => {
    const acls = [tagged(DB_ACL, [e90], [WEB], EXEMPT)];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([
      {
        status: 'exempt',
        drift: { kind: 'internet-entry-on-isolated-acl', networkAclId: DB_ACL, entry: e90, subnetIds: [] },
        reason: `${DB_ACL} is exempt until 2025-04-01: migration`,
      },
    ]);
  });
});

describe('homes: the isolated ACL a subnet may go back to', () => {
  it('an isolated ACL whose internet entry other tiers need is no home, even on a whole-VPC decision', () => {
    const acls = [acl(DEF_ACL, [allowAll(100)], [WEB, DB1]), tagged(DB_ACL, [allowAll(90)], [DB2, WEB2])];
    const findings = decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW);
    const forDb1 = findings.find((f) => f.drift.kind === 'isolated-subnet-on-internet-acl' && f.drift.subnetId === DB1);
    expect(forDb1).toMatchObject({ status: 'alert-only', reason: expect.stringContaining(`no network ACL in ${VPC} is tagged Tier=Database`) });
  });

  it('a whole-VPC decision deletes the isolated ACL\'s entry, then moves the subnet there', () => {
    const e90 = allowAll(90);
    const acls = [acl(DEF_ACL, [allowAll(100)], [WEB, DB1]), tagged(DB_ACL, [e90], [DB2])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW)).toEqual([
      deletion(DB_ACL, e90, [DB2], `rule 90: allow all traffic from 0.0.0.0/0 on ${DB_ACL} admits the internet to isolated subnet ${DB2}`),
      moveTo(DB1, DEF_ACL, DB_ACL, `isolated subnet ${DB1} is on ${DEF_ACL}, which admits rule 100: allow all traffic from 0.0.0.0/0, not the isolated network ACL ${DB_ACL}`),
    ]);
  });

  it.each([
    ['one ACL', { networkAclId: DEF_ACL }],
    ['one entry', { entry: { ruleNumber: 100, egress: false } }],
    ['some subnets', { subnetIds: [DB1] }],
  ])('narrowed to %s, the decision deletes nothing elsewhere, so that ACL is no home yet', (_name, focus) => {
    const acls = [acl(DEF_ACL, [allowAll(100)], [WEB, DB1]), tagged(DB_ACL, [allowAll(90)], [DB2])];
    const findings = decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW, focus);
    const forDb1 = findings.find((f) => f.drift.kind === 'isolated-subnet-on-internet-acl' && f.drift.subnetId === DB1);
    expect(forDb1).toEqual({
      status: 'alert-only',
      drift: placement(DB1, DEF_ACL),
      reason: `isolated subnet ${DB1} is on ${DEF_ACL}: ${DEF_ACL} admits rule 100: allow all traffic from 0.0.0.0/0 and non-isolated subnet ${WEB} use it, so no entry is deleted; ${NO_HOME}`,
      humanAction: stayHuman(DB1, TAG_IT),
    });
  });
});

describe('what a focus narrows', () => {
  it('one ACL: the other ACLs\' drift is not judged', () => {
    const acls = [tagged(DB_ACL, [allowAll(90)], [DB1]), tagged(DB_ACL2, [allowAll(90)], [DB2])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW, { networkAclId: DB_ACL2 }).map((f) => f.drift.networkAclId)).toEqual([DB_ACL2]);
  });

  it('one entry, by rule number and direction: an egress focus does not pick the ingress rule of that number', () => {
    const acls = [tagged(DB_ACL, [allowTcp(80, 3306), allowAll(90)], [DB1])];
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW, { entry: { ruleNumber: 90, egress: true } })).toEqual([]);
    expect(decideNetworkAcls(acls, SUBNETS, DEFAULT_POLICY, NOW, { entry: { ruleNumber: 90, egress: false } }).map((f) => ('action' in f ? f.action : undefined))).toEqual([
      { type: 'delete-nacl-entry', networkAclId: DB_ACL, ruleNumber: 90, egress: false },
    ]);
  });
});

type EntryChange = Extract<Change, { kind: 'nacl-entry' }>;
type AssociationChange = Extract<Change, { kind: 'nacl-association' }>;
const entryChange = (networkAclId: string, entry: NetworkAclEntry): EntryChange => ({ kind: 'nacl-entry', eventName: 'CreateNetworkAclEntry', networkAclId, entry });

describe('evaluateAclEntry: the reasons of settled events', () => {
  const e90 = allowTcp(90, 3306);
  const live = tagged(DB_ACL, [e90], [DB1]);
  const judge = (entry: NetworkAclEntry, current: NetworkAcl | undefined, policy = DEFAULT_POLICY, acls: NetworkAcl[] = []) =>
    evaluateAclEntry(entryChange(DB_ACL, entry), current, acls, SUBNETS, policy, NOW);

  it.each<[string, NetworkAclEntry, string]>([
    ['an egress entry', { ...allowAll(90), egress: true }, `rule 90 (egress): allow all traffic to 0.0.0.0/0 on ${DB_ACL} is an egress entry: LayerGuard guards ingress from the internet`],
    ['an egress deny (egress is said first)', { ...denyAll(90), egress: true }, `rule 90 (egress): deny all traffic to 0.0.0.0/0 on ${DB_ACL} is an egress entry: LayerGuard guards ingress from the internet`],
    ['a deny entry', denyAll(90), `rule 90: deny all traffic from 0.0.0.0/0 on ${DB_ACL} is a deny entry: LayerGuard guards ingress from the internet`],
    ['a narrow source', allowTcp(90, 3306, '10.0.0.0/16'), `rule 90: allow tcp/3306 from 10.0.0.0/16 on ${DB_ACL} is not from the internet: LayerGuard guards ingress from the internet`],
  ])('ignored: %s', (_name, entry, reason) => {
    expect(judge(entry, live)).toEqual({ status: 'ignored', reason });
  });

  it('already-compliant: the ACL is gone, the entry is gone, or it was replaced since', () => {
    expect(judge(e90, undefined)).toEqual({ status: 'already-compliant', reason: `${DB_ACL} no longer exists` });
    expect(judge(e90, tagged(DB_ACL, [], [DB1]))).toEqual({ status: 'already-compliant', reason: `${DB_ACL} no longer has ingress rule 90` });
    expect(judge(e90, tagged(DB_ACL, [allowTcp(90, 3306, '10.0.0.0/16')], [DB1]))).toEqual({
      status: 'already-compliant',
      reason: `ingress rule 90 of ${DB_ACL} was replaced since (now rule 90: allow tcp/3306 from 10.0.0.0/16)`,
    });
  });

  it('an egress rule of the same number listed first does not hide the ingress rule', () => {
    const both = { ...live, entries: [{ ...allowAll(90), egress: true }, e90, star(false), star(true)] };
    expect(judge(e90, both)).toMatchObject({ status: 'judged' });
  });

  it('ignored when a lower deny shadows it, naming the lowest one', () => {
    const shadowed = tagged(DB_ACL, [denyAll(70), denyAll(50), e90], [DB1]);
    expect(judge(e90, shadowed)).toEqual({
      status: 'ignored',
      reason: `rule 90: allow tcp/3306 from 0.0.0.0/0 on ${DB_ACL} admits nothing: rule 50: deny all traffic from 0.0.0.0/0 matches that traffic first`,
    });
  });

  it('ignored on an untagged ACL no isolated subnet uses, naming every isolated tag', () => {
    const webOnly = acl(DB_ACL, [e90], [WEB]);
    expect(judge(e90, webOnly)).toEqual({
      status: 'ignored',
      reason: `no isolated subnet uses ${DB_ACL} and it is not tagged Tier=Database, so rule 90: allow tcp/3306 from 0.0.0.0/0 is allowed there`,
    });
    const policy = parsePolicy({ isolated: { subnetTags: [{ key: 'Tier', value: 'Database' }, { key: 'Tier', value: 'Data' }] } });
    expect(judge(e90, webOnly, policy)).toEqual({
      status: 'ignored',
      reason: `no isolated subnet uses ${DB_ACL} and it is not tagged Tier=Database or Tier=Data, so rule 90: allow tcp/3306 from 0.0.0.0/0 is allowed there`,
    });
  });

  it('an entry event on another tier\'s ACL finds the VPC\'s isolated ACL among the others it is given', () => {
    const e100 = allowAll(100);
    const def = acl(DEF_ACL, [e100], [WEB, DB1]);
    const d = evaluateAclEntry(entryChange(DEF_ACL, e100), def, [def, tagged(DB_ACL, [], [DB2])], SUBNETS, DEFAULT_POLICY, NOW);
    expect(d).toEqual({
      status: 'judged',
      findings: [moveTo(DB1, DEF_ACL, DB_ACL, `isolated subnet ${DB1} is on ${DEF_ACL}, which admits rule 100: allow all traffic from 0.0.0.0/0, not the isolated network ACL ${DB_ACL}`)],
    });
  });
});

describe('evaluateAclAssociation: where the moved subnet is', () => {
  const moved = (networkAclId: string, subnetId: string | undefined): AssociationChange => ({
    kind: 'nacl-association',
    eventName: 'ReplaceNetworkAclAssociation',
    networkAclId,
    previousAssociationId: 'aclassoc-0a1b2c3d4e5f6b031',
    ...(subnetId ? { associationId: assoc(subnetId) } : {}),
  });
  const def = acl(DEF_ACL, [allowAll(100)], [WEB, DB1]);
  const admits = `rule 100: allow all traffic from 0.0.0.0/0`;

  it('settled from the ACL alone: gone, no new association, moved again since, or an ACL that admits nothing', () => {
    expect(evaluateAclAssociation(moved(DEF_ACL, DB1), undefined, [], SUBNETS, DEFAULT_POLICY, NOW)).toEqual({
      status: 'already-compliant',
      reason: `${DEF_ACL} no longer exists`,
    });
    expect(evaluateAclAssociation(moved(DEF_ACL, undefined), def, [def], SUBNETS, DEFAULT_POLICY, NOW)).toEqual({
      status: 'ignored',
      reason: 'the record of aclassoc-0a1b2c3d4e5f6b031 names no new association: nothing to judge',
    });
    expect(evaluateAclAssociation(moved(DEF_ACL, DB2), def, [def], SUBNETS, DEFAULT_POLICY, NOW)).toEqual({
      status: 'already-compliant',
      reason: `${assoc(DB2)} is no longer on ${DEF_ACL}: the subnet moved since`,
    });
    const clean = tagged(DB_ACL, [], [DB1]);
    expect(evaluateAclAssociation(moved(DB_ACL, DB1), clean, [clean], SUBNETS, DEFAULT_POLICY, NOW)).toEqual({
      status: 'ignored',
      reason: `${DB_ACL} admits nothing from the internet`,
    });
  });

  it('ignored for a subnet that is not isolated, by its tags or, when it is not listed, by the policy\'s ids', () => {
    expect(evaluateAclAssociation(moved(DEF_ACL, WEB), def, [def], SUBNETS, DEFAULT_POLICY, NOW)).toEqual({
      status: 'ignored',
      reason: `${WEB} is not an isolated subnet`,
    });
    expect(evaluateAclAssociation(moved(DEF_ACL, DB1), def, [def], [], DEFAULT_POLICY, NOW)).toEqual({
      status: 'ignored',
      reason: `${DB1} is not an isolated subnet`,
    });
  });

  it('an unlisted subnet that the policy names as isolated goes back to the isolated ACL', () => {
    const policy = parsePolicy({ isolated: { subnetIds: [DB1] } });
    const d = evaluateAclAssociation(moved(DEF_ACL, DB1), def, [def, tagged(DB_ACL, [], [DB2])], [], policy, NOW);
    expect(d).toEqual({ status: 'judged', findings: [moveTo(DB1, DEF_ACL, DB_ACL, `isolated subnet ${DB1} is on ${DEF_ACL}, which admits ${admits}`)] });
  });

  it('moves the subnet back with the placement reason (no "not the isolated network ACL")', () => {
    const d = evaluateAclAssociation(moved(DEF_ACL, DB1), def, [def, tagged(DB_ACL, [], [DB2])], SUBNETS, DEFAULT_POLICY, NOW);
    expect(d).toEqual({ status: 'judged', findings: [moveTo(DB1, DEF_ACL, DB_ACL, `isolated subnet ${DB1} is on ${DEF_ACL}, which admits ${admits}`)] });
  });

  it('no isolated ACL to go back to: alert-only, with the problem of its exemption tag', () => {
    const d = evaluateAclAssociation(moved(DEF_ACL, DB1), def, [def], [db(DB1, EXPIRED), web(WEB)], DEFAULT_POLICY, NOW);
    expect(d).toEqual({
      status: 'judged',
      findings: [
        {
          status: 'alert-only',
          drift: placement(DB1, DEF_ACL),
          reason: `isolated subnet ${DB1} is on ${DEF_ACL}, which admits ${admits} (exemption expired on 2025-03-01); ${NO_HOME}`,
          humanAction: stayHuman(DB1, TAG_IT),
        },
      ],
    });
  });

  it('an exempt subnet moved onto it is exempt', () => {
    const d = evaluateAclAssociation(moved(DEF_ACL, DB1), def, [def], [db(DB1, EXEMPT), web(WEB)], DEFAULT_POLICY, NOW);
    expect(d).toEqual({ status: 'judged', findings: [{ status: 'exempt', drift: placement(DB1, DEF_ACL), reason: `${DB1} is exempt until 2025-04-01: migration` }] });
  });

  it('onto an isolated ACL that admits the internet: the subnet moves to the clean one, no entry is deleted, the other subnets stay', () => {
    const open = tagged(DB_ACL, [allowAll(90)], [DB1, DB2]);
    const d = evaluateAclAssociation(moved(DB_ACL, DB1), open, [open, tagged(DB_ACL2, [], [DB3])], SUBNETS, DEFAULT_POLICY, NOW);
    expect(d).toEqual({
      status: 'judged',
      findings: [moveTo(DB1, DB_ACL, DB_ACL2, `isolated subnet ${DB1} is on ${DB_ACL}, which admits rule 90: allow all traffic from 0.0.0.0/0`)],
    });
  });
});
