import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The CloudTrail samples in `events/cloudtrail` and their manifest: what each sample is, which
 * LayerGuard rule must match it, and what `layerguard replay` must make of it on the simulated
 * three-tier account.
 */

/** Where the samples live. */
export const EVENTS_DIR = fileURLToPath(new URL('../../events/cloudtrail/', import.meta.url));

/** The EventBridge rules LayerGuard deploys, by the kind of drift they catch. */
export type RuleName = 'security-group' | 'route-table' | 'network-acl';

/** The outcomes a sample can expect on the simulated account (`null`: malformed, replay fails). */
export type ExpectedOutcome = 'remediated' | 'ignored' | 'exempt' | 'already-compliant' | 'alert-only';

export interface ManifestEntry {
  /** Path relative to `events/cloudtrail`, e.g. `AuthorizeSecurityGroupIngress/world-open-ssh.json`. */
  readonly file: string;
  readonly description: string;
  /**
   * The rule whose deployed pattern must match the event as EventBridge delivers it (a bare record:
   * once wrapped by `asDelivered`); `null` when no rule may match it.
   */
  readonly triggers: RuleName | null;
  /**
   * What `layerguard replay` prints; `null` for a malformed event (replay fails with one clear error).
   * A well-formed event of another API call is `ignored`.
   */
  readonly expected: ExpectedOutcome | null;
  /** State replay must seed before it materialises the change, where the baseline alone does not allow it. */
  readonly note?: string;
}

const RULES: readonly (RuleName | null)[] = ['security-group', 'route-table', 'network-acl', null];
const OUTCOMES: readonly (ExpectedOutcome | null)[] = [
  'remediated',
  'ignored',
  'exempt',
  'already-compliant',
  'alert-only',
  null,
];

/** Parsed JSON of one sample, by its path relative to `events/cloudtrail` (`.json` optional). */
export function loadEvent<T = Record<string, unknown>>(relativePath: string): T {
  const file = relativePath.endsWith('.json') ? relativePath : `${relativePath}.json`;
  return JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8')) as T;
}

let cached: readonly ManifestEntry[] | undefined;

/** Every sample's manifest entry, checked on load (a typo in the manifest fails loudly, not silently). */
export function manifest(): readonly ManifestEntry[] {
  if (cached) return cached;
  const raw: unknown = loadEvent('manifest.json');
  if (!Array.isArray(raw)) throw new Error('events/cloudtrail/manifest.json must be an array');
  cached = raw.map((entry: Record<string, unknown>, i): ManifestEntry => {
    const where = `manifest.json[${i}]`;
    if (typeof entry.file !== 'string' || !entry.file.endsWith('.json'))
      throw new Error(`${where}.file must be a .json path`);
    if (typeof entry.description !== 'string' || entry.description === '') {
      throw new Error(`${where}.description is required`);
    }
    if (!RULES.includes(entry.triggers as RuleName | null)) throw new Error(`${where}.triggers is invalid`);
    if (!OUTCOMES.includes(entry.expected as ExpectedOutcome | null))
      throw new Error(`${where}.expected is invalid`);
    if (entry.note !== undefined && typeof entry.note !== 'string')
      throw new Error(`${where}.note must be a string`);
    return entry as unknown as ManifestEntry;
  });
  return cached;
}

/** The manifest entries whose file lies under a folder (an event name, or `_malformed`). */
export const samplesIn = (folder: string): readonly ManifestEntry[] =>
  manifest().filter((e) => e.file.startsWith(`${folder}/`));

/** The CloudTrail record inside a sample, whichever form it takes (EventBridge envelope or bare record). */
export function recordOf(event: Record<string, unknown>): Record<string, unknown> {
  return 'detail' in event ? (event.detail as Record<string, unknown>) : event;
}

/**
 * The event as EventBridge would deliver it: an envelope is returned as it is, a bare record is wrapped
 * in the envelope that CloudTrail's "AWS API Call via CloudTrail" events get (what patterns match).
 */
export function asDelivered(event: Record<string, unknown>): Record<string, unknown> {
  if ('detail' in event) return event;
  return {
    version: '0',
    id: `wrapped-${String(event.eventID)}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: event.recipientAccountId,
    time: event.eventTime,
    region: event.awsRegion,
    resources: [],
    detail: event,
  };
}

let deliveries = 0;

/** A sample with an event id of its own, so that the handler's idempotency never answers from an earlier test. */
export function freshSample(relativePath: string): Record<string, unknown> {
  const event = structuredClone(loadEvent(relativePath));
  deliveries += 1;
  const record = recordOf(event);
  record.eventID = `${String(record.eventID)}-${deliveries}`;
  return event;
}
