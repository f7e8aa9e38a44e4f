import { spawn } from 'node:child_process';
import { DescribeSecurityGroupRulesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizeIngressRecord, eventBridgeEnvelope } from '../../events/generator/cloudtrail.js';
import { motoEndpoint } from '../support/moto.js';
import { BIN, cleanEnv, motoCliEnv, openToWorld, ownStderr, REPO, run, tempDir, vpcWithGroup, writeJson } from './support.js';

/*
 * First contact with a real account (moto over real HTTP stands in for it): one configuration,
 * nothing changed unasked, errors that say what to do. Each test has its own VPC and sweeps only it
 * (other test files share moto).
 */

const endpoint = motoEndpoint();
// moto's default account (moto/core/models.py DEFAULT_ACCOUNT_ID), what STS GetCallerIdentity answers there.
const MOTO_ACCOUNT = '123456789012';

const rulesOf = async (ec2: EC2Client, groupId: string) =>
  (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [];
const hasRule = async (ec2: EC2Client, groupId: string, ruleId: string) => (await rulesOf(ec2, groupId)).some((r) => r.SecurityGroupRuleId === ruleId);

describe.skipIf(!endpoint)('first contact with a real account (moto)', { timeout: 120_000 }, () => {
  let ec2: EC2Client;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    env = motoCliEnv(endpoint as string);
    ec2 = new EC2Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  });

  it('sweep without --apply shows the drift and changes nothing; the context line comes first on stderr', async () => {
    const { vpcId, groupId } = await vpcWithGroup(ec2);
    const ruleId = await openToWorld(ec2, groupId, 22);
    const r = await run(['sweep', '--vpc-id', vpcId, '--json'], env, { cwd: tempDir() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ dryRun: true, target: 'aws', summary: { counts: { 'dry-run': 1, remediated: 0 } } });
    expect(out.outcomes[0].actions[0]).toMatchObject({ type: 'revoke-ingress', ruleIds: [ruleId], result: 'skipped' });
    expect(await hasRule(ec2, groupId, ruleId)).toBe(true);
    const lines = ownStderr(r.stderr);
    expect(lines[0]).toBe(
      `layerguard: configuration defaults, mode enforce (read-only: no --apply), account ${MOTO_ACCOUNT}, region us-east-1, target aws`,
    );
    expect(lines).toContain('layerguard: nothing was changed: run again with --apply to revert');
  });

  it('sweep --apply with no terminal refuses without --yes, before reading anything', async () => {
    const { vpcId, groupId } = await vpcWithGroup(ec2);
    const ruleId = await openToWorld(ec2, groupId, 3389);
    const r = await run(['sweep', '--vpc-id', vpcId, '--apply'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(ownStderr(r.stderr)).toEqual(['layerguard: --apply changes a real account and there is no terminal to ask on: add --yes to confirm']);
    expect(await hasRule(ec2, groupId, ruleId)).toBe(true);
  });

  it('sweep --apply --yes reverts', async () => {
    const { vpcId, groupId } = await vpcWithGroup(ec2);
    const ruleId = await openToWorld(ec2, groupId, 22);
    const r = await run(['sweep', '--vpc-id', vpcId, '--apply', '--yes', '--json'], env, { cwd: tempDir() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: false, summary: { counts: { remediated: 1 } } });
    expect(await hasRule(ec2, groupId, ruleId)).toBe(false);
  });

  it("the configuration's dry-run is honoured by sweep, even with --apply --yes (layerguard.config.json by default)", async () => {
    const { vpcId, groupId } = await vpcWithGroup(ec2);
    const ruleId = await openToWorld(ec2, groupId, 22);
    const dir = tempDir();
    writeJson(dir, 'layerguard.config.json', { stackName: 'LayerGuard', policy: { mode: 'dry-run' } });
    const r = await run(['sweep', '--vpc-id', vpcId, '--apply', '--yes', '--json'], env, { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, summary: { counts: { 'dry-run': 1, remediated: 0 } } });
    expect(await hasRule(ec2, groupId, ruleId)).toBe(true);
    const lines = ownStderr(r.stderr);
    expect(lines[0]).toMatch(/^layerguard: configuration layerguard.config.json, mode dry-run, account \d{12}, region us-east-1, target aws$/);
    expect(lines).toContain("layerguard: the configuration's mode is dry-run (layerguard.config.json): --apply changes nothing");
  });

  it('--config FILE and --policy with the whole configuration read the same file', async () => {
    const { vpcId, groupId } = await vpcWithGroup(ec2);
    await openToWorld(ec2, groupId, 22);
    const dir = tempDir();
    const file = writeJson(dir, 'staging.json', { notificationEmails: ['secops@example.com'], policy: { mode: 'dry-run' } });
    for (const flag of ['--config', '--policy']) {
      const r = await run(['sweep', '--vpc-id', vpcId, '--apply', '--yes', '--json', flag, file], env);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).dryRun).toBe(true);
      expect(ownStderr(r.stderr)[0]).toContain(`configuration ${file}, mode dry-run`);
    }
    const bare = writeJson(dir, 'bare.json', { mode: 'dry-run' });
    const b = await run(['sweep', '--vpc-id', vpcId, '--apply', '--yes', '--json', '--policy', bare], env);
    expect(JSON.parse(b.stdout).dryRun).toBe(true);
  });

  it('runbook revert-security-group: read-only without --apply, reverts with --apply --yes', async () => {
    const { groupId } = await vpcWithGroup(ec2);
    const ruleId = await openToWorld(ec2, groupId, 22);
    const dry = await run(['runbook', 'revert-security-group', '--group-id', groupId], env, { cwd: tempDir() });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would revoke ${ruleId} from ${groupId}`);
    expect(await hasRule(ec2, groupId, ruleId)).toBe(true);
    const applied = await run(['runbook', 'revert-security-group', '--group-id', groupId, '--apply', '--yes'], env, { cwd: tempDir() });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`revoke ${ruleId} from ${groupId} (done)`);
    expect(await hasRule(ec2, groupId, ruleId)).toBe(false);
  });

  it.each([
    ['runbook revert-security-group', ['runbook', 'revert-security-group', '--group-id', 'sg-0123456789abcdef0'], 'sg-0123456789abcdef0'],
    ['runbook revert-route-table', ['runbook', 'revert-route-table', '--route-table-id', 'rtb-0123456789abcdef0'], 'rtb-0123456789abcdef0'],
    ['runbook revert-subnet-association', ['runbook', 'revert-subnet-association', '--subnet-id', 'subnet-0000000000000000a'], 'subnet-0000000000000000a'],
    ['sweep --vpc-id', ['sweep', '--vpc-id', 'vpc-0123456789abcdef0'], 'vpc-0123456789abcdef0'],
  ])('%s on an id that does not exist: "not found", exit 2', async (_name, args, id) => {
    const r = await run(args, env, { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(ownStderr(r.stderr).at(-1)).toBe(`layerguard: ${id} not found in account ${MOTO_ACCOUNT}, region us-east-1`);
  });

  it('replay --target aws judges the event against the live account: read-only, then --apply --yes reverts', async () => {
    const { groupId } = await vpcWithGroup(ec2);
    const ruleId = await openToWorld(ec2, groupId, 22);
    const record = authorizeIngressRecord(
      groupId,
      [{ ruleId, groupId, isEgress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
      { account: MOTO_ACCOUNT, region: 'us-east-1' },
    );
    const file = writeJson(tempDir(), 'event.json', eventBridgeEnvelope(record));
    const dry = await run(['replay', file, '--target', 'aws', '--json'], env, { cwd: tempDir() });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ outcome: 'dry-run', actions: [{ type: 'revoke-ingress', ruleIds: [ruleId], result: 'skipped' }] });
    expect(await hasRule(ec2, groupId, ruleId)).toBe(true);
    const refused = await run(['replay', file, '--target', 'aws', '--apply'], env);
    expect(refused.code).toBe(2);
    const applied = await run(['replay', file, '--target', 'aws', '--apply', '--yes', '--json'], env, { cwd: tempDir() });
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ outcome: 'remediated' });
    expect(await hasRule(ec2, groupId, ruleId)).toBe(false);
  });
});

describe('errors that say what to do: one line, exit 2, before any call', { timeout: 60_000 }, () => {
  it.each([
    ['no region', ['sweep'], {}, /^layerguard: no AWS region: set AWS_REGION or a region in your AWS profile/],
    ['an unknown profile', ['sweep'], { AWS_PROFILE: 'nope', AWS_REGION: 'us-east-1' }, /^layerguard: unknown AWS profile "nope" \(AWS_PROFILE\): add it with `aws configure --profile nope`/],
    ['no credentials', ['runbook', 'revert-security-group', '--group-id', 'sg-0123456789abcdef0'], { AWS_REGION: 'us-east-1' }, /^layerguard: no AWS credentials: run `aws configure`/],
    ['no credentials (replay --target aws)', ['replay', 'events/cloudtrail/AuthorizeSecurityGroupIngress/world-open-ssh.json', '--target', 'aws'], { AWS_REGION: 'us-east-1' }, /^layerguard: no AWS credentials/],
  ])('%s', async (_name, args, extra, message) => {
    const r = await run(args, { ...cleanEnv(), ...extra });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = ownStderr(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('a usage error: one line and "see --help", not the help text', async () => {
    const r = await run(['sweep', '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(ownStderr(r.stderr)).toEqual(["error: unknown option '--no-such-option'", '(see --help)']);
    expect(r.stderr).not.toContain('Usage:');
  });

  it('--version prints the package version; help CMD exits 0', async () => {
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await run(['help', 'sweep']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: layerguard sweep');
    expect(help.stdout).toContain('--apply');
  });

  it('a closed pipe ends quietly: `replay --json … | head -1` prints no stack trace', async () => {
    const files = Array.from({ length: 40 }, () => 'events/cloudtrail/AuthorizeSecurityGroupIngress/world-open-ssh.json');
    const r = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" replay --json ${files.join(' ')} | head -1`], { cwd: REPO, env: cleanEnv() });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (c) => {
        stderr += c;
      });
      child.stdout.on('data', (c) => {
        stdout += c;
      });
      child.on('close', (code) => resolve({ code, stderr, stdout }));
    });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'remediated' });
    expect(r.stderr).not.toMatch(/EPIPE|Error:|at .*\.(ts|js):\d+/);
  });
});
