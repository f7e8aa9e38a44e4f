import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SimulatedTarget } from '../../events/scenarios/simulated-target.js';
import { SimulatedOrganization } from '../../events/simulated-account/organization.js';
import { ec2Throttle } from '../../events/simulated-account/throttle.js';
import { ec2Client, retryConfig } from '../../functions/adapters/clients.js';
import { enabledRegions, listActiveAccounts } from '../../functions/adapters/organizations.js';
import { createAwsReach } from '../../functions/adapters/reach.js';
import type { Reach } from '../../functions/pipeline/deps.js';
import { accountPolicy } from '../../functions/pipeline/place.js';
import { OUTCOME_STATUSES, type Outcome, type OutcomeStatus } from '../../functions/core/outcome.js';
import {
  type AccountRegion,
  DEFAULT_ORG_PARALLEL,
  type OrgSweepDeps,
  type OrgSweepResult,
  type OrgSweepRow,
  type Placed,
  sweepOrganization,
} from '../../functions/pipeline/org-sweep.js';
import { DEFAULT_SWEEP_CONCURRENCY } from '../../functions/pipeline/sweep.js';
import { type AccountContext, awsContext, contextLine } from '../account.js';
import { ask, checkApply } from '../apply.js';
import { type LoadedConfig, loadConfiguration } from '../config.js';
import { printLine, UsageError } from '../io.js';
import { selectScenarios } from './gameday.js';
import { invokeRemote, remoteFunctionName, type RunbookCliOptions, SIMULATED_RETRY } from './runbook.js';

/**
 * `layerguard sweep --accounts all|ID,… --regions all|LIST`: the sweep of every account-region asked
 * for, from here, each through the account's member role (the caller's own account with the caller's
 * own credentials), at most `--parallel` account-regions at once and `--concurrency` EC2 calls in
 * flight in each. A summary table per account-region (or `--json`), a progress line on a terminal.
 * Without either flag, `sweep` is the single-account sweep of `runbook.ts`.
 */

export interface OrgSweepCliOptions extends RunbookCliOptions {
  readonly accounts?: string;
  readonly regions?: string;
  readonly parallel?: string;
  readonly concurrency?: string;
  readonly vpcId?: string;
}

const ACCOUNT = /^\d{12}$/;
// The region form of functions/core/organization.ts (eu-west-1, us-gov-west-1, ap-southeast-5).
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** `all`, or the distinct ids of a comma-separated list; a malformed id is a usage error naming it. */
export function parseAccounts(value: string): 'all' | string[] {
  return parseList(value, '--accounts', ACCOUNT, 'an account id is 12 digits');
}

/** `all`, or the distinct names of a comma-separated list; a malformed name is a usage error naming it. */
export function parseRegions(value: string): 'all' | string[] {
  return parseList(value, '--regions', REGION, 'a region looks like eu-west-1');
}

function parseList(value: string, flag: string, form: RegExp, hint: string): 'all' | string[] {
  const trimmed = value.trim();
  if (trimmed === 'all') return 'all';
  const items = trimmed.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`${flag}: an empty item in "${value}": give all, or a comma-separated list`);
  const bad = items.filter((s) => !form.test(s));
  if (bad.length > 0) throw new UsageError(`${flag}: ${bad.join(', ')}: ${hint} (or give all)`);
  return [...new Set(items)];
}

function positive(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`${flag}: ${value}: a whole number from 1 to 64`);
  return n;
}

function checkOrgOptions(opts: OrgSweepCliOptions): void {
  if (opts.remote) {
    if (opts.target === 'simulated') throw new UsageError('--remote invokes the deployed function: it cannot be combined with --target simulated');
    // The configuration is read for organization.memberRegions only: the function sweeps under its own policy.
    if (opts.policy) throw new UsageError("--remote uses the deployed function's policy: --policy applies to local runs only");
    if (opts.concurrency) throw new UsageError("--concurrency applies to local runs: the deployed function sweeps with its own (sweep.concurrency)");
  } else if (opts.functionName) {
    throw new UsageError('--function-name needs --remote');
  }
  if (opts.vpcId) throw new UsageError('--vpc-id names one VPC of one account and region: it cannot be combined with --accounts or --regions');
  if (opts.inject?.length && opts.target !== 'simulated') throw new UsageError('--inject needs --target simulated');
}

