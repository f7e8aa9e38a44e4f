import { AwsSolutionsChecks } from 'cdk-nag';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.js';
import { parseStackConfig } from '../../infra/config.js';
import { STACKSET_TEMPLATE_BODY_MAX_BYTES } from '../../infra/constructs/member-stackset.js';
import { ORG, ofType, synthOrganization } from './organization-support.js';
import { resolveInPlace, synth } from './support.js';

/**
 * An organisation deployment, as synthesised: the hub template (today's stack, plus the hub bus, its
 * rules, the functions' way into the members and the StackSet) and the member template the StackSet
 * deploys. Expected values are written out here (ARNs, names, conditions), not built by the code under test.
 */

const org = synthOrganization(ORG, { notificationEmails: ['secops@example.com'] });
const { hub, memberTemplate: member } = org;

const HUB_ROLE_ARNS = [
  'arn:aws:iam::111122223333:role/LayerGuard-security-group-eu-west-1',
  'arn:aws:iam::111122223333:role/LayerGuard-route-table-eu-west-1',
  'arn:aws:iam::111122223333:role/LayerGuard-runbook-eu-west-1',
];
const HUB_BUS_ARN = 'arn:aws:events:eu-west-1:111122223333:event-bus/LayerGuard-hub';

const rulesOf = (template: typeof hub): Array<Record<string, any> & { id: string }> =>
  ofType(template, 'AWS::Events::Rule').map(([id, r]) => ({ id, ...r.Properties }));
const hubRules = rulesOf(hub);
const onDefaultBus = hubRules.filter((r) => r.EventBusName === undefined);
const onHubBus = hubRules.filter((r) => r.EventBusName !== undefined);

