/**
 * `npm run bench`: LayerGuard's speed and cost (issue 6). Prints a table; with `--json`, exactly one
 * JSON object on stdout (progress goes to stderr). Benchmarks report; they never fail on timing.
 */
import { cpus, loadavg } from 'node:os';
import { type ColdStartReport, measureColdStart } from './cold-start.js';
import { measureDecisions } from './decisions.js';
import { KINDS, measureLatency, measureOverhead } from './latency.js';
import { log } from './stats.js';
import { DEFAULT_STORM, runStorm, SDK_RETRY } from './storm.js';

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
  log('bench: 6/6 storm');
  const storm = await runStorm();
  // What-if: the same storm with 10 SDK attempts instead of 5 (AWS_MAX_ATTEMPTS=10).
  const stormRetry10 = await runStorm({ ...DEFAULT_STORM, retry: { ...SDK_RETRY, maxAttempts: 10 } });
  log('bench: 6·/6 storm across accounts');
  // The same 1,000 events over 10 accounts × 2 regions: each account-region has EC2 buckets of its own;
  // the hub's functions (and their reserved concurrency) are shared by all of them.
  const stormAcrossAccounts = await runStorm(DEFAULT_STORM, { accounts: 10, regions: 2 });
  const scaling = {
    accountRegions: stormAcrossAccounts.accountRegions,
    events: stormAcrossAccounts.events,
    secondsOneAccountRegion: storm.seconds,
    secondsAcrossAccounts: stormAcrossAccounts.seconds,
    /** How many times faster the same storm clears when spread (one account-region's seconds / the spread's). */
    speedup: Math.round((storm.seconds / stormAcrossAccounts.seconds) * 10) / 10,
    /** What bounds the spread storm: EC2's buckets of its busiest account-region, or the functions' reserved concurrency. */
    boundBy: stormAcrossAccounts.concurrencyBoundSeconds >= stormAcrossAccounts.boundSeconds ? 'reserved concurrency' : 'EC2 buckets',
  };

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
    storm,
    stormWith10SdkAttempts: stormRetry10,
    stormAcrossAccounts,
    stormScaling: scaling,
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
  const s = storm;
  row(
    6,
    `storm: ${s.events} events, concurrency ${s.concurrency.securityGroup}+${s.concurrency.routeTable}, ${s.latencyMs} ms a call`,
    `${s.seconds} s (bound ${s.boundSeconds} s; coalesced per resource ${s.boundSecondsCoalesced} s)`,
  );
  row(
    6,
    'storm: throttled calls, Lambda retries, dead-lettered, lost',
    `${s.throttledCalls}, ${s.lambdaRetries}, ${s.deadLettered}, ${s.lost}`,
  );
  const r = stormRetry10;
  row(
    '6·',
    'storm with 10 SDK attempts: seconds, throttled, Lambda retries, lost',
    `${r.seconds} s, ${r.throttledCalls}, ${r.lambdaRetries}, ${r.lost}`,
  );
  const a = stormAcrossAccounts;
  row(
    7,
    `storm across ${a.accounts} accounts × ${a.regions} regions: ${a.events} events, concurrency ${a.concurrency.securityGroup}+${a.concurrency.routeTable}`,
    `${a.seconds} s (bound ${a.boundSeconds} s: ${scaling.boundBy}, ${a.concurrencyBoundSeconds} s); ${a.throttledCalls} throttled, ${a.lambdaRetries} Lambda retries, ${a.deadLettered} dead-lettered, ${a.lost} lost`,
  );
  row(7, `storm: one account-region against ${a.accountRegions}, same ${a.events} events`, `${scaling.secondsOneAccountRegion} s against ${scaling.secondsAcrossAccounts} s: ${scaling.speedup}× faster spread`);
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
