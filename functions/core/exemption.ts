import type { Tags } from './network.js';

/** Whether a resource is exempt, and why (or why its exemption tag does not count). */
export type ExemptionStatus =
  | { readonly exempt: true; readonly until: string; readonly reason: string }
  | { readonly exempt: false; readonly problem?: string };

const DAY_MS = 86_400_000;

/**
 * Reads an exemption tag value `until=YYYY-MM-DD;reason=...` (an ISO timestamp works too).
 * A date-only `until` holds through the end of that UTC day. Expired, malformed, or without
 * a reason: not exempt, with the problem said so that the notification can name it.
 */
export function readExemption(tags: Tags, tagKey: string, now: Date): ExemptionStatus {
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
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(until);
  const parsed = Date.parse(dateOnly ? `${until}T00:00:00Z` : until);
  if (Number.isNaN(parsed)) return { exempt: false, problem: `tag ${tagKey} has an invalid date: ${until}` };
  const expiresAt = dateOnly ? parsed + DAY_MS : parsed;
  if (now.getTime() >= expiresAt) return { exempt: false, problem: `exemption expired on ${until}` };
  return { exempt: true, until, reason };
}
