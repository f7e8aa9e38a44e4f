import type { ChangeResult, NetworkApi, RevokeResult, RouteDestination, SgRule } from '../core/network.js';

/**
 * One batch's network, coalesced per resource: the events of a batch that touch the same security group
 * (or route table) in the same account and region are judged on one read of it and reverted together.
 *
 * - Reads: the same read, asked while no write in that account-region has been answered since, is one
 *   call whose answer every asker gets (each its own copy of the list). Where the batch has several
 *   events in one account-region, the reads of groups by id (and of their rules) asked within
 *   `GATHER_MS` go out together: DescribeSecurityGroups and DescribeSecurityGroupRules take a filter
 *   of up to 200 group ids.
 * - Writes: the participants of a resource (the batch's events about it) meet before the first write
 *   to it. When every one of them has asked to write, or has finished without writing, the writes go
 *   out: every revoke of a group as one `RevokeSecurityGroupIngress` carrying every rule id (EC2 takes
 *   a list of `SecurityGroupRuleIds`), every route to delete of a table in parallel (`DeleteRoute`
 *   takes one destination: EC2 API Reference), and each asker is answered when all of them are done,
 *   so that their read-backs are one read again. A write after that meeting goes out alone.
 * - A failed call fails every asker that shared it: each event is judged failed and retried alone.
 *
 * Nothing is remembered beyond the batch: the next batch reads the live state again.
 */
export interface Coalescer {
  /** The network `participant` sees in one account-region (`place`), over that place's `network`. */
  view(participant: Participant, place: string, network: NetworkApi): NetworkApi;
  /** The participant is done (its outcome is known, or it failed): the writes it never asked for are not waited for. */
  finish(participant: Participant): void;
}

/** One event of the batch, and the resource it is about there (`sg:<id>`, `rtb:<id>`), when it names one. */
export interface Participant {
  readonly id: number;
  readonly place?: string;
  readonly resource?: string;
}

/** The resource key of a security group, and of a route table, as `Participant.resource` names them. */
export const groupKey = (groupId: string): string => `sg:${groupId}`;
export const tableKey = (routeTableId: string): string => `rtb:${routeTableId}`;

type Pending =
  | { readonly kind: 'revoke'; readonly ruleIds: readonly string[]; readonly answer: Answer<RevokeResult> }
  | { readonly kind: 'delete'; readonly destination: RouteDestination; readonly answer: Answer<ChangeResult> };
interface Answer<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A resource's meeting before its first write: who is expected, who has arrived, what they asked. */
interface Meeting {
  readonly expected: Set<number>;
  readonly arrived: Set<number>;
  readonly pending: Pending[];
  held: boolean;
}

/**
 * How long a batch gathers the reads of many groups into one call: its events reach their first read
 * within a few milliseconds of each other (each after its own idempotency record is written).
 */
export const GATHER_MS = 20;

/** Reads of many groups asked within `GATHER_MS`, waiting to go out as one call. */
interface Gathering<T> {
  readonly ids: Set<string>;
  readonly answer: Promise<Map<string, T>>;
}

const copy = <T>(value: T): T => (Array.isArray(value) ? ([...value] as T) : value);
const destinationKey = (d: RouteDestination): string =>
  JSON.stringify([d.cidrIpv4 ?? null, d.cidrIpv6 ?? null, d.prefixListId ?? null]);

