import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { resourcesOf, synth } from './support.js';

/**
 * The trail. EventBridge receives "AWS API Call via CloudTrail" only while a trail logs management
 * events in the account and region ("Events from AWS services via AWS CloudTrail",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html); AWS
 * creates none by default. `trail: "create"` makes one; the default (`check`) relies on the account's
 * own, which the canary proves every interval (test/infra/canary.test.ts).
 */

describe('trail: "create"', () => {
  const { app, template } = synth({ trail: 'create', trailRetentionDays: 400 });

  it('logs management events of every region, global services included, with file validation', () => {
    template.resourceCountIs('AWS::CloudTrail::Trail', 1);
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsLogging: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      // Management events, read and write ("EventSelector": IncludeManagementEvents, ReadWriteType All,
      // https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_EventSelector.html).
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'All' }],
      S3BucketName: { Ref: Match.stringLikeRegexp('^TrailBucket') },
    });
  });

  it('writes to an encrypted, private bucket that refuses plain HTTP, expires logs, and outlives the stack', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [Match.objectLike({ Status: 'Enabled', ExpirationInDays: 400 })],
        },
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
    template.hasOutput('TrailArn', {});
  });

  it('passes cdk-nag AwsSolutions', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('trail: "check" (the default)', () => {
  it('creates no trail', () => {
    const { template } = synth();
    expect(Object.keys(resourcesOf(template, 'AWS::CloudTrail::Trail'))).toEqual([]);
    expect(Object.keys(resourcesOf(template, 'AWS::S3::Bucket'))).toEqual([]);
  });
});
