import type { RouteTable, SgRule } from '../../functions/core/network.js';
import type { ConfigHistory, ConfigResourceType, HistoryAnswer } from '../../functions/core/restore.js';
import type { SimulatedAccount } from './account.js';

/**
 * AWS Config for the simulated account: `capture` records every security group and route table as a
 * configuration item, in the shape Config writes (EC2's resource in camelCase, as
 * test/fixtures/config/*.json), and `previous` answers as GetResourceConfigHistory does for the
 * latest item before a time (functions/adapters/config-history.ts). A resource never captured is
 * "not recorded", as ResourceNotDiscoveredException says.
 */
export class SimulatedConfigHistory implements ConfigHistory {
  private readonly items: { type: ConfigResourceType; id: string; at: Date; configuration: unknown }[] = [];

  constructor(private readonly account: SimulatedAccount) {}

  /** Records the account as it is now, captured at `at`. */
  capture(at: Date): void {
    for (const group of this.account.groups.values()) {
      const ingress = this.account.rulesOf(group.groupId).filter((r) => !r.isEgress);
      this.items.push({ type: 'AWS::EC2::SecurityGroup', id: group.groupId, at, configuration: { groupId: group.groupId, ipPermissions: ingress.map(permission) } });
    }
    for (const id of this.account.routeTables.keys()) {
      const table = this.account.routeTable(id) as RouteTable;
      this.items.push({ type: 'AWS::EC2::RouteTable', id, at, configuration: { routeTableId: id, routes: table.routes.map(route) } });
    }
  }

  async previous(resourceType: ConfigResourceType, resourceId: string, before: Date): Promise<HistoryAnswer> {
    const mine = this.items.filter((i) => i.type === resourceType && i.id === resourceId);
    if (mine.length === 0) return { why: `AWS Config has not recorded ${resourceId}` };
    const found = mine.filter((i) => i.at.getTime() < before.getTime() - 1000).at(-1);
    if (!found) return { why: `AWS Config has no configuration item of ${resourceId} from before the change` };
    return { item: { captureTime: found.at.toISOString(), status: 'OK', configuration: structuredClone(found.configuration) } };
  }
}

/** One rule as a permission of its own (Config groups by protocol and ports; the content is the same). */
const permission = (r: SgRule) => ({
  ipProtocol: r.protocol,
  ...(r.fromPort === undefined ? {} : { fromPort: r.fromPort, toPort: r.toPort }),
  ipv4Ranges: r.cidrIpv4 ? [{ cidrIp: r.cidrIpv4, description: r.description }] : [],
  ipv6Ranges: r.cidrIpv6 ? [{ cidrIpv6: r.cidrIpv6, description: r.description }] : [],
  prefixListIds: r.prefixListId ? [{ prefixListId: r.prefixListId, description: r.description }] : [],
  userIdGroupPairs: r.referencedGroupId ? [{ groupId: r.referencedGroupId, description: r.description }] : [],
});

const route = (r: RouteTable['routes'][number]) => {
  const { cidrIpv4, cidrIpv6, prefixListId, ...target } = r;
  return { destinationCidrBlock: cidrIpv4, destinationIpv6CidrBlock: cidrIpv6, destinationPrefixListId: prefixListId, ...target };
};
