import type { Action, Drift, Outcome } from './outcome.js';
import { describePermission } from './security-group.js';
import { describeEntry } from './network-acl.js';
import { undone } from './audience.js';

/**
 * What LayerGuard tells people (an SNS e-mail / chat message) and machines (an EventBridge event)
 * about one outcome. Pure: no AWS imports; the Notifier adapter sends what these functions build.
 *
 * Everything that came from the CloudTrail record (actor, user agent, source IP, ids, even the
 * reason and error texts, which may quote it) is attacker-controlled. The human message is plain
 * text, built so that nothing in it can be interpreted: control characters, ANSI escapes, line
 * breaks, bidi overrides and zero-width characters are removed, markup characters are replaced by
 * look-alikes that no client interprets, URL schemes are defanged, and every field is capped.
 */

/** SNS accepts at most 100 characters of printable ASCII, without line breaks, as a Subject. */
export const SUBJECT_MAX = 100;
/** EventBridge rejects an entry over 256 KB; keep the detail well under it. */
export const DETAIL_MAX_BYTES = 256 * 1024 - 2 * 1024;
/** Caps per field of the human message (characters). */
export const FIELD_MAX = { short: 200, arn: 400, text: 1000 } as const;
/** How many list items the human message shows before it says "and N more". */
export const LIST_MAX = 20;

// ESC-introduced sequences (CSI ... final byte, OSC ... BEL/ST, and two-byte escapes), then every
// remaining C0/C1 control, DEL, Unicode line/paragraph separators, bidi controls and zero-width marks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const MARKUP: Readonly<Record<string, string>> = {
  '<': '\u2039', // ‹
  '>': '\u203a', // ›
  '&': '\uff06', // ＆
  '`': "'",
  '[': '(',
  ']': ')',
  '*': '\u2217', // ∗
  '|': '\u2223', // ∣
};
const MARKUP_CHARS = /[<>&`[\]*|]/g;
const ASCII_MARKUP: Readonly<Record<string, string>> = {
  '<': '(',
  '>': ')',
  '&': '+',
  '`': "'",
  '[': '(',
  ']': ')',
  '*': '.',
  '|': '/',
};

