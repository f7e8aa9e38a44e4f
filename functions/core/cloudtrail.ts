import * as z from 'zod/mini';
import { NotApplicableEventError, UnsupportedEventError } from './errors.js';
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
export const SUPPORTED_EVENTS = [...SECURITY_GROUP_EVENTS, ...ROUTE_EVENTS, ...ASSOCIATION_EVENTS] as const;
export type SupportedEventName = (typeof SUPPORTED_EVENTS)[number];

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const EC2_SOURCE = 'aws.ec2';
export const GAMEDAY_SOURCE = 'layerguard.gameday';
const TRIGGER_SOURCES: readonly string[] = [EC2_SOURCE, GAMEDAY_SOURCE];

const text = z.string().check(z.maxLength(4096));
/** Free text the caller controls (user agent, ARNs, messages): cut to size, never a reason to drop the event. */
const capped = z.pipe(z.string(), z.transform((s: string) => s.slice(0, 4096)));

export const UserIdentitySchema = z.looseObject({
  type: z.optional(text),
  arn: z.optional(capped),
  accountId: z.optional(text),
  userName: z.optional(text),
  invokedBy: z.optional(capped),
  sessionContext: z.optional(
    z.looseObject({
      sessionIssuer: z.optional(z.looseObject({ type: z.optional(text), arn: z.optional(text), userName: z.optional(text) })),
    }),
  ),
});

/** The fields every CloudTrail management event has, as LayerGuard reads them. */
export const CloudTrailRecordSchema = z.looseObject({
  eventVersion: z.optional(text),
  eventID: z.string().check(z.minLength(1), z.maxLength(128)),
  eventTime: z.iso.datetime({ offset: true }),
  eventSource: text,
  eventName: text,
  awsRegion: text,
  recipientAccountId: z.optional(text),
  sourceIPAddress: z.optional(capped),
  userAgent: z.optional(capped),
  userIdentity: z.optional(UserIdentitySchema),
  errorCode: z.optional(text),
  errorMessage: z.optional(capped),
  requestParameters: z.nullish(z.record(z.string(), z.unknown())),
  responseElements: z.nullish(z.record(z.string(), z.unknown())),
});
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;

export const EventBridgeEnvelopeSchema = z.looseObject({
  version: z.optional(text),
  id: text,
  'detail-type': text,
  source: text,
  account: z.optional(text),
  time: z.optional(text),
  region: z.optional(text),
  detail: z.unknown(),
});

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

/**
 * Reads either form of trigger. Throws `UnsupportedEventError` (clear, never retried) for anything
 * that is not a CloudTrail record of a supported EC2 event.
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
  const record = CloudTrailRecordSchema.safeParse(body);
  if (!record.success) throw new UnsupportedEventError(`malformed CloudTrail record: ${describe(record.error.issues)}`);
  if (record.data.eventSource !== 'ec2.amazonaws.com') {
    throw new NotApplicableEventError(`unsupported eventSource "${record.data.eventSource}"`);
  }
  if (!(SUPPORTED_EVENTS as readonly string[]).includes(record.data.eventName)) {
    throw new NotApplicableEventError(`unsupported eventName "${record.data.eventName}"`);
  }
  return { record: record.data, source };
}

