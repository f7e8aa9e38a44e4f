import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ENV } from '../../functions/core/config.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { outFileName, stackEsbuildOptions } from './bundling.js';
import { log, median, round } from './stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const FUNCTIONS = ['security-group', 'route-table', 'runbook'] as const;

/** The environment the stack gives each function (infra/constructs/functions.ts), plus what Lambda sets. */
export const LAMBDA_ENV: Record<string, string> = {
  [ENV.policy]: JSON.stringify(DEFAULT_POLICY),
  [ENV.topicArn]: 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications',
  [ENV.eventBusName]: 'layerguard-outcomes',
  [ENV.idempotencyTable]: 'layerguard-idempotency',
  POWERTOOLS_SERVICE_NAME: 'layerguard',
  POWERTOOLS_METRICS_NAMESPACE: 'LayerGuard',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'layerguard-bench',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHONLY',
  AWS_SECRET_ACCESS_KEY: 'bench-only',
};

export interface ColdStart {
  readonly bundleBytes: number;
  /** Median of the fresh processes minus bare Node's median. */
  readonly initMsOverBareNode: number;
  /** Fastest process minus bare Node's fastest: less sensitive to a machine busy with other work. */
  readonly initMsOverBareNodeMin: number;
}

export interface DependencyCost extends ColdStart {
  readonly name: string;
}

export interface ColdStartReport {
  readonly functions: Record<string, ColdStart>;
  readonly skipped: Record<string, string>;
  readonly dependencies: DependencyCost[];
  readonly bareNodeMs: number;
  readonly sourceMapsMs: Record<string, number>;
  readonly runs: number;
}

/** Each dependency alone, bundled the same way, as the smallest code that uses it the way LayerGuard does. */
const DEPENDENCIES: Record<string, string> = {
  'empty module (banner only)': 'export {};',
  'zod + core decisions': `
    export { parseTrigger } from './functions/core/cloudtrail.js';
    export { toChange } from './functions/core/change.js';
    export { loadConfig } from './functions/core/config.js';
    export { evaluateSecurityGroup } from './functions/core/security-group.js';
    export { evaluateRoute, evaluateAssociation } from './functions/core/route-table.js';`,
  '@aws-sdk/client-ec2 (EC2 adapter)': `
    import { EC2Client } from '@aws-sdk/client-ec2';
    import { createEc2Network } from './functions/adapters/ec2-network.js';
    export const network = createEc2Network(new EC2Client({}));`,
  '@aws-sdk/client-sns + client-eventbridge (notifier)': `
    import { SNSClient } from '@aws-sdk/client-sns';
    import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
    import { createAwsChannels } from './functions/adapters/notifier.js';
    export const notifier = createAwsChannels({ sns: new SNSClient({}), eventBridge: new EventBridgeClient({}), topicArn: 't', eventBusName: 'b' });`,
  '@aws-lambda-powertools/idempotency + DynamoDB persistence': `
    import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
    import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
    export const store = new DynamoDBPersistenceLayer({ tableName: 't' });
    export { IdempotencyConfig, makeIdempotent };`,
  '@aws-lambda-powertools/logger + metrics + @middy/core': `
    import { Logger } from '@aws-lambda-powertools/logger';
    import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
    import { Metrics } from '@aws-lambda-powertools/metrics';
    import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
    import middy from '@middy/core';
    const logger = new Logger(); const metrics = new Metrics({ namespace: 'x' });
    export const handler = middy(async () => 1).use(injectLambdaContext(logger)).use(logMetrics(metrics));`,
  'EC2 + SNS + EventBridge + DynamoDB clients (SDK shared once)': `
    import { EC2Client } from '@aws-sdk/client-ec2';
    import { SNSClient } from '@aws-sdk/client-sns';
    import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
    import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
    export const clients = [new EC2Client({}), new SNSClient({}), new EventBridgeClient({}), new DynamoDBClient({})];`,
};

/** A handler that only throws "not wired yet" is a placeholder: there is nothing to measure. */
const placeholder = (file: string): boolean => /placeholder|not wired yet/i.test(readFileSync(file, 'utf8'));

