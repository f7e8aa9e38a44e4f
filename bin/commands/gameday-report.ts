import type { ScenarioResult, Scorecard } from '../../events/scenarios/runner.js';

const mark = (ok: boolean) => (ok ? 'yes' : 'no');
const seconds = (s: number | null) => (s === null ? '-' : s.toFixed(3));

/** One scenario as a table row for people. */
export const scenarioRow = (r: ScenarioResult): string[] => [
  r.passed ? 'PASS' : 'FAIL',
  r.name,
  r.expected,
  r.outcome,
  mark(r.detected),
  mark(r.reverted),
  mark(r.notified),
  r.finding ?? '-',
  r.evidence ?? '-',
  seconds(r.secondsToRevert),
];

export const HEADER = ['', 'scenario', 'expected', 'outcome', 'detected', 'reverted', 'notified', 'finding', 'evidence', 'seconds'];

/** A plain-text table with aligned columns. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

export const verdictLine = (card: Scorecard): string => {
  const passed = card.scenarios.filter((s) => s.passed).length;
  const mode = card.mode ? `, mode ${card.mode}${card.modeSource ? ` (from ${card.modeSource})` : ''}` : '';
  return `verdict: ${card.verdict.toUpperCase()} (${passed}/${card.scenarios.length} scenarios passed on the ${card.target} target${mode} in ${card.seconds.toFixed(2)} s)`;
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const escapeMd = (s: string) => s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);

/** The post-game-day review as Markdown. */
export function markdownReport(card: Scorecard, when: Date): string {
  const lines = [
    '# LayerGuard game day',
    '',
    `${when.toISOString()} · target: ${card.target} · ${verdictLine(card)}`,
    '',
    `| ${HEADER.map(escapeMd).join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...card.scenarios.map((r) => `| ${scenarioRow(r).map(escapeMd).join(' | ')} |`),
    '',
    '## Scenarios',
    '',
    ...card.scenarios.flatMap((r) => [
      `### ${escapeMd(r.name)}: ${r.passed ? 'passed' : 'FAILED'}`,
      '',
      `- drift: ${escapeMd(r.drift)}`,
      `- LayerGuard: ${escapeMd(r.outcome)}: ${escapeMd(r.reason)}`,
      ...(r.evidenceText ? [`- flow-log evidence: ${escapeMd(r.evidenceText)}`] : []),
      ...r.violations.map((v) => `- still wrong: ${escapeMd(v)}`),
      '',
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/** The post-game-day review as a standalone HTML page. */
export function htmlReport(card: Scorecard, when: Date): string {
  const rows = card.scenarios
    .map((r) => `<tr class="${r.passed ? 'pass' : 'fail'}">${scenarioRow(r).map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const details = card.scenarios
    .map(
      (r) =>
        `<h3>${escapeHtml(r.name)}</h3><p>${escapeHtml(r.drift)}</p><p>${escapeHtml(r.outcome)}: ${escapeHtml(r.reason)}</p>${
          r.evidenceText ? `<p>flow-log evidence: ${escapeHtml(r.evidenceText)}</p>` : ''
        }${r.violations
          .map((v) => `<p class="fail">still wrong: ${escapeHtml(v)}</p>`)
          .join('')}`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LayerGuard game day</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}.pass td:first-child{color:#070}.fail,.fail td:first-child{color:#b00}</style>
</head><body>
<h1>LayerGuard game day</h1>
<p>${escapeHtml(when.toISOString())} · target: ${escapeHtml(card.target)} · ${escapeHtml(verdictLine(card))}</p>
<table><thead><tr>${HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Scenarios</h2>
${details}
</body></html>
`;
}
