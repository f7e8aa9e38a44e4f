import type { Tags } from './network.js';

/** Whether a resource is exempt, and why (or why its exemption tag does not count). */
export type ExemptionStatus =
  | { readonly exempt: true; readonly until: string; readonly reason: string }
  | { readonly exempt: false; readonly problem?: string };

/** The policy's exemption settings: the tag's key, and the longest exemption it grants. */
export interface ExemptionPolicy {
  readonly tagKey: string;
  /** An exemption may end at most this many days after today (UTC); a later `until` is not exempt. */
  readonly maxDays: number;
}

const DAY_MS = 86_400_000;

/** The UTC midnight that starts a `YYYY-MM-DD` day, or `undefined` when the text is not a real calendar day. */
export function utcDay(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const start = Date.UTC(year, month - 1, day);
  const date = new Date(start);
  // Date.UTC rolls an impossible day over (2025-02-30 is 2 March): only a round trip proves the day exists.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return start;
}

/** `YYYY-MM-DD` of a UTC instant. */
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The UTC day `days` after the day of `now`, as `until` takes it (what seeds and game days tag). */
export const dayFrom = (now: Date, days: number): string =>
  dayOf(Math.floor(now.getTime() / DAY_MS) * DAY_MS + days * DAY_MS);

/**
 * Reads an exemption tag value `until=YYYY-MM-DD;reason=...`. `until` is one strict form, a real calendar
 * day, UTC, and holds through the end of that UTC day; it may be at most `maxDays` after today (UTC).
 * Expired, malformed, too long, or without a reason: not exempt, with the problem said so that the
 * notification can name it.
 */
export function readExemption(tags: Tags, policy: ExemptionPolicy, now: Date): ExemptionStatus {
  const { tagKey, maxDays } = policy;
  const raw = tags[tagKey];
  if (raw === undefined) return { exempt: false };
  const fields = new Map<string, string>();
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const until = fields.get('until');
  const reason = fields.get('reason');
  if (!until || !reason) return { exempt: false, problem: `tag ${tagKey} needs until=YYYY-MM-DD;reason=...` };
  const start = utcDay(until);
  if (start === undefined) {
    return {
      exempt: false,
      problem: `tag ${tagKey} has an invalid date: ${until} (until is a calendar day, YYYY-MM-DD, UTC)`,
    };
  }
  if (now.getTime() >= start + DAY_MS) return { exempt: false, problem: `exemption expired on ${until}` };
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const lastDay = today + maxDays * DAY_MS;
  if (start > lastDay) {
    return {
      exempt: false,
      problem: `exemption until ${until} is longer than the policy allows (at most ${maxDays} days: until ${dayOf(lastDay)} at the latest)`,
    };
  }
  return { exempt: true, until, reason };
}

/** How every decision words an exemption that holds: "<id> is exempt until 2026-01-31: <reason>". */
export const describeExemption = (id: string, e: { readonly until: string; readonly reason: string }): string =>
  `${id} is exempt until ${e.until}: ${e.reason}`;

/** The `until` day of a text `describeExemption` wrote (an outcome's reason, or a part of it); `undefined` otherwise. */
export function exemptUntil(text: string): string | undefined {
  return /\bis exempt until (\d{4}-\d{2}-\d{2}): /.exec(text)?.[1];
}
