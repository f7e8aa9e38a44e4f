import {
  DescribeLoadBalancersCommand as DescribeClassicLoadBalancersCommand,
  type ElasticLoadBalancingClient,
  type LoadBalancerDescription,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer as Elbv2LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsCallError } from '../core/errors.js';
import type { LoadBalancer } from '../core/network.js';
import { definedOnly } from '../core/defined.js';
import { classicElbClient, elbv2Client } from './clients.js';
import { toAwsCallError } from './ec2-network.js';

/**
 * Load balancers read through Elastic Load Balancing: v2 (application, network, gateway) and
 * Classic, each `DescribeLoadBalancers` page by page (`Marker` in, `NextMarker` out, at most 400 a
 * page: the SDK models' `DescribeLoadBalancersInput.PageSize`). The public tier as AWS shows it: a
 * group attached to an internet-facing load balancer faces the internet on the listener's ports.
 */

/**
 * The largest page both APIs accept: "a number from 1 to 400" (the Classic SDK model's
 * `DescribeAccessPointsInput.PageSize`; the v2 API reference gives the same range).
 */
const PAGE_SIZE = 400;
/** The v2 and Classic `Scheme` value of a load balancer reachable from the internet (v2 `LoadBalancerSchemeEnum.INTERNET_FACING`). */
const INTERNET_FACING = 'internet-facing';

/** ELBv2 LoadBalancer -> domain LoadBalancer. `Type` is `LoadBalancerTypeEnum`: application, network or gateway. */
export function fromElbv2(lb: Elbv2LoadBalancer): LoadBalancer {
  const type = lb.Type === 'network' || lb.Type === 'gateway' ? lb.Type : 'application';
  return definedOnly({
    name: lb.LoadBalancerName ?? lb.LoadBalancerArn ?? '',
    kind: type,
    internetFacing: lb.Scheme === INTERNET_FACING,
    vpcId: lb.VpcId,
    securityGroupIds: lb.SecurityGroups ?? [],
  });
}

/** Classic LoadBalancerDescription -> domain LoadBalancer (`VPCId`, `Scheme`, `SecurityGroups`). */
export function fromClassic(lb: LoadBalancerDescription): LoadBalancer {
  return definedOnly({
    name: lb.LoadBalancerName ?? '',
    kind: 'classic' as const,
    internetFacing: lb.Scheme === INTERNET_FACING,
    vpcId: lb.VPCId,
    securityGroupIds: lb.SecurityGroups ?? [],
  });
}

async function allPages<P extends { NextMarker?: string | undefined }>(
  operation: string,
  fetch: (marker: string | undefined) => Promise<P>,
): Promise<P[]> {
  const pages: P[] = [];
  let marker: string | undefined;
  do {
    const previous = marker;
    let page: P;
    try {
      page = await fetch(marker);
    } catch (error) {
      throw toAwsCallError(operation, error);
    }
    pages.push(page);
    marker = page.NextMarker || undefined;
    if (marker !== undefined && marker === previous) {
      throw new AwsCallError(operation, 'RepeatedMarker', `Elastic Load Balancing returned the same NextMarker twice (${marker})`);
    }
  } while (marker !== undefined);
  return pages;
}

/** Reads every load balancer of the region, v2 and Classic in parallel. A failed read throws: the decision must not guess. */
export function createLoadBalancerReader(
  elbv2: ElasticLoadBalancingV2Client,
  classic: ElasticLoadBalancingClient,
): () => Promise<LoadBalancer[]> {
  return async () => {
    const [v2, old] = await Promise.all([
      allPages('elasticloadbalancing:DescribeLoadBalancers (v2)', (Marker) =>
        elbv2.send(new DescribeLoadBalancersCommand(definedOnly({ PageSize: PAGE_SIZE, Marker }))),
      ),
      allPages('elasticloadbalancing:DescribeLoadBalancers (Classic)', (Marker) =>
        classic.send(new DescribeClassicLoadBalancersCommand(definedOnly({ PageSize: PAGE_SIZE, Marker }))),
      ),
    ]);
    return [
      ...v2.flatMap((p) => (p.LoadBalancers ?? []).map(fromElbv2)),
      ...old.flatMap((p) => (p.LoadBalancerDescriptions ?? []).map(fromClassic)),
    ];
  };
}

/** The reader on the shared clients (the SDK's standard configuration, or `region`'s): what the functions and the CLI use. */
export const defaultLoadBalancerReader = (region?: string): (() => Promise<LoadBalancer[]>) =>
  createLoadBalancerReader(elbv2Client(region), classicElbClient(region));
