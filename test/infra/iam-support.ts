import { runSimulation } from '@cloud-copilot/iam-simulate';

/**
 * A synthesised stack's identity policies as the IAM simulator (@cloud-copilot/iam-simulate, built
 * from AWS's authorisation data) judges them: shared by the switches' IAM tests.
 */

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const OTHER = '444455556666';

export type Resource = { Type: string; Properties: Record<string, any> };
export type Template = { Resources: Record<string, Resource> };

/** Ref of pseudo parameters and Fn::Join as CloudFormation resolves them in account/region; other references, placeholders. */
export function resolverIn(account: string, region: string) {
  const pseudo: Record<string, string> = { 'AWS::AccountId': account, 'AWS::Region': region, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [[key, arg]] = entries as [[string, any]];
      if (key === 'Ref') return pseudo[arg] ?? `arn:aws:placeholder:${region}:${account}:${arg}`;
      if (key === 'Fn::Join') return (resolve(arg[1]) as unknown[]).join(arg[0]);
      if (key === 'Fn::GetAtt') return `arn:aws:placeholder:${region}:${account}:${arg[0]}`;
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
}

export const policiesOf = (template: Template, roleId: string, resolve: (v: unknown) => unknown) =>
  Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .map(([id, r]) => ({ name: id, policy: resolve(r.Properties.PolicyDocument) }));

/** The role of each LayerGuard function that files findings, by the function's logical id prefix. */
export function functionRoles(template: Template) {
  return ['SecurityGroup', 'RouteTable', 'Runbook'].map((prefix) => {
    const [fnId, fn] = Object.entries(template.Resources).find(([id, r]) => id.startsWith(`${prefix}Function`) && r.Type === 'AWS::Lambda::Function') ?? [];
    if (!fnId || !fn) throw new Error(`no ${prefix} function`);
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    return { prefix, roleId, environment: fn.Properties.Environment.Variables as Record<string, unknown> };
  });
}

export async function decide(principal: string, identityPolicies: Array<{ name: string; policy: unknown }>, action: string, resource: string): Promise<string> {
  const answer = await runSimulation(
    {
      request: { principal, action, resource: { resource, accountId: resource.split(':')[4] || ACCOUNT }, contextVariables: { 'aws:SecureTransport': 'true' } },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (answer.resultType === 'error') throw new Error(`${action} on ${resource}: ${JSON.stringify(answer.errors)}`);
  return answer.overallResult;
}
