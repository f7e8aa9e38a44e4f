import * as z from 'zod/mini';
import { definedOnly } from './defined.js';
import { NotApplicableEventError, UnreadableEventError, UnsupportedEventError } from './errors.js';
import type { Trigger } from './outcome.js';
import './zod-locale.js';

/**
 * Schemas of the CloudTrail records LayerGuard reads, in both forms a trigger takes: the EventBridge
 * envelope ("AWS API Call via CloudTrail") and a bare CloudTrail record. Only the fields LayerGuard
 * uses are checked; the rest passes through untouched (CloudTrail adds fields over time).
 */

/** The CloudTrail event names LayerGuard acts on. */
export const SECURITY_GROUP_EVENTS = ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'] as const;
export const ROUTE_EVENTS = ['CreateRoute', 'ReplaceRoute'] as const;
export const ASSOCIATION_EVENTS = ['AssociateRouteTable', 'ReplaceRouteTableAssociation'] as const;
/** A subnet taken off its table: it falls back to the VPC's main table. */
export const DISASSOCIATION_EVENTS = ['DisassociateRouteTable'] as const;
/** An entry made in a network ACL, or an entry's definition replaced (same rule number and direction). */
export const NACL_ENTRY_EVENTS = ['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry'] as const;
/** A subnet moved onto another network ACL (every subnet has exactly one). */
export const NACL_ASSOCIATION_EVENTS = ['ReplaceNetworkAclAssociation'] as const;
/** Entries added to (or removed from) a managed prefix list: a new version of the list. */
export const PREFIX_LIST_EVENTS = ['ModifyManagedPrefixList'] as const;
export const SUPPORTED_EVENTS = [
  ...SECURITY_GROUP_EVENTS,
  ...ROUTE_EVENTS,
  ...ASSOCIATION_EVENTS,
  ...DISASSOCIATION_EVENTS,
  ...NACL_ENTRY_EVENTS,
  ...NACL_ASSOCIATION_EVENTS,
  ...PREFIX_LIST_EVENTS,
] as const;
export type SupportedEventName = (typeof SUPPORTED_EVENTS)[number];

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const EC2_SOURCE = 'aws.ec2';
export const GAMEDAY_SOURCE = 'layerguard.gameday';
const TRIGGER_SOURCES: readonly string[] = [EC2_SOURCE, GAMEDAY_SOURCE];

const text = z.string().check(z.maxLength(4096));
/** Free text the caller controls (user agent, ARNs, messages): cut to size, never a reason to drop the event. */
const capped = z.pipe(z.string(), z.transform((s: string) => s.slice(0, 4096)));
/**
 * A field the decision does not need (who, from where, when, versions): kept when it reads, left out
 * when it does not. What such a field holds never stops a change from being judged.
 */
const lenient = <T extends z.ZodMiniType>(schema: T) => z.catch(z.optional(schema), undefined);
/**
 * The event's region chooses the client that acts, so it must be usable as one: a host label (letters,
 * digits, hyphens). Whether EC2 has such a region is EC2's answer to give.
 */
const region = z.string().check(z.regex(/^[a-z0-9-]{1,32}$/, 'a region looks like eu-west-1'));
/**
 * `errorCode`: any value but null or an empty string means the call failed and nothing changed (the
 * guard reads only that), so a code of an unexpected type is still a failure, never an error.
 */
const failure = z.pipe(
  z.unknown(),
  z.transform((v: unknown): string | undefined =>
    v === undefined || v === null || v === '' ? undefined : (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 256),
  ),
);

export const UserIdentitySchema = z.looseObject({
  type: lenient(text),
  arn: lenient(capped),
  accountId: lenient(text),
  userName: lenient(text),
  invokedBy: lenient(capped),
  sessionContext: lenient(
    z.looseObject({
      sessionIssuer: lenient(z.looseObject({ type: lenient(text), arn: lenient(text), userName: lenient(text) })),
    }),
  ),
});

/**
 * The fields of a CloudTrail management event, as LayerGuard reads them. Only what the decision needs
 * must parse: the event's id (idempotency), source and name, region and account (where to act), whether
 * it failed, the request and the response. The rest is read leniently.
 */
export const CloudTrailRecordSchema = z.looseObject({
  eventVersion: lenient(text),
  eventID: z.string().check(z.minLength(1), z.maxLength(128)),
  /** As the record says it; `changeTime` reads CloudTrail's form of it (else the time to revert is unknown). */
  eventTime: lenient(capped),
  eventSource: text,
  eventName: text,
  awsRegion: region,
  recipientAccountId: z.optional(z.string().check(z.regex(/^\d{12}$/, 'an account id is 12 digits'))),
  sourceIPAddress: lenient(capped),
  userAgent: lenient(capped),
  userIdentity: lenient(UserIdentitySchema),
  errorCode: z.optional(failure),
  errorMessage: lenient(capped),
  requestParameters: z.nullish(z.record(z.string(), z.unknown())),
  responseElements: z.nullish(z.record(z.string(), z.unknown())),
});
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;

