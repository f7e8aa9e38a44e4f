// The package's library entry point (package.json "exports"): what a CDK app needs to add LayerGuard.
export { LayerGuard, type LayerGuardProps, type ValidatedLayerGuardProps } from './layerguard.js';
export { parseStackConfig, type StackConfig, type StackConfigInput } from './config.js';
export type { Policy, PolicyInput } from '../functions/core/policy.js';
export type { Organization, OrganizationInput } from '../functions/core/organization.js';
export type { RemediationFunction } from './constructs/functions.js';
export type { Canary } from './constructs/canary.js';
