import { createInterface } from 'node:readline/promises';
import { GAMEDAY_TAG } from '../../events/scenarios/sandbox.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { OUTCOMES_QUEUE_ENV, runDeployedGameday } from '../../events/scenarios/deployed.js';
import {
  cleanUpOnInterrupt,
  type Ec2GamedayRun,
  newRunId,
  runEc2Gameday,
} from '../../events/scenarios/ec2-target.js';
import { applyEnv, emulatorEnv, type RunningEmulator, startMoto } from '../../events/scenarios/emulator.js';
import { ec2Client, eventBridgeClient, resetClients } from '../../functions/adapters/clients.js';
import { loadConfiguration } from '../config.js';
import { UsageError } from '../io.js';
import { type GamedayCliOptions, reportGameday, selectScenarios } from './gameday.js';

/**
 * `layerguard gameday --target emulator|aws`.
 *
 * - `--target emulator`: starts moto on a free loopback port, points this process's SDK at it
 *   (AWS_ENDPOINT_URL, dummy credentials, a region) and runs exactly what `--target aws --via local`
 *   runs; stops moto on the way out.
 * - `--target aws [--via local]`: sandbox VPCs in the account of the SDK's standard configuration
 *   (AWS_PROFILE, AWS_REGION or `--region`), the handlers in-process.
 * - `--target aws --via deployed [--inject] [--outcomes-queue URL]`: the deployed stack reverts; the
 *   game day watches the state and, with the game-day outcomes queue (the stack output
 *   GamedayOutcomesQueueUrl, or $LAYERGUARD_GAMEDAY_OUTCOMES_QUEUE), reads LayerGuard's outcomes and
 *   measures the time to notify.
 * Asks for confirmation before touching a real account, unless `--yes`; refuses without a terminal
 * to ask on. Always cleans up, also after a failure or Ctrl-C.
 */