/** Strips control characters and escapes, folds whitespace, neutralises markup, caps the length. */
export function sanitize(value: unknown, max: number = FIELD_MAX.text): string {
  const text = String(value ?? '')
    .replace(ANSI, '')
    .replace(/[\t\n\v\f\r]+/g, ' ')
    .replace(CONTROL, '')
    .replace(/ {2,}/g, ' ')
    .trim()
    .replace(MARKUP_CHARS, (c) => MARKUP[c] ?? c)
    // Defang URL schemes so that mail clients do not turn attacker text into links.
    .replace(/\b(h)tt(ps?):\/\//gi, '$1xx$2://');
  return cap(text, max, '\u2026');
}

/** `sanitize`, then printable ASCII only (for the SNS Subject). */
export function sanitizeAscii(value: unknown, max: number = SUBJECT_MAX): string {
  const text = String(value ?? '')
    .replace(ANSI, '')
    .replace(/[\t\n\v\f\r]+/g, ' ')
    .replace(CONTROL, '')
    .replace(MARKUP_CHARS, (c) => ASCII_MARKUP[c] ?? c)
    .replace(/[^\x20-\x7e]/gu, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  return cap(text, max, '...');
}

function cap(text: string, max: number, ellipsis: string): string {
  const chars = Array.from(text); // by code point, so no surrogate pair is split
  return chars.length <= max
    ? text
    : `${chars.slice(0, Math.max(0, max - ellipsis.length)).join('')}${ellipsis}`;
}

const HEADLINE: Readonly<Record<Outcome['outcome'], string>> = {
  remediated: 'REVERTED',
  'already-compliant': 'ALREADY COMPLIANT',
  ignored: 'IGNORED',
  exempt: 'EXEMPT',
  'dry-run': 'DRY RUN (would revert)',
  'alert-only': 'ACTION REQUIRED',
  failed: 'FAILED - ACTION REQUIRED',
};


/** The headline: an ignored outcome that needs a person says so. */
const headline = (o: Outcome): string | undefined =>
  // The follow-up of a revert: its news is the evidence, not the revert (told already).
  o.evidence ? `FLOW-LOG EVIDENCE - ${o.evidence.status.toUpperCase()}` :
  o.outcome === 'ignored' && undone(o) ? 'NOT JUDGED - ACTION REQUIRED' : HEADLINE[o.outcome];

function list<T>(items: readonly T[], render: (item: T) => string): string[] {
  const shown = items.slice(0, LIST_MAX).map((item) => `  - ${render(item)}`);
  if (items.length > LIST_MAX) shown.push(`  - ... and ${items.length - LIST_MAX} more`);
  return shown;
}

const s = (value: unknown, max: number = FIELD_MAX.short): string => sanitize(value, max);

function destination(d: { cidrIpv4?: string; cidrIpv6?: string; prefixListId?: string }): string {
  return s(d.cidrIpv4 ?? d.cidrIpv6 ?? d.prefixListId ?? '(none)');
}

function describeAction(a: Action): string {
  const result = a.result ?? 'planned';
  switch (a.type) {
    case 'revoke-ingress': {
      const ids = a.ruleIds.slice(0, LIST_MAX).map((id) => s(id, 64));
      const more = a.ruleIds.length > LIST_MAX ? ` +${a.ruleIds.length - LIST_MAX} more` : '';
      return `revoke ingress rule(s) ${ids.join(', ')}${more} from ${s(a.groupId)}: ${s(result)}`;
    }
    case 'restore-ingress': {
      const ids = a.rules.slice(0, LIST_MAX).map((r) => s(r.ruleId, 64));
      return `restore ingress rule(s) ${ids.join(', ')} of ${s(a.groupId)} to their definition before the change (AWS Config): ${s(result)}`;
    }
    case 'delete-route':
      return `delete route to ${destination(a.destination)} from ${s(a.routeTableId)}: ${s(result)}`;
    case 'replace-route':
      return `restore the route to ${destination(a.destination)} on ${s(a.routeTableId)} to its target before the change (AWS Config): ${s(result)}`;
    case 'replace-association':
    case 'associate-subnet': {
      const next = a.newAssociationId ? ` (new association ${s(a.newAssociationId)})` : '';
      return (
        `move subnet ${s(a.subnetId)} from ${s(a.fromRouteTableId)} to ${s(a.toRouteTableId)}: ` +
        `${s(result)}${next}`
      );
    }
    case 'delete-nacl-entry':
      return `delete ${a.egress ? 'egress' : 'ingress'} entry ${s(a.ruleNumber, 8)} from network ACL ${s(a.networkAclId)}: ${s(result)}`;
    case 'replace-nacl-association': {
      const next = a.newAssociationId ? ` (new association ${s(a.newAssociationId)})` : '';
      return `move subnet ${s(a.subnetId)} from network ACL ${s(a.fromNetworkAclId)} to ${s(a.toNetworkAclId)}: ${s(result)}${next}`;
    }
    case 'remove-prefix-list-entries': {
      const cidrs = a.cidrs.slice(0, LIST_MAX).map((c) => s(c, 64));
      const more = a.cidrs.length > LIST_MAX ? ` +${a.cidrs.length - LIST_MAX} more` : '';
      const at = a.currentVersion !== undefined ? ` at version ${s(a.currentVersion, 20)}` : '';
      return `remove entr${a.cidrs.length === 1 ? 'y' : 'ies'} ${cidrs.join(', ')}${more} from prefix list ${s(a.prefixListId)}${at}: ${s(result)}`;
    }
  }
}

function describeDrift(d: Drift): string {
  switch (d.kind) {
    case 'sg-world-open': {
      const rules = d.rules
        .slice(0, 5)
        .map((r) => {
          const source = r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId ?? r.referencedGroupId ?? '?';
          return `${s(describePermission(r), 64)} from ${s(source, 64)}`;
        })
        .join('; ');
      const more = d.rules.length > 5 ? `; +${d.rules.length - 5} more` : '';
      return `security group ${s(d.groupId)} open to the internet: ${rules}${more}`;
    }
    case 'sg-tier-skip': {
      const rules = d.rules
        .slice(0, 5)
        .map((r) => {
          const source = r.referencedGroupId ?? r.cidrIpv4 ?? r.prefixListId ?? '?';
          return `${s(describePermission(r), 64)} from ${s(source, 64)}, in ${s(d.reached[r.ruleId] ?? '?', 160)}`;
        })
        .join('; ');
      const more = d.rules.length > 5 ? `; +${d.rules.length - 5} more` : '';
      return `security group ${s(d.groupId)} of the ${s(d.tier, 32)} tier admits a tier that may not reach it: ${rules}${more}`;
    }
    case 'forbidden-route-on-isolated-subnet':
    case 'unknown-default-route-on-isolated-subnet': {
      const target = Object.values(d.target).find((v) => typeof v === 'string') ?? '?';
      const subnets = d.subnetIds.slice(0, 5).map((id) => s(id, 64));
      const more = d.subnetIds.length > 5 ? ` +${d.subnetIds.length - 5} more` : '';
      return (
        `route ${destination(d.destination)} -> ${s(target, 128)} in ${s(d.routeTableId)}, ` +
        `used by isolated subnet(s) ${subnets.join(', ')}${more}`
      );
    }
    case 'isolated-subnet-on-internet-table': {
      const back = d.isolatedRouteTableId
        ? `; isolated table ${s(d.isolatedRouteTableId)}`
        : '; no isolated table known';
      return `isolated subnet ${s(d.subnetId)} associated with route table ${s(d.routeTableId)}, which has a forbidden route${back}`;
    }
    case 'internet-entry-on-isolated-acl': {
      const subnets = d.subnetIds.slice(0, 5).map((id) => s(id, 64));
      const more = d.subnetIds.length > 5 ? ` +${d.subnetIds.length - 5} more` : '';
      const used = subnets.length > 0 ? `, used by isolated subnet(s) ${subnets.join(', ')}${more}` : ' (tagged as isolated)';
      return `network ACL ${s(d.networkAclId)} admits the internet: ${s(describeEntry(d.entry), 160)}${used}`;
    }
    case 'isolated-subnet-on-internet-acl': {
      const back = d.isolatedNetworkAclId ? `; isolated network ACL ${s(d.isolatedNetworkAclId)}` : '; no isolated network ACL known';
      return `isolated subnet ${s(d.subnetId)} associated with network ACL ${s(d.networkAclId)}, which admits the internet${back}`;
    }
    case 'prefix-list-tier-entry': {
      const entries = d.cidrs.slice(0, 5).map((c) => `${s(c, 64)} (${s(d.reached[c] ?? '?', 200)})`);
      const more = d.cidrs.length > 5 ? `; +${d.cidrs.length - 5} more` : '';
      return `prefix list ${s(d.prefixListId)} gained ranges of tiers that may not reach the groups that name it: ${entries.join('; ')}${more}`;
    }
    case 'prefix-list-internet-entry': {
      // Every group that referenced the list is named: the people who own them need to know.
      const groups = d.groupIds.slice(0, LIST_MAX).map((id) => s(id, 64));
      const more = d.groupIds.length > LIST_MAX ? ` +${d.groupIds.length - LIST_MAX} more` : '';
      const refs = d.referencedBy.slice(0, LIST_MAX).map((id) => s(id, 64));
      const moreRefs = d.referencedBy.length > LIST_MAX ? ` +${d.referencedBy.length - LIST_MAX} more` : '';
      return (
        `prefix list ${s(d.prefixListId)} gained ${d.cidrs.slice(0, 5).map((c) => s(c, 64)).join(', ')}, opening the ingress of ` +
        `${groups.join(', ')}${more} to the internet; referenced by ${refs.join(', ') || 'nothing'}${moreRefs}`
      );
    }
  }
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  const total = Math.round(seconds);
  if (total < 120) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 120) return `${minutes} min ${total % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The subject and body of the message people read: plain text, sanitised, readable in ten seconds. */
export function formatNotification(outcome: Outcome): { subject: string; message: string } {
  const t = outcome.trigger;
  const firstResource = outcome.resources[0];
  const where = [t.account, t.region].filter(Boolean).join('/');
  // Our own prefix is trusted; only the parts taken from the event are sanitised.
  const prefix = `[LayerGuard] ${headline(outcome) ?? sanitizeAscii(outcome.outcome, 20)}: `;
  const more = outcome.resources.length > 1 ? ` +${outcome.resources.length - 1}` : '';
  const subject =
    prefix +
    sanitizeAscii(
      [outcome.eventName, firstResource ? `on ${firstResource}${more}` : '', where ? `(${where})` : '']
        .filter(Boolean)
        .join(' '),
      SUBJECT_MAX - prefix.length,
    );

  const lines: string[] = [];
  lines.push(`LayerGuard: ${headline(outcome) ?? s(outcome.outcome)}`);
  lines.push(`Outcome: ${s(outcome.outcome, 32)} - ${s(outcome.reason, FIELD_MAX.text)}`);
  if (undone(outcome)) {
    lines.push('');
    lines.push(
      `ACTION REQUIRED: ${s(outcome.humanAction ?? 'LayerGuard could not revert this change; review it by hand.', FIELD_MAX.text)}`,
    );
  } else if (outcome.humanAction) {
    // Reverted, with something LayerGuard cannot do itself (a replaced network ACL entry's old definition to restore).
    lines.push('', `FOLLOW-UP: ${s(outcome.humanAction, FIELD_MAX.text)}`);
  }
  if (outcome.error) {
    const code = outcome.error.code ? ` ${s(outcome.error.code, 100)}` : '';
    lines.push(`Error: ${s(outcome.error.name, 100)}${code}: ${s(outcome.error.message, FIELD_MAX.text)}`);
  }

  lines.push('', 'Where');
  // The name comes from Organizations (the hub's DescribeAccount), set by people: sanitised like the rest.
  const alias = t.accountAlias ? ` (${s(t.accountAlias, 64)})` : '';
  lines.push(`  Account:    ${s(t.account ?? 'unknown', 32)}${alias}`);
  lines.push(`  Region:     ${s(t.region ?? 'unknown', 32)}`);
  if (outcome.resources.length === 0) lines.push('  Resources:  none');
  else lines.push('  Resources:', ...list(outcome.resources, (r) => s(r)));

  lines.push('', 'Who');
  lines.push(`  Actor:      ${s(t.actorArn ?? 'unknown', FIELD_MAX.arn)}`);
  lines.push(`  Source IP:  ${s(t.sourceIp ?? 'unknown', 64)}`);
  lines.push(`  User agent: ${s(t.userAgent ?? 'unknown', FIELD_MAX.short)}`);

  lines.push('', 'When');
  lines.push(`  Event time: ${s(t.eventTime ?? 'unknown', 64)}`);
  if (outcome.secondsOpen !== undefined) lines.push(`  Open for:   ${duration(outcome.secondsOpen)}`);

  if (outcome.evidence) {
    const e = outcome.evidence;
    lines.push('', 'Flow-log evidence', `  ${s(e.text, FIELD_MAX.text)}`);
    if (e.window) lines.push(`  Window:     ${s(e.window.start, 64)} to ${s(e.window.end, 64)}`);
    if (e.logGroupNames) lines.push('  Log groups:', ...list(e.logGroupNames, (g) => s(g)));
  }
  if (outcome.drift.length > 0) lines.push('', 'Drift found', ...list(outcome.drift, describeDrift));
  lines.push('', 'What LayerGuard did');
  if (outcome.actions.length === 0) lines.push('  - nothing');
  else lines.push(...list(outcome.actions, describeAction));

  lines.push('', 'Trigger');
  lines.push(`  Event:      ${s(t.eventName, 128)} (${s(t.eventSource, 128)})`);
  lines.push(`  Event id:   ${s(outcome.eventId, 128)}`);
  lines.push(`  Source:     ${s(t.source, 64)}`);

  return { subject, message: lines.join('\n') };
}

/** The EventBridge entry (without the bus name) that tells machines about one outcome. */
export interface OutcomeEvent {
  readonly Source: 'layerguard';
  readonly DetailType: 'LayerGuard Outcome';
  readonly Detail: string;
}

const encoder = new TextEncoder();
const bytes = (text: string): number => encoder.encode(text).length;

/** Caps every string and array deep inside a JSON-able value (last resort for huge details). */
function capDeep(value: unknown, maxString: number, maxItems: number, depth = 0): unknown {
  if (typeof value === 'string') return cap(value, maxString, '...');
  if (Array.isArray(value))
    return value.slice(0, maxItems).map((v) => capDeep(v, maxString, maxItems, depth + 1));
  if (value && typeof value === 'object') {
    if (depth > 8) return '[nested too deep]';
    return Object.fromEntries(
      Object.entries(value)
        .slice(0, maxItems)
        .map(([k, v]) => [cap(k, 128, '...'), capDeep(v, maxString, maxItems, depth + 1)]),
    );
  }
  return value;
}

/**
 * The outcome as an EventBridge event. The detail is the outcome's JSON, as it is, while it fits;
 * when it does not, `before`/`after` go first, then long strings and lists are cut, and the detail
 * says what was dropped in `detailTruncated`.
 */
export function toOutcomeEvent(outcome: Outcome): OutcomeEvent {
  const event = (detail: unknown): OutcomeEvent => ({
    Source: 'layerguard',
    DetailType: 'LayerGuard Outcome',
    Detail: JSON.stringify(detail),
  });
  const full = JSON.stringify(outcome);
  const originalBytes = bytes(full);
  if (originalBytes <= DETAIL_MAX_BYTES)
    return { Source: 'layerguard', DetailType: 'LayerGuard Outcome', Detail: full };

  const { before: _before, after: _after, ...rest } = outcome;
  const withoutState = {
    ...rest,
    detailTruncated: {
      reason: 'detail over the EventBridge size limit',
      originalBytes,
      dropped: ['before', 'after'],
    },
  };
  let candidate = event(withoutState);
  if (bytes(candidate.Detail) <= DETAIL_MAX_BYTES) return candidate;

  const capped = {
    ...(capDeep(rest, 2048, 100) as object),
    detailTruncated: {
      reason: 'detail over the EventBridge size limit',
      originalBytes,
      dropped: ['before', 'after'],
      capped: 'strings over 2048 characters and lists over 100 items were cut',
    },
  };
  candidate = event(capped);
  if (bytes(candidate.Detail) <= DETAIL_MAX_BYTES) return candidate;

  return event({
    outcome: outcome.outcome,
    eventId: cap(outcome.eventId, 256, '...'),
    eventName: cap(outcome.eventName, 256, '...'),
    reason: cap(outcome.reason, 1024, '...'),
    resources: outcome.resources.slice(0, 100).map((r) => cap(r, 256, '...')),
    detailTruncated: {
      reason: 'detail over the EventBridge size limit',
      originalBytes,
      dropped: ['before', 'after', 'trigger', 'drift', 'actions', 'humanAction', 'error'],
    },
  });
}
