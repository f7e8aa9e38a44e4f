import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
// Commands load their modules when they run: `--version`, `help` and usage errors stay fast.
import { ConfigError, UnsupportedEventError } from '../functions/core/errors.js';
import { registerRunbookCommands } from './commands/runbook-commands.js';
import { NotFoundError, UsageError } from './io.js';

// A reader that stops early (`| head -1`) closes the pipe: end quietly, as other tools do.
const quietOnClosedPipe = (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
};
process.stdout.on('error', quietOnClosedPipe);
process.stderr.on('error', quietOnClosedPipe);

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const CONFIG_HELP = "the stack's configuration (default: ./layerguard.config.json if present, else the built-in SEC05-BP01 defaults)";
const POLICY_HELP = 'a policy JSON, or the whole configuration (same as --config)';

const program = new Command()
  .name('layerguard')
  .description('Keeps AWS network layers intact: explains, replays and reverts network drift.')
  .version(version, '-V, --version', 'the version')
  .showHelpAfterError('(see --help)')
  .exitOverride();

/** Every command reads the stack's configuration. */
const configOptions = (cmd: Command): Command => cmd.option('--config <file>', CONFIG_HELP).option('--policy <file>', POLICY_HELP);

configOptions(
  program
    .command('explain')
    .description('how LayerGuard reads each event: matching rules, the parsed change, the candidate drift')
    .argument('[files...]', 'CloudTrail records, EventBridge events, trail log files ({"Records":[…]}, .json.gz), lookup-events output, folders; - or none: stdin')
    .option('--json', 'one JSON object per event'),
).action(async (files: string[], opts) => {
  const { runExplain } = await import('./commands/explain.js');
  process.exitCode = runExplain(files, opts);
});

configOptions(
  program
    .command('replay')
    .description(
      "judge each event: on a fresh simulated account where its change is made (default), or with --target aws against the live account now (read-only unless --apply)",
    )
    .argument('[files...]', 'CloudTrail records, EventBridge events, trail log files ({"Records":[…]}, .json.gz), lookup-events output, folders; - or none: stdin')
    .option('--json', 'one JSON object per line')
    .option('--tier <tier>', 'simulated: tier of resources the baseline does not know: public, private or database')
    .addOption(new Option('--target <target>', 'simulated (default) or aws (the SDK configuration: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL)').choices(['simulated', 'aws']))
    .option('--apply', 'aws: revert what the events left (without it, nothing is changed)')
    .option('--yes', 'with --apply: do not ask (needed when there is no terminal)'),
).action(async (files: string[], opts) => {
  const { runReplay } = await import('./commands/replay.js');
  process.exitCode = await runReplay(files, opts);
});

configOptions(
  program
    .command('check')
    .description('pre-flight, read-only: per VPC, what the policy sees and what enforcing now would revert; exit 1 when it would revert anything')
    .option('--vpc-id <id>', 'one VPC (default: every VPC of the region)')
    .option('--json', 'one JSON object: { configuration, mode, account, region, wouldChange, counts, vpcs }'),
).action(async (opts) => {
  const { runCheck } = await import('./commands/check.js');
  process.exitCode = await runCheck(opts);
});

configOptions(
  program
    .command('backtest')
    .description("judge every watched event of CloudTrail's own history against today's policy: what LayerGuard would have done")
    .argument('[files...]', 'trail log files ({"Records":[…]}, .json.gz), folders of them, lookup-events output; - or none: stdin')
    .option('--json', 'one JSON object: { events, byOutcome, byDrift, accounts, regions, … }')
    .option('--report <file>', 'also write the report to FILE.md or FILE.html')
    .addOption(
      new Option('--target <target>', "simulated (default: each event's change on a fresh simulated account) or aws (today's live state, read-only)").choices([
        'simulated',
        'aws',
      ]),
    ),
).action(async (files: string[], opts) => {
  const { runBacktest } = await import('./commands/backtest.js');
  process.exitCode = await runBacktest(files, opts);
});

program
  .command('status')
  .description("the deployed stack, read-only: its functions' mode and policy, alarm and canary state, dead-letter depth")
  .option('--stack-name <name>', "the CloudFormation stack (default: the configuration's stackName, LayerGuard)")
  .option('--config <file>', CONFIG_HELP)
  .option('--json', 'one JSON object for machines')
  .action(async (opts) => {
    const { runStatus } = await import('./commands/status.js');
    process.exitCode = await runStatus(opts);
  });

const collect = (value: string, previous: string[] = []) => [...previous, value];

configOptions(
  program
    .command('gameday')
    .description("inject each scenario's drift, route it through the deployed patterns, run the handlers, score the revert")
    .option('--target <target>', 'simulated (default, no AWS account needed), emulator, or aws', 'simulated')
    .option('--scenario <name>', 'run only this scenario (repeatable)', collect)
    .option('--json', 'the scorecard as one JSON object')
    .option('--report <file>', 'write the post-game-day review to FILE.md or FILE.html')
    .option('--via <via>', 'aws: local (handlers in-process, default) or deployed (the stack reverts)')
    .option('--inject', 'with --via deployed: also put each event on the default bus (layerguard.gameday)')
    .option(
      '--outcomes-queue <url>',
      'with --via deployed: the game-day outcomes queue (stack output GamedayOutcomesQueueUrl; default $LAYERGUARD_GAMEDAY_OUTCOMES_QUEUE): measure the time to notify',
    )
    .option('--region <region>', 'emulator or aws: the region (default: the SDK configuration)')
    .option('--yes', 'aws: do not ask for confirmation'),
).action(async (opts) => {
  // Other targets, and the options of the real-EC2 targets, go to gameday-aws, which validates them.
  const simulated = opts.target === 'simulated' && !opts.via && !opts.inject && !opts.outcomesQueue && !opts.region && !opts.yes;
  process.exitCode = simulated
    ? await (await import('./commands/gameday.js')).runSimulatedGameday(opts)
    : await (await import('./commands/gameday-aws.js')).runAwsGameday(opts);
});

registerRunbookCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const e = error as { code?: string; message: string };
  if (e.code?.startsWith('commander.')) {
    // commander has printed its own message (help, version, or a usage error and the hint).
    const shown = ['commander.helpDisplayed', 'commander.help', 'commander.version'];
    process.exitCode = shown.includes(e.code) ? 0 : 2;
  } else {
    process.stderr.write(`layerguard: ${e.message}\n`);
    // Bad input (a file, an event, a policy, a payload, an id that does not exist) is 2; anything else that stopped the command is 1.
    const badInput =
      error instanceof UsageError || error instanceof UnsupportedEventError || error instanceof ConfigError || error instanceof NotFoundError;
    process.exitCode = badInput ? 2 : 1;
  }
}
