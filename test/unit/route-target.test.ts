import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../functions/core/policy.js';
import {
  canonicalTarget,
  findRoute,
  forbiddenTargetKind,
  isSameDestination,
  routeTargetOf,
} from '../../functions/core/route-table.js';

/*
 * A route's target is known by its id's prefix, whatever the field (EC2 accepts a NAT gateway id in
 * CreateRoute's GatewayId and stores a NAT route), and a destination by its network (EC2 stores the
 * canonical form: "We modify the specified CIDR block to its canonical form", CreateRouteRequest.
 * DestinationCidrBlock, @aws-sdk/client-ec2 models_2.d.ts).
 */

describe('routeTargetOf: by id prefix in any target field', () => {
  it.each([
    [{ gatewayId: 'igw-0abc' }, { kind: 'internet-gateway', id: 'igw-0abc' }],
    [{ gatewayId: 'nat-0abc' }, { kind: 'nat-gateway', id: 'nat-0abc' }],
    [{ natGatewayId: 'nat-0abc' }, { kind: 'nat-gateway', id: 'nat-0abc' }],
    [{ gatewayId: 'eigw-0abc' }, { kind: 'egress-only-internet-gateway', id: 'eigw-0abc' }],
    [{ egressOnlyInternetGatewayId: 'eigw-0abc' }, { kind: 'egress-only-internet-gateway', id: 'eigw-0abc' }],
    [{ transitGatewayId: 'tgw-0abc' }, { kind: 'transit-gateway', id: 'tgw-0abc' }],
    [{ vpcPeeringConnectionId: 'pcx-0abc' }, { kind: 'vpc-peering-connection', id: 'pcx-0abc' }],
    [{ gatewayId: 'IGW-0ABC' }, { kind: 'internet-gateway', id: 'igw-0abc' }],
    [{ gatewayId: 'vgw-0abc' }, undefined],
    [{ gatewayId: 'local' }, undefined],
    // Opaque kinds (a NAT instance's or appliance's interface, a Gateway Load Balancer endpoint): classified,
    // so that a default route to one is judged (isolated.unknownDefaultRoute).
    [{ networkInterfaceId: 'eni-0abc' }, { kind: 'network-interface', id: 'eni-0abc' }],
    [{ vpcEndpointId: 'vpce-0abc' }, { kind: 'vpc-endpoint', id: 'vpce-0abc' }],
    [{ instanceId: 'i-0abc' }, { kind: 'instance', id: 'i-0abc' }],
    [{}, undefined],
  ])('%j -> %j', (target, expected) => {
    expect(routeTargetOf(target)).toEqual(expected);
  });

  it('a NAT id in gatewayId is forbidden exactly when NAT gateways are', () => {
    const nat = parsePolicy({ isolated: { forbiddenTargets: ['nat-gateway'] } });
    const igw = parsePolicy({ isolated: { forbiddenTargets: ['internet-gateway'] } });
    expect(forbiddenTargetKind({ gatewayId: 'nat-0abc' }, nat)).toBe('nat-gateway');
    expect(forbiddenTargetKind({ gatewayId: 'nat-0abc' }, igw)).toBeUndefined();
  });
});

describe('canonicalTarget: the id in the field of its kind', () => {
  it.each([
    [{ gatewayId: 'nat-0abc' }, { natGatewayId: 'nat-0abc' }],
    [{ natGatewayId: 'nat-0abc' }, { natGatewayId: 'nat-0abc' }],
    [{ gatewayId: 'eigw-0abc' }, { egressOnlyInternetGatewayId: 'eigw-0abc' }],
    [{ gatewayId: 'igw-0abc' }, { gatewayId: 'igw-0abc' }],
    [{ gatewayId: 'vgw-0abc' }, { gatewayId: 'vgw-0abc' }],
    [{ networkInterfaceId: 'eni-0abc' }, { networkInterfaceId: 'eni-0abc' }],
  ])('%j -> %j', (target, expected) => {
    expect(canonicalTarget(target)).toStrictEqual(expected);
  });
});

describe('isSameDestination and findRoute: networks, not text', () => {
  it.each([
    [{ cidrIpv4: '10.9.9.9/0' }, { cidrIpv4: '0.0.0.0/0' }, true],
    [{ cidrIpv4: '203.0.113.77/24' }, { cidrIpv4: '203.0.113.0/24' }, true],
    [{ cidrIpv4: '203.0.113.0/24' }, { cidrIpv4: '203.0.113.0/23' }, false],
    [{ cidrIpv6: '2001:DB8:0:0::/32' }, { cidrIpv6: '2001:db8::/32' }, true],
    [{ cidrIpv6: '::/0' }, { cidrIpv4: '0.0.0.0/0' }, false],
    [{ prefixListId: 'pl-0ABC' }, { prefixListId: 'pl-0abc' }, true],
    [{ prefixListId: 'pl-0abc' }, { prefixListId: 'pl-0abd' }, false],
    [{ prefixListId: 'pl-0abc' }, { cidrIpv4: '0.0.0.0/0' }, false],
  ])('%j ~ %j: %s', (a, b, expected) => {
    expect(isSameDestination(a, b)).toBe(expected);
  });

  it('finds the stored 0.0.0.0/0 for a request that said 10.9.9.9/0, and a stored host-bits route for 0.0.0.0/0', () => {
    const table = {
      routes: [
        { cidrIpv4: '10.0.0.0/16', gatewayId: 'local' },
        { cidrIpv4: '0.0.0.0/0', gatewayId: 'igw-0abc' },
      ],
    };
    expect(findRoute(table, { cidrIpv4: '10.9.9.9/0' })?.gatewayId).toBe('igw-0abc');
    const moto = { routes: [{ cidrIpv4: '10.9.9.9/0', gatewayId: 'igw-0abc' }] };
    expect(findRoute(moto, { cidrIpv4: '0.0.0.0/0' })?.gatewayId).toBe('igw-0abc');
  });
});
