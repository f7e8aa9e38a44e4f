import { writeFileSync } from 'node:fs';
import { eventBridgeEnvelope } from '../../events/generator/cloudtrail.js';
import { SUPPORTED_EVENTS } from '../../functions/core/cloudtrail.js';
import { OUTCOME_STATUSES, type OutcomeStatus } from '../../functions/core/outcome.js';
import { buildRulePatterns, matchingRules } from '../../functions/core/patterns.js';
import type { Policy } from '../../functions/core/policy.js';
import { type AccountContext, announce, awsContext } from '../account.js';
import { type LoadedConfig, loadConfiguration } from '../config.js';
import { printLine, UsageError } from '../io.js';
import { type ReadEvent, readEvents } from '../trail.js';
import { type Replayed, replayLive, replaySimulated } from './replay.js';

/**
 * `layerguard backtest FILES…`: the account's own history (a trail's log files, lookup-events
 * output) judged against today's policy: what LayerGuard would have reverted, ignored, alerted on,
 * per account, region and drift kind. Each watched event is replayed as `replay` does: on a fresh
 * simulated account (default), or with `--target aws` against today's live state, read-only.
 */

export interface Tally {
  readonly events: number;
  readonly byOutcome: Record<OutcomeStatus, number>;
}

/** One judged event, as the report lists it. */
export interface Judged {
  readonly source: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly eventTime: string;
  readonly account: string;
  readonly region: string;
  readonly actor: string;
  readonly outcome: OutcomeStatus;
  readonly reason: string;
  readonly resources: readonly string[];
  readonly drift: readonly string[];
}

export interface BacktestSummary {
  /** Watched events judged: those a deployed rule delivers, and watched calls that no rule delivers. */
  readonly events: number;
  readonly byOutcome: Record<OutcomeStatus, number>;
  /** Per drift kind found; `none` for events with no drift (ignored, already compliant). */
  readonly byDrift: Record<string, Tally>;
  readonly accounts: Record<string, Tally>;
  readonly regions: Record<string, Tally>;
  /** Records read in all; those of calls LayerGuard does not watch are not judged. */
  readonly read: number;
  readonly unwatched: number;
  /** Watched records that could not be read (each with its source and why). */
  readonly unreadable: readonly { readonly source: string; readonly reason: string }[];
  readonly target: 'simulated' | 'aws';
  readonly configuration: string;
  readonly mode: Policy['mode'];
}

const emptyCounts = (): Record<OutcomeStatus, number> =>
  Object.fromEntries(OUTCOME_STATUSES.map((s) => [s, 0])) as Record<OutcomeStatus, number>;

function add(tallies: Record<string, Tally>, key: string, outcome: OutcomeStatus): void {
  const t = tallies[key] ?? { events: 0, byOutcome: emptyCounts() };
  tallies[key] = { events: t.events + 1, byOutcome: { ...t.byOutcome, [outcome]: t.byOutcome[outcome] + 1 } };
}

