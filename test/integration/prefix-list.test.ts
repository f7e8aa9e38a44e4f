import {
  AuthorizeSecurityGroupIngressCommand,
  CreateManagedPrefixListCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  DescribeManagedPrefixListsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  GetManagedPrefixListEntriesCommand,
  ModifyManagedPrefixListCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec2Client, resetClients } from '../../functions/adapters/clients.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import type { Change } from '../../functions/core/change.js';
import { AwsCallError } from '../../functions/core/errors.js';
import type { NetworkApi, PrefixListAssociation } from '../../functions/core/network.js';
import type { Trigger } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { remediatePrefixList } from '../../functions/pipeline/prefix-list.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/*
 * The prefix-list remediator through the EC2 adapter, over real HTTP against moto 5.2. Each test builds
 * its own VPC, group and customer-managed list with real calls, makes the drift with a real
 * ModifyManagedPrefixList, runs the remediator twice and reads the list back with
 * GetManagedPrefixListEntries.
 *
 * Where moto 5.2 stops (moto/ec2/responses/vpcs.py, models/managed_prefixes.py), each pinned below:
 * - GetManagedPrefixListAssociations is not implemented: the adapter's call fails. Nor is DescribeSecurityGroups'
 *   filter `ip-permission.prefix-list-id` (MotoNotImplementedError). The remediator runs with that one port
 *   method answered from moto's DescribeSecurityGroupRules (every rule, the ones naming the list): the groups
 *   that reference it. Every other call is the real adapter's.
 * - A stale CurrentVersion is not refused: moto rebuilds the new version from the entries of the version
 *   named (`entries.get(current_version, latest)`), where EC2 fails the request ("If you specify a current
 *   version number that does not match the true current version number, the request fails"). The
 *   race's re-read is proven on the simulated account and with the SDK mocked, not here.
 * - A modify without PrefixListName clears the list's name (`managed_pl.prefix_list_name =
 *   prefix_list_name`); EC2 keeps it. LayerGuard sends no name, so on moto the list loses its name.
 * - The version is applied at once (`modify-complete`); EC2 answers `modify-in-progress` first.
 */

const endpoint = motoEndpoint();
const MOTO_ACCOUNT = '123456789012';
const unique = () => `lg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const trigger = (): Trigger => ({
  eventId: `moto-pl-${Math.random().toString(16).slice(2)}`,
  eventName: 'ModifyManagedPrefixList',
  eventSource: 'ec2.amazonaws.com',
  source: 'aws.ec2',
  account: MOTO_ACCOUNT,
  region: 'us-east-1',
  eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
});
const change = (prefixListId: string, added: string[]): Extract<Change, { kind: 'prefix-list-entries' }> => ({
  kind: 'prefix-list-entries',
  eventName: 'ModifyManagedPrefixList',
  prefixListId,
  added,
  removed: [],
});

describe.skipIf(!endpoint)(`prefix-list remediation against moto (${endpoint ?? 'unavailable'})`, () => {
  useMoto();
  let client: EC2Client;
  let real: NetworkApi;
  let network: NetworkApi;

  beforeAll(() => {
    resetClients();
    client = ec2Client();
    real = createEc2Network(client);
    // The one call moto lacks, answered from a filter moto has (see the header).
    network = {
      ...real,
      async getPrefixListAssociations(prefixListId): Promise<PrefixListAssociation[]> {
        const rules = (await client.send(new DescribeSecurityGroupRulesCommand({}))).SecurityGroupRules ?? [];
        const groups = new Set(rules.filter((r) => r.PrefixListId === prefixListId).map((r) => r.GroupId as string));
        return [...groups].map((resourceId) => ({ resourceId, resourceOwner: MOTO_ACCOUNT }));
      },
    };
  });
  afterAll(() => {
    client?.destroy();
    resetClients();
  });

  /** A VPC, the app group, and the office list (two ranges) that the group names on tcp/22. */
  async function office(opts: { referenced?: boolean; tags?: Record<string, string> } = {}) {
    const vpcId = (await client.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId as string;
    const groupId = (await client.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: unique(), Description: 'app tier' }))).GroupId as string;
    const list = await client.send(
      new CreateManagedPrefixListCommand({
        PrefixListName: unique(),
        AddressFamily: 'IPv4',
        MaxEntries: 10,
        Entries: [{ Cidr: '203.0.113.0/24', Description: 'office' }, { Cidr: '10.8.0.0/16', Description: 'vpn' }],
        TagSpecifications: opts.tags ? [{ ResourceType: 'prefix-list', Tags: Object.entries(opts.tags).map(([Key, Value]) => ({ Key, Value })) }] : undefined,
      }),
    );
    const prefixListId = list.PrefixList?.PrefixListId as string;
    if (opts.referenced !== false) {
      await client.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, PrefixListIds: [{ PrefixListId: prefixListId }] }] }),
      );
    }
    return { vpcId, groupId, prefixListId };
  }
  const addEntry = (prefixListId: string, cidr: string, version: number) =>
    client.send(new ModifyManagedPrefixListCommand({ PrefixListId: prefixListId, CurrentVersion: version, AddEntries: [{ Cidr: cidr, Description: 'drift' }] }));
  const entries = async (prefixListId: string) =>
    ((await client.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: prefixListId }))).Entries ?? []).map((e) => e.Cidr);

  it('reads a list as EC2 describes it: owner, version, family, tags; an AWS-managed list’s owner is AWS; an unknown id is gone', async () => {
    const { prefixListId } = await office({ tags: { Team: 'network' } });
    await addEntry(prefixListId, '198.51.100.0/24', 1);
    expect(await real.getPrefixList(prefixListId)).toMatchObject({ prefixListId, ownerId: MOTO_ACCOUNT, version: 2, addressFamily: 'IPv4', tags: { Team: 'network' } });
    const s3 = (await client.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.us-east-1.s3'] }] }))).PrefixLists?.[0];
    expect((await real.getPrefixList(s3?.PrefixListId as string))?.ownerId).toBe('AWS');
    expect(await real.getPrefixList('pl-0123456789abcdef0')).toBeUndefined();
  });

  it('moto 5.2 does not answer GetManagedPrefixListAssociations: the adapter fails the call (never "nothing references it")', async () => {
    const { prefixListId } = await office();
    await expect(real.getPrefixListAssociations(prefixListId)).rejects.toBeInstanceOf(AwsCallError);
  });

  it('removes exactly the added 0.0.0.0/0 at the live version, keeps the office ranges and the rule; the second run is already compliant', async () => {
    const { groupId, prefixListId } = await office();
    await addEntry(prefixListId, '0.0.0.0/0', 1);
    const deps = { network, policy: DEFAULT_POLICY, clock: () => new Date() };

    const first = await remediatePrefixList(change(prefixListId, ['0.0.0.0/0']), trigger(), deps);
    expect(first.outcome).toBe('remediated');
    expect(first.resources).toEqual([prefixListId, groupId]);
    expect(first.actions).toEqual([{ type: 'remove-prefix-list-entries', prefixListId, currentVersion: 2, cidrs: ['0.0.0.0/0'], result: 'done' }]);
    expect((await entries(prefixListId)).sort()).toEqual(['10.8.0.0/16', '203.0.113.0/24']);
    expect((await real.getPrefixList(prefixListId))?.version).toBe(3);
    const rules = (await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups?.[0]?.IpPermissions ?? [];
    expect(rules.flatMap((p) => p.PrefixListIds ?? []).map((p) => p.PrefixListId)).toEqual([prefixListId]);

    const second = await remediatePrefixList(change(prefixListId, ['0.0.0.0/0']), trigger(), deps);
    expect(second.outcome).toBe('already-compliant');
    expect((await real.getPrefixList(prefixListId))?.version).toBe(3);
  });

  it('a list nothing references keeps its entry (ignored); a private range is decided with no call', async () => {
    const { prefixListId } = await office({ referenced: false });
    await addEntry(prefixListId, '0.0.0.0/0', 1);
    const deps = { network, policy: DEFAULT_POLICY, clock: () => new Date() };
    const outcome = await remediatePrefixList(change(prefixListId, ['0.0.0.0/0']), trigger(), deps);
    expect(outcome.outcome).toBe('ignored');
    expect(await entries(prefixListId)).toContain('0.0.0.0/0');
    expect((await remediatePrefixList(change(prefixListId, ['10.20.0.0/16']), trigger(), deps)).outcome).toBe('ignored');
  });

  it('an AWS-managed list is ignored after one read', async () => {
    const s3 = (await client.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.us-east-1.s3'] }] }))).PrefixLists?.[0];
    const outcome = await remediatePrefixList(change(s3?.PrefixListId as string, ['0.0.0.0/0']), trigger(), { network, policy: DEFAULT_POLICY, clock: () => new Date() });
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toMatch(/AWS-managed/);
  });

  it('where moto differs: a stale CurrentVersion is not refused, and a modify without a name clears it', async () => {
    const { prefixListId } = await office();
    await addEntry(prefixListId, '198.51.100.0/24', 1);
    // EC2 refuses version 1 now (the list is at 2); moto accepts it and builds version 3 from version 1's entries.
    await client.send(new ModifyManagedPrefixListCommand({ PrefixListId: prefixListId, CurrentVersion: 1, RemoveEntries: [{ Cidr: '10.8.0.0/16' }] }));
    expect(await entries(prefixListId)).toEqual(['203.0.113.0/24']);
    expect((await real.getPrefixList(prefixListId))?.name).toBeUndefined();
  });
});
