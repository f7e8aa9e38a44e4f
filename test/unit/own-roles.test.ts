import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../functions/core/cloudtrail.js';
import { ownRoleArns, ownRoleName, partitionOf, policyWhere, withOwnRoles } from '../../functions/core/own-roles.js';
import { parsePolicy } from '../../functions/core/policy.js';

/** LayerGuard's own roles: their names and ARNs as the stack creates them (infra/constructs/functions.ts). */

const place = { stackName: 'LayerGuard', partition: 'aws', account: '111122223333', region: 'eu-west-1' };

describe('own roles', () => {
  it('names each function role by stack, function and region', () => {
    expect(ownRoleName('Guard', 'runbook', 'us-east-1')).toBe('Guard-runbook-us-east-1');
    expect(ownRoleArns(place)).toEqual([
      'arn:aws:iam::111122223333:role/LayerGuard-security-group-eu-west-1',
      'arn:aws:iam::111122223333:role/LayerGuard-route-table-eu-west-1',
      'arn:aws:iam::111122223333:role/LayerGuard-runbook-eu-west-1',
    ]);
  });

  it.each([
    ['eu-west-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-east-1', 'aws'],
  ])('knows the partition of %s: %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });

  it("adds the stack's roles to the policy's, once each", () => {
    const extra = 'arn:aws:iam::111122223333:role/break-glass';
    const policy = parsePolicy({ ownRoleArns: [extra, 'arn:aws:iam::111122223333:role/LayerGuard-runbook-eu-west-1'] });
    const held = withOwnRoles(policy, place);
    // The policy's own first, in its order; the stack's after, each once.
    expect(held.ownRoleArns).toEqual([
      extra,
      'arn:aws:iam::111122223333:role/LayerGuard-runbook-eu-west-1',
      'arn:aws:iam::111122223333:role/LayerGuard-security-group-eu-west-1',
      'arn:aws:iam::111122223333:role/LayerGuard-route-table-eu-west-1',
    ]);
  });

  it("answers for the stack deployed where the record's call happened", () => {
    const record = { awsRegion: 'cn-north-1', recipientAccountId: '444455556666' } as unknown as CloudTrailRecord;
    expect(policyWhere(parsePolicy({}), record).ownRoleArns).toEqual([
      'arn:aws-cn:iam::444455556666:role/LayerGuard-security-group-cn-north-1',
      'arn:aws-cn:iam::444455556666:role/LayerGuard-route-table-cn-north-1',
      'arn:aws-cn:iam::444455556666:role/LayerGuard-runbook-cn-north-1',
    ]);
    const named = policyWhere(parsePolicy({}), record, { stackName: 'Edge' }).ownRoleArns;
    expect(named[0]).toBe('arn:aws-cn:iam::444455556666:role/Edge-security-group-cn-north-1');
  });

  it('takes the given account when the record names none', () => {
    const record = { awsRegion: 'eu-west-1' } as unknown as CloudTrailRecord;
    expect(policyWhere(parsePolicy({}), record, { account: '777788889999' }).ownRoleArns[0]).toBe(
      'arn:aws:iam::777788889999:role/LayerGuard-security-group-eu-west-1',
    );
  });
});