/** The statements of a function role's inline policy, by the function's logical id prefix. */
function functionStatements(prefix: string): Array<Record<string, any>> {
  const [fn] = ofType(hub, 'AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
  if (!fn) throw new Error(`no function ${prefix}`);
  const roleId = fn[1].Properties.Role['Fn::GetAtt'][0];
  return ofType(hub, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

describe('the hub template', () => {
  it('keeps the rules on the default bus (the hub account is guarded as it is today)', () => {
    expect(onDefaultBus.map((r) => r.id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['NetworkAclRule', 'PrefixListRule', 'RouteTableRule', 'SecurityGroupRule']);
  });

  it('has a hub bus that accepts events only from the organisation', () => {
    hub.hasResourceProperties('AWS::Events::EventBus', { Name: 'LayerGuard-hub' });
    const policies = ofType(hub, 'AWS::Events::EventBusPolicy');
    expect(policies.map(([, p]) => resolveInPlace(p.Properties.Statement))).toEqual([
      {
        Sid: 'cdk-OrganizationMembersForward',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^HubBus/), 'Arn'] },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      },
    ]);
  });

  it('puts the same patterns on the hub bus, to the same functions, with the same retries and dead-letter queues', () => {
    expect(onHubBus).toHaveLength(4);
    for (const rule of onHubBus) {
      const twin = onDefaultBus.find((r) => r.id.replace(/^Hub/, '').slice(0, 10) === rule.id.replace(/^Hub/, '').slice(0, 10));
      expect(twin, rule.id).toBeDefined();
      expect(rule.EventBusName).toEqual({ Ref: expect.stringMatching(/^HubBus/) });
      expect(rule.EventPattern).toEqual(twin?.EventPattern);
      const [target] = rule.Targets;
      expect(target.Arn).toEqual(twin?.Targets[0].Arn);
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 });
      expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/^Hub.*DeadLetterQueue/);
    }
  });

  it("alarms on the hub rules' dead-letter queues", () => {
    const alarmed = ofType(hub, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    expect(alarmed.filter((id) => /^AlarmsHub(SecurityGroup|RouteTable|NetworkAcl|PrefixList)RuleDeadLetterQueueMessages/.test(id))).toHaveLength(4);
  });

  it("excludes the member role's calls in every account from the patterns, and the hub roles' by exact ARN", () => {
    for (const rule of hubRules) {
      const text = JSON.stringify(rule.EventPattern);
      expect(text).toContain('"anything-but":{"wildcard":"arn:aws:sts::*:assumed-role/layerguard-member/*"}');
      for (const arn of HUB_ROLE_ARNS) expect(text).toContain(`"${arn}"`);
    }
  });

  it.each(['SecurityGroupFunction', 'RouteTableFunction', 'RunbookFunction'])(
    '%s may assume the member role in the accounts of the organisation, and is given the organisation',
    (prefix) => {
      const assume = functionStatements(prefix).filter((s) => JSON.stringify(s.Action).includes('sts:'));
      expect(resolveInPlace(assume)).toEqual([
        {
          Sid: 'AssumeMemberRole',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: 'arn:aws:iam::*:role/layerguard-member',
          Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } },
        },
      ]);
      // The OUs and the name of an event's account, for the per-OU policy and the notice.
      const organizations = functionStatements(prefix).filter((s) => JSON.stringify(s.Action).includes('organizations:'));
      // Listing the accounts is the runbook's alone, for the scheduled sweep (test/infra/organization-sweep.test.ts).
      const reads = organizations.filter((s) => s.Sid !== 'ListOrganizationAccounts');
      expect(organizations.length - reads.length).toBe(prefix === 'RunbookFunction' ? 1 : 0);
      expect(resolveInPlace(reads)).toEqual([
        {
          Sid: 'ReadAccountOus',
          Effect: 'Allow',
          Action: 'organizations:ListParents',
          Resource: ['arn:aws:organizations::*:account/o-a1b2c3d4e5/*', 'arn:aws:organizations::*:ou/o-a1b2c3d4e5/*'],
        },
        { Sid: 'ReadAccountName', Effect: 'Allow', Action: 'organizations:DescribeAccount', Resource: 'arn:aws:organizations::*:account/o-a1b2c3d4e5/*' },
      ]);
      // In its own account the hub acts with its own role, in every member region.
      const revoke = functionStatements(prefix).find((s) => s.Sid === 'RemediateRevokeSecurityGroupIngress' || s.Sid === 'RemediateDeleteRoute');
      const regions = new Set([revoke?.Resource].flat().map((r) => (resolveInPlace(r) as string).split(':')[3]));
      expect([...regions].sort()).toEqual(['eu-west-1', 'us-east-1']);
      expect(JSON.stringify(resolveInPlace(revoke?.Resource))).not.toContain('444455556666');
      const [fn] = ofType(hub, 'AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
      const value = JSON.parse(fn?.[1].Properties.Environment.Variables.LAYERGUARD_ORGANIZATION);
      expect(value).toMatchObject({
        id: 'o-a1b2c3d4e5',
        hub: { account: '111122223333', region: 'eu-west-1' },
        memberRegions: ['eu-west-1', 'us-east-1'],
        memberRoleName: 'layerguard-member',
        accounts: [],
      });
    },
  );

  it('gives the canary no way into the members', () => {
    const canary = functionStatements('CanaryFunction');
    expect(JSON.stringify(canary)).not.toContain('sts:');
  });

  it('deploys the member template by a service-managed StackSet to the member OUs and regions', () => {
    hub.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackSetName: 'LayerGuard-member',
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'DELEGATED_ADMIN',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cdef3456', 'r-ab12'] },
          Regions: ['eu-west-1', 'us-east-1'],
        },
      ],
    });
    const [[, stackSet] = ['', { Properties: {} as Record<string, any> }]] = ofType(hub, 'AWS::CloudFormation::StackSet');
    const body = stackSet.Properties.TemplateBody as string;
    expect(JSON.parse(body)).toEqual(org.member.template);
    expect(Buffer.byteLength(body)).toBeLessThan(STACKSET_TEMPLATE_BODY_MAX_BYTES);
    expect(Buffer.byteLength(body)).toBeLessThan(20_000);
    // After the roles its trust policy names and the bus its rules forward to.
    const dependsOn = (hub.toJSON().Resources as Record<string, { DependsOn?: string[] }>)[ofType(hub, 'AWS::CloudFormation::StackSet')[0]?.[0] ?? '']?.DependsOn ?? [];
    for (const prefix of ['SecurityGroupRole', 'RouteTableRole', 'RunbookRole', 'HubBus']) {
      expect(dependsOn.some((d) => d.startsWith(prefix)), prefix).toBe(true);
    }
  });

  it('is the hub: deployed to the hub account and region, with outputs for the bus and the StackSet', () => {
    expect(org.stack.account).toBe('111122223333');
    expect(org.stack.region).toBe('eu-west-1');
    hub.hasOutput('HubBusArn', {});
    hub.hasOutput('MemberStackSetName', {});
  });
});

