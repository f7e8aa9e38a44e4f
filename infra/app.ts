import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../functions/core/errors.js';
import { loadStackConfig } from './config.js';
import { LayerGuardStack } from './layerguard-stack.js';
import { LayerGuardMemberStack } from './member-stack.js';

/** The member template's own app: synthesised first, its template goes into the hub's StackSet. */
export interface MemberApp {
  readonly app: App;
  readonly stack: LayerGuardMemberStack;
  readonly template: Record<string, unknown>;
}

/**
 * Builds the app from the configuration; the tests call this with their own context. With an
 * organisation, the stack is the hub, and the member template is synthesised in an app of its own
 * (written under `<outdir>/member/`, cdk-nag validated like the hub), never deployed by `cdk deploy`
 * itself: the hub's StackSet deploys it.
 */
export function buildApp(app: App = new App()): { app: App; stack: LayerGuardStack; member?: MemberApp } {
  const config = loadStackConfig((key) => app.node.tryGetContext(key));
  const { organization } = config;
  let member: MemberApp | undefined;
  if (organization) {
    const memberApp = new App({ outdir: join(app.outdir, 'member'), context: app.node.getAllContext() });
    const memberStack = new LayerGuardMemberStack(memberApp, `${config.stackName}-member`, { config: { ...config, organization } });
    Validations.of(memberApp).addPlugins(new AwsSolutionsChecks(memberApp));
    const template = memberApp.synth().getStackArtifact(memberStack.artifactId).template as Record<string, unknown>;
    member = { app: memberApp, stack: memberStack, template };
  }
  // The hub's place is the organisation's hub (infra/config.ts refuses an env that says otherwise).
  const env = organization ? { account: organization.hub.account, region: organization.hub.region } : config.env;
  const stack = new LayerGuardStack(app, config.stackName, {
    config,
    ...(env ? { env } : {}),
    ...(member ? { memberTemplate: member.template } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, ...(member ? { member } : {}) };
}

const entry = process.argv[1];
const isMain = entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href;
if (isMain) {
  try {
    buildApp().app.synth();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`LayerGuard: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
