import type { BuildOptions } from 'esbuild';
import { BUNDLING } from '../../infra/constructs/functions.js';

/**
 * The stack's NodejsFunction bundling options (`BUNDLING` in infra/constructs/functions.ts),
 * translated into esbuild options the way aws-cdk-lib's `Bundling.buildEsbuildArgs` translates them
 * into esbuild's command line. Any option the translation does not know fails loudly, so a new option
 * in the stack cannot be silently left out of the measurement.
 */
const KNOWN = new Set([
  'format',
  'target',
  'minify',
  'sourceMap',
  'sourcesContent',
  'mainFields',
  'externalModules',
  'banner',
]);

export function stackEsbuildOptions(): BuildOptions {
  const unknown = Object.keys(BUNDLING).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) {
    throw new Error(
      `bench: bundling option(s) ${unknown.join(', ')} are not translated to esbuild; update test/bench/bundling.ts`,
    );
  }
  const b = BUNDLING;
  return {
    bundle: true,
    platform: 'node',
    target: b.target,
    format: b.format === 'esm' ? 'esm' : 'cjs',
    minify: b.minify,
    sourcemap: b.sourceMap ? true : undefined,
    sourcesContent: b.sourcesContent,
    external: [...b.externalModules],
    banner: b.banner ? { js: b.banner } : undefined,
    mainFields: [...b.mainFields],
    logLevel: 'error',
  };
}

/** The file NodejsFunction writes: `index.mjs` for ESM, `index.js` otherwise. */
export const outFileName = (): string => (BUNDLING.format === 'esm' ? 'index.mjs' : 'index.js');