/** Where a run sweeps and how it reaches each account-region. */
interface Plan {
  readonly ctx: AccountContext;
  readonly places: readonly AccountRegion[];
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly place?: OrgSweepDeps['place'];
  readonly remote?: OrgSweepDeps['remote'];
  /** With --remote: the runbook function that sweeps. */
  readonly remoteName?: string;
  readonly injected: readonly string[];
}

/** The accounts × regions, account by account. */
const crossed = (accounts: readonly string[], regions: readonly string[]): AccountRegion[] =>
  accounts.flatMap((account) => regions.map((region) => ({ account, region })));

/** The simulated organisation: the hub (the baseline's account) and its members, each region its own buckets. */
async function simulatedPlan(opts: OrgSweepCliOptions, loaded: LoadedConfig): Promise<Plan> {
  const org = new SimulatedOrganization({ network: { throttle: () => ec2Throttle(), retry: SIMULATED_RETRY } });
  const asked = opts.accounts ? parseAccounts(opts.accounts) : [org.hub.account];
  const accounts = asked === 'all' ? [...org.accounts] : asked;
  const unknown = accounts.filter((a) => !org.has(a));
  if (unknown.length > 0) {
    throw new UsageError(`${unknown.join(', ')}: not in the simulated organisation (its accounts: ${org.accounts.join(', ')})`);
  }
  const askedRegions = opts.regions ? parseRegions(opts.regions) : [org.hub.region];
  const regions = askedRegions === 'all' ? [...(loaded.config.organization?.memberRegions ?? org.regions)] : askedRegions;
  const disabled = regions.filter((r) => !org.regions.includes(r));
  if (disabled.length > 0) {
    throw new UsageError(`${disabled.join(', ')}: not a region of the simulated organisation (its regions: ${org.regions.join(', ')})`);
  }
  const injected: string[] = [];
  // The hub's account-region is the simulated account's baseline; scenarios across accounts inject in the members.
  const target = new SimulatedTarget({}, org.place(org.hub.account, org.hub.region), org);
  for (const scenario of opts.inject?.length ? selectScenarios(opts.inject) : []) {
    // A game-day scenario's drift (and a broken member role), without its event.
    try {
      await scenario.setup?.(target);
      await scenario.inject(target);
    } catch (error) {
      throw new UsageError(`cannot inject ${scenario.name}: ${(error as Error).message}`);
    }
    injected.push(scenario.name);
  }
  return {
    ctx: { target: 'simulated', account: org.hub.account, region: org.hub.region },
    places: crossed(accounts, regions),
    accounts,
    regions,
    place: placeThrough(org.reach(), loaded),
    injected,
  };
}

/** A real organisation: accounts from Organizations (or given), regions from the configuration (or EC2), the caller's credentials. */
async function awsPlan(opts: OrgSweepCliOptions, loaded: LoadedConfig): Promise<Plan> {
  if (opts.remote) remoteFunctionName(opts.functionName);
  const ctx = await awsContext();
  const askedAccounts = opts.accounts ? parseAccounts(opts.accounts) : [ctx.account];
  const askedRegions = opts.regions ? parseRegions(opts.regions) : [ctx.region];
  let accounts: string[];
  if (askedAccounts === 'all') {
    try {
      accounts = (await listActiveAccounts(new OrganizationsClient({ ...retryConfig() }))).map((a) => a.id);
    } catch (error) {
      const e = error as { name?: string; message?: string };
      throw new UsageError(
        `cannot list the organisation's accounts (Organizations ListAccounts: ${e.name}: ${e.message}): run from the management account or a delegated administrator, or name the accounts: --accounts ID,…`,
      );
    }
  } else {
    accounts = askedAccounts;
  }
  let regions: string[];
  if (askedRegions === 'all') {
    const configured = loaded.config.organization?.memberRegions;
    regions = configured ? [...configured] : await enabledRegions(ec2Client());
  } else {
    regions = askedRegions;
  }
  const { organization } = loaded.config;
  if (opts.remote) {
    // The deployed hub's runbook function sweeps each account-region: its role is the one the member roles trust.
    const name = remoteFunctionName(opts.functionName);
    const remote: Plan['remote'] = (where, dryRun) =>
      invokeRemote({ action: 'sweep', dryRun, account: where.account, region: where.region }, name);
    return { ctx: { ...ctx, target: 'aws' }, places: crossed(accounts, regions), accounts, regions, remote, injected: [], remoteName: name };
  }
  const foreign = accounts.filter((a) => a !== ctx.account);
  if (foreign.length > 0 && !organization) {
    throw new UsageError(
      `${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}: another account is swept through its member role, which the configuration's organization key names (memberRoleName, externalId): add it (see layerguard.org.example.json) or give --config`,
    );
  }
  // The caller's own account with the caller's credentials; every other through its member role (STS AssumeRole, cached per account).
  const reach = createAwsReach({ account: ctx.account, ...(organization ? { organization } : {}), functionName: 'cli' });
  return { ctx, places: crossed(accounts, regions), accounts, regions, place: placeThrough(reach, loaded), injected: [] };
}

