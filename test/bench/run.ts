/**
 * `npm run bench`: LayerGuard's speed and cost (issue 6). Prints a table; with `--json`, exactly one
 * JSON object on stdout (progress goes to stderr). Benchmarks report; they never fail on timing.
 */
import { cpus, loadavg } from 'node:os';
import { type ColdStartReport, measureColdStart } from './cold-start.js';
import { measureDecisions } from './decisions.js';
import { KINDS, measureLatency, measureOverhead } from './latency.js';
import { log } from './stats.js';
import { DEFAULT_STORM, GROUP_EACH_STORM, runStorm } from './storm.js';

const json = process.argv.includes('--json');
const loadAtStart = loadavg()[0] ?? 0;
const LATENCY_MS = 50;

async function main(): Promise<void> {
  const started = performance.now();
  log('bench: 1/6 decision throughput');
  const decisions = measureDecisions();
  log('bench: 2/6 handler overhead');
  const overhead = await measureOverhead();
  log(`bench: 3-4/6 EC2 calls, round trips and revert time at ${LATENCY_MS} ms a call`);
  const latency = await measureLatency(LATENCY_MS);
  log('bench: 5/6 cold start');
  const cold: ColdStartReport = await measureColdStart();
  log('bench: 6/6 storms');
  // Two storms in one account-region: 1,000 events over 200 groups and 50 tables, and 1,000 groups one
  // event each; then the first spread over 10 accounts × 2 regions (each its own EC2 buckets). And what
  // pacing buys: the first storm with each instance sending at will.
  const storms = [
    await runStorm(DEFAULT_STORM),
    await runStorm(GROUP_EACH_STORM),
    await runStorm({ ...DEFAULT_STORM, name: 'across-accounts' }, { accounts: 10, regions: 2 }),
  ];
  const unpaced = await runStorm({ ...DEFAULT_STORM, name: 'groups-and-tables-unpaced', paced: false });
  const stormSummary = storms.map((s) => ({
    name: s.name,
    seconds: s.seconds,
    boundSeconds: s.boundSeconds,
    throttledCalls: s.throttledCalls,
    retries: s.retries,
    deadLettered: s.deadLettered,
    lost: s.lost,
    handledTwice: s.handledTwice,
  }));

  const perKind = <T>(f: (k: (typeof KINDS)[number]) => T) => Object.fromEntries(KINDS.map((k) => [k, f(k)]));
  const result = {
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadAverage1mAtStart: Math.round(loadAtStart * 10) / 10,
    },
    decisionsPerSecond: decisions.decisionsPerSecond,
    overheadMsP50: overhead.overheadMsP50,
    overheadMsP99: overhead.overheadMsP99,
    ec2CallsPerRemediation: perKind((k) => latency[k].calls),
    sequentialRoundTrips: perKind((k) => latency[k].sequentialRoundTrips),
    revertMsAt50msLatency: perKind((k) => latency[k].revertMs),
    ec2Operations: perKind((k) => latency[k].operations),
    verification: {
      securityGroup:
        'revoke response: RevokeSecurityGroupIngress returns the revoked rules; every drift rule id must be listed (else the rules are read back)',
      route:
        'read back: DescribeRouteTables after DeleteRoute; the route to the forbidden target must be gone',
      association:
        'read back: DescribeRouteTables of the isolated table after ReplaceRouteTableAssociation; the subnet must be on it',
      disassociation:
        'read back: DescribeRouteTables of the isolated table after AssociateRouteTable; the subnet must be on it',
      tierSkip:
        'revoke response, as securityGroup: the rule from the web tier is revoked by id after the group, its rules and the web group are read',
      prefixList:
        'read back: GetManagedPrefixListEntries after ModifyManagedPrefixList (RemoveEntries); the added entries must be gone',
    },
    coldStart: cold.functions,
    coldStartSkipped: cold.skipped,
    coldStartDependencies: cold.dependencies,
    coldStartSourceMapsMs: cold.sourceMapsMs,
    coldStartBareNodeMs: cold.bareNodeMs,
    coldStartRuns: cold.runs,
    storms: stormSummary,
    stormDetails: storms,
    stormUnpaced: unpaced,
    benchSeconds: Math.round((performance.now() - started) / 1000),
  };

  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const out: string[] = [];
  const row = (...cells: (string | number)[]) => out.push(`| ${cells.join(' | ')} |`);
  out.push(
    `LayerGuard bench: ${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}, load average ${result.machine.loadAverage1mAtStart} at start`,
    '',
  );
  out.push('| # | measure | value |', '|---|---|---|');
  row(
    1,
    'decisions per second (parse, guard, evaluate, plan; one core)',
    `${decisions.decisionsPerSecond} (${decisions.samples} samples)`,
  );
  row(
    2,
    'handler overhead per trigger, p50 / p99 (zero-latency account)',
    `${overhead.overheadMsP50} / ${overhead.overheadMsP99} ms`,
  );
  for (const k of KINDS) {
    const l = latency[k];
    row(
      3,
      `${k}: EC2 calls, sequential round trips`,
      `${l.calls} calls, ${l.sequentialRoundTrips} round trips (${l.operations.join(', ')})`,
    );
    row(4, `${k}: revert at ${LATENCY_MS} ms a call`, `${l.revertMs} ms (floor ${l.floorMs} ms)`);
  }
  for (const [fn, c] of Object.entries(cold.functions)) {
    row(
      5,
      `cold start ${fn}: bundle, init over bare node`,
      `${(c.bundleBytes / 1e6).toFixed(2)} MB, ${c.initMsOverBareNode} ms median, ${c.initMsOverBareNodeMin} ms fastest (--enable-source-maps: ${cold.sourceMapsMs[fn]} ms)`,
    );
  }
  for (const [fn, why] of Object.entries(cold.skipped)) row(5, `cold start ${fn}`, `skipped: ${why}`);
  for (const d of cold.dependencies)
    row(
      '5·',
      `alone: ${d.name}`,
      `${(d.bundleBytes / 1e6).toFixed(2)} MB, ${d.initMsOverBareNode} ms median, ${d.initMsOverBareNodeMin} ms fastest`,
    );
  for (const s of [...storms, unpaced]) {
    const within = s.boundSeconds > 0 ? Math.round((s.seconds / s.boundSeconds - 1) * 1000) / 10 : 0;
    const where = s.accountRegions ? ` over ${s.accounts} accounts × ${s.regions} regions` : '';
    row(
      6,
      `storm ${s.name}: ${s.events} events${where}, batches of up to ${s.queue.batchSize}, ${s.queue.maxConcurrency} invocations a function`,
      `${s.seconds} s (bound ${s.boundSeconds} s, ${within >= 0 ? '+' : ''}${within} %; one batch per resource ${s.idealBoundSeconds} s); ${s.revokes} revokes, ${s.ec2Calls} EC2 calls`,
    );
    row(6, `storm ${s.name}: throttled calls, retries, dead-lettered, lost, handled twice`, `${s.throttledCalls}, ${s.retries}, ${s.deadLettered}, ${s.lost}, ${s.handledTwice}`);
  }
  out.push(
    '',
    `bare node -e 0: ${cold.bareNodeMs} ms; medians of ${cold.runs} fresh processes. Bench took ${result.benchSeconds} s.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
