import type { Command } from 'commander';
import { Option } from 'commander';

/**
 * `layerguard runbook …` and `layerguard sweep` as commands: their options and help. The work is in
 * `runbook.ts`, loaded only when one of them runs (the CLI starts faster for everything else).
 */

/** The stack output that names the deployed runbook function (infra/layerguard-stack.ts). */
export const RUNBOOK_FUNCTION_OUTPUT = 'RunbookFunctionName';
/** Where `--remote` finds the function's name when `--function-name` is not given. */
export const RUNBOOK_FUNCTION_ENV = 'LAYERGUARD_RUNBOOK_FUNCTION';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The options every runbook command takes. */
function common(cmd: Command, opts: { inject: boolean }): Command {
  cmd
    .option('--apply', 'aws and --remote: revert (without it, a real account is only read and what would change is shown)')
    .option('--yes', 'with --apply: do not ask (needed when there is no terminal to ask on)')
    .option('--dry-run', 'report what would be reverted; change nothing (the default on a real account)')
    .option('--json', 'one JSON object for machines: { runbookId, action, dryRun, outcomes, summary, target, notFound? }')
    .option('--config <file>', "the stack's configuration (default: ./layerguard.config.json if present, else the defaults); local runs only")
    .option('--policy <file>', 'a policy JSON, or the whole configuration; local runs only')
    .addOption(
      new Option(
        '--target <target>',
        "aws: the caller's credentials and region (SDK configuration, AWS_ENDPOINT_URL included), read-only unless --apply; simulated: a fresh three-tier simulated account, which it changes unless --dry-run",
      )
        .choices(['aws', 'simulated'])
        .default('aws'),
    )
    .option('--remote', 'invoke the deployed runbook function instead of running locally')
    .option('--function-name <name>', `with --remote: the function (default: $${RUNBOOK_FUNCTION_ENV}, the stack's ${RUNBOOK_FUNCTION_OUTPUT} output)`);
  if (opts.inject) {
    cmd.option('--inject <scenario>', "with --target simulated: first inject a game-day scenario's drift without its event (repeatable)", collect);
  }
  return cmd;
}

/** Adds `runbook …` and `sweep` to the program. */
export function registerRunbookCommands(program: Command): void {
  const runbook = program.command('runbook').description('revert one security group, route table or subnet association now');
  const run = (fields: (o: Record<string, unknown>) => Record<string, unknown>) => async (o: Record<string, unknown>) => {
    const { runRunbookCommand } = await import('./runbook.js');
    process.exitCode = await runRunbookCommand(fields(o), o);
  };
  common(
    runbook
      .command('revert-security-group')
      .description('revoke every world-open ingress rule of the group that the policy does not allow')
      .requiredOption('--group-id <id>', 'the security group, e.g. sg-0abc1234'),
    { inject: true },
  ).action(run((o) => ({ action: 'revert-security-group', groupId: o.groupId })));
  common(
    runbook
      .command('revert-route-table')
      .description('delete the forbidden routes of a table that isolated subnets use; move isolated subnets off a shared internet table')
      .requiredOption('--route-table-id <id>', 'the route table, e.g. rtb-0abc1234'),
    { inject: true },
  ).action(run((o) => ({ action: 'revert-route-table', routeTableId: o.routeTableId })));
  common(
    runbook
      .command('revert-subnet-association')
      .description("put an isolated subnet back on its VPC's isolated route table")
      .requiredOption('--subnet-id <id>', 'the subnet, e.g. subnet-0abc1234'),
    { inject: true },
  ).action(run((o) => ({ action: 'revert-subnet-association', subnetId: o.subnetId })));
  common(
    runbook
      .command('revert-network-acl')
      .description("delete the internet entries of an isolated tier's network ACL; move isolated subnets off a shared ACL that admits the internet")
      .requiredOption('--network-acl-id <id>', 'the network ACL, e.g. acl-0abc1234'),
    { inject: true },
  ).action(run((o) => ({ action: 'revert-network-acl', networkAclId: o.networkAclId })));
  common(
    runbook
      .command('revert-prefix-list')
      .description('remove the entries of the internet from a customer-managed prefix list that guarded groups name (never an AWS-managed or exempt list)')
      .requiredOption('--prefix-list-id <id>', 'the managed prefix list, e.g. pl-0abc1234'),
    { inject: true },
  ).action(run((o) => ({ action: 'revert-prefix-list', prefixListId: o.prefixListId })));

  const single = run((o) => ({ action: 'sweep', vpcId: o.vpcId }));
  common(
    program
      .command('sweep')
      .description('find and revert every drift the policy defines in a VPC, the region, or every account-region of an organisation (for missed events)')
      .option('--vpc-id <id>', 'one VPC (default: every VPC of the region)')
      .option('--accounts <all|ids>', "all (Organizations ListAccounts, ACTIVE accounts) or ID,…: sweep each through its member role (your own account with your credentials; with --remote, the deployed hub function); --json is then { action, dryRun, target, accounts, regions, rows, summary }")
      .option('--regions <all|list>', "all (the configuration's organization.memberRegions, else the regions enabled for your account) or a comma-separated list")
      .option('--parallel <n>', 'with --accounts/--regions: account-regions swept at once (default 8)')
      .option('--concurrency <n>', 'with --accounts/--regions: EC2 calls in flight in each account-region (default 4)'),
    { inject: true },
  ).action(async (o: Record<string, unknown>) => {
    if (o.accounts === undefined && o.regions === undefined) {
      if (o.parallel !== undefined || o.concurrency !== undefined) {
        const { UsageError } = await import('../io.js');
        throw new UsageError(`${o.parallel !== undefined ? '--parallel' : '--concurrency'} needs --accounts or --regions`);
      }
      return single(o);
    }
    const { runOrgSweepCommand } = await import('./org-sweep.js');
    process.exitCode = await runOrgSweepCommand(o);
  });
}