describe('the member template', () => {
  const forwarding = rulesOf(member);

  it('forwards from the default bus with the hub’s patterns to the hub bus, through a role', () => {
    expect(forwarding).toHaveLength(4);
    for (const rule of forwarding) {
      expect(rule.EventBusName).toBeUndefined();
      const twin = onDefaultBus.find((r) => r.id.slice(0, 10) === rule.id.replace(/^Forwarding/, '').slice(0, 10));
      expect(rule.EventPattern).toEqual(twin?.EventPattern);
      expect(rule.Targets).toHaveLength(1);
      expect(rule.Targets[0]).toMatchObject({
        Arn: HUB_BUS_ARN,
        RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardingRole/), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardingDeadLetterQueue/), 'Arn'] } },
      });
    }
  });

  it("lets the forwarding role put events on the hub bus and nothing else, assumed by EventBridge", () => {
    const [[roleId, role] = ['', { Properties: {} as Record<string, any> }]] = ofType(member, 'AWS::IAM::Role').filter(([id]) => id.startsWith('ForwardingRole'));
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } },
    ]);
    const statements = ofType(member, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: HUB_BUS_ARN }]);
  });

  it('has the member role, named, trusted only by the hub functions’ roles by exact ARN, within the organisation', () => {
    member.hasResourceProperties('AWS::IAM::Role', { RoleName: 'layerguard-member' });
    const [[, role] = ['', { Properties: {} as Record<string, any> }]] = ofType(member, 'AWS::IAM::Role').filter(
      ([, r]) => r.Properties.RoleName === 'layerguard-member',
    );
    const trust = role.Properties.AssumeRolePolicyDocument.Statement as Array<Record<string, any>>;
    expect(trust.map((s) => s.Principal.AWS).sort()).toEqual([...HUB_ROLE_ARNS].sort());
    for (const s of trust) {
      expect(s).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } });
      expect(Object.keys(s).sort()).toEqual(['Action', 'Condition', 'Effect', 'Principal']);
    }
  });

  it('gives the member role exactly the EC2 permissions of the hub functions (their union), in this account and the member regions', () => {
    // The hub functions' EC2 statements: the reads on "*", each write on its resource types.
    const fromHub = ['SecurityGroupFunction', 'RouteTableFunction', 'RunbookFunction'].flatMap(functionStatements);
    const reads = (statements: Array<Record<string, any>>) =>
      [...new Set(statements.filter((s) => s.Sid === 'ReadNetworkState').flatMap((s) => s.Action))].sort();
    const writes = (statements: Array<Record<string, any>>) => {
      const map = new Map<string, Set<string>>();
      for (const s of statements.filter((x) => String(x.Sid).startsWith('Remediate'))) {
        for (const r of [s.Resource].flat()) {
          const arn = JSON.stringify(r);
          const type = /:(security-group|security-group-rule|route-table|subnet|network-acl|prefix-list)\/\*/.exec(arn)?.[1] ?? arn;
          map.set(s.Action, (map.get(s.Action) ?? new Set()).add(type));
        }
      }
      return Object.fromEntries([...map].map(([a, t]) => [a, [...t].sort()]).sort());
    };
    const memberStatements = ofType(member, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('MemberRolePermissions'))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
    expect(reads(memberStatements)).toEqual(reads(fromHub));
    expect(writes(memberStatements)).toEqual(writes(fromHub));
    expect(writes(fromHub)).toEqual({
      'ec2:AssociateRouteTable': ['route-table', 'subnet'],
      'ec2:DeleteNetworkAclEntry': ['network-acl'],
      'ec2:DeleteRoute': ['route-table'],
      'ec2:ModifyManagedPrefixList': ['prefix-list'],
      'ec2:ReplaceNetworkAclAssociation': ['network-acl', 'subnet'],
      'ec2:ReplaceRouteTableAssociation': ['route-table', 'subnet'],
      'ec2:RevokeSecurityGroupIngress': ['security-group', 'security-group-rule'],
    });
    // Nothing but reads and those writes.
    expect(memberStatements.map((s) => s.Sid).sort()).toEqual([
      'ReadNetworkState',
      'RemediateAssociateRouteTable',
      'RemediateDeleteNetworkAclEntry',
      'RemediateDeleteRoute',
      'RemediateModifyManagedPrefixList',
      'RemediateReplaceNetworkAclAssociation',
      'RemediateReplaceRouteTableAssociation',
      'RemediateRevokeSecurityGroupIngress',
    ]);
    // Each write is scoped to this account and one of the member regions.
    const revoke = memberStatements.find((s) => s.Sid === 'RemediateRevokeSecurityGroupIngress');
    expect(resolveInPlace(revoke?.Resource)).toEqual([
      'arn:aws:ec2:eu-west-1:111122223333:security-group/*',
      'arn:aws:ec2:eu-west-1:111122223333:security-group-rule/*',
      'arn:aws:ec2:us-east-1:111122223333:security-group/*',
      'arn:aws:ec2:us-east-1:111122223333:security-group-rule/*',
    ]);
  });

  it('creates the member role once per account (in the hub region) and forwards everywhere but the hub account’s home region', () => {
    const json = member.toJSON();
    expect(json.Conditions).toEqual({
      InHubHomeRegion: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
      ForwardsToHub: {
        'Fn::Not': [
          { 'Fn::And': [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '111122223333'] }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] }] },
        ],
      },
    });
    const conditionOf = Object.fromEntries(
      Object.entries(json.Resources as Record<string, { Condition?: string }>).map(([id, r]) => [id.replace(/[0-9A-F]{8}$/, ''), r.Condition]),
    );
    expect(conditionOf).toEqual({
      ForwardingRole: 'ForwardsToHub',
      ForwardingRoleDefaultPolicy: 'ForwardsToHub',
      ForwardingDeadLetterQueue: 'ForwardsToHub',
      ForwardingDeadLetterQueuePolicy: 'ForwardsToHub',
      ForwardingSecurityGroupRule: 'ForwardsToHub',
      ForwardingRouteTableRule: 'ForwardsToHub',
      ForwardingNetworkAclRule: 'ForwardsToHub',
      ForwardingPrefixListRule: 'ForwardsToHub',
      MemberRole: 'InHubHomeRegion',
      MemberRolePermissions: 'InHubHomeRegion',
    });
  });

  it('needs no CDK bootstrap in the members (no bootstrap parameter, no assets, no metadata resource)', () => {
    const json = member.toJSON();
    expect(json.Parameters).toBeUndefined();
    expect(json.Rules).toBeUndefined();
    expect(JSON.stringify(json)).not.toContain('cdk-bootstrap');
  });
});

