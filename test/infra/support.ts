import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.js';
import type { LayerGuardStack } from '../../infra/layerguard-stack.js';

/** CDK context that skips esbuild bundling (assets become placeholders): synth takes seconds, not minutes. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

/**
 * CDK context that makes CloudFormation's own template validator (the one behind the "Template
 * validation found issues" warnings: EventBridge pattern rules such as E9014) fail the synth, as
 * cdk.json does for `cdk synth` and deploys. Every test synth uses it.
 */
export const VALIDATED = { '@aws-cdk/core:validateAgainstDefaultRules': true } as const;

export interface Synthesized {
  readonly app: App;
  readonly stack: LayerGuardStack;
  readonly template: Template;
}

/** Synthesises the LayerGuard app with the given `layerguard` configuration (once per test file). */
export function synth(config: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context: { ...NO_BUNDLING, ...VALIDATED, layerguard: config } });
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

/** Where the tests pretend an environment-agnostic template is deployed. */
export const PLACE = { partition: 'aws', account: '111122223333', region: 'us-east-1' } as const;

const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Partition': PLACE.partition,
  'AWS::AccountId': PLACE.account,
  'AWS::Region': PLACE.region,
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * A template value as CloudFormation resolves it in PLACE: `Ref` of the pseudo parameters and `Fn::Join`
 * of resolved strings (what the stack puts in rule patterns and environments). Anything else stays as is.
 */
export function resolveInPlace(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveInPlace);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only) {
    const [key, arg] = only;
    if (key === 'Ref' && typeof arg === 'string' && PSEUDO[arg] !== undefined) return PSEUDO[arg];
    if (key === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
      const parts = (arg[1] as unknown[]).map(resolveInPlace);
      if (parts.every((p) => typeof p === 'string')) return parts.join(arg[0]);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveInPlace(v)]));
}

/** The rule a synthesised AWS::Events::Rule is, by its logical id (`SecurityGroupRule…`, `RouteTableRule…`, `NetworkAclRule…`, `PrefixListRule…`). */
export function ruleNameOf(logicalId: string): 'security-group' | 'route-table' | 'network-acl' | 'prefix-list' {
  if (logicalId.startsWith('SecurityGroupRule')) return 'security-group';
  if (logicalId.startsWith('PrefixListRule')) return 'prefix-list';
  if (logicalId.startsWith('NetworkAclRule')) return 'network-acl';
  if (logicalId.startsWith('RouteTableRule')) return 'route-table';
  throw new Error(`${logicalId} is not one of LayerGuard's rules`);
}
