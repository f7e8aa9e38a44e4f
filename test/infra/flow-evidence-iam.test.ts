import { describe, expect, it } from 'vitest';
import { FLOW_EVIDENCE_ACTIONS } from '../../functions/adapters/flow-evidence.js';
import { ENV } from '../../functions/core/config.js';
import { ACCOUNT, decide as decideAs, functionRoles, policiesOf, REGION, resolverIn, type Template } from './iam-support.js';
import { synth } from './support.js';

/**
 * The `flowLogEvidence` switch's IAM proven through @cloud-copilot/iam-simulate (AWS's authorisation
 * data), as test/infra/security-hub-iam.test.ts does for Security Hub. On: the security-group function
 * may describe flow logs and interfaces, and start and read queries on its account's log groups in its
 * region. Off: none of it, anywhere. The other functions never get it (only this one reverts world-open ingress).
 */

const resolve = resolverIn(ACCOUNT, REGION);

function roleOf(template: Template, prefix: string) {
  const role = functionRoles(template).find((r) => r.prefix === prefix);
  if (!role) throw new Error(`no ${prefix} function`);
  return { principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.roleId}/fn`, policies: policiesOf(template, role.roleId, resolve), environment: role.environment };
}

const decide = (role: ReturnType<typeof roleOf>, action: string, resource: string) => decideAs(role.principal, role.policies, action, resource);

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
