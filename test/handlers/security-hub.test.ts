import 'aws-sdk-client-mock-vitest/extend';
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { resetClients } from '../../functions/adapters/clients.js';
import { awsSecurityHubChannels, createSecurityHubChannel, SECURITY_HUB_CHANNEL } from '../../functions/adapters/security-hub.js';
import { ENV, loadConfig } from '../../functions/core/config.js';
import { AwsCallError } from '../../functions/core/errors.js';
import type { NetworkApi } from '../../functions/core/network.js';
import type { Outcome, OutcomeStatus } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import { loadEvent } from '../support/events.js';
import { sentCommands } from '../support/sdk-mock.js';

const hubMock = mockClient(SecurityHubClient);
beforeEach(() => {
  hubMock.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
  hubMock.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
});
afterEach(() => hubMock.reset());

// The sample's account, region and time (events/cloudtrail/AuthorizeSecurityGroupIngress/world-open-ssh.json).
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const NOW = new Date('2025-03-14T09:13:00.000Z');
const PRODUCT = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
const ID = `layerguard/${ACCOUNT}/${REGION}/sg-world-open/sg-0a1b2c3d4e5f60001/sgr-0a1b2c3d4e5f60001`;

const outcome = (status: OutcomeStatus, patch: Partial<Outcome> = {}): Outcome => ({
  outcome: status,
  reason: 'sg-0a1b2c3d4e5f60001 admits tcp/22 from 0.0.0.0/0',
  eventId: '8c1f4e2b-3d5a-4b6c-9e7f-0a1b2c3d4e01',
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: {
    eventId: '8c1f4e2b-3d5a-4b6c-9e7f-0a1b2c3d4e01',
    eventName: 'AuthorizeSecurityGroupIngress',
    eventTime: '2025-03-14T09:12:44Z',
    eventSource: 'ec2.amazonaws.com',
    source: 'aws.ec2',
    account: ACCOUNT,
    region: REGION,
  },
  resources: ['sg-0a1b2c3d4e5f60001'],
  drift: [
    {
      kind: 'sg-world-open',
      groupId: 'sg-0a1b2c3d4e5f60001',
      tier: 'database',
      rules: [{ ruleId: 'sgr-0a1b2c3d4e5f60001', groupId: 'sg-0a1b2c3d4e5f60001', isEgress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
    },
  ],
  actions: [{ type: 'revoke-ingress', groupId: 'sg-0a1b2c3d4e5f60001', ruleIds: ['sgr-0a1b2c3d4e5f60001'], result: 'done' }],
  ...patch,
});

const clients: [string, string][] = [];
const channel = () =>
  createSecurityHubChannel({
    clientFor: (account, region) => {
      clients.push([account, region]);
      return new SecurityHubClient({ region });
    },
    context: { account: '999988887777', region: 'eu-west-1' },
    clock: () => NOW,
  });
afterEach(() => {
  clients.length = 0;
});

/** The engine a deployed function runs, with this channel only; the remediation answers `o`. */
const engine = (o: Outcome, store = new MemoryIdempotencyStore()) =>
  createEngine({
    network: {} as NetworkApi,
    channels: [channel()],
    makeStore: () => store,
    policy: DEFAULT_POLICY,
    clock: () => NOW,
    remediators: { 'sg-ingress': async () => o },
  });
const event = () => loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh');

describe('the security-hub channel', () => {
  it('is named security-hub and tells machines', () => {
    expect([channel().name, channel().audience]).toEqual([SECURITY_HUB_CHANNEL, 'machines']);
  });

  it('updates the workflow, then imports the finding, with the exact inputs, in the drift account and region', async () => {
    // Act
    const id = await channel().send(outcome('remediated'));
    // Assess
    expect(id).toBe(ID);
    expect(clients).toEqual([[ACCOUNT, REGION]]);
    const note = 'LayerGuard remediated (AuthorizeSecurityGroupIngress 8c1f4e2b-3d5a-4b6c-9e7f-0a1b2c3d4e01): sg-0a1b2c3d4e5f60001 admits tcp/22 from 0.0.0.0/0';
    expect(sentCommands(hubMock)).toEqual([
      ['BatchUpdateFindings', { FindingIdentifiers: [{ Id: ID, ProductArn: PRODUCT }], Workflow: { Status: 'RESOLVED' }, Note: { Text: note, UpdatedBy: 'layerguard' } }],
      [
        'BatchImportFindings',
        {
          Findings: [
            {
              SchemaVersion: '2018-10-08',
              Id: ID,
              ProductArn: PRODUCT,
              GeneratorId: 'layerguard/sg-world-open',
              AwsAccountId: ACCOUNT,
              Region: REGION,
              CreatedAt: '2025-03-14T09:12:44.000Z',
              UpdatedAt: '2025-03-14T09:13:00.000Z',
              FirstObservedAt: '2025-03-14T09:12:44.000Z',
              LastObservedAt: '2025-03-14T09:12:44.000Z',
              Title: 'sg-0a1b2c3d4e5f60001: sg-world-open tcp/22 from 0.0.0.0/0',
              Description:
                'sg-world-open on sg-0a1b2c3d4e5f60001: tcp/22 from 0.0.0.0/0. LayerGuard outcome: remediated: sg-0a1b2c3d4e5f60001 admits tcp/22 from 0.0.0.0/0. ' +
                'Trigger: AuthorizeSecurityGroupIngress 8c1f4e2b-3d5a-4b6c-9e7f-0a1b2c3d4e01 at 2025-03-14T09:12:44Z.',
              FindingProviderFields: {
                Severity: { Label: 'CRITICAL', Original: 'sg-world-open:database' },
                Types: ['Software and Configuration Checks/AWS Security Best Practices/Network Reachability'],
              },
              Resources: [
                { Type: 'AwsEc2SecurityGroup', Id: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0a1b2c3d4e5f60001`, Partition: 'aws', Region: REGION },
              ],
              Remediation: { Recommendation: { Text: 'LayerGuard reverted this and read it back: sg-0a1b2c3d4e5f60001 admits tcp/22 from 0.0.0.0/0.' } },
              Compliance: { Status: 'PASSED' },
              Workflow: { Status: 'RESOLVED' },
              RecordState: 'ACTIVE',
              Note: { Text: note, UpdatedBy: 'layerguard', UpdatedAt: '2025-03-14T09:13:00.000Z' },
              ProductFields: {
                'layerguard/outcome': 'remediated',
                'layerguard/eventId': '8c1f4e2b-3d5a-4b6c-9e7f-0a1b2c3d4e01',
                'layerguard/eventName': 'AuthorizeSecurityGroupIngress',
              },
            },
          ],
        },
      ],
    ]);
  });

  it("the evidence follow-up of a revert sets the finding's note, never its workflow (a person may have reopened it)", async () => {
    const evidence = { status: 'not-used' as const, text: 'not used' };
    await channel().send(outcome('remediated', { reason: 'flow-log evidence: not used', evidence }));
    const note = 'LayerGuard remediated (AuthorizeSecurityGroupIngress 8c1f4e2b-3d5a-4b6c-9e7f-0a1b2c3d4e01): flow-log evidence: not used';
    const [update, imported] = sentCommands(hubMock);
    expect(update).toEqual(['BatchUpdateFindings', { FindingIdentifiers: [{ Id: ID, ProductArn: PRODUCT }], Note: { Text: note, UpdatedBy: 'layerguard' } }]);
    expect(imported?.[0]).toBe('BatchImportFindings');
    expect((imported?.[1] as { Findings: { ProductFields: Record<string, string> }[] }).Findings[0]?.ProductFields).toMatchObject({ 'layerguard/flowEvidence': 'not-used' });
  });

  it('sends nothing for an outcome that makes no finding', async () => {
    expect(await channel().send(outcome('ignored', { drift: [], actions: [] }))).toBeUndefined();
    expect(hubMock.calls()).toHaveLength(0);
  });

  it('throws an AwsCallError when Security Hub refuses a finding with HTTP 200 (FailedCount)', async () => {
    // Prepare
    hubMock.on(BatchImportFindingsCommand).resolves({ FailedCount: 1, SuccessCount: 0, FailedFindings: [{ Id: ID, ErrorCode: 'InvalidAccess', ErrorMessage: 'Security Hub is not enabled' }] });
    // Act
    const sent = channel().send(outcome('remediated'));
    // Assess
    await expect(sent).rejects.toBeInstanceOf(AwsCallError);
    await expect(sent).rejects.toMatchObject({ operation: 'BatchImportFindings', code: 'InvalidAccess', retryable: false });
  });

  it('marks a refused finding of an internal failure retryable, and counts without a list', async () => {
    hubMock.on(BatchImportFindingsCommand).resolves({ FailedCount: 2, SuccessCount: 0 });
    await expect(channel().send(outcome('remediated'))).rejects.toMatchObject({ code: 'FailedFinding', message: expect.stringContaining('2 of 1 findings refused') });
    hubMock.on(BatchImportFindingsCommand).resolves({ FailedCount: 1, SuccessCount: 0, FailedFindings: [{ Id: ID, ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });
    await expect(channel().send(outcome('remediated'))).rejects.toMatchObject({ code: 'InternalFailure', retryable: true });
  });

  it('takes FindingNotFound on the workflow update for a finding the import creates; any other unprocessed finding throws', async () => {
    hubMock.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [{ FindingIdentifier: { Id: ID, ProductArn: PRODUCT }, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding Not Found' }] });
    await expect(channel().send(outcome('dry-run', { actions: [] }))).resolves.toBe(ID);
    expect(hubMock).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 1);
    hubMock.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [{ FindingIdentifier: { Id: ID, ProductArn: PRODUCT }, ErrorCode: 'ConcurrentUpdateError', ErrorMessage: 'Concurrent finding updates detected' }] });
    await expect(channel().send(outcome('dry-run', { actions: [] }))).rejects.toMatchObject({ operation: 'BatchUpdateFindings', code: 'ConcurrentUpdateError', retryable: true });
    hubMock.on(BatchUpdateFindingsCommand).resolves({ UnprocessedFindings: [{ FindingIdentifier: undefined, ErrorCode: undefined, ErrorMessage: undefined }] } as never);
    await expect(channel().send(outcome('dry-run', { actions: [] }))).rejects.toMatchObject({ code: 'UnprocessedFinding', retryable: false });
  });

  it('throws an AwsCallError when a call itself fails', async () => {
    hubMock.on(BatchUpdateFindingsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(channel().send(outcome('remediated'))).rejects.toMatchObject({ operation: 'BatchUpdateFindings', code: 'AccessDeniedException' });
    hubMock.reset();
    hubMock.on(BatchUpdateFindingsCommand).resolves({});
    hubMock.on(BatchImportFindingsCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(channel().send(outcome('remediated'))).rejects.toMatchObject({ operation: 'BatchImportFindings', code: 'ThrottlingException' });
  });

  it('groups the workflow update by status, and batches 100 findings a call', async () => {
    const ruleIds = Array.from({ length: 150 }, (_, i) => `sgr-${String(i).padStart(4, '0')}`);
    const rules = ruleIds.map((ruleId) => ({ ruleId, groupId: 'sg-0a1b2c3d4e5f60001', isEgress: false, protocol: 'tcp', cidrIpv4: '0.0.0.0/0' }));
    const given = outcome('alert-only', {
      drift: [{ kind: 'sg-world-open', groupId: 'sg-0a1b2c3d4e5f60001', rules }],
      actions: [{ type: 'revoke-ingress', groupId: 'sg-0a1b2c3d4e5f60001', ruleIds: ruleIds.slice(0, 10), result: 'done' }],
      humanAction: 'Revoke the rest.',
    });
    expect(await channel().send(given)).toBe(`layerguard/${ACCOUNT}/${REGION}/sg-world-open/sg-0a1b2c3d4e5f60001/sgr-0000 (+149 more)`);
    const calls = sentCommands(hubMock).map(([name, input]) => {
      const i = input as { Findings?: unknown[]; FindingIdentifiers?: unknown[]; Workflow?: { Status: string } };
      return [name, i.Findings?.length ?? i.FindingIdentifiers?.length, i.Workflow?.Status];
    });
    expect(calls).toEqual([
      ['BatchUpdateFindings', 10, 'RESOLVED'],
      ['BatchUpdateFindings', 90, 'NEW'],
      ['BatchImportFindings', 100, undefined],
      ['BatchUpdateFindings', 50, 'NEW'],
      ['BatchImportFindings', 50, undefined],
    ]);
  });
});

describe('the security-hub channel through createEngine', () => {
  const importedIds = () =>
    hubMock.commandCalls(BatchImportFindingsCommand).flatMap((c) => (c.args[0].input.Findings ?? []).map((f) => f.Id));

  it('sends once per event and outcome: a redelivery to the same engine sends nothing more', async () => {
    const e = engine(outcome('remediated'));
    await e.handle(event());
    await e.handle(event());
    expect(importedIds()).toEqual([ID]);
  });

  it('a redelivery the idempotency store no longer remembers sends the same Id, so it updates the finding', async () => {
    await engine(outcome('remediated')).handle(event());
    await engine(outcome('remediated')).handle(event());
    expect(importedIds()).toEqual([ID, ID]);
  });

  it('a later outcome on the same drift (dry-run, then remediated) updates the same finding', async () => {
    const store = new MemoryIdempotencyStore();
    await engine(outcome('dry-run', { actions: [] }), store).handle(event());
    await engine(outcome('remediated'), new MemoryIdempotencyStore()).handle(event());
    expect(importedIds()).toEqual([ID, ID]);
    const statuses = hubMock.commandCalls(BatchUpdateFindingsCommand).map((c) => c.args[0].input.Workflow?.Status);
    expect(statuses).toEqual(['NEW', 'RESOLVED']);
  });

  it('a refused finding fails the event, and its retry sends this channel again', async () => {
    hubMock.on(BatchImportFindingsCommand).resolvesOnce({ FailedCount: 1, FailedFindings: [{ Id: ID, ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] })
      .resolves({ FailedCount: 0, SuccessCount: 1 });
    const e = engine(outcome('remediated'));
    await expect(e.handle(event())).rejects.toBeInstanceOf(AwsCallError);
    await e.handle(event());
    expect(importedIds()).toEqual([ID, ID]);
  });
});

describe('awsSecurityHubChannels: what a deployed function adds', () => {
  const stsMock = mockClient(STSClient);
  afterEach(() => {
    stsMock.reset();
    resetClients();
  });
  const organization = { id: 'o-a1b2c3d4e5', hub: { account: '999988887777', region: 'us-east-1' }, memberRegions: ['us-east-1'] };

  it('adds nothing while the switch is off', () => {
    expect(awsSecurityHubChannels(loadConfig({}), 'security-group')).toEqual([]);
  });

  it("files the function's own account's drift with its own credentials", async () => {
    const [hub] = awsSecurityHubChannels(loadConfig({ [ENV.securityHub]: 'true', [ENV.account]: ACCOUNT, AWS_REGION: REGION }), 'security-group');
    expect(hub?.name).toBe('security-hub');
    await hub?.send(outcome('remediated'));
    expect(hubMock).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 1);
    expect(stsMock.calls()).toHaveLength(0);
  });

  it("in a hub, files a member account's drift with that account's member role, assumed once", async () => {
    // Prepare
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) },
    });
    const config = loadConfig({ [ENV.securityHub]: 'true', [ENV.account]: '999988887777', [ENV.organization]: JSON.stringify(organization), AWS_REGION: 'us-east-1' });
    const [hub] = awsSecurityHubChannels(config, 'security-group');
    // Act
    await hub?.send(outcome('remediated'));
    await hub?.send(outcome('dry-run', { actions: [] }));
    // Assess: one member client for both (the mock stops before signing, so its credentials are asked here)
    const [first, second] = hubMock.commandCalls(BatchImportFindingsCommand).map((c) => c.thisValue as SecurityHubClient);
    expect(second).toBe(first);
    expect(await first?.config.credentials()).toMatchObject({ accessKeyId: 'AKIA' });
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/layerguard-member`, RoleSessionName: 'layerguard-security-group' });
  });
});
