import type { ResultField } from '@aws-sdk/client-cloudwatch-logs';
import { isWithin } from '../../functions/core/cidr.js';

/**
 * A small CloudWatch Logs Insights for the game day's flow logs: it reads a query string as Logs
 * Insights would and runs it over log events, so the game day scores the product's query, not our
 * belief about it. It knows the forms that query uses and refuses any other (MalformedQueryException),
 * so that a change of the query breaks the game day rather than passing unread.
 *
 * Sources: query syntax, commands separated by `|` (`filter`, `stats`, `sort`, `limit`),
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html; `filter` with `=`,
 * `and`, `not` and set membership `in [...]`,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Filter.html;
 * `isIpInSubnet(field, subnet)`: true when the field is a valid IPv4 or IPv6 address in the v4 or v6
 * subnet, https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html;
 * the flow-log fields Logs Insights discovers (`interfaceId`, `srcAddr`, `action`, …),
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html;
 * StartQuery's `startTime` and `endTime`, epoch seconds, both inclusive ("The range is inclusive, so the
 * specified start time is included in the query", StartQueryRequest, @aws-sdk/client-cloudwatch-logs
 * dist-types/models/models_0.d.ts).
 */

/** One log event: its log group, its time (epoch seconds) and its discovered fields by name. */
export interface LogEvent {
  readonly logGroupName: string;
  readonly timestamp: number;
  readonly fields: Readonly<Record<string, string>>;
}

/** What StartQuery was asked: where and when to look. */
export interface QueryRange {
  readonly logGroupNames: readonly string[];
  readonly startTime: number;
  readonly endTime: number;
}

/** A query Logs Insights would refuse, or one this simulation does not know: its name is StartQuery's error. */
export class MalformedQueryError extends Error {
  constructor(message: string) {
    super(`the simulated Logs Insights does not understand ${message}`);
    this.name = 'MalformedQueryException';
  }
}

type Clause = (fields: Readonly<Record<string, string>>) => boolean;

/** A parsed query: the filters every event must pass, the count per field, the order and the limit. */
export interface ParsedQuery {
  readonly filters: readonly Clause[];
  readonly countAs: string;
  readonly by: string;
  readonly order: 'asc' | 'desc' | undefined;
  readonly limit: number | undefined;
}

/** Splits `text` on `separator` where it stands outside quotes, brackets and parentheses. */
export function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '[' || c === '(')) depth++;
    else if (!quoted && (c === ']' || c === ')')) depth--;
    else if (!quoted && depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

const FIELD = '([A-Za-z@][\\w.@]*)';
const STRING = '"([^"]*)"';
const EQUALS = new RegExp(`^${FIELD}\\s*=\\s*${STRING}$`);
const IN_LIST = new RegExp(`^${FIELD}\\s+in\\s+\\[(.*)\\]$`);
const IN_SUBNET = new RegExp(`^(not\\s+)?isIpInSubnet\\(\\s*${FIELD}\\s*,\\s*${STRING}\\s*\\)$`);
const LIST_ITEM = new RegExp(`^${STRING}$`);
const STATS_COUNT = new RegExp(`^stats\\s+count\\(\\*\\)\\s+as\\s+${FIELD}\\s+by\\s+${FIELD}$`);
const SORT = new RegExp(`^sort\\s+${FIELD}(?:\\s+(asc|desc))?$`);
const LIMIT = /^limit\s+(\d+)$/;

/** An address as a one-host network, for `isWithin`. */
const hostOf = (address: string): string => (address.includes(':') ? `${address}/128` : `${address}/32`);

function parseClause(text: string): Clause {
  const equals = EQUALS.exec(text);
  if (equals) {
    const [, field, value] = equals as unknown as [string, string, string];
    return (f) => f[field] === value;
  }
  const inList = IN_LIST.exec(text);
  if (inList) {
    const [, field, list] = inList as unknown as [string, string, string];
    const items = splitOutside(list, ',').map((item) => {
      const m = LIST_ITEM.exec(item);
      if (!m) throw new MalformedQueryError(`the list item ${JSON.stringify(item)} in ${JSON.stringify(text)}`);
      return m[1] as string;
    });
    return (f) => f[field] !== undefined && items.includes(f[field]);
  }
  const inSubnet = IN_SUBNET.exec(text);
  if (inSubnet) {
    const [, not, field, range] = inSubnet as unknown as [string, string | undefined, string, string];
    if (!isWithin(range, range)) throw new MalformedQueryError(`the subnet ${JSON.stringify(range)}`);
    // A missing or unparsable address is in no subnet (isIpInSubnet is false), so `not` admits it.
    const inside: Clause = (f) => f[field] !== undefined && isWithin(hostOf(f[field]), range);
    return not ? (f) => !inside(f) : inside;
  }
  throw new MalformedQueryError(`the filter clause ${JSON.stringify(text)}`);
}

/** Reads a query string; throws `MalformedQueryError` on any command or clause it does not know. */
export function parseQuery(queryString: string): ParsedQuery {
  const filters: Clause[] = [];
  let stats: { countAs: string; by: string } | undefined;
  let order: ParsedQuery['order'];
  let limit: number | undefined;
  for (const command of splitOutside(queryString, '|')) {
    if (/^filter\s/.test(command)) {
      if (stats) throw new MalformedQueryError(`a filter after stats (${JSON.stringify(command)})`);
      filters.push(...splitOutside(command.replace(/^filter\s+/, ''), ' and ').map(parseClause));
      continue;
    }
    const count = STATS_COUNT.exec(command);
    if (count && !stats) {
      stats = { countAs: count[1] as string, by: count[2] as string };
      continue;
    }
    const sort = SORT.exec(command);
    if (sort && stats && sort[1] === stats.countAs) {
      // Logs Insights sorts ascending unless told otherwise.
      order = (sort[2] as 'asc' | 'desc' | undefined) ?? 'asc';
      continue;
    }
    const lim = LIMIT.exec(command);
    if (lim) {
      limit = Number(lim[1]);
      continue;
    }
    throw new MalformedQueryError(`the command ${JSON.stringify(command)}`);
  }
  if (!stats) throw new MalformedQueryError('a query without `stats count(*) as … by …`');
  return { filters, ...stats, order, limit };
}

/**
 * Runs the query over the events of the range's log groups whose time is within [startTime, endTime]
 * (both inclusive), and returns GetQueryResults rows: `[{ field: by, value }, { field: countAs, value }]`.
 */
export function runQuery(queryString: string, range: QueryRange, events: readonly LogEvent[]): { rows: ResultField[][]; matched: number; scanned: number } {
  const query = parseQuery(queryString);
  const scanned = events.filter(
    (e) => range.logGroupNames.includes(e.logGroupName) && e.timestamp >= range.startTime && e.timestamp <= range.endTime,
  );
  const matched = scanned.filter((e) => query.filters.every((clause) => clause(e.fields)));
  const counts = new Map<string, number>();
  for (const e of matched) {
    const key = e.fields[query.by];
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const sign = query.order === 'asc' ? 1 : -1;
  const sorted = [...counts].sort(([a, x], [b, y]) => (query.order ? sign * (x - y) : 0) || a.localeCompare(b));
  const rows = sorted.slice(0, query.limit ?? sorted.length).map(([key, n]) => [
    { field: query.by, value: key },
    { field: query.countAs, value: String(n) },
  ]);
  return { rows, matched: matched.length, scanned: scanned.length };
}
