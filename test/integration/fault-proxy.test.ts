import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authorizeIngressRecord, eventBridgeEnvelope, routeRecord } from '../../events/generator/cloudtrail.js';
import { ALL_REMEDIATORS } from '../../events/simulated-account/engine.js';
import { RecordingNotifier } from '../../events/simulated-account/notifier.js';
import { DEFAULT_MAX_ATTEMPTS, ec2Client, resetClients } from '../../functions/adapters/clients.js';
import { createEc2Network, toSgRule } from '../../functions/adapters/ec2-network.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import { type Fault, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { motoEndpoint, motoEnv } from '../support/moto.js';

/*
 * Faults through the real SDK: the production EC2 client (functions/adapters/clients.ts: standard
 * retry mode, DEFAULT_MAX_ATTEMPTS attempts; the stack sets no AWS_MAX_ATTEMPTS, see
 * infra/constructs/functions.ts, so this is what a deployed function runs) talks to moto through a
 * loopback proxy that throttles, fails, resets and slows each EC2 action on a fixed schedule. The
 * revert must still happen exactly once and leave no drift. The same run with one attempt must fail:
 * proof that it is the SDK's retries, not luck or a simulator, that carry the revert through.
 */

const endpoint = motoEndpoint();
const unique = () => `lg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Every EC2 action's first attempts fail, one fault of each kind in turn; then it answers, once slowly. */
const FAULTS: readonly Fault[] = ['throttle', 'reset', 'server-error', 'unavailable'];
const schedule = (_action: string, attempt: number): Fault | undefined =>
  attempt <= FAULTS.length ? FAULTS[attempt - 1] : attempt === FAULTS.length + 1 ? 'slow' : undefined;

describe.skipIf(!endpoint)(`the real EC2 client through a fault-injecting proxy (${endpoint ?? 'moto unavailable'})`, () => {
  const direct = new EC2Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const saved: Record<string, string | undefined> = {};
  let proxy: FaultProxy | undefined;

  beforeAll(() => {
    for (const [key, value] of Object.entries({ ...motoEnv(endpoint as string), AWS_MAX_ATTEMPTS: undefined })) {
      saved[key] = process.env[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
    resetClients();
  });
  afterAll(() => {
    direct.destroy();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  /** The engine a deployed function runs, on the production EC2 client pointed at the proxy. */
  async function engineThroughProxy(maxAttempts?: number, faults = schedule) {
    proxy = await startFaultProxy({ target: endpoint as string, schedule: faults, slowMs: 300 });
    process.env.AWS_ENDPOINT_URL = proxy.url;
    if (maxAttempts === undefined) delete process.env.AWS_MAX_ATTEMPTS;
    else process.env.AWS_MAX_ATTEMPTS = String(maxAttempts); // "AWS_MAX_ATTEMPTS, when set, wins" (clients.ts)
    resetClients();
    const notifier = new RecordingNotifier();
    const engine = createEngine({
      network: createEc2Network(ec2Client()),
      channels: [notifier],
      makeStore: () => new MemoryIdempotencyStore(),
      policy: DEFAULT_POLICY,
      clock: () => new Date(),
      remediators: ALL_REMEDIATORS,
    });
    return { engine, notifier, proxy };
  }

  async function worldOpenGroup() {
    const vpcId = (await direct.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc?.VpcId as string;
    const groupId = (
      await direct.send(new CreateSecurityGroupCommand({ GroupName: unique(), Description: 'app', VpcId: vpcId }))
    ).GroupId as string;
    const open = await direct.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    const created = (open.SecurityGroupRules ?? []).map(toSgRule);
    const event = eventBridgeEnvelope(authorizeIngressRecord(groupId, created, { account: '123456789012', region: 'us-east-1' }));
    const ingress = async () =>
      (
        await direct.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))
      ).SecurityGroupRules?.filter((r) => !r.IsEgress) ?? [];
    return { groupId, created, event, ingress };
  }

  it(`revokes a world-open rule exactly once through throttling, 5xx, resets and a slow answer (${DEFAULT_MAX_ATTEMPTS} attempts, standard mode)`, { timeout: 60_000 }, async () => {
    const { event, ingress } = await worldOpenGroup();
    const { engine, notifier, proxy: p } = await engineThroughProxy();

    const outcome = await engine.handle(event);

    expect(outcome.outcome).toBe('remediated');
    expect(await ingress()).toEqual([]);
    expect(p.succeeded('RevokeSecurityGroupIngress')).toBe(1);
    expect(notifier.sent).toHaveLength(1);
    // Every kind of fault was met, and each action took its retries.
    expect(new Set(p.log.map((e) => e.fault).filter(Boolean))).toEqual(new Set([...FAULTS, 'slow']));
    for (const action of ['DescribeSecurityGroups', 'DescribeSecurityGroupRules', 'RevokeSecurityGroupIngress']) {
      expect(p.log.filter((e) => e.action === action).length, action).toBeGreaterThan(FAULTS.length);
    }
  });

  it('without retries (AWS_MAX_ATTEMPTS=1) the same faults fail the revert: the retries are what carry it', async () => {
    const { event, ingress } = await worldOpenGroup();
    const { engine, proxy: p } = await engineThroughProxy(1);

    const outcome = await engine.handle(event);

    expect(outcome.outcome).toBe('failed');
    expect(await ingress()).toHaveLength(1);
    expect(p.succeeded('RevokeSecurityGroupIngress')).toBe(0);
  });

  it('a revoke whose answer is lost after it took effect: the SDK asks again, and the rule is gone once, not failed', { timeout: 60_000 }, async () => {
    // The retry meets "already gone" (moto: InvalidPermission.NotFound). The outcome then reads
    // already-compliant although LayerGuard's own first attempt revoked the rule: nothing says which.
    const { event, ingress } = await worldOpenGroup();
    const lost = (action: string, attempt: number): Fault | undefined =>
      action === 'RevokeSecurityGroupIngress' && attempt === 1 ? 'lost-answer' : undefined;
    const { engine, proxy: p } = await engineThroughProxy(undefined, lost);

    const outcome = await engine.handle(event);

    expect(['remediated', 'already-compliant']).toContain(outcome.outcome);
    expect(await ingress()).toEqual([]);
    expect(p.log.filter((e) => e.action === 'RevokeSecurityGroupIngress').map((e) => e.status)).toEqual([200, 400]);
  });

  it('deletes an internet route of an isolated table exactly once through the same faults', { timeout: 60_000 }, async () => {
    const vpcId = (await direct.send(new CreateVpcCommand({ CidrBlock: '10.41.0.0/16' }))).Vpc?.VpcId as string;
    const subnetId = (
      await direct.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: '10.41.21.0/24',
          TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Tier', Value: 'Database' }] }],
        }),
      )
    ).Subnet?.SubnetId as string;
    const tableId = (
      await direct.send(
        new CreateRouteTableCommand({
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'route-table', Tags: [{ Key: 'Tier', Value: 'Database' }] }],
        }),
      )
    ).RouteTable?.RouteTableId as string;
    await direct.send(new AssociateRouteTableCommand({ RouteTableId: tableId, SubnetId: subnetId }));
    const igw = (await direct.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId as string;
    await direct.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    await direct.send(new CreateRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
    const event = eventBridgeEnvelope(
      routeRecord('CreateRoute', tableId, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: igw }, { account: '123456789012', region: 'us-east-1' }),
    );
    const { engine, proxy: p } = await engineThroughProxy();

    const outcome = await engine.handle(event);

    expect(outcome.outcome).toBe('remediated');
    const routes = (await direct.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableId] }))).RouteTables?.[0]?.Routes;
    expect(routes?.map((r) => r.DestinationCidrBlock)).toEqual(['10.41.0.0/16']);
    expect(p.succeeded('DeleteRoute')).toBe(1);
    expect(p.log.filter((e) => e.action === 'DeleteRoute').length).toBe(FAULTS.length + 1);
  });
});
