import { runSimulation } from '@cloud-copilot/iam-simulate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { BASELINE as B } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import { ConfigError } from '../../functions/core/errors.js';
import { OUTCOME_STATUSES } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import {
  ACCOUNT_ID,
  GROUP_ID,
  NETWORK_ACL_ID,
  PREFIX_LIST_ID,
  parseFunctionPayload,
  parseRunbookPayload,
  REGION,
  ROUTE_TABLE_ID,
  RUNBOOK_ACTION_NAMES,
  type RunbookActionName,
  SUBNET_ID,
  VPC_ID,
} from '../../functions/core/runbook.js';
import { runRunbook } from '../../functions/pipeline/runbook.js';
import { AUTOMATION_SCRIPT, documentName, RUNBOOK_DOCUMENTS } from '../../infra/constructs/runbook-documents.js';
import { type AutomationContent, type Invocation, pythonMissing, runAutomation, runScript, startParameters } from './automation-run.js';
import { automationProblems } from './ssm-automation-schema.js';
import { PLACE, synth } from './support.js';

/**
 * The Systems Manager Automation runbooks (infra/constructs/runbook-documents.ts): what is deployed, that
 * it is a valid Automation document, that its parameters are the runbook function's own validation, that
 * what it sends parses with the function's own schema, that it fails when the run failed, and that its
 * role may invoke the runbook function and nothing else.
 */

