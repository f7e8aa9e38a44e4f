import { Command } from 'commander';
import { ConfigError, UnsupportedEventError } from '../functions/core/errors.js';
import { runExplain } from './commands/explain.js';
import { runSimulatedGameday } from './commands/gameday.js';
import { runAwsGameday } from './commands/gameday-aws.js';
import { runReplay } from './commands/replay.js';
import { registerRunbookCommands } from './commands/runbook.js';
import { UsageError } from './io.js';

const program = new Command()
  .name('layerguard')
  .description('Keeps AWS network layers intact: explains, replays and reverts network drift.')
  .showHelpAfterError()
  .exitOverride();

program
  .command('explain')
  .description('how LayerGuard reads one event: matching rules, the parsed change, the candidate drift')
  .argument('<file>', 'a CloudTrail record or EventBridge event (JSON)')
  .option('--json', 'one JSON object for machines')
  .option('--policy <file>', 'policy JSON (default: the built-in SEC05-BP01 policy)')
  .action((file: string, opts) => {
    process.exitCode = runExplain(file, opts);
  });

program
  .command('replay')
  .description("materialise each event's change in a fresh simulated account, run the handler, print the outcome")
  .argument('<files...>', 'CloudTrail records or EventBridge events (JSON)')
  .option('--json', 'one JSON object per line')
  .option('--policy <file>', 'policy JSON (default: the built-in SEC05-BP01 policy)')
  .option('--tier <tier>', 'tier of resources the baseline does not know: public, private or database')
  .action(async (files: string[], opts) => {
    process.exitCode = await runReplay(files, opts);
  });

const collect = (value: string, previous: string[] = []) => [...previous, value];

program
  .command('gameday')
  .description('inject each scenario\'s drift, route it through the deployed patterns, run the handlers, score the revert')
  .option('--target <target>', 'simulated (default, no AWS account needed), emulator, or aws', 'simulated')
  .option('--scenario <name>', 'run only this scenario (repeatable)', collect)
  .option('--json', 'the scorecard as one JSON object')
  .option('--report <file>', 'write the post-game-day review to FILE.md or FILE.html')
  .option('--policy <file>', 'policy JSON (default: the built-in SEC05-BP01 policy)')
  .option('--via <via>', 'aws: local (handlers in-process, default) or deployed (the stack reverts)')
  .option('--inject', 'with --via deployed: also put each event on the default bus (layerguard.gameday)')
  .option('--outcomes-queue <url>', 'with --via deployed: the game-day outcomes queue (stack output GamedayOutcomesQueueUrl; default $LAYERGUARD_GAMEDAY_OUTCOMES_QUEUE): measure the time to notify')
  .option('--region <region>', 'emulator or aws: the region (default: the SDK configuration)')
  .option('--yes', 'aws: do not ask for confirmation')
  .action(async (opts) => {
    // Other targets, and the options of the real-EC2 targets, go to gameday-aws, which validates them.
    const simulated =
      opts.target === 'simulated' && !opts.via && !opts.inject && !opts.outcomesQueue && !opts.region && !opts.yes;
    process.exitCode = simulated ? await runSimulatedGameday(opts) : await runAwsGameday(opts);
  });

registerRunbookCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const e = error as { code?: string; message: string };
  if (e.code?.startsWith('commander.')) {
    // commander has printed its own message (help, usage error).
    process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
  } else {
    process.stderr.write(`layerguard: ${e.message}\n`);
    // Bad input (a file, an event, a policy, a payload) is 2; anything else that stopped the command is 1.
    const badInput = error instanceof UsageError || error instanceof UnsupportedEventError || error instanceof ConfigError;
    process.exitCode = badInput ? 2 : 1;
  }
}