export const EventBridgeEnvelopeSchema = z.looseObject({
  version: lenient(text),
  id: lenient(text),
  'detail-type': text,
  source: text,
  account: lenient(text),
  time: lenient(text),
  region: lenient(text),
  detail: z.unknown(),
});

/**
 * When the change happened, in ms, from a record's `eventTime` in CloudTrail's form (ISO 8601 with `Z` or
 * an offset, e.g. `2025-03-14T09:12:44Z`); `undefined` for any other form (a zone-less time would be read
 * in the machine's zone).
 */
export function changeTime(eventTime: string | undefined): number | undefined {
  if (eventTime === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(eventTime)) {
    return undefined;
  }
  const ms = Date.parse(eventTime);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A trigger after parsing: the record, and where it came from. */
export interface ParsedTrigger {
  readonly record: CloudTrailRecord;
  /** `aws.ec2` for CloudTrail through EventBridge or a bare record; `layerguard.gameday` for game days. */
  readonly source: string;
}

const describe = (issues: readonly z.core.$ZodIssue[]): string =>
  issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');

const str = (v: unknown, max = 256): string | undefined => (typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined);

/** What can be read of a record that does not parse, for the person who must look at it. */
function readableParts(record: Record<string, unknown>, source: string): Trigger {
  const identity = (record.userIdentity ?? {}) as Record<string, unknown>;
  return definedOnly({
    eventId: str(record.eventID, 128) ?? '',
    eventName: str(record.eventName, 128) ?? '',
    eventTime: str(record.eventTime, 64),
    eventSource: str(record.eventSource, 128) ?? '',
    source,
    actorArn: str(identity.arn, 2048),
    sourceIp: str(record.sourceIPAddress),
    userAgent: str(record.userAgent, 1024),
    account: str(record.recipientAccountId, 32) ?? str(identity.accountId, 32),
    region: str(record.awsRegion, 32),
  }) as Trigger;
}

/**
 * Reads either form of trigger. Throws `NotApplicableEventError` for a well-formed event of another call,
 * `UnreadableEventError` for a watched EC2 call whose record cannot be read (a person must look at it),
 * and `UnsupportedEventError` (clear, never retried) for anything else that is not a CloudTrail record.
 */
export function parseTrigger(input: unknown): ParsedTrigger {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new UnsupportedEventError('the event is not a JSON object');
  }
  let source = EC2_SOURCE;
  let body: unknown = input;
  if ('detail' in input || 'detail-type' in input) {
    const envelope = EventBridgeEnvelopeSchema.safeParse(input);
    if (!envelope.success) throw new UnsupportedEventError(`malformed EventBridge event: ${describe(envelope.error.issues)}`);
    if (envelope.data['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) {
      throw new UnsupportedEventError(`unsupported detail-type "${envelope.data['detail-type']}"`);
    }
    if (!TRIGGER_SOURCES.includes(envelope.data.source)) {
      throw new UnsupportedEventError(`unsupported source "${envelope.data.source}"`);
    }
    source = envelope.data.source;
    body = envelope.data.detail;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new UnsupportedEventError('malformed CloudTrail record: (root): expected an object');
  }
  const raw = body as Record<string, unknown>;
  // Another service's or another call's event is not LayerGuard's, whatever else it holds.
  if (typeof raw.eventSource === 'string' && raw.eventSource !== 'ec2.amazonaws.com') {
    throw new NotApplicableEventError(`unsupported eventSource "${raw.eventSource.slice(0, 128)}"`);
  }
  if (typeof raw.eventName === 'string' && !(SUPPORTED_EVENTS as readonly string[]).includes(raw.eventName)) {
    throw new NotApplicableEventError(`unsupported eventName "${raw.eventName.slice(0, 128)}"`);
  }
  const record = CloudTrailRecordSchema.safeParse(body);
  if (!record.success) {
    const message = `malformed CloudTrail record: ${describe(record.error.issues)}`;
    const failed = raw.errorCode !== undefined && raw.errorCode !== null && raw.errorCode !== '';
    // A watched call, not known to have failed: the change may stand unjudged, so a person is told.
    if (raw.eventSource === 'ec2.amazonaws.com' && typeof raw.eventName === 'string' && !failed) {
      throw new UnreadableEventError(message, readableParts(raw, source));
    }
    throw new UnsupportedEventError(message);
  }
  return { record: record.data, source };
}
