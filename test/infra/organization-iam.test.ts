import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { RUNBOOK_ACTIONS } from '../../functions/adapters/permissions.js';
import { ORG, ofType, synthOrganization } from './organization-support.js';

/**
 * The organisation's IAM proven, not believed (as test/infra/iam-simulation.test.ts does for one
 * account): the member role's trust, the member role's permissions and the hub bus's policy, from the
 * synthesised templates, through @cloud-copilot/iam-simulate (built from AWS's authorisation data). The
 * member template is resolved as CloudFormation would in member account 444455556666; the hub template
 * in the hub, 111122223333 in eu-west-1 (its environment). Whether an account is in the organisation is
 * the request context `aws:PrincipalOrgID` / `aws:ResourceOrgID`, as IAM sets it.
 */

const HUB = '111122223333';
const MEMBER = '444455556666';
const OUTSIDE = '555566667777';
const LISTED = '999988887777';
const ORG_ID = ORG.id;
const OTHER_ORG = 'o-zzzzzzzzzz';
const EXTERNAL_ID = 'layerguard-7f3a9c';

const plain = synthOrganization();
const withExternalId = synthOrganization({ ...ORG, externalId: EXTERNAL_ID, accounts: [LISTED] });

type Resource = { Type: string; Properties: Record<string, any> };
type Template = { Resources: Record<string, Resource> };

