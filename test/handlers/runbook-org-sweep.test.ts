import 'aws-sdk-client-mock-vitest/extend';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ownFunction } from '../../functions/adapters/self-invoke.js';
import { parseRunbookPayload } from '../../functions/core/runbook.js';
import type { FanOutResult } from '../../functions/pipeline/org-fan-out.js';

/**
 * The hub's scheduled sweep with the SDK mocked: `sweep-organization` lists the organisation's accounts
 * (every ListAccounts page, ACTIVE only), adds the listed accounts outside it, and queues one `sweep`
 * per account and member region with an asynchronous invoke of the function itself; one that cannot be
 * queued is reported and the others are queued. No EC2 call, no AssumeRole: the sweeps run in their
 * own invocations.
 */

const HUB = '111122223333';
const MEMBER = '222233334444';
const SUSPENDED = '333344445555';
const LISTED = '999988887777';
const SELF = `arn:aws:lambda:us-east-1:${HUB}:function:LayerGuard-runbook`;

const lambda = mockClient(LambdaClient);
const orgs = mockClient(OrganizationsClient);
const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
mockClient(SNSClient);
mockClient(EventBridgeClient);

type Handler = (event: unknown, context: Context) => Promise<FanOutResult>;
let handler: Handler;
// Invoked through an alias: the queued sweeps still go to the unqualified function ($LATEST).
const context = {
  functionName: 'LayerGuard-runbook',
  invokedFunctionArn: `${SELF}:live`,
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;

beforeAll(async () => {
  for (const name of ['LAYERGUARD_POLICY', 'LAYERGUARD_TOPIC_ARN', 'LAYERGUARD_EVENT_BUS', 'LAYERGUARD_IDEMPOTENCY_TABLE', 'AWS_PROFILE']) {
    delete process.env[name];
  }
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'ASIAHUBOWNKEY';
  process.env.AWS_SECRET_ACCESS_KEY = 'hub-secret';
  process.env.LAYERGUARD_ACCOUNT_ID = HUB;
  process.env.LAYERGUARD_ORGANIZATION = JSON.stringify({
    id: 'o-a1b2c3d4e5',
    hub: { account: HUB, region: 'us-east-1' },
    memberRegions: ['us-east-1', 'eu-west-1'],
    accounts: [LISTED],
  });
  ({ handler } = (await import('../../functions/runbook/handler.js')) as unknown as { handler: Handler });
});

let listed: Record<string, unknown>[];
beforeEach(() => {
  listed = [];
  // Two pages: the paginator follows NextToken (ListAccounts, Organizations API reference). It reuses
  // one input object across pages, so each request is copied when it is made.
  orgs.on(ListAccountsCommand).callsFake(async (input: { NextToken?: string }) => {
    listed.push(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
    return input.NextToken === 'page-2'
      ? { Accounts: [{ Id: MEMBER, State: 'ACTIVE' }] }
      : { Accounts: [{ Id: HUB, State: 'ACTIVE' }, { Id: SUSPENDED, State: 'SUSPENDED' }], NextToken: 'page-2' };
  });
  lambda.on(InvokeCommand).callsFake(async (input: { Payload: Uint8Array }) => {
    const payload = JSON.parse(new TextDecoder().decode(input.Payload));
    if (payload.account === MEMBER && payload.region === 'eu-west-1') {
      throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    }
    return { StatusCode: 202 };
  });
});
afterEach(() => {
  lambda.reset();
  orgs.reset();
  ec2.reset();
  sts.reset();
});

const invoked = () =>
  lambda.commandCalls(InvokeCommand).map((c) => {
    const { Payload, ...rest } = c.args[0].input;
    return { ...rest, payload: JSON.parse(new TextDecoder().decode(Payload as Uint8Array)) };
  });

describe('sweep-organization from the hub', () => {
  it('lists every page of accounts, then queues one sweep per account and member region on the function itself', async () => {
    const result = await handler({ action: 'sweep-organization', dryRun: false }, context);

    expect(listed).toEqual([{}, { NextToken: 'page-2' }]);
    const calls = invoked();
    expect(calls.map((c) => [c.FunctionName, c.InvocationType])).toEqual(Array(6).fill([SELF, 'Event']));
    expect(calls.map((c) => c.payload)).toEqual([
      { action: 'sweep', account: HUB, region: 'us-east-1', dryRun: false },
      { action: 'sweep', account: HUB, region: 'eu-west-1', dryRun: false },
      { action: 'sweep', account: MEMBER, region: 'us-east-1', dryRun: false },
      { action: 'sweep', account: MEMBER, region: 'eu-west-1', dryRun: false },
      { action: 'sweep', account: LISTED, region: 'us-east-1', dryRun: false },
      { action: 'sweep', account: LISTED, region: 'eu-west-1', dryRun: false },
    ]);
    // What is queued is what the function takes as a runbook.
    for (const c of calls) expect(parseRunbookPayload(c.payload)).toEqual(c.payload);

    expect(result).toEqual({
      action: 'sweep-organization',
      dryRun: false,
      accounts: 3,
      regions: ['us-east-1', 'eu-west-1'],
      total: 6,
      queued: 5,
      notQueued: [{ account: MEMBER, region: 'eu-west-1', error: 'TooManyRequestsException: Rate exceeded' }],
    });
    // The sweeps run in their own invocations: the fan-out reads no network and assumes no role.
    expect(ec2.calls()).toHaveLength(0);
    expect(sts.calls()).toHaveLength(0);
  });

  it('an invoke that Lambda did not answer as queued (not 202) is reported, not counted as queued', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    const result = await handler({ action: 'sweep-organization', dryRun: true }, context);
    expect(result.queued).toBe(0);
    expect(result.notQueued.map((n) => n.error)).toEqual(Array(6).fill('Error: Invoke answered status 200, not 202 (queued)'));
    expect(invoked().every((c) => c.payload.dryRun === true)).toBe(true);
  });

  it('fails, queuing nothing, when Organizations will not list the accounts (not the management account or a delegated administrator)', async () => {
    orgs.on(ListAccountsCommand).rejects(Object.assign(new Error('You don’t have permissions to access this resource.'), { name: 'AccessDeniedException' }));
    await expect(handler({ action: 'sweep-organization', dryRun: false }, context)).rejects.toThrow(/permissions/);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('refuses a sweep-organization that names an account, before any call', async () => {
    await expect(handler({ action: 'sweep-organization', dryRun: false, account: MEMBER }, context)).rejects.toThrow(/Unrecognized key: "account"/);
    expect(orgs.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
  });
});

describe('ownFunction', () => {
  it('the unqualified ARN of the invoked function, without a version or alias', () => {
    expect(ownFunction({ invokedFunctionArn: `${SELF}:7` }, {})).toBe(SELF);
    expect(ownFunction({ invokedFunctionArn: SELF }, {})).toBe(SELF);
  });

  it('else the reserved AWS_LAMBDA_FUNCTION_NAME, else an error', () => {
    expect(ownFunction(undefined, { AWS_LAMBDA_FUNCTION_NAME: 'LayerGuard-runbook' })).toBe('LayerGuard-runbook');
    expect(ownFunction({ invokedFunctionArn: 'not-an-arn' }, { AWS_LAMBDA_FUNCTION_NAME: 'LayerGuard-runbook' })).toBe('LayerGuard-runbook');
    expect(() => ownFunction(undefined, {})).toThrow(/cannot name itself/);
  });
});