/** Places each account-region through a reach: its network there, and the policy of its account (its OU and account overrides). */
const placeThrough =
  (reach: Reach, loaded: LoadedConfig): OrgSweepDeps['place'] =>
  async (where): Promise<Placed> => ({
    network: reach.network(where.region, where.account),
    policy: await accountPolicy(loaded.policy, reach, where.account),
  });

/** The counts' columns: every outcome of the vocabulary, in its order. */
const COLUMNS: readonly OutcomeStatus[] = OUTCOME_STATUSES;

/** The summary table: one row per account-region, a count per outcome, and a total row. */
export function summaryTable(result: Pick<OrgSweepResult, 'rows' | 'summary'>): string[] {
  const header = ['account', 'region', ...COLUMNS, 'scanned'];
  const scanned = (r: OrgSweepRow) => {
    const s = r.summary.scanned;
    return r.unreachable ? 'unreachable' : s ? `${s.securityGroups} sg, ${s.routeTables} rtb` : '-';
  };
  const body = result.rows.map((r) => [r.account, r.region, ...COLUMNS.map((c) => String(r.summary.counts[c])), scanned(r)]);
  const total = ['total', `${result.rows.length} account-region${result.rows.length === 1 ? '' : 's'}`, ...COLUMNS.map((c) => String(result.summary.counts[c])), ''];
  const all = [header, ...body, total];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i < 2 || i === row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line), line(total)];
}

/** What a person reads under the table: each outcome that changed something or needs a person, then each unreachable account's fix. */
function details(result: OrgSweepResult): string[] {
  const shown: readonly OutcomeStatus[] = ['remediated', 'dry-run', 'alert-only', 'failed', 'exempt'];
  const lines: string[] = [];
  for (const row of result.rows) {
    for (const o of row.outcomes.filter((x: Outcome) => shown.includes(x.outcome))) {
      lines.push(`${row.account} ${row.region}  ${o.outcome.padEnd(10)} ${(o.resources[0] ?? '-').padEnd(26)} ${o.reason}`);
      if (o.humanAction) lines.push(`${' '.repeat(row.account.length + row.region.length + 3)}to do: ${o.humanAction}`);
    }
  }
  return lines;
}

const wouldChange = (r: OrgSweepResult): number => r.summary.counts['dry-run'];

/**
 * Runs the organisation-wide sweep from the command line. Exit status as every command's: 0 done (or
 * nothing to do), 1 an outcome failed (an unreachable account included), 2 bad input, 3 an outcome
 * is alert-only.
 */