export interface AwsGamedayCliOptions extends GamedayCliOptions {
  readonly via?: string;
  readonly yes?: boolean;
  readonly inject?: boolean;
  readonly outcomesQueue?: string;
  readonly region?: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** An SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME, or an endpoint's own). */
const QUEUE_URL = /^https?:\/\/[^\s/]+\/\d{12}\/[\w-]{1,80}(\.fifo)?$/;

export function validateAwsOptions(opts: AwsGamedayCliOptions): {
  target: 'emulator' | 'aws';
  via: 'local' | 'deployed';
} {
  const target = opts.target;
  if (target === 'simulated')
    throw new UsageError('--via, --inject, --outcomes-queue, --region and --yes need --target emulator or aws');
  if (target !== 'emulator' && target !== 'aws')
    throw new UsageError(`unknown --target ${target}; use simulated, emulator or aws`);
  const via = opts.via ?? 'local';
  if (via !== 'local' && via !== 'deployed')
    throw new UsageError(`unknown --via ${via}; use local or deployed`);
  if (target === 'emulator' && via !== 'local')
    throw new UsageError('--via deployed needs --target aws: no stack is deployed on the emulator');
  if (opts.inject && !(target === 'aws' && via === 'deployed'))
    throw new UsageError('--inject needs --target aws --via deployed');
  if (opts.outcomesQueue !== undefined && !(target === 'aws' && via === 'deployed'))
    throw new UsageError('--outcomes-queue needs --target aws --via deployed');
  if (opts.outcomesQueue !== undefined && !QUEUE_URL.test(opts.outcomesQueue))
    throw new UsageError(
      `--outcomes-queue ${opts.outcomesQueue} does not look like an SQS queue URL (the stack output GamedayOutcomesQueueUrl)`,
    );
  if (opts.region !== undefined && !REGION.test(opts.region))
    throw new UsageError(`--region ${opts.region} does not look like a region (e.g. eu-west-1)`);
  return { target, via };
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const stderrLine = (line: string) => {
  process.stderr.write(`${line}\n`);
};

export async function runAwsGameday(opts: AwsGamedayCliOptions): Promise<number> {
  const { target, via } = validateAwsOptions(opts);
  const { policy, source } = loadConfiguration(opts);
  const scenarios = selectScenarios(opts.scenario);
  if (opts.report && !/\.(md|html)$/.test(opts.report))
    throw new UsageError('--report takes a file ending in .md or .html');
  // Refuse before anything is built: no terminal to ask on, and no --yes.
  if (target === 'aws' && !opts.yes && !process.stdin.isTTY) {
    throw new UsageError(
      '--target aws changes a real account: pass --yes to confirm (there is no terminal to ask on)',
    );
  }
  const runId = newRunId();
  const tty = Boolean(process.stderr.isTTY);
  // The game-day outcomes queue: the flag, else the environment; without either, not measured.
  const queueUrl = via === 'deployed' ? (opts.outcomesQueue ?? process.env[OUTCOMES_QUEUE_ENV]) : undefined;
  if (queueUrl !== undefined && !QUEUE_URL.test(queueUrl))
    throw new UsageError(`$${OUTCOMES_QUEUE_ENV} ${queueUrl} does not look like an SQS queue URL`);

  let emulator: RunningEmulator | undefined;
  let restoreEnv: (() => void) | undefined;
  if (target === 'emulator') {
    emulator = await startMoto();
    const running = emulator;
    process.once('exit', () => running.killNow());
    restoreEnv = applyEnv(emulatorEnv(emulator.endpoint, opts.region));
    if (tty) stderrLine(`moto ${emulator.version} on ${emulator.endpoint}`);
  } else {
    if (opts.region) restoreEnv = applyEnv({ AWS_REGION: opts.region });
  }
  // Build the clients from the environment as it is now (emulator endpoint, --region).
  resetClients();
  const client = ec2Client();
  const sqs = queueUrl ? new SQSClient({}) : undefined;
  if (via === 'deployed' && !queueUrl && tty)
    stderrLine(
      `layerguard: time to notify not measured: pass --outcomes-queue (or set $${OUTCOMES_QUEUE_ENV}) with the stack output GamedayOutcomesQueueUrl`,
    );

  if (target === 'aws') {
    const region = await client.config.region().catch(() => undefined);
    if (!region) throw new UsageError('no AWS region: set AWS_REGION, a profile with a region, or --region');
    const what =
      `This game day creates ${scenarios.length} sandbox VPC(s) one at a time in region ${region} ` +
      `(profile ${process.env.AWS_PROFILE ?? 'default chain'}), tagged ${GAMEDAY_TAG}=${runId}, ` +
      `injects drift into them${via === 'deployed' ? ` for the deployed stack to revert${opts.inject ? ' (and puts game-day events on the default bus)' : ''}` : ''}, and deletes them.`;
    if (!opts.yes) {
      stderrLine(what);
      if (!(await confirm('Continue? [y/N] '))) {
        stderrLine('layerguard: game day cancelled; nothing was created');
        return 1;
      }
    } else if (tty) {
      stderrLine(what);
    }
  }

  const stopEmulator = async () => {
    await emulator?.stop();
  };
  const uninstall = cleanUpOnInterrupt(stopEmulator, { disposeTargets: target === 'aws' });
  let run: Ec2GamedayRun | undefined;
  try {
    const code = await reportGameday(async (onResult) => {
      run =
        via === 'deployed'
          ? await runDeployedGameday({
              client,
              policy,
              policySource: source,
              scenarios,
              runId,
              onResult,
              ...(opts.inject ? { inject: eventBridgeClient() } : {}),
              ...(sqs && queueUrl ? { outcomes: { client: sqs, url: queueUrl } } : {}),
              ...(process.env.LAYERGUARD_GAMEDAY_TIMEOUT
                ? {
                    timeoutMs: Number(process.env.LAYERGUARD_GAMEDAY_TIMEOUT) * 1000,
                  }
                : {}),
            })
          : await runEc2Gameday({
              client,
              kind: target,
              policy,
              scenarios,
              runId,
              onResult,
            });
      return run.card;
    }, opts);
    if (run && run.leftovers.length > 0) {
      stderrLine(
        `layerguard: cleanup incomplete: ${run.leftovers.length} resource(s) left, tagged ${GAMEDAY_TAG}=${runId}`,
      );
      return 1;
    }
    return code;
  } finally {
    uninstall();
    client.destroy();
    sqs?.destroy();
    resetClients();
    await stopEmulator();
    restoreEnv?.();
  }
}