/** The record inside an EventBridge event, or the record itself. */
const recordOf = (input: unknown): Record<string, unknown> => {
  const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  return (typeof o.detail === 'object' && o.detail !== null ? o.detail : o) as Record<string, unknown>;
};
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The EC2 calls LayerGuard watches (the deployed rules' event names). */
const WATCHED: ReadonlySet<string> = new Set(SUPPORTED_EVENTS);

export function summarise(
  judged: readonly Judged[],
  extra: { read: number; unwatched: number; unreadable: BacktestSummary['unreadable'] },
  loaded: LoadedConfig,
  target: 'simulated' | 'aws',
): BacktestSummary {
  const byOutcome = emptyCounts();
  const byDrift: Record<string, Tally> = {};
  const accounts: Record<string, Tally> = {};
  const regions: Record<string, Tally> = {};
  for (const j of judged) {
    byOutcome[j.outcome] += 1;
    for (const kind of j.drift.length ? [...new Set(j.drift)] : ['none']) add(byDrift, kind, j.outcome);
    add(accounts, j.account || '(unknown)', j.outcome);
    add(regions, j.region || '(unknown)', j.outcome);
  }
  return {
    events: judged.length,
    byOutcome,
    byDrift,
    accounts,
    regions,
    ...extra,
    target,
    configuration: loaded.source,
    mode: loaded.policy.mode,
  };
}

const judgedOf = (event: ReadEvent, r: Replayed): Judged => {
  const record = recordOf(event.input);
  const identity = (record.userIdentity ?? {}) as Record<string, unknown>;
  return {
    source: event.source,
    eventId: r.eventId,
    eventName: r.eventName,
    eventTime: text(record.eventTime),
    account: text(record.recipientAccountId) || text(identity.accountId),
    region: text(record.awsRegion),
    actor: text(identity.arn),
    outcome: r.outcome,
    reason: r.reason,
    resources: r.resources,
    drift: r.drift.map((d) => d.kind),
  };
};

/** Judges every watched event; the rest are counted. */
export async function backtest(
  events: readonly ReadEvent[],
  loaded: LoadedConfig,
  live?: AccountContext,
): Promise<{ summary: BacktestSummary; judged: Judged[] }> {
  // Read-only whatever the configuration's mode; "remediated" then reads "would have reverted".
  const policy: Policy = live ? { ...loaded.policy, mode: 'dry-run' } : loaded.policy;
  const rules = buildRulePatterns(loaded.policy, { gameday: false });
  const judged: Judged[] = [];
  const unreadable: { source: string; reason: string }[] = [];
  let unwatched = 0;
  const { stackName } = loaded.config;
  for (const event of events) {
    const record = recordOf(event.input);
    if (text(record.eventSource) !== 'ec2.amazonaws.com' || !WATCHED.has(text(record.eventName))) {
      unwatched += 1;
      continue;
    }
    const envelope = (event.input as Record<string, unknown>).detail ? event.input : eventBridgeEnvelope(record);
    try {
      if (matchingRules(rules, envelope).length === 0) {
        // A watched call that no deployed rule delivers (a narrow CIDR, a failed call): the function never runs.
        const r = { eventId: text(record.eventID), eventName: text(record.eventName), outcome: 'ignored' as const, reason: 'no deployed rule matches the event: no function is invoked', resources: [], drift: [] };
        judged.push(judgedOf(event, r as unknown as Replayed));
        continue;
      }
      const r = live ? await replayLive(event, policy, live, stackName) : await replaySimulated(event, policy, { stackName });
      judged.push(judgedOf(event, r));
    } catch (error) {
      unreadable.push({ source: event.source, reason: (error as Error).message });
    }
  }
  return { summary: summarise(judged, { read: events.length, unwatched, unreadable }, loaded, live ? 'aws' : 'simulated'), judged };
}

// ---- reports ---------------------------------------------------------------------------------

const escapeMd = (s: string) => s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const SHOWN: readonly OutcomeStatus[] = ['remediated', 'dry-run', 'alert-only', 'exempt', 'failed'];

const tallyRows = (tallies: Record<string, Tally>): string[][] =>
  Object.entries(tallies)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, t]) => [key, String(t.events), ...OUTCOME_STATUSES.map((s) => String(t.byOutcome[s]))]);

function sections(s: BacktestSummary, judged: readonly Judged[]): { title: string; header: string[]; rows: string[][] }[] {
  const header = ['', 'events', ...OUTCOME_STATUSES];
  const notable = judged.filter((j) => SHOWN.includes(j.outcome));
  return [
    { title: 'By outcome', header: ['outcome', 'events'], rows: OUTCOME_STATUSES.map((o) => [o, String(s.byOutcome[o])]) },
    { title: 'By drift kind', header: ['drift', ...header.slice(1)], rows: tallyRows(s.byDrift) },
    { title: 'By account', header: ['account', ...header.slice(1)], rows: tallyRows(s.accounts) },
    { title: 'By region', header: ['region', ...header.slice(1)], rows: tallyRows(s.regions) },
    {
      title: 'What LayerGuard would have done (every event that is not ignored or already compliant)',
      header: ['time', 'account', 'region', 'event', 'actor', 'outcome', 'reason'],
      rows: notable.map((j) => [j.eventTime, j.account, j.region, `${j.eventName} ${j.eventId}`, j.actor, j.outcome, j.reason]),
    },
  ];
}

const intro = (s: BacktestSummary, when: Date): string =>
  `${when.toISOString()} · configuration ${s.configuration} (mode ${s.mode}) · target ${s.target} · ` +
  `${s.events} watched events of ${s.read} read (${s.unwatched} of calls LayerGuard does not watch, ${s.unreadable.length} unreadable)`;