export async function runOrgSweepCommand(opts: OrgSweepCliOptions): Promise<number> {
  checkOrgOptions(opts);
  const real = opts.target !== 'simulated';
  if (real) checkApply(opts);
  const parallel = positive(opts.parallel, '--parallel', DEFAULT_ORG_PARALLEL);
  const concurrency = positive(opts.concurrency, '--concurrency', DEFAULT_SWEEP_CONCURRENCY);
  const loaded = loadConfiguration(opts);
  const plan = real ? await awsPlan(opts, loaded) : await simulatedPlan(opts, loaded);
  process.stderr.write(
    plan.remoteName
      ? `layerguard: configuration the deployed function's, mode ${opts.apply ? "the function's" : 'dry-run'}, account ${plan.ctx.account}, region ${plan.ctx.region}, target remote (${plan.remoteName})\n`
      : `${contextLine(loaded, plan.ctx, real && !opts.apply)}\n`,
  );
  process.stderr.write(
    `layerguard: sweeping ${plan.places.length} account-region${plan.places.length === 1 ? '' : 's'} (${plan.accounts.length} account${plan.accounts.length === 1 ? '' : 's'} × ${plan.regions.join(', ')}), ${parallel} at once, ${plan.remoteName ? `each by the runbook function ${plan.remoteName}` : `${concurrency} EC2 calls in flight in each`}\n`,
  );
  if (real && opts.apply && loaded.policy.mode === 'dry-run') {
    process.stderr.write(`layerguard: the configuration's mode is dry-run (${loaded.source}): --apply changes nothing\n`);
  }

  // A progress line for a person at a terminal only: stderr, rewritten in place, cleared at the end.
  const tty = process.stderr.isTTY === true;
  const deps = (): OrgSweepDeps => ({
    ...(plan.place ? { place: plan.place } : {}),
    ...(plan.remote ? { remote: plan.remote } : {}),
    policy: loaded.policy,
    clock: () => new Date(),
    parallel,
    concurrency,
    onRow: tty
      ? (row, done, total) => {
          const n = row.summary.counts;
          process.stderr.write(
            `\r\x1b[2Ksweep: ${done}/${total} account-regions; last ${row.account} ${row.region}${n.failed ? `: ${n.failed} failed` : ''}`,
          );
          if (done === total) process.stderr.write('\r\x1b[2K');
        }
      : undefined,
  });
  const sweepOnce = (dryRun: boolean) => sweepOrganization(plan.places, dryRun, deps());

  let result: OrgSweepResult;
  if (!real) {
    result = await sweepOnce(opts.dryRun === true);
  } else if (!opts.apply) {
    result = await sweepOnce(true);
  } else if (opts.yes) {
    result = await sweepOnce(false);
  } else {
    const planned = await sweepOnce(true);
    const n = wouldChange(planned);
    if (n === 0) {
      result = planned;
    } else {
      print(planned, opts, plan);
      if (!(await ask(`Make these ${n} change${n === 1 ? '' : 's'} across ${plan.places.length} account-regions?`))) {
        process.stderr.write('layerguard: nothing was changed\n');
        return 0;
      }
      result = await sweepOnce(false);
    }
  }
  print(result, opts, plan);
  if (real && !opts.apply && wouldChange(result) > 0) {
    process.stderr.write('layerguard: nothing was changed: run again with --apply to revert\n');
  }
  const { counts } = result.summary;
  return counts.failed > 0 ? 1 : counts['alert-only'] > 0 ? 3 : 0;
}

function print(result: OrgSweepResult, opts: OrgSweepCliOptions, plan: Plan): void {
  const target = plan.remoteName ? 'remote' : plan.ctx.target;
  if (opts.json) {
    printLine(
      JSON.stringify({
        action: 'sweep',
        dryRun: result.dryRun,
        target,
        accounts: plan.accounts,
        regions: plan.regions,
        ...(plan.injected.length ? { injected: plan.injected } : {}),
        rows: result.rows,
        summary: result.summary,
      }),
    );
    return;
  }
  for (const line of summaryTable(result)) printLine(line);
  const more = details(result);
  if (more.length) printLine('');
  for (const line of more) printLine(line);
  const counts = Object.entries(result.summary.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const injected = plan.injected.length ? `, injected without events: ${plan.injected.join(', ')}` : '';
  printLine(`sweep${result.dryRun ? ' (dry-run)' : ''} on ${target}${injected}: ${result.rows.length} account-regions, ${counts.join(', ') || 'nothing to do'}`);
}
