import { z } from 'zod';
import { NotApplicableEventError, UnsupportedEventError } from './errors.js';

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
/** The stack's hourly canary (infra/constructs/canary.ts): proves the deployed path still produces outcomes. */
export const CANARY_SOURCE = 'layerguard.canary';
const TRIGGER_SOURCES: readonly string[] = [EC2_SOURCE, GAMEDAY_SOURCE, CANARY_SOURCE];

const text = z.string().max(4096);
/** Free text the caller controls (user agent, ARNs, messages): cut to size, never a reason to drop the event. */
const capped = z.string().transform((s) => s.slice(0, 4096));
const id = (prefix: string) =>
  z
    .string()
    .max(64)
    .regex(new RegExp(`^${prefix}-[0-9a-zA-Z]+$`), `expected an id like ${prefix}-0abc1234`);

export const UserIdentitySchema = z.looseObject({
  type: text.optional(),
  arn: capped.optional(),
  accountId: text.optional(),
  userName: text.optional(),
  invokedBy: capped.optional(),
  sessionContext: z
    .looseObject({
      sessionIssuer: z.looseObject({ type: text.optional(), arn: text.optional(), userName: text.optional() }).optional(),
    })
    .optional(),
});

/** The fields every CloudTrail management event has, as LayerGuard reads them. */
export const CloudTrailRecordSchema = z.looseObject({
  eventVersion: text.optional(),
  eventID: z.string().min(1).max(128),
  eventTime: z.iso.datetime({ offset: true }),
  eventSource: text,
  eventName: text,
  awsRegion: text,
  recipientAccountId: text.optional(),
  sourceIPAddress: capped.optional(),
  userAgent: capped.optional(),
  userIdentity: UserIdentitySchema.optional(),
  errorCode: text.optional(),
  errorMessage: capped.optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullish(),
  responseElements: z.record(z.string(), z.unknown()).nullish(),
});
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;

export const EventBridgeEnvelopeSchema = z.looseObject({
  version: text.optional(),
  id: text,
  'detail-type': text,
  source: text,
  account: text.optional(),
  time: text.optional(),
  region: text.optional(),
  detail: z.unknown(),
});

/** A trigger after parsing: the record, and where it came from. */
export interface ParsedTrigger {
  readonly record: CloudTrailRecord;
  /** `aws.ec2` for CloudTrail through EventBridge or a bare record; `layerguard.gameday` for game days; `layerguard.canary` for the canary. */
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

export { id as idSchema };
