/**
 * EC2's request-rate buckets per account and region, for the calls LayerGuard makes. EC2 throttles
 * with token buckets: a burst capacity, refilled at a steady rate; a call over the limit answers
 * `RequestLimitExceeded` ("Request throttling for the Amazon EC2 API",
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html: non-mutating actions 100
 * tokens, 20 a second; mutating actions and the security-group ingress actions 50, 5 a second, the
 * figures this project models). The simulated account throttles with these, the bench bounds storms
 * by them, and the functions pace their calls by them.
 */
export interface Bucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export const EC2_BUCKETS = {
  sgIngress: { capacity: 50, refillPerSecond: 5 },
  mutating: { capacity: 50, refillPerSecond: 5 },
  reads: { capacity: 100, refillPerSecond: 20 },
} as const satisfies Record<string, Bucket>;
export type BucketName = keyof typeof EC2_BUCKETS;

/** The ingress and egress rule actions, which EC2 meters apart from the other writes. */
const SG_INGRESS = new Set([
  'RevokeSecurityGroupIngress',
  'AuthorizeSecurityGroupIngress',
  'RevokeSecurityGroupEgress',
  'AuthorizeSecurityGroupEgress',
  'ModifySecurityGroupRules',
]);

/** The bucket an EC2 operation draws from: reads (`Describe*`, `Get*`), the group-rule actions, or the other writes. */
export function bucketOf(operation: string): BucketName {
  if (SG_INGRESS.has(operation)) return 'sgIngress';
  if (/^(Describe|Get|List)/.test(operation)) return 'reads';
  return 'mutating';
}
