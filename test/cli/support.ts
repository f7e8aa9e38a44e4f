import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { motoEnv } from '../support/moto.js';

/** The `layerguard` command, run as a user runs it: `node bin/layerguard.mjs` in a child process. */
export const BIN = fileURLToPath(new URL('../../bin/layerguard.mjs', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the caller's AWS settings, so that no test reaches a real account. */
export const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
  for (const k of Object.keys(env)) if (k.startsWith('AWS_') && !k.endsWith('_FILE')) delete env[k];
  delete env.LAYERGUARD_RUNBOOK_FUNCTION;
  // No instance metadata lookups when a test has no credentials on purpose.
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
};

/** The clean environment pointed at moto (endpoint, region, dummy credentials). */
export const motoCliEnv = (endpoint: string): NodeJS.ProcessEnv => {
  const env = cleanEnv();
  for (const [k, v] of Object.entries(motoEnv(endpoint))) if (v !== undefined) env[k] = v;
  return env;
};

/** Runs the command; stdin is a pipe (not a terminal), closed at once unless `input` is given. */
export const run = (args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv(), opts: { cwd?: string; input?: string } = {}): Promise<Run> =>
  new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000, cwd: opts.cwd ?? REPO }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
    child.stdin?.end(opts.input ?? '');
  });

/** stderr without Node's and the SDK's own warnings (Node version notices). */
export const ownStderr = (s: string): string[] =>
  s.split('\n').filter((l) => l.startsWith('layerguard') || l.startsWith('error:') || l.startsWith('(see'));

/** A fresh folder for configuration and event files. */
export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'layerguard-cli-'));

export const writeJson = (dir: string, name: string, value: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

/** A VPC of this test's own (moto is shared by test files running in parallel) with one group. */
export async function vpcWithGroup(ec2: EC2Client, tags: Record<string, string> = {}): Promise<{ vpcId: string; groupId: string }> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId as string;
  return { vpcId, groupId: await groupIn(ec2, vpcId, tags) };
}

/** Another group in the VPC. */
export async function groupIn(ec2: EC2Client, vpcId: string, tags: Record<string, string> = {}): Promise<string> {
  const group = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `lg-${Math.random().toString(36).slice(2, 10)}`,
      Description: 'layerguard cli test',
      VpcId: vpcId,
      TagSpecifications: Object.keys(tags).length
        ? [{ ResourceType: 'security-group', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }]
        : undefined,
    }),
  );
  return group.GroupId as string;
}

/** Opens tcp/PORT to 0.0.0.0/0 on the group; returns the new rule's id. */
export async function openToWorld(ec2: EC2Client, groupId: string, port: number): Promise<string> {
  const answer = await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  );
  return answer.SecurityGroupRules?.[0]?.SecurityGroupRuleId as string;
}

export { EC2Client };

/** Two subnets in two zones of the VPC: what an application load balancer needs. */
export async function twoSubnets(ec2: EC2Client, vpcId: string): Promise<string[]> {
  const { CreateSubnetCommand } = await import('@aws-sdk/client-ec2');
  const ids: string[] = [];
  for (const [i, zone] of ['us-east-1a', 'us-east-1b'].entries()) {
    const s = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.42.${i + 1}.0/24`, AvailabilityZone: zone }));
    ids.push(s.Subnet?.SubnetId as string);
  }
  return ids;
}
