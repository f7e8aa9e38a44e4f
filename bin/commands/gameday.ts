import { writeFileSync } from 'node:fs';
import { CATALOGUE } from '../../events/scenarios/catalogue.js';
import { runGameday, type Scorecard } from '../../events/scenarios/runner.js';
import { SimulatedTarget } from '../../events/scenarios/simulated-target.js';
import { loadConfiguration } from '../config.js';
import { printLine, UsageError } from '../io.js';
import { HEADER, htmlReport, markdownReport, scenarioRow, table, verdictLine } from './gameday-report.js';

export interface GamedayCliOptions {
  readonly json?: boolean;
  readonly report?: string;
  readonly policy?: string;
  readonly config?: string;
  readonly target?: string;
  readonly scenario?: string[];
}

/** The scenarios named by `--scenario` (all when none); an unknown name is a usage error. */
export function selectScenarios(names: readonly string[] | undefined) {
  if (!names || names.length === 0) return CATALOGUE;
  const unknown = names.filter((n) => !CATALOGUE.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown scenario ${unknown.join(', ')}; known: ${CATALOGUE.map((s) => s.name).join(', ')}`);
  }
  return CATALOGUE.filter((s) => names.includes(s.name));
}

export function writeReport(path: string, card: Scorecard): void {
  const now = new Date();
  if (path.endsWith('.md')) writeFileSync(path, markdownReport(card, now));
  else if (path.endsWith('.html')) writeFileSync(path, htmlReport(card, now));
  else throw new UsageError('--report takes a file ending in .md or .html');
}

/** Prints the scorecard (progress as it runs for people, one JSON object for machines); exit 1 on any failure. */
export async function reportGameday(
  run: (onResult: (r: Parameters<typeof scenarioRow>[0], i: number, n: number) => void) => Promise<Scorecard>,
  opts: GamedayCliOptions,
): Promise<number> {
  if (opts.report && !/\.(md|html)$/.test(opts.report)) throw new UsageError('--report takes a file ending in .md or .html');
  // Progress goes to a person's terminal only, on stderr, so stdout stays the table or the JSON.
  const progress = !opts.json && process.stderr.isTTY;
  const card = await run((r, i, n) => {
    if (progress) process.stderr.write(`[${i + 1}/${n}] ${r.passed ? 'pass' : 'FAIL'} ${r.name}\n`);
  });
  if (opts.json) {
    printLine(JSON.stringify(card));
  } else {
    for (const line of table([HEADER, ...card.scenarios.map(scenarioRow)])) printLine(line);
    for (const r of card.scenarios.filter((s) => !s.passed)) {
      printLine(`  ${r.name}: ${r.reason}${r.violations.length ? `; ${r.violations.join('; ')}` : ''}`);
    }
    printLine(verdictLine(card));
  }
  if (opts.report) writeReport(opts.report, card);
  return card.verdict === 'pass' ? 0 : 1;
}

/** `layerguard gameday` on the simulated account (the default target). */
export async function runSimulatedGameday(opts: GamedayCliOptions): Promise<number> {
  const { policy } = loadConfiguration(opts);
  const scenarios = selectScenarios(opts.scenario);
  return reportGameday(
    (onResult) => runGameday({ policy, scenarios, target: async () => new SimulatedTarget(), onResult }, 'simulated'),
    opts,
  );
}
