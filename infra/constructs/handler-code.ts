import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

/**
 * Where the package's pre-bundled handlers are, `<name>/index.mjs` each: scripts/build-package.mjs
 * writes the library to dist/lib/ and the handlers to dist/functions/. Only compiled code looks there;
 * from the TypeScript source (this app, its tests, tsx) the handlers are always bundled afresh, so a
 * stale dist/ never reaches a deployment of this repository.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const PREBUNDLED_ROOT = fileURLToPath(new URL('../functions/', import.meta.url));

/** The folder holding `<handlerDir>/index.mjs` ready to deploy, or undefined where it is bundled at synth. */
export function prebundledDir(handlerDir: string): string | undefined {
  if (FROM_SOURCE) return undefined;
  const dir = join(PREBUNDLED_ROOT, handlerDir);
  return existsSync(join(dir, 'index.mjs')) ? dir : undefined;
}

export interface HandlerFunctionProps extends lambda.FunctionOptions {
  /** Folder under `functions/` holding `handler.ts` (exporting `handler`). */
  readonly handlerDir: string;
  readonly runtime: lambda.Runtime;
  /** The repository root: where the entry and the lock file are, for bundling from source. */
  readonly projectRoot: string;
  readonly bundling: nodejs.BundlingOptions;
}

/**
 * A function from the pre-bundled handler where the package ships one (no esbuild, no Docker at synth),
 * else a NodejsFunction bundling `functions/<handlerDir>/handler.ts`. Every other setting is the caller's,
 * the same on both paths; NodejsFunction names its output index.mjs and its handler `index.handler` too.
 */
export function handlerFunction(scope: Construct, id: string, props: HandlerFunctionProps): lambda.Function {
  const { handlerDir, projectRoot, bundling, ...options } = props;
  const prebundled = prebundledDir(handlerDir);
  if (prebundled) {
    return new lambda.Function(scope, id, { ...options, code: lambda.Code.fromAsset(prebundled), handler: 'index.handler' });
  }
  return new nodejs.NodejsFunction(scope, id, {
    ...options,
    entry: `${projectRoot}functions/${handlerDir}/handler.ts`,
    handler: 'handler',
    projectRoot,
    depsLockFilePath: `${projectRoot}package-lock.json`,
    bundling,
  });
}