async function bundle(
  dir: string,
  name: string,
  entry: { file: string } | { contents: string },
): Promise<string> {
  const outfile = join(dir, name.replace(/[^a-z0-9]+/gi, '-'), outFileName());
  await build({
    ...stackEsbuildOptions(),
    absWorkingDir: ROOT,
    outfile,
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : {
          stdin: {
            contents: entry.contents,
            resolveDir: ROOT,
            sourcefile: `${name}.ts`,
            loader: 'ts' as const,
          },
        }),
  });
  return outfile;
}

/** Wall-clock milliseconds of one fresh `node` process running `args`. */
function timeProcess(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0)
    throw new Error(`bench: node ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return ms;
}

/**
 * Medians of `runs` fresh processes per target, interleaved with bare `node -e 0` runs so that a
 * machine busy with something else slows both alike. Returns each target's median minus bare Node's.
 */
function timeAll(
  targets: Record<string, string>,
  runs: number,
  env: NodeJS.ProcessEnv,
): { bare: number; over: Record<string, number>; overMin: Record<string, number> } {
  const bare: number[] = [];
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  for (const file of Object.values(targets)) timeProcess([file], env); // warm the file cache
  timeProcess(['-e', '0'], env);
  for (let i = 0; i < runs; i += 1) {
    bare.push(timeProcess(['-e', '0'], env));
    for (const [name, file] of Object.entries(targets)) times[name]?.push(timeProcess([file], env));
  }
  const bareMs = median(bare);
  return {
    bare: bareMs,
    over: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(median(v) - bareMs)])),
    overMin: Object.fromEntries(
      Object.entries(times).map(([k, v]) => [k, round(Math.min(...v) - Math.min(...bare))]),
    ),
  };
}

export async function measureColdStart(runs = 11): Promise<ColdStartReport> {
  const dir = mkdtempSync(join(tmpdir(), 'layerguard-bench-'));
  try {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...LAMBDA_ENV };
    const functions: Record<string, string> = {};
    const skipped: Record<string, string> = {};
    for (const fn of FUNCTIONS) {
      const file = join(ROOT, 'functions', fn, 'handler.ts');
      if (!existsSync(file)) skipped[fn] = 'no handler';
      else if (placeholder(file)) skipped[fn] = 'placeholder handler (not wired yet)';
      else functions[fn] = await bundle(dir, fn, { file });
    }
    const deps: Record<string, string> = {};
    for (const [name, contents] of Object.entries(DEPENDENCIES))
      deps[name] = await bundle(dir, `dep-${name}`, { contents });

    log(
      `cold start: ${Object.keys(functions).length} functions and ${Object.keys(deps).length} dependency bundles, ${runs} fresh processes each`,
    );
    const timed = timeAll({ ...functions, ...deps }, runs, env);
    // What --enable-source-maps would cost at load (the stack leaves it off): the functions again with it.
    const mapsOn = { ...env, NODE_OPTIONS: '--enable-source-maps' };
    const withMaps = timeAll(functions, Math.max(5, Math.ceil(runs / 2)), mapsOn);

    const size = (file: string) => statSync(file).size;
    return {
      functions: Object.fromEntries(
        Object.entries(functions).map(([k, f]) => [
          k,
          {
            bundleBytes: size(f),
            initMsOverBareNode: timed.over[k] as number,
            initMsOverBareNodeMin: timed.overMin[k] as number,
          },
        ]),
      ),
      skipped,
      dependencies: Object.entries(deps).map(([name, f]) => ({
        name,
        bundleBytes: size(f),
        initMsOverBareNode: timed.over[name] as number,
        initMsOverBareNodeMin: timed.overMin[name] as number,
      })),
      bareNodeMs: round(timed.bare),
      sourceMapsMs: Object.fromEntries(
        Object.keys(functions).map((k) => [
          k,
          round((withMaps.over[k] as number) - (timed.over[k] as number)),
        ]),
      ),
      runs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
