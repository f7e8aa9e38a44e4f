import { describe, expect, it } from 'vitest';
import { METRICS } from '../../functions/adapters/metrics.js';
import { parseFunctionPayload } from '../../functions/core/runbook.js';
import { resourcesOf, synth } from './support.js';
import { ofType, synthOrganization } from './organization-support.js';

/**
 * The scheduled sweep of an organisation's hub: the schedule sends `sweep-organization`, the runbook
 * role may list the accounts and invoke its own function (and no other), and sweeps that could not be
 * queued are alarmed. A single-account stack keeps its one-region sweep and none of these grants.
 */

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

/** The invokes that are not a function's: the schedules' roles and the Systems Manager runbooks' (test/infra/runbook-documents.test.ts). */
const NOT_A_FUNCTION = new Set(['InvokeTheFunction', 'InvokeTheRunbookFunction']);

type Target = { Input: string; RetryPolicy: unknown };
const runbookSchedule = (template: ReturnType<typeof synth>['template']): { Properties: { Target: Target } } | undefined =>
  Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule')).find((s) => JSON.stringify(s.Properties.Target).includes('RunbookFunction')) as
    | { Properties: { Target: Target } }
    | undefined;

const statementsOf = (template: ReturnType<typeof synth>['template'], action: string): Statement[] =>
  Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => [s.Action].flat().includes(action));

describe('the scheduled sweep of an organisation', () => {
  const { hub } = synthOrganization();

  it('sends sweep-organization, a payload the runbook function takes, with no retry of its own', () => {
    const schedule = runbookSchedule(hub);
    expect(schedule?.Properties.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });
    expect(parseFunctionPayload(JSON.parse(schedule?.Properties.Target.Input ?? 'null'))).toEqual({ action: 'sweep-organization', dryRun: false });
  });

  it('lets only the runbook role list the accounts (on "*": ListAccounts has no resource type) and invoke exactly its own function', () => {
    const [runbookId] = ofType(hub, 'AWS::Lambda::Function').find(([id]) => id.startsWith('RunbookFunction')) ?? [];
    const [policyId, policy] = ofType(hub, 'AWS::IAM::Policy').find(([id]) => id.startsWith('RunbookOrganizationSweep')) ?? [];
    expect(policyId).toBeDefined();
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      { Sid: 'ListOrganizationAccounts', Effect: 'Allow', Action: 'organizations:ListAccounts', Resource: '*' },
      { Sid: 'QueueSweepPerAccountRegion', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [runbookId, 'Arn'] } },
    ]);
    const runbookRole = ofType(hub, 'AWS::Lambda::Function').find(([id]) => id.startsWith('RunbookFunction'))?.[1].Properties.Role['Fn::GetAtt'][0];
    expect(policy?.Properties.Roles).toEqual([{ Ref: runbookRole }]);
    // No other function role may invoke a function or list the accounts.
    expect(statementsOf(hub, 'organizations:ListAccounts')).toHaveLength(1);
    expect(statementsOf(hub, 'lambda:InvokeFunction').filter((s) => !NOT_A_FUNCTION.has(s.Sid ?? ''))).toHaveLength(1);
  });

  it('alarms when sweeps could not be queued (the runbook function’s SweepsNotQueued)', () => {
    const alarms = ofType(hub, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === METRICS.sweepsNotQueued);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.[1].Properties).toMatchObject({
      Namespace: 'LayerGuard',
      Dimensions: expect.arrayContaining([{ Name: 'function', Value: 'runbook' }]),
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('without the schedule, none of it', () => {
    const { hub: off } = synthOrganization(undefined, { sweep: { enabled: false } });
    expect(statementsOf(off, 'organizations:ListAccounts')).toEqual([]);
    // The schedules' and the runbooks' own roles aside, no role may invoke a function.
    expect(statementsOf(off, 'lambda:InvokeFunction').filter((s) => !NOT_A_FUNCTION.has(s.Sid ?? ''))).toEqual([]);
    expect(ofType(off, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === METRICS.sweepsNotQueued)).toEqual([]);
  });
});

describe('a single-account stack', () => {
  const { template } = synth();
  it('keeps its one-region sweep and grants no ListAccounts and no self-invoke', () => {
    expect(JSON.parse(runbookSchedule(template)?.Properties.Target.Input ?? 'null')).toEqual({ action: 'sweep', dryRun: false });
    expect(statementsOf(template, 'organizations:ListAccounts')).toEqual([]);
    expect(statementsOf(template, 'lambda:InvokeFunction').map((s) => s.Sid).sort()).toEqual(['InvokeTheFunction', 'InvokeTheFunction', 'InvokeTheRunbookFunction']);
  });
});