export function createCoalescer(participants: readonly Participant[]): Coalescer {
  const meetings = new Map<string, Meeting>();
  for (const p of participants) {
    if (p.place === undefined || p.resource === undefined) continue;
    const key = `${p.place} ${p.resource}`;
    let meeting = meetings.get(key);
    if (!meeting) meetings.set(key, (meeting = { expected: new Set(), arrived: new Set(), pending: [], held: false }));
    meeting.expected.add(p.id);
  }
  // Per place, how many writes have been answered there: a read is shared only within one generation.
  const generations = new Map<string, number>();
  const reads = new Map<string, Promise<unknown>>();
  const generation = (place: string) => generations.get(place) ?? 0;
  const bump = (place: string) => generations.set(place, generation(place) + 1);

  function shared<T>(place: string, call: string, args: unknown, run: () => Promise<T>): Promise<T> {
    // Any write in the place makes every later read a fresh one (a write may change what another read
    // answers: an association moves a subnet between two tables).
    const key = `${place}#${generation(place)}#${call}#${JSON.stringify(args)}`;
    let read = reads.get(key) as Promise<T> | undefined;
    if (!read) {
      read = run();
      reads.set(key, read);
      // A failed read is not kept: the next asker (a retry within the same event) calls again.
      read.catch(() => reads.delete(key));
    }
    return read.then(copy);
  }

  async function dispatch(place: string, resource: string, meeting: Meeting, network: NetworkApi): Promise<void> {
    meeting.held = true;
    const revokes = meeting.pending.filter((p): p is Extract<Pending, { kind: 'revoke' }> => p.kind === 'revoke');
    const deletes = meeting.pending.filter((p): p is Extract<Pending, { kind: 'delete' }> => p.kind === 'delete');
    const work: Promise<() => void>[] = [];
    if (revokes.length > 0) {
      const ruleIds = [...new Set(revokes.flatMap((r) => r.ruleIds))];
      const groupId = resource.slice('sg:'.length);
      work.push(
        network.revokeIngress(groupId, ruleIds).then(
          (result) => () => revokes.forEach((r) => r.answer.resolve(result)),
          (error: unknown) => () => revokes.forEach((r) => r.answer.reject(error)),
        ),
      );
    }
    const byDestination = new Map<string, Extract<Pending, { kind: 'delete' }>[]>();
    for (const d of deletes) byDestination.set(destinationKey(d.destination), [...(byDestination.get(destinationKey(d.destination)) ?? []), d]);
    const routeTableId = resource.slice('rtb:'.length);
    for (const askers of byDestination.values()) {
      work.push(
        network.deleteRoute(routeTableId, (askers[0] as (typeof askers)[number]).destination).then(
          (result) => () => askers.forEach((d) => d.answer.resolve(result)),
          (error: unknown) => () => askers.forEach((d) => d.answer.reject(error)),
        ),
      );
    }
    const answers = await Promise.all(work);
    bump(place);
    for (const answer of answers) answer();
  }

  /** Arrival at a resource's meeting; the last one to arrive sends the writes. */
  function arrive(place: string, resource: string, participant: Participant, network: NetworkApi | undefined): void {
    const meeting = meetings.get(`${place} ${resource}`);
    if (!meeting || meeting.held || !meeting.expected.has(participant.id)) return;
    meeting.arrived.add(participant.id);
    if (meeting.arrived.size < meeting.expected.size) return;
    if (meeting.pending.length === 0) {
      meeting.held = true;
      return;
    }
    if (network) void dispatch(place, resource, meeting, network);
  }

  // Gathered reads of groups by id, per place and kind; only when the batch has several events in the place.
  const crowded = new Set<string>();
  const counts = new Map<string, number>();
  for (const p of participants) if (p.place !== undefined) counts.set(p.place, (counts.get(p.place) ?? 0) + 1);
  for (const [place, n] of counts) if (n > 1) crowded.add(place);
  const gatherings = new Map<string, Gathering<unknown>>();
  function gathered<T>(place: string, kind: string, id: string, fetch: (ids: string[]) => Promise<Map<string, T>>): Promise<T | undefined> {
    const key = `${place}#${kind}`;
    let gathering = gatherings.get(key) as Gathering<T> | undefined;
    if (!gathering) {
      const ids = new Set<string>();
      const answer = new Promise<Map<string, T>>((resolve, reject) => {
        setTimeout(() => {
          gatherings.delete(key);
          fetch([...ids]).then(resolve, reject);
        }, GATHER_MS);
      });
      gathering = { ids, answer };
      gatherings.set(key, gathering as Gathering<unknown>);
    }
    gathering.ids.add(id);
    return gathering.answer.then((found) => found.get(id));
  }

  const networks = new Map<string, NetworkApi>();
  return {
    finish(participant) {
      if (participant.place === undefined || participant.resource === undefined) return;
      arrive(participant.place, participant.resource, participant, networks.get(participant.place));
    },
    view(participant, place, network) {
      networks.set(place, network);
      const meetingOf = (resource: string) => {
        const meeting = meetings.get(`${place} ${resource}`);
        return meeting && !meeting.held && meeting.expected.has(participant.id) && !meeting.arrived.has(participant.id)
          ? meeting
          : undefined;
      };
      const many = crowded.has(place);
      const getGroups = many ? network.getSecurityGroups?.bind(network) : undefined;
      const getRules = many ? network.listRulesOf?.bind(network) : undefined;
      const wrapped: NetworkApi = {
        ...bindAll(network),
        getSecurityGroup: (ref) =>
          shared(place, 'getSecurityGroup', ref, () =>
            getGroups && ref.groupId && !ref.groupName && !ref.vpcId
              ? gathered(place, 'groups', ref.groupId, async (ids) => new Map((await getGroups(ids)).map((g) => [g.groupId, g])))
              : network.getSecurityGroup(ref),
          ),
        listRules: (groupId) =>
          shared(place, 'listRules', groupId, async () =>
            getRules
              ? ((await gathered(place, 'rules', groupId, async (ids) => {
                  const byGroup = new Map<string, SgRule[]>(ids.map((id) => [id, []]));
                  for (const r of await getRules(ids)) byGroup.get(r.groupId)?.push(r);
                  return byGroup;
                })) ?? [])
              : network.listRules(groupId),
          ),
        getRouteTable: (id) => shared(place, 'getRouteTable', id, () => network.getRouteTable(id)),
        listRouteTables: (vpcId) => shared(place, 'listRouteTables', vpcId, () => network.listRouteTables(vpcId)),
        listSubnets: (vpcId) => shared(place, 'listSubnets', vpcId, () => network.listSubnets(vpcId)),
        getSubnet: (id) => shared(place, 'getSubnet', id, () => network.getSubnet(id)),
        getPrefixListEntries: (id) => shared(place, 'getPrefixListEntries', id, () => network.getPrefixListEntries(id)),
        revokeIngress(groupId, ruleIds) {
          const resource = groupKey(groupId);
          const meeting = meetingOf(resource);
          if (!meeting) return network.revokeIngress(groupId, ruleIds).finally(() => bump(place));
          return new Promise<RevokeResult>((resolve, reject) => {
            meeting.pending.push({ kind: 'revoke', ruleIds, answer: { resolve, reject } });
            arrive(place, resource, participant, network);
          });
        },
        deleteRoute(routeTableId, destination) {
          const resource = tableKey(routeTableId);
          const meeting = meetingOf(resource);
          if (!meeting) return network.deleteRoute(routeTableId, destination).finally(() => bump(place));
          return new Promise<ChangeResult>((resolve, reject) => {
            meeting.pending.push({ kind: 'delete', destination, answer: { resolve, reject } });
            arrive(place, resource, participant, network);
          });
        },
      };
      // Every other write changes what any read of the place may answer.
      for (const write of OTHER_WRITES) {
        const call = network[write] as (...args: never[]) => Promise<unknown>;
        (wrapped as unknown as Record<string, unknown>)[write] = (...args: never[]) =>
          call.apply(network, args).finally(() => bump(place));
      }
      return wrapped;
    },
  };
}

