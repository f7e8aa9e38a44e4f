/**
 * Builds what `npm pack` ships (package.json "files"), so that a consumer's `cdk synth` runs in plain
 * Node with neither esbuild, Docker nor a TypeScript loader:
 *
 * - dist/lib/index.js: the library entry (infra/index.ts) bundled into one ES module; aws-cdk-lib and
 *   constructs (peer dependencies) and zod (a dependency: the declarations name its types) stay imports.
 * - dist/types/: declarations, by tsc (tsconfig.package.json).
 * - dist/functions/<name>/index.mjs: every handler, bundled with the stack's own BUNDLING options, which
 *   infra/constructs/handler-code.ts deploys as they are.
 *
 * The library sits one folder below dist/ so that PROJECT_ROOT ('../../' from the module) is the
 * package's root, where the runbook documents' script (infra/constructs/runbook-automation.py) ships.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../infra/constructs/functions.js';
import { outFileName, stackEsbuildOptions } from '../test/bench/bundling.js';

const dist = join(PROJECT_ROOT, 'dist');
rmSync(dist, { recursive: true, force: true });

const handlers = readdirSync(join(PROJECT_ROOT, 'functions')).filter((name) =>
  existsSync(join(PROJECT_ROOT, 'functions', name, 'handler.ts')),
);
const started = Date.now();
await Promise.all([
  build({
    entryPoints: [join(PROJECT_ROOT, 'infra/index.ts')],
    outfile: join(dist, 'lib/index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    // The package's engines: consumers synthesise on any supported Node.
    target: 'node20',
    external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'zod'],
    sourcemap: true,
    logLevel: 'error',
  }),
  ...handlers.map((name) =>
    build({
      ...stackEsbuildOptions(),
      entryPoints: [join(PROJECT_ROOT, 'functions', name, 'handler.ts')],
      outfile: join(dist, 'functions', name, outFileName()),
    }),
  ),
]);
execFileSync(process.execPath, [join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(PROJECT_ROOT, 'tsconfig.package.json')], {
  stdio: 'inherit',
});
console.log(`dist/: library, declarations and ${handlers.length} handlers (${handlers.join(', ')}) in ${Date.now() - started} ms`);