/** Resolves Ref and Fn::Join as CloudFormation would in `account`/`region`; other references become placeholder ARNs. */
function resolver(template: Template, account: string, region: string) {
  const pseudo: Record<string, string> = { 'AWS::AccountId': account, 'AWS::Region': region, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
  const name = (id: string) => {
    const p = template.Resources[id]?.Properties ?? {};
    return (p.RoleName ?? p.Name ?? id) as string;
  };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [[key, arg]] = entries as [[string, any]];
      if (key === 'Ref') return pseudo[arg] ?? `arn:aws:placeholder:${region}:${account}:${arg}`;
      if (key === 'Fn::Join') return (resolve(arg[1]) as string[]).join(arg[0]);
      if (key === 'Fn::GetAtt') {
        const [id] = arg as [string, string];
        const type = template.Resources[id]?.Type;
        if (type === 'AWS::IAM::Role') return `arn:aws:iam::${account}:role/${name(id)}`;
        if (type === 'AWS::Events::EventBus') return `arn:aws:events:${region}:${account}:event-bus/${name(id)}`;
        // A function's Arn attribute is its unqualified ARN (AWS::Lambda::Function, return values); CloudFormation names it from the logical id.
        if (type === 'AWS::Lambda::Function') return `arn:aws:lambda:${region}:${account}:function:${(template.Resources[id]?.Properties.FunctionName as string | undefined) ?? id}`;
        return `arn:aws:placeholder:${region}:${account}:${id}`;
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
}

/** The identity policies attached to a role of a template (by the role's logical id). */
function policiesOf(template: Template, roleId: string, resolve: (v: unknown) => unknown) {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .map(([id, r]) => ({ name: id, policy: resolve(r.Properties.PolicyDocument) }));
}

const roleIdNamed = (template: Template, match: (id: string, r: Resource) => boolean): string => {
  const found = Object.entries(template.Resources).filter(([id, r]) => r.Type === 'AWS::IAM::Role' && match(id, r));
  if (found.length !== 1) throw new Error(`expected one role, found ${found.length}`);
  return (found[0] as [string, Resource])[0];
};

interface Request {
  readonly principal: string;
  readonly identityPolicies: Array<{ name: string; policy: unknown }>;
  readonly action: string;
  readonly resource: string;
  readonly resourcePolicy?: unknown;
  readonly context?: Record<string, string | string[]>;
}

async function decide(r: Request): Promise<string> {
  const answer = await runSimulation(
    {
      request: {
        principal: r.principal,
        action: r.action,
        // A resource with no account in its ARN ("*" for Describe calls) is the caller's own account's.
        resource: { resource: r.resource, accountId: r.resource.split(':')[4] || (r.principal.split(':')[4] ?? HUB) },
        contextVariables: { 'aws:SecureTransport': 'true', ...r.context },
      },
      identityPolicies: r.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: r.resourcePolicy,
    },
    {},
  );
  if (answer.resultType === 'error') throw new Error(`${r.action} on ${r.resource}: ${JSON.stringify(answer.errors)}`);
  return answer.overallResult;
}

const ADMIN = [{ name: 'admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }];

/** One side of an organisation deployment, resolved: the hub's function roles and the member role in MEMBER. */
function sides(org: ReturnType<typeof synthOrganization>) {
  const hub = org.hub.toJSON() as Template;
  const member = org.member.template as unknown as Template;
  const inHub = resolver(hub, HUB, 'eu-west-1');
  const inMember = resolver(member, MEMBER, 'us-east-1');
  const memberRoleId = roleIdNamed(member, (_id, r) => r.Properties.RoleName === 'layerguard-member');
  const fn = (prefix: string) => {
    const [[fnId, f] = ['', { Properties: {} as Record<string, any> }]] = ofType(org.hub, 'AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
    const roleId = f.Properties.Role['Fn::GetAtt'][0] as string;
    const roleName = inHub(hub.Resources[roleId]?.Properties.RoleName) as string;
    return { principal: `arn:aws:sts::${HUB}:assumed-role/${roleName}/${fnId}`, identityPolicies: policiesOf(hub, roleId, inHub) };
  };
  return {
    hub,
    member,
    inHub,
    inMember,
    fn,
    memberRoleArn: `arn:aws:iam::${MEMBER}:role/layerguard-member`,
    trust: inMember(member.Resources[memberRoleId]?.Properties.AssumeRolePolicyDocument),
    memberSession: {
      principal: `arn:aws:sts::${MEMBER}:assumed-role/layerguard-member/LayerGuard-runbook`,
      identityPolicies: policiesOf(member, memberRoleId, inMember),
    },
  };
}

const IN_ORG = { 'aws:PrincipalOrgID': ORG_ID, 'aws:ResourceOrgID': ORG_ID };

describe('the member role: only the hub functions may assume it', () => {
  const s = sides(plain);
  const assume = (who: { principal: string; identityPolicies: Request['identityPolicies'] }, context: Record<string, string> = IN_ORG) =>
    decide({ ...who, action: 'sts:AssumeRole', resource: s.memberRoleArn, resourcePolicy: s.trust, context });

  it.each(['SecurityGroupFunction', 'RouteTableFunction', 'RunbookFunction'])('%s may, from the hub, in a member account of the organisation', async (prefix) => {
    expect(await assume(s.fn(prefix))).toBe('Allowed');
  });

  it('the canary function may not', async () => {
    expect(await assume(s.fn('CanaryFunction'))).not.toBe('Allowed');
  });

  it('another role of the hub account may not, whatever its own permissions', async () => {
    expect(await assume({ principal: `arn:aws:sts::${HUB}:assumed-role/deployer/alice`, identityPolicies: ADMIN })).not.toBe('Allowed');
  });

  it('a role of the member account itself, or of another account of the organisation, may not', async () => {
    for (const account of [MEMBER, '777788889999']) {
      expect(await assume({ principal: `arn:aws:sts::${account}:assumed-role/admin/bob`, identityPolicies: ADMIN }), account).not.toBe('Allowed');
    }
  });

  it('a role outside the organisation named like a hub function role may not', async () => {
    const principal = `arn:aws:sts::${OUTSIDE}:assumed-role/LayerGuard-runbook-eu-west-1/x`;
    expect(await assume({ principal, identityPolicies: ADMIN }, { 'aws:PrincipalOrgID': OTHER_ORG, 'aws:ResourceOrgID': ORG_ID })).not.toBe('Allowed');
  });

  it("the hub functions may not assume a role of that name outside the organisation (their own policy: aws:ResourceOrgID)", async () => {
    const outside = `arn:aws:iam::${OUTSIDE}:role/layerguard-member`;
    const trust = JSON.parse(JSON.stringify(s.trust).replaceAll(ORG_ID, OTHER_ORG));
    const answer = await decide({
      ...s.fn('RunbookFunction'),
      action: 'sts:AssumeRole',
      resource: outside,
      resourcePolicy: trust,
      context: { 'aws:PrincipalOrgID': ORG_ID, 'aws:ResourceOrgID': OTHER_ORG },
    });
    expect(answer).not.toBe('Allowed');
  });
});

describe('with an external id', () => {
  const s = sides(withExternalId);
  const assume = (context: Record<string, string>) =>
    decide({ ...s.fn('RunbookFunction'), action: 'sts:AssumeRole', resource: s.memberRoleArn, resourcePolicy: s.trust, context });

  it('the hub function may with the external id, and not without it or with another', async () => {
    expect(await assume({ ...IN_ORG, 'sts:ExternalId': EXTERNAL_ID })).toBe('Allowed');
    expect(await assume(IN_ORG)).not.toBe('Allowed');
    expect(await assume({ ...IN_ORG, 'sts:ExternalId': 'guess' })).not.toBe('Allowed');
  });

  it("the hub function may assume a listed account's member role (outside the organisation)", async () => {
    const listed = `arn:aws:iam::${LISTED}:role/layerguard-member`;
    const context = { 'aws:PrincipalOrgID': ORG_ID, 'sts:ExternalId': EXTERNAL_ID };
    expect(await decide({ ...s.fn('RunbookFunction'), action: 'sts:AssumeRole', resource: listed, resourcePolicy: s.trust, context })).toBe('Allowed');
  });
});

describe('the member role may do exactly what the functions do', () => {
  const s = sides(plain);
  const ec2 = (region: string, type: string, id: string, account = MEMBER) => `arn:aws:ec2:${region}:${account}:${type}/${id}`;
  const as = (action: string, resource: string) => decide({ ...s.memberSession, action, resource });

  it('reads the network state and reverts, in each member region of its account', async () => {
    const calls: Array<[string, string]> = [...RUNBOOK_ACTIONS.read.map((a): [string, string] => [a, '*'])];
    for (const region of ORG.memberRegions) {
      calls.push(
        ['ec2:RevokeSecurityGroupIngress', ec2(region, 'security-group', 'sg-0a1b2c3d4e5f67002')],
        ['ec2:DeleteRoute', ec2(region, 'route-table', 'rtb-0a1b2c3d4e5f60001')],
        ['ec2:ReplaceRouteTableAssociation', ec2(region, 'route-table', 'rtb-0a1b2c3d4e5f60001')],
        ['ec2:ReplaceRouteTableAssociation', ec2(region, 'subnet', 'subnet-0a1b2c3d4e5f60001')],
        ['ec2:AssociateRouteTable', ec2(region, 'route-table', 'rtb-0a1b2c3d4e5f60001')],
        ['ec2:AssociateRouteTable', ec2(region, 'subnet', 'subnet-0a1b2c3d4e5f60001')],
      );
    }
    const decisions = await Promise.all(calls.map(async ([a, r]) => `${a} ${r}: ${await as(a, r)}`));
    expect(decisions.filter((d) => !d.endsWith(': Allowed'))).toEqual([]);
    expect(decisions.length).toBe(RUNBOOK_ACTIONS.read.length + 12);
  });

  it('and nothing more', async () => {
    const sg = ec2('us-east-1', 'security-group', 'sg-0a1b2c3d4e5f67002');
    const calls: Array<[string, string]> = [
      ['ec2:DeleteVpc', ec2('us-east-1', 'vpc', 'vpc-0a1b2c3d4e5f60001')],
      ['ec2:AuthorizeSecurityGroupIngress', sg],
      ['ec2:ModifySecurityGroupRules', sg],
      ['ec2:DeleteSecurityGroup', sg],
      ['ec2:CreateRoute', ec2('us-east-1', 'route-table', 'rtb-0a1b2c3d4e5f60001')],
      ['ec2:DeleteSubnet', ec2('us-east-1', 'subnet', 'subnet-0a1b2c3d4e5f60001')],
      ['ec2:RunInstances', ec2('us-east-1', 'instance', '*')],
      // Writes outside the member regions, or in another account.
      ['ec2:RevokeSecurityGroupIngress', ec2('ap-southeast-2', 'security-group', 'sg-0a1b2c3d4e5f67002')],
      ['ec2:RevokeSecurityGroupIngress', ec2('us-east-1', 'security-group', 'sg-0a1b2c3d4e5f67002', OUTSIDE)],
      ['ec2:DeleteRoute', ec2('eu-west-1', 'route-table', 'rtb-0a1b2c3d4e5f60001', HUB)],
      ['iam:CreateRole', `arn:aws:iam::${MEMBER}:role/x`],
      ['sts:AssumeRole', `arn:aws:iam::${OUTSIDE}:role/x`],
      ['events:PutEvents', `arn:aws:events:eu-west-1:${HUB}:event-bus/LayerGuard-hub`],
      ['s3:GetObject', 'arn:aws:s3:::bucket/key'],
    ];
    const decisions = await Promise.all(calls.map(async ([a, r]) => `${a} ${r}: ${await as(a, r)}`));
    expect(decisions.filter((d) => d.endsWith(': Allowed'))).toEqual([]);
  });
});

describe('the hub bus accepts events only from the organisation and the listed accounts', () => {
  const busPolicy = (org: ReturnType<typeof synthOrganization>) => {
    const resolve = resolver(org.hub.toJSON() as Template, HUB, 'eu-west-1');
    return {
      Version: '2012-10-17',
      Statement: ofType(org.hub, 'AWS::Events::EventBusPolicy').map(([, p]) => resolve(p.Properties.Statement)),
    };
  };
  const BUS = `arn:aws:events:eu-west-1:${HUB}:event-bus/LayerGuard-hub`;
  const s = sides(plain);
  const forwardRoleId = roleIdNamed(s.member, (id) => id.startsWith('ForwardingRole'));
  const forwarder = (account: string) => ({
    principal: `arn:aws:sts::${account}:assumed-role/LayerGuard-member-ForwardingRole/events`,
    identityPolicies: policiesOf(s.member, forwardRoleId, resolver(s.member, account, 'us-east-1')),
  });
  const put = (org: ReturnType<typeof synthOrganization>, account: string, context: Record<string, string>) =>
    decide({ ...forwarder(account), action: 'events:PutEvents', resource: BUS, resourcePolicy: busPolicy(org), context });

  it("lets a member's forwarding rule put events from an account of the organisation", async () => {
    expect(await put(plain, MEMBER, { 'aws:PrincipalOrgID': ORG_ID })).toBe('Allowed');
  });

  it('refuses an account outside the organisation', async () => {
    expect(await put(plain, OUTSIDE, { 'aws:PrincipalOrgID': OTHER_ORG })).not.toBe('Allowed');
    expect(await put(plain, OUTSIDE, {})).not.toBe('Allowed');
  });

  it('lets a listed account outside the organisation put events, and no other', async () => {
    expect(await put(withExternalId, LISTED, {})).toBe('Allowed');
    expect(await put(withExternalId, OUTSIDE, {})).not.toBe('Allowed');
  });

  it('lets the forwarding role put events on the hub bus only', async () => {
    const other = `arn:aws:events:eu-west-1:${HUB}:event-bus/default`;
    expect(await decide({ ...forwarder(MEMBER), action: 'events:PutEvents', resource: other, context: { 'aws:PrincipalOrgID': ORG_ID } })).not.toBe('Allowed');
  });
});

describe('the scheduled sweep of the organisation: the runbook role may list the accounts and invoke itself, and no other function', () => {
  const s = sides(plain);
  const functionArn = (prefix: string) => {
    const [[id] = ['']] = ofType(plain.hub, 'AWS::Lambda::Function').filter(([fid]) => fid.startsWith(prefix));
    return s.inHub({ 'Fn::GetAtt': [id, 'Arn'] }) as string;
  };
  const as = (prefix: string, action: string, resource: string) => decide({ ...s.fn(prefix), action, resource });

  it('the runbook role may invoke the runbook function, and may list the organisation’s accounts', async () => {
    expect(await as('RunbookFunction', 'lambda:InvokeFunction', functionArn('RunbookFunction'))).toBe('Allowed');
    expect(await as('RunbookFunction', 'organizations:ListAccounts', '*')).toBe('Allowed');
  });

  it('the runbook role may invoke no other function, nor a function of that name elsewhere', async () => {
    for (const prefix of ['SecurityGroupFunction', 'RouteTableFunction', 'CanaryFunction']) {
      expect(await as('RunbookFunction', 'lambda:InvokeFunction', functionArn(prefix)), prefix).not.toBe('Allowed');
    }
    const name = functionArn('RunbookFunction').split(':').slice(6).join(':');
    expect(await as('RunbookFunction', 'lambda:InvokeFunction', `arn:aws:lambda:eu-west-1:${HUB}:function:other`)).not.toBe('Allowed');
    expect(await as('RunbookFunction', 'lambda:InvokeFunction', `arn:aws:lambda:eu-west-1:${MEMBER}:function:${name}`)).not.toBe('Allowed');
    expect(await as('RunbookFunction', 'lambda:UpdateFunctionCode', functionArn('RunbookFunction'))).not.toBe('Allowed');
  });

  it('the event functions may neither invoke the runbook nor list the accounts', async () => {
    for (const prefix of ['SecurityGroupFunction', 'RouteTableFunction', 'CanaryFunction']) {
      expect(await as(prefix, 'lambda:InvokeFunction', functionArn('RunbookFunction')), prefix).not.toBe('Allowed');
      expect(await as(prefix, 'organizations:ListAccounts', '*'), prefix).not.toBe('Allowed');
    }
  });
});
