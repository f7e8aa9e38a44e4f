import { BatchImportFindingsCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { createSecurityHubChannel } from '../../functions/adapters/security-hub.js';
import { AwsCallError } from '../../functions/core/errors.js';
import { toFindings } from '../../functions/core/finding.js';
import type { Outcome, OutcomeStatus } from '../../functions/core/outcome.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/**
 * The findings on an outside model of Security Hub: moto 5.2's securityhub, over real HTTP, through the
 * SDK's own serialisation. Where moto's support stops (moto/securityhub/models.py, responses.py):
 * - BatchImportFindings: stores a finding by its Id and, for an Id it holds, merges the new fields over
 *   the old (`existing_finding.data.update`); it checks only that Resources is a non-empty list. It does
 *   not apply AWS's rules for an update: the UpdatedAt comparison, Workflow and Note kept from creation,
 *   FindingProviderFields copied to the top level.
 * - GetFindings: every finding of the account and region; Filters and SortCriteria are not implemented.
 * - BatchUpdateFindings: not implemented (moto answers PATCH /findings/batchupdate with an HTML page,
 *   which the SDK cannot parse), so the channel itself cannot run end to end here.
 */

useMoto();
const endpoint = motoEndpoint();

// moto's default account; a group per run, so that the finding's Id is this run's.
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const GROUP = `sg-0${Date.now().toString(16).padStart(16, '0').slice(-16)}`;

const outcome = (status: OutcomeStatus): Outcome => ({
  outcome: status,
  reason: `${GROUP} admits tcp/22 from 0.0.0.0/0`,
  eventId: `e-${status}`,
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: { eventId: `e-${status}`, eventName: 'AuthorizeSecurityGroupIngress', eventTime: '2026-03-01T10:00:00Z', eventSource: 'ec2.amazonaws.com', source: 'aws.ec2', account: ACCOUNT, region: REGION },
  resources: [GROUP],
  drift: [{ kind: 'sg-world-open', groupId: GROUP, tier: 'database', rules: [{ ruleId: 'sgr-0moto', groupId: GROUP, isEgress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }] }],
  actions: status === 'remediated' ? [{ type: 'revoke-ingress', groupId: GROUP, ruleIds: ['sgr-0moto'], result: 'done' }] : [],
});

describe.skipIf(!endpoint)('Security Hub findings on moto', () => {
  const client = new SecurityHubClient({});
  const ID = `layerguard/${ACCOUNT}/${REGION}/sg-world-open/${GROUP.toLowerCase()}/sgr-0moto`;
  const ours = async () => ((await client.send(new GetFindingsCommand({}))).Findings ?? []).filter((f) => f.Id === ID);

  it('imports the finding as the SDK serialises it, and a later outcome on the drift keeps one finding', async () => {
    // Act: a dry-run, then the revert of the same drift a minute later
    const first = toFindings(outcome('dry-run'), { now: new Date('2026-03-01T10:01:00Z') });
    const second = toFindings(outcome('remediated'), { now: new Date('2026-03-01T10:02:00Z') });
    const answers = [
      await client.send(new BatchImportFindingsCommand({ Findings: first as never })),
      await client.send(new BatchImportFindingsCommand({ Findings: second as never })),
    ];
    // Assess
    expect(answers.map((a) => [a.SuccessCount, a.FailedCount])).toEqual([
      [1, 0],
      [1, 0],
    ]);
    const found = await ours();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      Id: ID,
      ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
      GeneratorId: 'layerguard/sg-world-open',
      UpdatedAt: '2026-03-01T10:02:00.000Z',
      FindingProviderFields: { Severity: { Label: 'CRITICAL' } },
      Compliance: { Status: 'PASSED' },
      Resources: [{ Type: 'AwsEc2SecurityGroup', Id: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${GROUP}` }],
    });
    // moto merges Workflow over the old one too; AWS keeps it from creation, which is why the channel sends
    // BatchUpdateFindings (functions/adapters/security-hub.ts).
    expect(found[0]?.Workflow?.Status).toBe('RESOLVED');
  });

  it('answers HTTP 200 with FailedCount for a finding it refuses: the shape the channel reads', async () => {
    const [finding] = toFindings(outcome('dry-run'), { now: new Date() });
    const answer = await client.send(new BatchImportFindingsCommand({ Findings: [{ ...(finding as object), Resources: [] }] as never }));
    expect(answer.FailedCount).toBe(1);
    expect(answer.FailedFindings?.[0]).toMatchObject({ Id: ID, ErrorCode: 'InvalidInput' });
  });

  it('has no BatchUpdateFindings: the channel stops at its first call, with an AwsCallError', async () => {
    const channel = createSecurityHubChannel({ clientFor: () => client, context: {} });
    await expect(channel.send(outcome('remediated'))).rejects.toBeInstanceOf(AwsCallError);
    await expect(channel.send(outcome('remediated'))).rejects.toMatchObject({ operation: 'BatchUpdateFindings' });
  });
});
