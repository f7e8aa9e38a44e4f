import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { paceClient } from './pace.js';

/**
 * Module-scope AWS clients, created on first use and reused across warm Lambda invocations.
 *
 * They are constructed without region, endpoint or credentials, so the SDK's standard chain decides:
 * `AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL` (a local emulator such as moto) and the Lambda
 * role all work unchanged. `mockClient(EC2Client)` patches the class prototype, so tests can mock
 * these singletons too.
 *
 * Retries: the SDK's `standard` retry mode. Its error classification (@smithy/core, submodule
 * `retry/service-error-classification/constants.js`, THROTTLING_ERROR_CODES) lists
 * `RequestLimitExceeded`, EC2's throttling code, so a throttled EC2 call is retried with
 * exponential backoff and jitter (throttling base delay 1 s, capped at 20 s), as are 5xx, timeouts
 * and connection resets (TRANSIENT_ERROR_* and NODEJS_TIMEOUT_ERROR_CODES). The SDK's default is
 * 3 attempts; we allow 5 because a revert that gives up on throttling leaves drift open, and
 * reverts happen exactly when someone else may be hammering the API. `AWS_MAX_ATTEMPTS`, when set,
 * wins.
 */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** The retry settings every client gets (exported for tests). */
export function retryConfig(env: NodeJS.ProcessEnv = process.env): {
  retryMode: 'standard';
  maxAttempts?: number;
} {
  return env.AWS_MAX_ATTEMPTS?.trim()
    ? { retryMode: 'standard' }
    : { retryMode: 'standard', maxAttempts: DEFAULT_MAX_ATTEMPTS };
}

let ec2: EC2Client | undefined;
/** Clients of a named region, by kind and region (the functions act in each event's region). */
const regional = new Map<string, unknown>();
function inRegion<T>(kind: string, region: string, make: () => T): T {
  const key = `${kind} ${region}`;
  if (!regional.has(key)) regional.set(key, make());
  return regional.get(key) as T;
}
let sns: SNSClient | undefined;
let sqs: SQSClient | undefined;
let eventBridge: EventBridgeClient | undefined;
let dynamoDb: DynamoDBClient | undefined;
let elbv2: ElasticLoadBalancingV2Client | undefined;
let classicElb: ElasticLoadBalancingClient | undefined;
let sts: STSClient | undefined;
let organizations: OrganizationsClient | undefined;
let lambda: LambdaClient | undefined;

/**
 * The shared EC2 client: of the SDK's configured region, or of `region` (one client per region, cached,
 * so that a change is judged and reverted in the region where it happened).
 */
export function ec2Client(region?: string): EC2Client {
  if (region === undefined) {
    ec2 ??= paceClient(new EC2Client({ ...retryConfig() }));
    return ec2;
  }
  return inRegion('ec2', region, () => paceClient(new EC2Client({ ...retryConfig(), region })));
}

/** The shared SNS client. */
/** The shared SQS client (an event function delays the retry of a failed event with it). */
export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ ...retryConfig() });
  return sqs;
}

export function snsClient(): SNSClient {
  sns ??= new SNSClient({ ...retryConfig() });
  return sns;
}

/** The shared EventBridge client. */
export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient({ ...retryConfig() });
  return eventBridge;
}

/** The shared DynamoDB client (idempotency records: one client for every idempotent step). */
export function dynamoDbClient(): DynamoDBClient {
  dynamoDb ??= new DynamoDBClient({ ...retryConfig() });
  return dynamoDb;
}

/** The shared Elastic Load Balancing v2 client (application, network and gateway load balancers), of the configured region or of `region`. */
export function elbv2Client(region?: string): ElasticLoadBalancingV2Client {
  if (region !== undefined) return inRegion('elbv2', region, () => new ElasticLoadBalancingV2Client({ ...retryConfig(), region }));
  elbv2 ??= new ElasticLoadBalancingV2Client({ ...retryConfig() });
  return elbv2;
}

/** The shared Classic Load Balancer client, of the configured region or of `region`. */
export function classicElbClient(region?: string): ElasticLoadBalancingClient {
  if (region !== undefined) return inRegion('elb', region, () => new ElasticLoadBalancingClient({ ...retryConfig(), region }));
  classicElb ??= new ElasticLoadBalancingClient({ ...retryConfig() });
  return classicElb;
}

/** The shared STS client (the hub assumes member roles with it): the SDK's standard chain, its regional endpoint. */
export function stsClient(): STSClient {
  sts ??= new STSClient({ ...retryConfig() });
  return sts;
}

/** The shared Organizations client (an account's OUs and name). */
export function organizationsClient(): OrganizationsClient {
  organizations ??= new OrganizationsClient({ ...retryConfig() });
  return organizations;
}

/** The shared Lambda client (the hub's scheduled sweep queues one sweep per account-region with it). */
export function lambdaClient(): LambdaClient {
  lambda ??= new LambdaClient({ ...retryConfig() });
  return lambda;
}

/** The shared AWS Config client of `region` (`configRestore`: a resource's history is read where it is recorded). */
export function configClient(region?: string): ConfigServiceClient {
  return inRegion('config', region ?? '', () => new ConfigServiceClient({ ...retryConfig(), ...(region ? { region } : {}) }));
}

/** The shared Security Hub client of `region` (findings are filed in the region of their drift). */
export function securityHubClient(region: string): SecurityHubClient {
  return inRegion('securityhub', region, () => new SecurityHubClient({ ...retryConfig(), region }));
}

/** The CloudWatch Logs client of `region` (flow-log evidence is queried where the flow logs are). */
export function logsClient(region: string): CloudWatchLogsClient {
  return inRegion('logs', region, () => new CloudWatchLogsClient({ ...retryConfig(), region }));
}

/** A Security Hub client of one region of another account, signing with `credentials` (the member role's); the caller caches it. */
export function securityHubClientAs(region: string, credentials: CredentialProvider): SecurityHubClient {
  return new SecurityHubClient({ ...retryConfig(), region, credentials });
}

/** Temporary credentials of another account, as a provider: the SDK calls it, and again before they expire. */
export type CredentialProvider = () => Promise<{
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}>;

/**
 * The clients of one region of another account, signing with `credentials` (the member role's).
 * Not cached here: the reach that owns the credentials caches them per account and region. Endpoint
 * and retries come from the SDK's standard configuration, as for every other client.
 */
export function clientsAs(region: string, credentials: CredentialProvider) {
  const config = { ...retryConfig(), region, credentials };
  return {
    ec2: paceClient(new EC2Client(config)),
    elbv2: new ElasticLoadBalancingV2Client(config),
    classicElb: new ElasticLoadBalancingClient(config),
  };
}

/**
 * Forgets the singletons so that the next getter builds new clients from the current environment
 * (tests that point `AWS_ENDPOINT_URL` at an emulator after import). Does not destroy sockets of
 * clients still in use elsewhere.
 */
export function resetClients(): void {
  ec2 = undefined;
  regional.clear();
  sns = undefined;
  sqs = undefined;
  eventBridge = undefined;
  dynamoDb = undefined;
  elbv2 = undefined;
  classicElb = undefined;
  sts = undefined;
  organizations = undefined;
  lambda = undefined;
}
