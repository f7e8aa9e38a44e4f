import { describe, expect, it } from 'vitest';
import { SECURITY_HUB_ACTIONS } from '../../functions/adapters/security-hub.js';
import { ENV } from '../../functions/core/config.js';
import { ORG, synthOrganization } from './organization-support.js';
import { ACCOUNT, decide, functionRoles, OTHER, policiesOf, REGION, resolverIn, type Template } from './iam-support.js';
import { synth } from './support.js';

/**
 * The Security Hub switch's IAM proven, not believed (as test/infra/iam-simulation.test.ts does for the
 * rest): the synthesised identity policies of each function's role (and of the member role, in an
 * organisation) run through @cloud-copilot/iam-simulate, built from AWS's authorisation data. On: exactly
 * BatchImportFindings into the account's default product and BatchUpdateFindings on its hub, in its
 * regions. Off: no Security Hub action at all.
 */

const product = (account: string, region: string) => `arn:aws:securityhub:${region}:${account}:product/${account}/default`;
const hub = (account: string, region: string) => `arn:aws:securityhub:${region}:${account}:hub/default`;

/** The calls the channel makes (allowed when on) and neighbours it must never reach (always denied). */
const calls = (account: string, region: string, elsewhere: string) => ({
  made: [
    ['securityhub:BatchImportFindings', product(account, region)],
    ['securityhub:BatchUpdateFindings', hub(account, region)],
  ],
  never: [
    // Another account's product, another region's, another product (the simulator matches `product`
    // ARNs with an account, so AWS's own products are written with one here).
    ['securityhub:BatchImportFindings', product(OTHER, region)],
    ['securityhub:BatchImportFindings', product(account, elsewhere)],
    ['securityhub:BatchImportFindings', `arn:aws:securityhub:${region}:${account}:product/aws/guardduty`],
    ['securityhub:BatchUpdateFindings', hub(OTHER, region)],
    // Nothing else of Security Hub: reading findings, turning it off.
    ['securityhub:GetFindings', hub(account, region)],
    ['securityhub:DisableSecurityHub', hub(account, region)],
  ],
});

describe('securityHub on: each function files findings of its own account, and nothing more', () => {
  const template = synth({ securityHub: true }).template.toJSON() as Template;
  const resolve = resolverIn(ACCOUNT, REGION);
  const { made, never } = calls(ACCOUNT, REGION, 'eu-west-1');

  it.each(functionRoles(template))('$prefix', async ({ roleId, environment }) => {
    const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/${roleId}/fn`;
    const policies = policiesOf(template, roleId, resolve);
    expect(environment[ENV.securityHub]).toBe('true');
    for (const [action, resource] of made) expect(await decide(principal, policies, action as string, resource as string), `${action} ${resource}`).toBe('Allowed');
    for (const [action, resource] of never) expect(await decide(principal, policies, action as string, resource as string), `${action} ${resource}`).not.toBe('Allowed');
  });

  it('grants the actions SECURITY_HUB_ACTIONS names, no more', () => {
    const actions = new Set(
      Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy')
        .flatMap((r) => (r.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((s) => [s.Action].flat()))
        .filter((a) => a.startsWith('securityhub:')),
    );
    expect([...actions].sort()).toEqual([...SECURITY_HUB_ACTIONS.importFindings, ...SECURITY_HUB_ACTIONS.updateWorkflow].sort());
  });
});

describe('securityHub off (the default): no Security Hub grant, no switch in the environment', () => {
  const template = synth({}).template.toJSON() as Template;
  const resolve = resolverIn(ACCOUNT, REGION);
  const { made } = calls(ACCOUNT, REGION, 'eu-west-1');

  it('writes no securityhub action anywhere', () => {
    expect(JSON.stringify(template)).not.toContain('securityhub:');
  });

  it.each(functionRoles(template))('$prefix may not import findings', async ({ roleId, environment }) => {
    const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/${roleId}/fn`;
    const policies = policiesOf(template, roleId, resolve);
    expect(environment[ENV.securityHub]).toBeUndefined();
    for (const [action, resource] of made) expect(await decide(principal, policies, action as string, resource as string)).toBe('ImplicitlyDenied');
  });
});

describe('securityHub on in an organisation: the member role files its own account findings in the member regions', () => {
  const MEMBER = '555566667777';
  const on = synthOrganization(ORG, { securityHub: true }).memberTemplate.toJSON() as Template;
  const off = synthOrganization(ORG).memberTemplate.toJSON() as Template;
  const memberRoleId = (t: Template) => {
    const [id] = Object.entries(t.Resources).find(([i, r]) => i === 'MemberRole' || (r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === 'layerguard-member')) ?? [];
    if (!id) throw new Error('no member role');
    return id;
  };

  it('allows the calls in each member region, never in another account or region', async () => {
    const policies = policiesOf(on, memberRoleId(on), resolverIn(MEMBER, ORG.hub.region));
    const principal = `arn:aws:sts::${MEMBER}:assumed-role/layerguard-member/layerguard-security-group`;
    for (const region of ORG.memberRegions) {
      const { made, never } = calls(MEMBER, region, 'ap-south-1');
      for (const [action, resource] of made) expect(await decide(principal, policies, action as string, resource as string), `${action} ${resource}`).toBe('Allowed');
      for (const [action, resource] of never) expect(await decide(principal, policies, action as string, resource as string), `${action} ${resource}`).not.toBe('Allowed');
    }
  });

  it('grants none of it while the switch is off', () => {
    expect(JSON.stringify(off)).not.toContain('securityhub:');
  });
});
