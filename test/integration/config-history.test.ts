import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { CreateSecurityGroupCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { createConfigHistory } from '../../functions/adapters/config-history.js';
import type { ConfigResourceType } from '../../functions/core/restore.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/**
 * The AWS Config history adapter on moto 5.2 over real HTTP. Where moto's support stops
 * (moto/config/models.py `get_resource_config_history`, RESOURCE_MAP): it answers for S3 buckets, IAM
 * roles and policies and SNS topics only, with the resource's current item (no history: `laterTime`,
 * `chronologicalOrder` and `limit` are ignored), and raises ResourceNotDiscoveredException for every
 * other type, EC2's security groups and route tables among them. So here: a group is "not recorded" and
 * the revert falls back (the handler's restore is tested with the SDK mocked, test/handlers), and a
 * recorded item's real response shape (`configurationItemCaptureTime`, `configuration` as a JSON string) is
 * read through an SNS topic, the closest type moto records.
 */

useMoto();
const endpoint = motoEndpoint();

describe.skipIf(!endpoint)('AWS Config history on moto', () => {
  const history = createConfigHistory(new ConfigServiceClient({}));

  it('a security group AWS Config does not record: a reason, no throw (the revert stays a revoke)', async () => {
    const ec2 = new EC2Client({});
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.41.0.0/16' }))).Vpc?.VpcId as string;
    const group = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: `cfg-${Date.now()}`, Description: 'config history' }))).GroupId as string;
    expect(await history.previous('AWS::EC2::SecurityGroup', group, new Date())).toEqual({ why: `AWS Config has not recorded ${group}` });
  });

  it("a recorded resource: the item's capture time and its configuration, parsed from moto's real answer", async () => {
    const topic = (await new SNSClient({}).send(new CreateTopicCommand({ Name: `cfg-${Date.now()}` }))).TopicArn as string;
    // SNS topics are what moto records; the adapter takes any type (the core asks for EC2's only).
    const answer = await history.previous('AWS::SNS::Topic' as ConfigResourceType, topic, new Date(Date.now() + 60_000));
    // ResourceDiscovered: a first item (ConfigurationItemStatus, AWS Config API Reference), its configuration the topic's.
    expect(answer).toMatchObject({ item: { status: 'ResourceDiscovered', configuration: { topicArn: topic } } });
    const item = (answer as { item: { captureTime: string } }).item;
    expect(Number.isNaN(Date.parse(item.captureTime))).toBe(false);
  });
});