const { template } = synth();
type Resource = { Type: string; Properties: Record<string, any> };
const resources = template.toJSON().Resources as Record<string, Resource>;
const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (prefix: string, type: string): string => {
  const found = byType(type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${found.length}`);
  return (found[0] as [string, Resource])[0];
};

const ROLE = only('RunbookDocumentsRole', 'AWS::IAM::Role');
const RUNBOOK_FN = only('RunbookFunction', 'AWS::Lambda::Function');

/**
 * Ref and Fn::GetAtt Arn as CloudFormation returns them in PLACE (a resource's logical id stands in for
 * the name it would be given): Ref of a function is its name, GetAtt Arn its ARN, of a role the role's
 * ARN (each type's "Return values" in the template reference).
 */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [[key, arg]] = entries as [[string, any]];
    const pseudo: Record<string, string> = { 'AWS::Partition': PLACE.partition, 'AWS::AccountId': PLACE.account, 'AWS::Region': PLACE.region };
    if (key === 'Ref') return pseudo[arg] ?? arg;
    if (key === 'Fn::Join') return (resolve(arg[1]) as unknown[]).join(arg[0]);
    if (key === 'Fn::GetAtt' && arg[1] === 'Arn') {
      const type = resources[arg[0]]?.Type;
      if (type === 'AWS::IAM::Role') return `arn:aws:iam::${PLACE.account}:role/${arg[0]}`;
      if (type === 'AWS::Lambda::Function') return `arn:aws:lambda:${PLACE.region}:${PLACE.account}:function:${arg[0]}`;
      throw new Error(`GetAtt Arn of ${type} is not resolved here`);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
}

const roleArn = resolve({ 'Fn::GetAtt': [ROLE, 'Arn'] }) as string;
const runbookArn = resolve({ 'Fn::GetAtt': [RUNBOOK_FN, 'Arn'] }) as string;

/** The deployed document of one action, its content as CloudFormation resolves it. */
function documentOf(action: RunbookActionName): { properties: Record<string, any>; content: AutomationContent & Record<string, any> } {
  const id = only(`RunbookDocuments${RUNBOOK_DOCUMENTS[action].suffix}`, 'AWS::SSM::Document');
  const properties = resources[id]?.Properties as Record<string, any>;
  return { properties, content: resolve(properties.Content) as AutomationContent & Record<string, any> };
}

/** The id schema each action's target parameter must validate as (functions/core/runbook.ts). */
const TARGETS: Record<RunbookActionName, { parameter: string; field: string; schema: z.ZodMiniString; sample: string; optional?: true }> = {
  'revert-security-group': { parameter: 'GroupId', field: 'groupId', schema: GROUP_ID, sample: B.securityGroups.app },
  'revert-route-table': { parameter: 'RouteTableId', field: 'routeTableId', schema: ROUTE_TABLE_ID, sample: B.routeTables.database },
  'revert-subnet-association': { parameter: 'SubnetId', field: 'subnetId', schema: SUBNET_ID, sample: B.subnets.database1 },
  'revert-network-acl': { parameter: 'NetworkAclId', field: 'networkAclId', schema: NETWORK_ACL_ID, sample: B.networkAcls.database },
  'revert-prefix-list': { parameter: 'PrefixListId', field: 'prefixListId', schema: PREFIX_LIST_ID, sample: B.prefixLists.everywhere },
  sweep: { parameter: 'VpcId', field: 'vpcId', schema: VPC_ID, sample: B.vpcId, optional: true },
};

describe('the documents', () => {
  it('are the six runbooks, named after the default stack as the docs name them', () => {
    expect(byType('AWS::SSM::Document').map(([, r]) => r.Properties.Name).sort()).toEqual(
      [
        'LayerGuard-RevertNetworkAcl',
        'LayerGuard-RevertPrefixList',
        'LayerGuard-RevertRouteTable',
        'LayerGuard-RevertSecurityGroup',
        'LayerGuard-RevertSubnetAssociation',
        'LayerGuard-Sweep',
      ].sort(),
    );
    for (const action of RUNBOOK_ACTION_NAMES) expect(template.toJSON().Outputs[`${RUNBOOK_DOCUMENTS[action].suffix}DocumentName`]).toBeDefined();
  });

  it('take the stack name first, so that two stacks in one account and region do not collide', () => {
    const staging = synth({ stackName: 'LayerGuardStaging' }).template;
    const names = Object.values(staging.findResources('AWS::SSM::Document')).map((r) => r.Properties.Name as string);
    expect(names).toHaveLength(6);
    for (const name of names) expect(name).toMatch(/^LayerGuardStaging-(Revert[A-Za-z]+|Sweep)$/);
    // Prefixes Systems Manager keeps for itself (CreateDocument, Name): refused at synth, as configuration.
    expect(() => synth({ stackName: 'AwsGuard' })).toThrow(ConfigError);
    for (const name of ['amazonGuard', 'AMZN-x']) expect(() => documentName(name, 'sweep')).toThrow(/may not start with "(amazon|amzn)"/);
  });

  it.each(RUNBOOK_ACTION_NAMES)('%s: an Automation document of schema 0.3, three steps, the outcome as outputs', (action) => {
    const { properties, content } = documentOf(action);
    expect(properties).toMatchObject({ DocumentType: 'Automation', DocumentFormat: 'YAML', UpdateMethod: 'NewVersion' });
    expect(content.schemaVersion).toBe('0.3');
    expect(content.assumeRole).toBe('{{ AutomationAssumeRole }}');
    expect(Object.keys(content.parameters).sort()).toEqual([TARGETS[action].parameter, 'Account', 'AutomationAssumeRole', 'DryRun', 'Region'].sort());
    expect(content.parameters.DryRun).toMatchObject({ type: 'Boolean', default: true });
    expect(content.parameters.AutomationAssumeRole).toMatchObject({ type: 'String', default: roleArn });
    expect(content.mainSteps.map((s) => `${s.name} ${s.action}`)).toEqual([
      'BuildPayload aws:executeScript',
      'InvokeRunbook aws:invokeLambdaFunction',
      'CheckOutcome aws:executeScript',
    ]);
    expect(content.mainSteps[1]?.inputs).toEqual({
      FunctionName: RUNBOOK_FN,
      InvocationType: 'RequestResponse',
      Payload: '{{ BuildPayload.Payload }}',
    });
    expect(content.outputs).toEqual(['CheckOutcome.Status', 'CheckOutcome.Reason', 'CheckOutcome.RunbookId']);
    // The deployed scripts are the file's, unchanged.
    for (const step of [content.mainSteps[0], content.mainSteps[2]]) expect(step?.inputs.Script).toBe(AUTOMATION_SCRIPT);
  });
});

describe("the parameters validate as the runbook function's schema does", () => {
  /** Strings near an id's shape: every prefix, hex and not, short and long, and free text. */
  const nearId = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('sg', 'rtb', 'subnet', 'acl', 'pl', 'vpc', 'SG', 'sg-', ''),
        fc.constantFrom('-', '_', ''),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFg'.split('')), maxLength: 20 }),
        fc.constantFrom('', '\n', ' '),
      )
      .map(([prefix, dash, digits, tail]) => `${prefix}${dash}${digits}${tail}`),
    fc.string({ maxLength: 40 }),
  );
  const nearRegion = fc.oneof(
    fc.constantFrom('eu-west-1', 'us-gov-west-1', 'ap-southeast-7', 'EU-WEST-1', 'eu-west', 'eu-west-12', `${'a'.repeat(40)}-west-1`),
    fc.string({ unit: fc.constantFrom(...'abcz-019'.split('')), maxLength: 40 }),
  );
  const nearAccount = fc.oneof(fc.stringMatching(/^\d{10,14}$/), fc.string({ maxLength: 14 }));

  /** Whether Systems Manager would start with this value (the model in automation-run.ts). */
  const starts = (content: AutomationContent, name: string, value: string, base: Record<string, unknown>) => {
    try {
      startParameters(content, { ...base, [name]: value });
      return true;
    } catch {
      return false;
    }
  };

  it.each(RUNBOOK_ACTION_NAMES)('%s: the target id', (action) => {
    const { content } = documentOf(action);
    const { parameter, schema, optional } = TARGETS[action];
    fc.assert(
      fc.property(nearId, (value) => {
        const accepted = (optional === true && value === '') || schema.safeParse(value).success;
        expect(starts(content, parameter, value, {})).toBe(accepted);
      }),
      { numRuns: 300 },
    );
    expect(starts(content, parameter, TARGETS[action].sample, {})).toBe(true);
  });

  it.each(RUNBOOK_ACTION_NAMES)('%s: the account and the region, each optional', (action) => {
    const { content } = documentOf(action);
    const base = { [TARGETS[action].parameter]: TARGETS[action].sample };
    fc.assert(fc.property(nearAccount, (v) => starts(content, 'Account', v, base) === (v === '' || ACCOUNT_ID.safeParse(v).success)));
    fc.assert(fc.property(nearRegion, (v) => starts(content, 'Region', v, base) === (v === '' || REGION.safeParse(v).success)));
  });

  it('refuses a DryRun that is not a Boolean, and a parameter the document does not have', () => {
    const { content } = documentOf('revert-security-group');
    expect(() => startParameters(content, { GroupId: B.securityGroups.app, DryRun: 'false' })).toThrow(/true or false/);
    expect(() => startParameters(content, { GroupId: B.securityGroups.app, VpcId: B.vpcId })).toThrow(/unknown parameter/);
    expect(() => startParameters(content, {})).toThrow(/GroupId is required/);
  });
});

describe('the content is a valid Automation document (schema 0.3)', () => {
  it.each(RUNBOOK_ACTION_NAMES)('%s', (action) => {
    expect(automationProblems(documentOf(action).content)).toEqual([]);
  });

  /** A deep copy of a document with one change. */
  const broken = (change: (doc: any) => void) => {
    const doc = structuredClone(documentOf('revert-security-group').content);
    change(doc);
    return automationProblems(doc);
  };

  it.each([
    ['an unknown action', (d: any) => { d.mainSteps[1].action = 'aws:invokeLambda'; }, /action/],
    ['an input aws:invokeLambdaFunction does not take', (d: any) => { d.mainSteps[1].inputs.Payloads = '{}'; }, /Payloads/],
    ['an input aws:executeScript does not take', (d: any) => { d.mainSteps[0].inputs.Code = 'print(1)'; }, /Code/],
    ['an invalid InvocationType', (d: any) => { d.mainSteps[1].inputs.InvocationType = 'Sync'; }, /InvocationType/],
    ['a step without its required input', (d: any) => { delete d.mainSteps[1].inputs.FunctionName; }, /FunctionName/],
    ['a Python runtime that can no longer be created', (d: any) => { d.mainSteps[0].inputs.Runtime = 'python3.8'; }, /Runtime/],
    ['an invocation longer than the action may run', (d: any) => { d.mainSteps[1].timeoutSeconds = 301; }, /300 s at most/],
    ['a reference to an output no earlier step has', (d: any) => { d.mainSteps[1].inputs.Payload = '{{ BuildPayload.Body }}'; }, /names no parameter/],
    ['a reference to a later step', (d: any) => { d.mainSteps[0].inputs.InputPayload.dryRun = '{{ CheckOutcome.Status }}'; }, /names no parameter/],
    ['a document output no step has', (d: any) => { d.outputs.push('CheckOutcome.Verdict'); }, /no step's output/],
    ['a Boolean default written as text', (d: any) => { d.parameters.DryRun.default = 'true'; }, /not a Boolean/],
    ['an unknown top-level element', (d: any) => { d.steps = []; }, /steps/],
    ['another schema version', (d: any) => { d.schemaVersion = '2.2'; }, /schemaVersion/],
  ])('refuses %s', (_name, change, message) => {
    const problems = broken(change);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(message);
  });
});

// Python runs the documents' scripts here as aws:executeScript would; CI has it (cfn-lint runs on it),
// and LAYERGUARD_REQUIRE_TOOLS=1 (set by .ci/run) turns a skip into a failure.
const toolsRequired = process.env.LAYERGUARD_REQUIRE_TOOLS === '1';
if (pythonMissing && !toolsRequired) console.warn('NOTICE: python3 is not on PATH, so the runbook documents\' scripts are SKIPPED.');
const withPython = it.skipIf(pythonMissing && !toolsRequired);

describe("what each document sends parses with the runbook function's own schema", () => {
  /** The payload the InvokeRunbook step would send for these parameters. */
  const sent = async (action: RunbookActionName, given: Record<string, unknown>) => {
    let payload: unknown;
    await runAutomation(documentOf(action).content, given, async (p) => {
      payload = p;
      return { StatusCode: 200, Payload: JSON.stringify({ outcomes: [] }) };
    });
    expect(typeof payload).toBe('string');
    return parseRunbookPayload(JSON.parse(payload as string));
  };

  withPython.each(RUNBOOK_ACTION_NAMES)('%s: the id, DryRun true by default, no empty field', async (action) => {
    const { parameter, field, sample } = TARGETS[action];
    expect(await sent(action, { [parameter]: sample })).toEqual({ action, [field]: sample, dryRun: true });
    expect(await sent(action, { [parameter]: sample, DryRun: false, Account: '444455556666', Region: 'eu-west-1' })).toEqual({
      action,
      [field]: sample,
      dryRun: false,
      account: '444455556666',
      region: 'eu-west-1',
    });
  });

  withPython('sweep: without a VPC, the whole region', async () => {
    expect(await sent('sweep', {})).toEqual({ action: 'sweep', dryRun: true });
  });

  withPython('reads DryRun given as text as well, and refuses anything else', () => {
    const build = (dryRun: unknown) => runScript(AUTOMATION_SCRIPT, 'build_payload', { action: 'sweep', vpcId: '', dryRun });
    expect(JSON.parse(build('false').returned?.payload as string)).toEqual({ action: 'sweep', dryRun: false });
    expect(build('yes').failed).toMatch(/DryRun must be true or false/);
    expect(build(undefined).failed).toMatch(/DryRun must be true or false/);
  });
});

describe('a run of a document, end to end on the simulated account', () => {
  /** The runbook function's answer to a payload, as its handler gives it (a thrown error: Lambda's error payload). */
  const invokeOn = (network: SimulatedNetwork) => async (payload: unknown): Promise<Invocation> => {
    try {
      const parsed = parseFunctionPayload(JSON.parse(payload as string));
      if (parsed.action === 'sweep-organization') throw new Error('not sent by a document');
      const result = await runRunbook(parsed, { network, policy: DEFAULT_POLICY, clock: () => new Date() });
      return { StatusCode: 200, Payload: JSON.stringify(result) };
    } catch (error) {
      // Lambda's Node.js runtime answers a thrown error as { errorType, errorMessage, trace } with
      // FunctionError set (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html).
      const e = error as Error;
      return { StatusCode: 200, FunctionError: 'Unhandled', Payload: JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }) };
    }
  };
  const drifted = () => {
    const account = threeTierAccount();
    const [open] = account.authorizeIngress(B.securityGroups.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }]);
    return { account, openRuleId: open?.ruleId as string };
  };
  const content = () => documentOf('revert-security-group').content;

  withPython('reverts a world-open group when DryRun is false, and says so', async () => {
    const { account, openRuleId } = drifted();
    const run = await runAutomation(content(), { GroupId: B.securityGroups.app, DryRun: false }, invokeOn(new SimulatedNetwork(account)));
    expect(run).toMatchObject({ status: 'Success', outputs: { 'CheckOutcome.Status': 'remediated' } });
    expect(account.rules.has(openRuleId)).toBe(false);
    expect(run.status === 'Success' && run.outputs['CheckOutcome.RunbookId']).toMatch(/^runbook-/);
  });

  withPython('only reports by default', async () => {
    const { account, openRuleId } = drifted();
    const run = await runAutomation(content(), { GroupId: B.securityGroups.app }, invokeOn(new SimulatedNetwork(account)));
    expect(run).toMatchObject({ status: 'Success', outputs: { 'CheckOutcome.Status': 'dry-run' } });
    expect(account.rules.has(openRuleId)).toBe(true);
  });

  withPython('succeeds with nothing to do on a compliant group', async () => {
    const run = await runAutomation(content(), { GroupId: B.securityGroups.db, DryRun: false }, invokeOn(new SimulatedNetwork(threeTierAccount())));
    expect(run).toMatchObject({ status: 'Success', outputs: { 'CheckOutcome.Status': 'already-compliant' } });
  });

  withPython('fails when the revert failed', async () => {
    const { account } = drifted();
    const network = new SimulatedNetwork(account, {
      fault: (op) => (op === 'RevokeSecurityGroupIngress' ? Object.assign(new Error('denied'), { name: 'UnauthorizedOperation' }) : undefined),
    });
    const run = await runAutomation(content(), { GroupId: B.securityGroups.app, DryRun: false }, invokeOn(network));
    expect(run).toMatchObject({ status: 'Failed', step: 'CheckOutcome' });
    expect(run.status === 'Failed' && run.reason).toMatch(/^failed: /);
  });

  withPython('fails when the group does not exist', async () => {
    const run = await runAutomation(content(), { GroupId: 'sg-0ffffffffffffffff' }, invokeOn(new SimulatedNetwork(threeTierAccount())));
    expect(run).toMatchObject({ status: 'Failed', step: 'CheckOutcome', reason: expect.stringMatching(/not found: sg-0ffffffffffffffff/) });
  });

  withPython('fails when the function refused the payload', async () => {
    // A region the function cannot act in: the function throws RunbookPayloadError before any AWS call.
    const run = await runAutomation(content(), { GroupId: B.securityGroups.app, Region: 'eu-west-1' }, invokeOn(new SimulatedNetwork(threeTierAccount())));
    expect(run).toMatchObject({ status: 'Failed', step: 'CheckOutcome', reason: expect.stringMatching(/RunbookPayloadError: invalid runbook payload/) });
  });

  withPython('fails on an answer it cannot read, and on an outcome it does not know', () => {
    const check = (events: unknown) => runScript(AUTOMATION_SCRIPT, 'check_outcome', events).failed;
    expect(check({ StatusCode: 200, Payload: 'not json' })).toMatch(/not JSON/);
    expect(check({ StatusCode: 500, Payload: '{}' })).toMatch(/status 500/);
    expect(check({ StatusCode: 200, Payload: { outcomes: [{ outcome: 'quarantined', reason: '' }] } })).toMatch(/unknown outcome 'quarantined'/);
  });

  withPython('names the most urgent outcome of several, and knows every outcome status', () => {
    const outcomes = [
      { outcome: 'already-compliant', reason: 'a' },
      { outcome: 'alert-only', reason: 'a person must act' },
      { outcome: 'remediated', reason: 'b' },
    ];
    expect(runScript(AUTOMATION_SCRIPT, 'check_outcome', { StatusCode: 200, Payload: JSON.stringify({ outcomes, runbookId: 'runbook-1' }) }).returned).toEqual({
      status: 'alert-only',
      reason: 'a person must act (and 2 more outcomes)',
      runbookId: 'runbook-1',
    });
    for (const status of OUTCOME_STATUSES) {
      const r = runScript(AUTOMATION_SCRIPT, 'check_outcome', { StatusCode: 200, Payload: { outcomes: [{ outcome: status, reason: 'r' }] } });
      expect(status === 'failed' ? r.failed : r.returned?.status).toBe(status === 'failed' ? 'failed: r' : status);
    }
  });
});

describe("the documents' role", () => {
  const trust = resolve(resources[ROLE]?.Properties.AssumeRolePolicyDocument);
  const policies = byType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: ROLE }]))
    .map(([name, p]) => ({ name, policy: resolve(p.Properties.PolicyDocument) }));
  const principal = `arn:aws:sts::${PLACE.account}:assumed-role/${ROLE}/automation`;

  /** The IAM simulator's answer (as test/infra/iam-simulation.test.ts asks it). */
  async function decide(who: string, identityPolicies: typeof policies, action: string, resource: string, context: Record<string, string> = {}) {
    const answer = await runSimulation(
      {
        request: { principal: who, action, resource: { resource, accountId: PLACE.account }, contextVariables: context },
        identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: resource === roleArn ? trust : undefined,
      },
      {},
    );
    if (answer.resultType === 'error') throw new Error(`${action} on ${resource}: ${JSON.stringify(answer.errors)}`);
    return answer.overallResult;
  }

  it('is the default role of every document', () => {
    for (const action of RUNBOOK_ACTION_NAMES) expect(documentOf(action).content.parameters.AutomationAssumeRole?.default).toBe(roleArn);
  });

  it("is assumed by this account's automation executions only", async () => {
    const execution = (account: string) => ({
      'aws:SourceAccount': account,
      'aws:SourceArn': `arn:aws:ssm:${PLACE.region}:${account}:automation-execution/0f0e0d0c-aaaa-bbbb-cccc-000000000001`,
    });
    expect(await decide('ssm.amazonaws.com', [], 'sts:AssumeRole', roleArn, execution(PLACE.account))).toBe('Allowed');
    expect(await decide('ssm.amazonaws.com', [], 'sts:AssumeRole', roleArn, execution('444455556666'))).not.toBe('Allowed');
    expect(await decide('lambda.amazonaws.com', [], 'sts:AssumeRole', roleArn, execution(PLACE.account))).not.toBe('Allowed');
  });

  it('may invoke the runbook function', async () => {
    expect(policies.length).toBe(1);
    expect(await decide(principal, policies, 'lambda:InvokeFunction', runbookArn)).toBe('Allowed');
  });

  it('and nothing else: no other function, no other action, no version of it', async () => {
    const others = byType('AWS::Lambda::Function')
      .map(([id]) => resolve({ 'Fn::GetAtt': [id, 'Arn'] }) as string)
      .filter((arn) => arn !== runbookArn);
    expect(others.length).toBeGreaterThanOrEqual(3);
    const calls: Array<[string, string]> = [
      ...others.map((arn): [string, string] => ['lambda:InvokeFunction', arn]),
      ['lambda:InvokeFunction', `${runbookArn}:1`],
      ['lambda:InvokeFunctionUrl', runbookArn],
      ['lambda:UpdateFunctionCode', runbookArn],
      ['lambda:UpdateFunctionConfiguration', runbookArn],
      ['lambda:GetFunction', runbookArn],
      ['iam:PassRole', roleArn],
      ['ssm:StartAutomationExecution', `arn:aws:ssm:${PLACE.region}:${PLACE.account}:automation-definition/LayerGuard-Sweep:$DEFAULT`],
      ['ec2:RevokeSecurityGroupIngress', `arn:aws:ec2:${PLACE.region}:${PLACE.account}:security-group/${B.securityGroups.app}`],
    ];
    const allowed: string[] = [];
    for (const [action, resource] of calls) if ((await decide(principal, policies, action, resource)) === 'Allowed') allowed.push(`${action} ${resource}`);
    expect(allowed).toEqual([]);
  });
});
