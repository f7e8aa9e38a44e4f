import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type MemberApp } from '../../infra/app.js';
import type { LayerGuardStack } from '../../infra/layerguard-stack.js';
import { NO_BUNDLING, VALIDATED } from './support.js';

/** The organisation the organisation tests deploy: a hub in 111122223333, eu-west-1, two member regions. */
export const ORG = {
  id: 'o-a1b2c3d4e5',
  hub: { account: '111122223333', region: 'eu-west-1' },
  memberRegions: ['eu-west-1', 'us-east-1'],
  memberOus: ['ou-ab12-cdef3456', 'r-ab12'],
} as const;

export interface SynthesizedOrganization {
  readonly app: App;
  readonly stack: LayerGuardStack;
  readonly member: MemberApp;
  readonly hub: Template;
  readonly memberTemplate: Template;
}

/** Synthesises the hub and the member template for an organisation (once per test file). */
export function synthOrganization(organization: Record<string, unknown> = ORG, config: Record<string, unknown> = {}): SynthesizedOrganization {
  const app = new App({ context: { ...NO_BUNDLING, ...VALIDATED, layerguard: { ...config, organization } } });
  const { stack, member } = buildApp(app);
  if (!member) throw new Error('an organisation deployment synthesises a member template');
  return { app, stack, member, hub: Template.fromStack(stack), memberTemplate: Template.fromJSON(member.template) };
}

type Resource = { Type: string; Properties: Record<string, any>; Condition?: string };

/** The resources of a template of one type, by logical id. */
export const ofType = (template: Template, type: string): Array<[string, Resource]> =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
