import {
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  type CreateNetworkAclEntryCommandInput,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeNetworkAclsCommand,
  type EC2Client,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClients } from '../../functions/adapters/clients.js';
import type { Change } from '../../functions/core/change.js';
import type { NetworkApi } from '../../functions/core/network.js';
import type { Outcome, Trigger } from '../../functions/core/outcome.js';
import type { PipelineDeps } from '../../functions/pipeline/deps.js';
import { remediateAclAssociation, remediateAclEntry } from '../../functions/pipeline/network-acl.js';
import { runRunbook } from '../../functions/pipeline/runbook.js';
import { motoEndpoint, motoPipeline, useMoto } from '../support/moto.js';

/*
 * The network-ACL remediators through the EC2 adapter, over real HTTP against moto 5.2: each test
 * builds its own VPC (a web subnet and two database subnets on a database ACL tagged Tier=Database)
 * with real calls, makes one drift with a real call, runs the remediator twice, and reads the ACLs
 * back with DescribeNetworkAcls. What moto answers here is what the adapter's mapping is checked
 * against (functions/adapters/ec2-network.ts: toNetworkAcl, toAclEntry).
 */

const endpoint = motoEndpoint();
const trigger = (eventName: string): Trigger => ({
  eventId: `moto-${eventName}-${Math.random().toString(16).slice(2)}`,
  eventName,
  eventSource: 'ec2.amazonaws.com',
  source: 'aws.ec2',
  eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
});

interface Vpc {
  vpcId: string;
  defaultAcl: string;
  databaseAcl: string;
  web: string;
  db: string[];
}

