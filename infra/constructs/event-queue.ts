import type { BucketName } from '../../functions/core/ec2-rates.js';

/**
 * Each event function's part of an account-region's EC2 buckets, per invocation: a bucket one function
 * alone draws from in a storm (the security-group function's revokes, the route-table function's
 * deletes) is shared by that function's invocations; the reads, which both draw from, by all of them.
 */
export function ec2Shares(securityGroup: number, routeTable: number): Record<'securityGroup' | 'routeTable', Record<BucketName, number>> {
  const all = 1 / (securityGroup + routeTable);
  return {
    securityGroup: { sgIngress: 1 / securityGroup, mutating: all, reads: all },
    routeTable: { sgIngress: all, mutating: 1 / routeTable, reads: all },
  };
}
