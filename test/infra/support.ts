import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.js';
import type { LayerGuardStack } from '../../infra/layerguard-stack.js';

/** CDK context that skips esbuild bundling (assets become placeholders): synth takes seconds, not minutes. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

export interface Synthesized {
  readonly app: App;
  readonly stack: LayerGuardStack;
  readonly template: Template;
}

/** Synthesises the LayerGuard app with the given `layerguard` configuration (once per test file). */
export function synth(config: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context: { ...NO_BUNDLING, layerguard: config } });
  const { stack } = buildApp(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** The resources of one type in a template, by logical id. */
export function resourcesOf(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}
