import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { FLOW_EVIDENCE_ACTIONS } from '../../functions/adapters/flow-evidence.js';
import { ENV } from '../../functions/core/config.js';
import { synth } from './support.js';

/**
 * The `flowLogEvidence` switch's IAM proven through @cloud-copilot/iam-simulate (AWS's authorisation
 * data), as test/infra/security-hub-iam.test.ts does for Security Hub. On: the security-group function
 * may describe flow logs and interfaces, and start and read queries on its account's log groups in its
 * region. Off: none of it, anywhere. The other functions never get it (only this one reverts world-open ingress).
 */

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';

type Resource = { Type: string; Properties: Record<string, any> };
type Template = { Resources: Record<string, Resource> };

/** Pseudo parameters and Fn::Join as CloudFormation resolves them; other references, placeholders. */
function resolve(value: unknown): unknown {
  const pseudo: Record<string, string> = { 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [[key, arg]] = entries as [[string, any]];
    if (key === 'Ref') return pseudo[arg] ?? `arn:aws:placeholder:${REGION}:${ACCOUNT}:${arg}`;
    if (key === 'Fn::Join') return (resolve(arg[1]) as unknown[]).join(arg[0]);
    if (key === 'Fn::GetAtt') return `arn:aws:placeholder:${REGION}:${ACCOUNT}:${arg[0]}`;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
}

function roleOf(template: Template, prefix: string) {
  const [, fn] = Object.entries(template.Resources).find(([id, r]) => id.startsWith(`${prefix}Function`) && r.Type === 'AWS::Lambda::Function') ?? [];
  if (!fn) throw new Error(`no ${prefix} function`);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  const policies = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .map(([name, r]) => ({ name, policy: resolve(r.Properties.PolicyDocument) }));
  return { principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleId}/fn`, policies, environment: fn.Properties.Environment.Variables as Record<string, unknown> };
}

async function decide(role: ReturnType<typeof roleOf>, action: string, resource: string): Promise<string> {
  const answer = await runSimulation(
    {
      request: { principal: role.principal, action, resource: { resource, accountId: resource.split(':')[4] || ACCOUNT }, contextVariables: { 'aws:SecureTransport': 'true' } },
      identityPolicies: role.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (answer.resultType === 'error') throw new Error(`${action} on ${resource}: ${JSON.stringify(answer.errors)}`);
  return answer.overallResult;
}

const group = (account: string, region: string, name: string) => `arn:aws:logs:${region}:${account}:log-group:${name}`;
/** The calls the evidence step makes: EC2 Describe* on "*", the Logs calls on the flow-log group. */
const made = [
  ['ec2:DescribeFlowLogs', '*'],
  ['ec2:DescribeNetworkInterfaces', '*'],
  ['logs:StartQuery', group(ACCOUNT, REGION, '/vpc/flows')],
  ['logs:GetQueryResults', group(ACCOUNT, REGION, '/vpc/flows')],
];
/** Neighbours it never needs. */
const never = [
  ['logs:StartQuery', group('444455556666', REGION, '/vpc/flows')],
  ['logs:StartQuery', group(ACCOUNT, 'eu-west-1', '/vpc/flows')],
  ['logs:GetLogEvents', `${group(ACCOUNT, REGION, '/vpc/flows')}:log-stream:s`],
  ['logs:DeleteLogGroup', group(ACCOUNT, REGION, '/vpc/flows')],
  ['ec2:DeleteFlowLogs', `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc-flow-log/fl-1`],
];

describe('flowLogEvidence on', () => {
  const template = synth({ flowLogEvidence: true }).template.toJSON() as Template;

  it('the security-group function may make exactly the evidence calls', async () => {
    const role = roleOf(template, 'SecurityGroup');
    expect(role.environment[ENV.flowLogEvidence]).toBe('true');
    for (const [action, resource] of made) expect(await decide(role, action as string, resource as string), `${action} ${resource}`).toBe('Allowed');
    for (const [action, resource] of never) expect(await decide(role, action as string, resource as string), `${action} ${resource}`).not.toBe('Allowed');
  });

  it.each(['RouteTable', 'Runbook'])('%s gets none of it', async (prefix) => {
    const role = roleOf(template, prefix);
    expect(role.environment[ENV.flowLogEvidence]).toBeUndefined();
    for (const [action, resource] of made.slice(2)) expect(await decide(role, action as string, resource as string)).not.toBe('Allowed');
  });

  it('grants the actions FLOW_EVIDENCE_ACTIONS names', () => {
    const text = JSON.stringify(template);
    for (const action of [...FLOW_EVIDENCE_ACTIONS.describe, ...FLOW_EVIDENCE_ACTIONS.query]) expect(text).toContain(action);
  });
});

describe('flowLogEvidence off (the default)', () => {
  const template = synth({}).template.toJSON() as Template;

  it('writes no evidence action anywhere', () => {
    const text = JSON.stringify(template);
    for (const action of ['ec2:DescribeFlowLogs', 'logs:StartQuery', 'logs:GetQueryResults']) expect(text).not.toContain(action);
  });

  it('the security-group function may not query', async () => {
    const role = roleOf(template, 'SecurityGroup');
    expect(role.environment[ENV.flowLogEvidence]).toBeUndefined();
    for (const [action, resource] of [made[0], made[2], made[3]]) expect(await decide(role, action as string, resource as string)).toBe('ImplicitlyDenied');
  });
});