describe.skipIf(!endpoint)(`network-ACL remediation against moto (${endpoint ?? 'unavailable'})`, () => {
  useMoto();
  let client: EC2Client;
  let network: NetworkApi;
  let deps: PipelineDeps;

  beforeAll(() => {
    ({ client, network, deps } = motoPipeline());
  });
  afterAll(() => {
    client?.destroy();
    resetClients();
  });

  async function vpc(): Promise<Vpc> {
    const vpcId = (await client.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId as string;
    const subnet = async (cidr: string, tier: string) =>
      (
        await client.send(
          new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Tier', Value: tier }] }] }),
        )
      ).Subnet?.SubnetId as string;
    const web = await subnet('10.0.1.0/24', 'Web');
    const db = [await subnet('10.0.21.0/24', 'Database'), await subnet('10.0.22.0/24', 'Database')];
    const databaseAcl = (
      await client.send(
        new CreateNetworkAclCommand({ VpcId: vpcId, TagSpecifications: [{ ResourceType: 'network-acl', Tags: [{ Key: 'Tier', Value: 'Database' }] }] }),
      )
    ).NetworkAcl?.NetworkAclId as string;
    const entry = (input: Omit<CreateNetworkAclEntryCommandInput, 'NetworkAclId'>) =>
      client.send(new CreateNetworkAclEntryCommand({ NetworkAclId: databaseAcl, ...input }));
    await entry({ RuleNumber: 100, Egress: false, RuleAction: 'allow', Protocol: '-1', CidrBlock: '10.0.0.0/16' });
    await entry({ RuleNumber: 100, Egress: true, RuleAction: 'allow', Protocol: '-1', CidrBlock: '10.0.0.0/16' });
    // Every new subnet is on the VPC's default ACL; the database subnets move onto theirs.
    const acls = (await client.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).NetworkAcls ?? [];
    const defaultAcl = acls.find((a) => a.IsDefault)?.NetworkAclId as string;
    for (const s of db) {
      const association = acls.flatMap((a) => a.Associations ?? []).find((x) => x.SubnetId === s);
      await client.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: association?.NetworkAclAssociationId, NetworkAclId: databaseAcl }));
    }
    return { vpcId, defaultAcl, databaseAcl, web, db };
  }

  it('reads an ACL as EC2 describes it: the protocol as a number, port ranges, associations, tags, the default ACL', async () => {
    const v = await vpc();
    await client.send(
      new CreateNetworkAclEntryCommand({ NetworkAclId: v.databaseAcl, RuleNumber: 90, Egress: false, RuleAction: 'allow', Protocol: '6', PortRange: { From: 3306, To: 3306 }, CidrBlock: '0.0.0.0/0' }),
    );
    const acl = await network.getNetworkAcl(v.databaseAcl);
    expect(acl?.tags).toEqual({ Tier: 'Database' });
    expect(acl?.isDefault).toBe(false);
    expect(acl?.associations.map((a) => a.subnetId).sort()).toEqual([...v.db].sort());
    expect(acl?.entries).toContainEqual({ ruleNumber: 90, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 3306, to: 3306 } });
    const all = await network.listNetworkAcls(v.vpcId);
    expect(all.find((a) => a.networkAclId === v.defaultAcl)?.isDefault).toBe(true);
    // An unknown ACL is "gone" (moto answers InvalidRouteTableID.NotFound for it: see ec2-errors.ts).
    expect(await network.getNetworkAcl('acl-0123456789abcdef0')).toBeUndefined();
  });

  it('CreateNetworkAclEntry from the internet on the database ACL: deleted, then already-compliant', async () => {
    const v = await vpc();
    await client.send(
      new CreateNetworkAclEntryCommand({ NetworkAclId: v.databaseAcl, RuleNumber: 90, Egress: false, RuleAction: 'allow', Protocol: '6', PortRange: { From: 3306, To: 3306 }, CidrBlock: '0.0.0.0/0' }),
    );
    const change: Extract<Change, { kind: 'nacl-entry' }> = {
      kind: 'nacl-entry',
      eventName: 'CreateNetworkAclEntry',
      networkAclId: v.databaseAcl,
      entry: { ruleNumber: 90, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 3306, to: 3306 } },
    };
    const first: Outcome = await remediateAclEntry(change, trigger('CreateNetworkAclEntry'), deps);
    expect(first.outcome).toBe('remediated');
    const entries = (await network.getNetworkAcl(v.databaseAcl))?.entries.map((e) => `${e.ruleNumber}${e.egress ? 'e' : 'i'}`).sort();
    expect(entries).toEqual(['100e', '100i']);
    const second = await remediateAclEntry(change, trigger('CreateNetworkAclEntry'), deps);
    expect(second.outcome).toBe('already-compliant');
  });

  it('ReplaceNetworkAclEntry to ::/0: deleted, and a person is told what to restore', async () => {
    const v = await vpc();
    await client.send(new ReplaceNetworkAclEntryCommand({ NetworkAclId: v.databaseAcl, RuleNumber: 100, Egress: false, RuleAction: 'allow', Protocol: '-1', Ipv6CidrBlock: '::/0' }));
    const outcome = await remediateAclEntry(
      {
        kind: 'nacl-entry',
        eventName: 'ReplaceNetworkAclEntry',
        networkAclId: v.databaseAcl,
        entry: { ruleNumber: 100, egress: false, ruleAction: 'allow', protocol: '-1', cidrIpv6: '::/0' },
      },
      trigger('ReplaceNetworkAclEntry'),
      deps,
    );
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.humanAction).toMatch(/rule 100/);
    expect((await network.getNetworkAcl(v.databaseAcl))?.entries.filter((e) => e.ruleNumber === 100).map((e) => e.egress)).toEqual([true]);
  });

  it('a database subnet moved onto the default ACL goes back to the database ACL', async () => {
    const v = await vpc();
    const acl = await network.getNetworkAcl(v.databaseAcl);
    const previous = acl?.associations.find((a) => a.subnetId === v.db[0])?.associationId as string;
    const moved = await client.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: previous, NetworkAclId: v.defaultAcl }));
    const change: Extract<Change, { kind: 'nacl-association' }> = {
      kind: 'nacl-association',
      eventName: 'ReplaceNetworkAclAssociation',
      networkAclId: v.defaultAcl,
      previousAssociationId: previous,
      associationId: moved.NewAssociationId as string,
    };
    const first = await remediateAclAssociation(change, trigger('ReplaceNetworkAclAssociation'), deps);
    expect(first.outcome).toBe('remediated');
    expect((await network.getNetworkAcl(v.databaseAcl))?.associations.map((a) => a.subnetId).sort()).toEqual([...v.db].sort());
    // The default ACL keeps its entries and the web subnet.
    const def = await network.getNetworkAcl(v.defaultAcl);
    expect(def?.associations.map((a) => a.subnetId)).toEqual([v.web]);
    expect(def?.entries.some((e) => e.ruleNumber === 100 && e.ruleAction === 'allow' && !e.egress)).toBe(true);
    const second = await remediateAclAssociation(change, trigger('ReplaceNetworkAclAssociation'), deps);
    expect(second.outcome).toBe('already-compliant');
  });

  it('a sweep of the VPC finds an internet entry whose event was missed', async () => {
    const v = await vpc();
    await client.send(new CreateNetworkAclEntryCommand({ NetworkAclId: v.databaseAcl, RuleNumber: 95, Egress: false, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/1' }));
    const result = await runRunbook({ action: 'sweep', vpcId: v.vpcId }, deps);
    expect(result.outcomes.flatMap((o) => o.actions)).toEqual([
      expect.objectContaining({ type: 'delete-nacl-entry', networkAclId: v.databaseAcl, ruleNumber: 95, result: 'done' }),
    ]);
    expect((await network.getNetworkAcl(v.databaseAcl))?.entries.some((e) => e.ruleNumber === 95)).toBe(false);
  });
});