/** The backtest as Markdown. */
export function markdownReport(s: BacktestSummary, judged: readonly Judged[], when: Date): string {
  const lines = ['# LayerGuard backtest', '', escapeMd(intro(s, when)), ''];
  if (s.target === 'simulated') {
    lines.push('Each event was replayed on a fresh simulated account; `remediated` reads "would have been reverted".', '');
  } else {
    lines.push("Each event was judged against today's live state, read-only: `dry-run` reads \"would be reverted now\".", '');
  }
  for (const sec of sections(s, judged)) {
    lines.push(`## ${sec.title}`, '');
    if (sec.rows.length === 0) {
      lines.push('none', '');
      continue;
    }
    lines.push(`| ${sec.header.map(escapeMd).join(' | ')} |`, `|${sec.header.map(() => '---').join('|')}|`);
    for (const row of sec.rows) lines.push(`| ${row.map(escapeMd).join(' | ')} |`);
    lines.push('');
  }
  for (const u of s.unreadable) lines.push(`- unreadable: ${escapeMd(u.source)}: ${escapeMd(u.reason)}`);
  return `${lines.join('\n')}\n`;
}

/** The backtest as a standalone HTML page. */
export function htmlReport(s: BacktestSummary, judged: readonly Judged[], when: Date): string {
  const table = (header: string[], rows: string[][]) =>
    rows.length === 0
      ? '<p>none</p>'
      : `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
          .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`;
  const body = sections(s, judged)
    .map((sec) => `<h2>${escapeHtml(sec.title)}</h2>${table(sec.header, sec.rows)}`)
    .join('\n');
  const unreadable = s.unreadable.map((u) => `<li>${escapeHtml(u.source)}: ${escapeHtml(u.reason)}</li>`).join('');
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LayerGuard backtest</title>',
    '<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style>',
    `</head><body><h1>LayerGuard backtest</h1><p>${escapeHtml(intro(s, when))}</p>`,
    body,
    unreadable ? `<h2>Unreadable</h2><ul>${unreadable}</ul>` : '',
    '</body></html>',
  ].join('\n');
}

function human(s: BacktestSummary): string[] {
  const counts = OUTCOME_STATUSES.filter((o) => s.byOutcome[o] > 0).map((o) => `${s.byOutcome[o]} ${o}`);
  const drift = Object.entries(s.byDrift)
    .filter(([k]) => k !== 'none')
    .map(([k, t]) => `${k}: ${t.events}`);
  return [
    `backtest (${s.target}, configuration ${s.configuration}, mode ${s.mode}): ${s.events} watched events of ${s.read} read: ${counts.join(', ') || 'none'}`,
    `  drift: ${drift.join(', ') || 'none'}`,
    `  accounts: ${Object.keys(s.accounts).sort().join(', ') || 'none'}; regions: ${Object.keys(s.regions).sort().join(', ') || 'none'}`,
    ...s.unreadable.map((u) => `  unreadable: ${u.source}: ${u.reason}`),
  ];
}

export interface BacktestCliOptions {
  readonly json?: boolean;
  readonly report?: string;
  readonly target?: string;
  readonly config?: string;
  readonly policy?: string;
}

/** `layerguard backtest`. Exit 0, or 1 when a live read failed (an outcome is `failed`). */
export async function runBacktest(files: string[], opts: BacktestCliOptions): Promise<number> {
  const target = opts.target ?? 'simulated';
  if (target !== 'simulated' && target !== 'aws') throw new UsageError(`unknown --target ${target}; use simulated or aws`);
  if (opts.report && !/\.(md|html)$/.test(opts.report)) throw new UsageError('--report takes a file ending in .md or .html');
  const loaded = loadConfiguration(opts);
  const events = readEvents(files);
  let live: AccountContext | undefined;
  if (target === 'aws') {
    live = await awsContext();
    announce(loaded, live, true);
  }
  const { summary, judged } = await backtest(events, loaded, live);
  if (opts.json) printLine(JSON.stringify(summary));
  else for (const line of human(summary)) printLine(line);
  if (opts.report) {
    const now = new Date();
    writeFileSync(opts.report, opts.report.endsWith('.md') ? markdownReport(summary, judged, now) : htmlReport(summary, judged, now));
  }
  return summary.byOutcome.failed > 0 ? 1 : 0;
}
