import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../functions/core/errors.js';
import { loadStackConfig } from './config.js';
import { LayerGuardStack } from './layerguard-stack.js';

/** Builds the app from the configuration; the tests call this with their own context. */
export function buildApp(app: App = new App()): { app: App; stack: LayerGuardStack } {
  const config = loadStackConfig((key) => app.node.tryGetContext(key));
  const stack = new LayerGuardStack(app, config.stackName, {
    config,
    ...(config.env ? { env: config.env } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
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