const OTHER_WRITES = [
  'removePrefixListEntries',
  'modifyIngressRule',
  'replaceRoute',
  'replaceRouteTableAssociation',
  'associateRouteTable',
  'deleteNetworkAclEntry',
  'replaceNetworkAclAssociation',
] as const satisfies readonly (keyof NetworkApi)[];

/** The network's methods bound to it (a class's methods live on its prototype, which a spread leaves behind). */
function bindAll(network: NetworkApi): NetworkApi {
  const bound: Record<string, unknown> = {};
  for (const name of METHODS) {
    const method = network[name] as unknown as (...args: unknown[]) => unknown;
    bound[name] = (...args: unknown[]) => method.apply(network, args);
  }
  return bound as unknown as NetworkApi;
}

const METHODS = [
  'getSecurityGroup',
  'listRules',
  'getPrefixListEntries',
  'getPrefixList',
  'getPrefixListAssociations',
  'removePrefixListEntries',
  'revokeIngress',
  'getRouteTable',
  'listRouteTables',
  'listSubnets',
  'getSubnet',
  'deleteRoute',
  'replaceRoute',
  'modifyIngressRule',
  'replaceRouteTableAssociation',
  'associateRouteTable',
  'pageSecurityGroups',
  'pageRouteTables',
  'getNetworkAcl',
  'listNetworkAcls',
  'pageNetworkAcls',
  'deleteNetworkAclEntry',
  'replaceNetworkAclAssociation',
  'listLoadBalancers',
] as const satisfies readonly (keyof NetworkApi)[];