describe('an organisation with an external id and accounts outside it', () => {
  const other = synthOrganization({ ...ORG, externalId: 'layerguard-7f3a9c', accounts: ['999988887777'] });

  it('makes the member role require the external id', () => {
    const [[, role] = ['', { Properties: {} as Record<string, any> }]] = ofType(other.memberTemplate, 'AWS::IAM::Role').filter(
      ([, r]) => r.Properties.RoleName === 'layerguard-member',
    );
    for (const s of role.Properties.AssumeRolePolicyDocument.Statement) {
      expect(s.Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'layerguard-7f3a9c' } });
    }
  });

  it('lets the listed account put events on the hub bus, and the functions assume its member role by exact ARN', () => {
    const statements = ofType(other.hub, 'AWS::Events::EventBusPolicy').map(([, p]) => resolveInPlace(p.Properties.Statement));
    expect(statements).toContainEqual(
      expect.objectContaining({ Sid: 'cdk-ListedAccountsForward', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'events:PutEvents' }),
    );
    other.hub.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AssumeMemberRoleOfListedAccounts',
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::999988887777:role/layerguard-member']] },
          }),
        ]),
      },
    });
  });
});

describe('the configuration of an organisation deployment', () => {
  it.each([
    ['no member OUs', { organization: { ...ORG, memberOus: [] } }, /organization\.memberOus: the member StackSet deploys to these OUs/],
    ['a malformed OU', { organization: { ...ORG, memberOus: ['ou-x'] } }, /organization\.memberOus\.0: an OU id looks like/],
    ['an env that is not the hub', { organization: ORG, env: { region: 'us-east-1' } }, /env\.region: the stack is the hub, in eu-west-1/],
    ['an unknown StackSet caller', { organization: { ...ORG, stackSetCallAs: 'ME' } }, /organization\.stackSetCallAs/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => parseStackConfig(input)).toThrow(ConfigError);
    expect(() => parseStackConfig(input)).toThrow(message);
  });

  it('accepts the root id and the management account as the StackSet caller', () => {
    const config = parseStackConfig({ organization: { ...ORG, memberOus: ['r-ab12'], stackSetCallAs: 'SELF' } });
    expect(config.organization?.memberOus).toEqual(['r-ab12']);
    expect(config.organization?.stackSetCallAs).toBe('SELF');
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding on the hub', () => {
    const report = new AwsSolutionsChecks(org.app).validateScope(org.app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('reports no unacknowledged finding on the member template', () => {
    const report = new AwsSolutionsChecks(org.member.app).validateScope(org.member.app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });
});

describe('a single-account deployment', () => {
  const { template } = synth();

  it('has no hub bus, no StackSet, no organisation for the functions and no member-role exclusion', () => {
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    template.resourceCountIs('AWS::CloudFormation::StackSet', 0);
    template.resourceCountIs('AWS::Events::EventBus', 1); // the outcomes bus
    const text = JSON.stringify(template.toJSON());
    expect(text.includes('LAYERGUARD_ORGANIZATION')).toBe(false);
    expect(text.includes('assumed-role')).toBe(false);
    expect(text.includes('AssumeMemberRole')).toBe(false);
  });
});
