import { Command, InvalidArgumentError } from 'commander';
import { runExplain } from './commands/explain.js';
import { runReplay } from './commands/replay.js';

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

export { InvalidArgumentError, program };

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const e = error as { code?: string; exitCode?: number; message: string; name: string };
  if (e.code?.startsWith('commander.')) {
    // commander has printed its own message (help, usage error).
    process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
  } else {
    process.stderr.write(`layerguard: ${e.message}\n`);
    process.exitCode = e.name === 'UsageError' || e.name === 'UnsupportedEventError' || e.name === 'ConfigError' ? 2 : 1;
  }
}
