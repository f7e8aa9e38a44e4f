import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * The trail that LayerGuard's events come from, for an account that has none (`trail: "create"`).
 *
 * EventBridge receives "AWS API Call via CloudTrail" events only while a trail logs management events
 * in the account and region ("Events from AWS services", delivered via CloudTrail:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html), and AWS
 * creates no trail by default (the 90-day event history is not a trail). This one is multi-region, logs
 * management events (read and write) and global service events, validates its log files, and writes to
 * an encrypted bucket that refuses plain HTTP and public access, whose objects expire after the
 * configured retention.
 */
export interface LayerGuardTrailProps {
  /** Days a log file is kept. */
  readonly retentionDays: number;
}

export class LayerGuardTrail extends Construct {
  readonly bucket: s3.Bucket;
  readonly trail: cloudtrail.Trail;

  constructor(scope: Construct, id: string, props: LayerGuardTrailProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [
        {
          id: 'expire-trail-logs',
          expiration: Duration.days(props.retentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // The audit trail outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket holds only CloudTrail log files, written by CloudTrail and validated by its digest files; access to it is itself recorded by the trail (data events are not needed for that).',
    });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      bucket: this.bucket,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      managementEvents: cloudtrail.ReadWriteType.ALL,
      enableFileValidation: true,
      sendToCloudWatchLogs: false,
    });
  }
}
