import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  changeTime,
  EC2_SOURCE,
  GAMEDAY_SOURCE,
  parseTrigger,
  SUPPORTED_EVENTS,
} from '../../functions/core/cloudtrail.js';
import { toChange } from '../../functions/core/change.js';
import { NotApplicableEventError, UnreadableEventError, UnsupportedEventError } from '../../functions/core/errors.js';
import { ignoreReason } from '../../functions/core/guards.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import { EVENTS_DIR, loadEvent, manifest, recordOf } from '../support/events.js';

type Json = Record<string, unknown>;

const parseable = manifest().filter(
  (e) => e.expected !== null && !e.file.startsWith('AuthorizeSecurityGroupEgress/'),
);
const withDetail = (event: Json, patch: Json): Json => ({
  ...event,
  detail: { ...(event.detail as Json), ...patch },
});
const without = (o: Json, key: string): Json =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

/** The error parseTrigger throws for an input (fails the test when it does not throw). */
function errorOf(input: unknown): Error {
  try {
    parseTrigger(input);
  } catch (error) {
    return error as Error;
  }
  throw new Error('parseTrigger did not throw');
}

describe('the manifest', () => {
  it('lists every sample exactly once, and only samples that exist', () => {
    const files = (readdirSync(EVENTS_DIR, { recursive: true }) as string[])
      .map((f) => f.split('\\').join('/'))
      .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
      .sort();
    const listed = manifest().map((e) => e.file);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(files);
  });

  it('expects no outcome exactly for the malformed events (a well-formed other call is ignored)', () => {
    for (const entry of manifest()) {
      const malformed = (() => {
        try {
          parseTrigger(loadEvent(entry.file));
          return false;
        } catch (error) {
          return !(error instanceof NotApplicableEventError);
        }
      })();
      expect({ file: entry.file, malformed }).toEqual({
        file: entry.file,
        malformed: entry.expected === null,
      });
    }
  });
});

describe('parseTrigger: every supported sample', () => {
  it.each(parseable.map((e) => [e.file]))('%s parses, keeping the record as written', (file) => {
    // Prepare
    const event = loadEvent(file);
    const record = recordOf(event);
    // Act
    const parsed = parseTrigger(event);
    // Assess
    expect(parsed.source).toBe(EC2_SOURCE);
    expect(parsed.record.eventID).toBe(record.eventID);
    expect(parsed.record.eventName).toBe(record.eventName);
    expect(parsed.record).toEqual(record); // loose: unknown CloudTrail fields pass through
  });

  it('the samples cover both forms: the EventBridge envelope and at least two bare records', () => {
    const forms = parseable.map((e) => ('detail' in loadEvent(e.file) ? 'envelope' : 'bare'));
    expect(forms.filter((f) => f === 'bare').length).toBeGreaterThanOrEqual(2);
    expect(forms.filter((f) => f === 'envelope').length).toBeGreaterThanOrEqual(2);
  });

  it('the samples cover every supported event name', () => {
    const names = new Set(parseable.map((e) => recordOf(loadEvent(e.file)).eventName));
    expect([...names].sort()).toEqual([...SUPPORTED_EVENTS].sort());
  });

  it('an envelope and the bare record inside it parse to the same record', () => {
    const event = loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh');
    expect(parseTrigger(event.detail)).toEqual(parseTrigger(event));
  });

  it('keeps the game-day source', () => {
    const event = { ...loadEvent('CreateRoute/igw-on-database-table'), source: GAMEDAY_SOURCE };
    expect(parseTrigger(event).source).toBe(GAMEDAY_SOURCE);
  });

  it('accepts an eventTime with an offset', () => {
    const event = withDetail(loadEvent('CreateRoute/igw-on-database-table'), {
      eventTime: '2025-03-14T13:01:15+01:00',
    });
    expect(parseTrigger(event).record.eventTime).toBe('2025-03-14T13:01:15+01:00');
  });

  it('reads a failed call (responseElements null) without judging it: the guards do', () => {
    // CloudTrail records a refused call with errorCode and responseElements null ("CloudTrail record
    // contents", AWS CloudTrail User Guide). Parsing must not throw on it, and the guard must name it.
    const event = withDetail(loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh'), {
      errorCode: 'Client.UnauthorizedOperation',
      errorMessage: 'You are not authorized to perform this operation.',
      responseElements: null,
    });
    const parsed = parseTrigger(event);
    expect(ignoreReason(parsed.record, DEFAULT_POLICY)).toBe(
      'the call failed (Client.UnauthorizedOperation): nothing changed',
    );
    expect(ignoreReason(parseTrigger(loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh')).record, DEFAULT_POLICY)).toBeUndefined();
  });

  it('keeps a hostile userAgent verbatim (escaping is the notifier’s job; dropping it would let drift stay)', () => {
    const event = loadEvent('_malformed/hostile-user-agent');
    const parsed = parseTrigger(event);
    expect(parsed.record.userAgent).toBe(recordOf(event).userAgent);
    expect(parsed.record.userAgent).toContain('\n');
    expect(parsed.record.userAgent).toContain('<script>');
  });
});

describe('parseTrigger: unsupported or malformed input throws UnsupportedEventError with a clear message', () => {
  const ssh = () => loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh');
  // notApplicable: well-formed, but not an event LayerGuard acts on (outcome ignored, not malformed).
  // unreadable: a watched EC2 call whose record does not parse (a person is told; not retried).
  const cases: { name: string; input: () => unknown; message: RegExp; notApplicable?: true; unreadable?: true }[] = [
    {
      name: 'sample: missing eventID',
      input: () => loadEvent('_malformed/missing-event-id'),
      message: /^malformed CloudTrail record: eventID: /,
      unreadable: true,
    },
    {
      name: 'sample: wrong detail-type',
      input: () => loadEvent('_malformed/wrong-detail-type'),
      message: /^unsupported detail-type "AWS Service Event via CloudTrail"$/,
    },
    {
      name: 'sample: AuthorizeSecurityGroupEgress',
      input: () => loadEvent('AuthorizeSecurityGroupEgress/world-all-traffic'),
      message: /^unsupported eventName "AuthorizeSecurityGroupEgress"$/,
      notApplicable: true,
    },
    { name: 'null', input: () => null, message: /^the event is not a JSON object$/ },
    { name: 'a string', input: () => 'AuthorizeSecurityGroupIngress', message: /not a JSON object/ },
    { name: 'an array', input: () => [ssh()], message: /not a JSON object/ },
    {
      name: 'another source',
      input: () => ({ ...ssh(), source: 'aws.s3' }),
      message: /^unsupported source "aws.s3"$/,
    },
    {
      name: 'an EC2 state-change notification',
      input: () => ({ ...ssh(), 'detail-type': 'EC2 Instance State-change Notification' }),
      message: /^unsupported detail-type "EC2 Instance State-change Notification"$/,
    },
    {
      name: 'an envelope without detail-type',
      input: () => without(ssh(), 'detail-type'),
      message: /^malformed EventBridge event: detail-type: /,
    },
    {
      name: 'an envelope whose detail is null',
      input: () => ({ ...ssh(), detail: null }),
      message: /^malformed CloudTrail record: \(root\): /,
    },
    {
      name: 'another eventSource',
      input: () => withDetail(ssh(), { eventSource: 'iam.amazonaws.com' }),
      message: /^unsupported eventSource "iam.amazonaws.com"$/,
      notApplicable: true,
    },
    {
      name: 'an unsupported EC2 event',
      input: () => withDetail(ssh(), { eventName: 'RevokeSecurityGroupIngress' }),
      message: /^unsupported eventName "RevokeSecurityGroupIngress"$/,
      notApplicable: true,
    },
    { name: 'an empty eventID', input: () => withDetail(ssh(), { eventID: '' }), message: /eventID: /, unreadable: true },
    {
      name: 'requestParameters that are not an object',
      input: () => withDetail(ssh(), { requestParameters: 'groupId=sg-1' }),
      message: /^malformed CloudTrail record: requestParameters: /,
      unreadable: true,
    },
    {
      name: 'a region that cannot name a client',
      input: () => withDetail(ssh(), { awsRegion: 'ec2.evil.example/' }),
      message: /^malformed CloudTrail record: awsRegion: /,
      unreadable: true,
    },
    {
      name: 'an account id that is not one',
      input: () => withDetail(ssh(), { recipientAccountId: 111122223333 }),
      message: /^malformed CloudTrail record: recipientAccountId: /,
      unreadable: true,
    },
    {
      name: 'a failed call that does not parse (nothing changed: nobody is told)',
      input: () => withDetail(ssh(), { errorCode: 'Client.UnauthorizedOperation', eventID: 7 }),
      message: /^malformed CloudTrail record: eventID: /,
    },
    {
      name: 'a bare record without eventName',
      input: () => without(ssh().detail as Json, 'eventName'),
      message: /^malformed CloudTrail record: eventName: /,
    },
  ];

  it.each(cases)('$name', ({ input, message, notApplicable, unreadable }) => {
    const error = errorOf(input());
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect(error instanceof NotApplicableEventError).toBe(notApplicable === true);
    expect(error instanceof UnreadableEventError).toBe(unreadable === true);
    expect(error.name).toBe(
      notApplicable ? 'NotApplicableEventError' : unreadable ? 'UnreadableEventError' : 'UnsupportedEventError',
    );
    expect(error.message).toMatch(message);
  });

  it('an unreadable watched call carries what could be read of it, for the person who is told', () => {
    const error = errorOf(withDetail(ssh(), { requestParameters: 'groupId=sg-1' })) as UnreadableEventError;
    expect(error.trigger).toMatchObject({
      eventId: '8c1f4e2b-3d5a-4b6c-9e7f-0a1b2c3d4e01',
      eventName: 'AuthorizeSecurityGroupIngress',
      eventTime: '2025-03-14T09:12:44Z',
      account: '111122223333',
      region: 'us-east-1',
      source: 'aws.ec2',
    });
  });

  it('names at most five problems', () => {
    const error = errorOf({ 'detail-type': CLOUDTRAIL_DETAIL_TYPE, detail: {} });
    expect(error.message.split('; ').length).toBeLessThanOrEqual(5);
  });
});

describe('parseTrigger: what the decision does not need never blocks it', () => {
  const ssh = () => loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh');
  const decisionOf = (input: unknown) => {
    const { record } = parseTrigger(input);
    return { ignored: ignoreReason(record, DEFAULT_POLICY), change: toChange(record) };
  };

  it.each([
    ['an envelope without id', () => without(ssh(), 'id')],
    ['an eventTime that is not ISO 8601', () => withDetail(ssh(), { eventTime: 'yesterday' })],
    ['an eventTime without a zone', () => withDetail(ssh(), { eventTime: '2025-03-14 09:12:44' })],
    ['an eventTime in epoch seconds', () => withDetail(ssh(), { eventTime: 1741943564 })],
    ['no eventTime', () => ({ ...ssh(), detail: without(ssh().detail as Json, 'eventTime') })],
    ['a userIdentity arn that is not a string', () => withDetail(ssh(), { userIdentity: { arn: 42 } })],
    ['a userIdentity that is a string', () => withDetail(ssh(), { userIdentity: 'alice' })],
    ['a userAgent that is an object', () => withDetail(ssh(), { userAgent: { name: 'cli' } })],
    ['an eventVersion that is a number', () => withDetail(ssh(), { eventVersion: 1.09 })],
    ['fields CloudTrail may add', () => withDetail(ssh(), { sessionCredentialFromConsole: 'true', edgeDeviceDetails: { x: [1] } })],
  ])('%s: read, and judged as the record says', (_name, input) => {
    expect(decisionOf(input())).toEqual(decisionOf(ssh()));
  });

  it('an eventTime not in CloudTrail’s form is kept as written, and its change time is unknown', () => {
    expect(parseTrigger(withDetail(ssh(), { eventTime: 'yesterday' })).record.eventTime).toBe('yesterday');
    expect(changeTime('yesterday')).toBeUndefined();
    expect(changeTime('2025-03-14 09:12:44')).toBeUndefined();
    expect(changeTime('2025-03-14T09:12:44')).toBeUndefined();
    expect(changeTime('2025-03-14T09:12:44Z')).toBe(Date.UTC(2025, 2, 14, 9, 12, 44));
    expect(changeTime('2025-03-14T10:12:44.5+01:00')).toBe(Date.UTC(2025, 2, 14, 9, 12, 44, 500));
  });

  it('an errorCode of any type is a failed call, judged as one', () => {
    const { record } = parseTrigger(withDetail(ssh(), { errorCode: { code: 'Client.UnauthorizedOperation' } }));
    expect(ignoreReason(record, DEFAULT_POLICY)).toMatch(/^the call failed/);
    expect(ignoreReason(parseTrigger(withDetail(ssh(), { errorCode: null })).record, DEFAULT_POLICY)).toBeUndefined();
  });
});

describe('caller-controlled text', () => {
  it('cuts an oversized userAgent instead of dropping the event', () => {
    const event = structuredClone(loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh.json')) as {
      detail: { userAgent: string };
    };
    event.detail.userAgent = 'x'.repeat(20_000);
    expect(parseTrigger(event).record.userAgent).toHaveLength(4096);
  });
});

describe('parseTrigger: what the messages say', () => {
  const ssh = () => loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh');

  it('says what a region and an account id look like', () => {
    expect(errorOf(withDetail(ssh(), { awsRegion: 'ec2.evil.example/' })).message).toBe(
      'malformed CloudTrail record: awsRegion: a region looks like eu-west-1',
    );
    expect(errorOf(withDetail(ssh(), { recipientAccountId: '1111-2222-3333' })).message).toBe(
      'malformed CloudTrail record: recipientAccountId: an account id is 12 digits',
    );
  });

  it('names the first five of many problems, separated by "; "', () => {
    const error = errorOf(
      withDetail(ssh(), {
        eventID: 1,
        eventSource: 2,
        eventName: 3,
        awsRegion: 4,
        recipientAccountId: 5,
        requestParameters: 6,
        responseElements: 7,
      }),
    );
    const problems = error.message.replace(/^malformed CloudTrail record: /, '').split('; ');
    expect(problems.map((p) => p.split(':')[0])).toEqual(['eventID', 'eventSource', 'eventName', 'awsRegion', 'recipientAccountId']);
  });

  it('refuses a detail that is not an object, saying so', () => {
    for (const detail of ['AuthorizeSecurityGroupIngress', 42, true]) {
      const error = errorOf({ ...ssh(), detail });
      expect(error.name).toBe('UnsupportedEventError');
      expect(error.message).toBe('malformed CloudTrail record: (root): expected an object');
    }
  });

  it('names another service’s or call’s event with the name cut to 128 characters', () => {
    const source = errorOf(withDetail(ssh(), { eventSource: `${'s'.repeat(1000)}.amazonaws.com` }));
    expect(source).toBeInstanceOf(NotApplicableEventError);
    expect(source.message).toBe(`unsupported eventSource "${'s'.repeat(128)}"`);
    const name = errorOf(withDetail(ssh(), { eventName: 'N'.repeat(1000) }));
    expect(name).toBeInstanceOf(NotApplicableEventError);
    expect(name.message).toBe(`unsupported eventName "${'N'.repeat(128)}"`);
  });
});

describe('parseTrigger: an account id is exactly 12 digits', () => {
  // "The 12-digit account ID" (AWS account identifiers, AWS Account Management Reference Guide,
  // https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html); CloudTrail's
  // recipientAccountId is "the account ID that received this event" (CloudTrail record contents).
  const ssh = () => loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh');
  it.each(['1111222233334', 'x111122223333', '11112222333'])('%s is not one: the record cannot be read', (account) => {
    expect(errorOf(withDetail(ssh(), { recipientAccountId: account }))).toBeInstanceOf(UnreadableEventError);
  });
});

describe('parseTrigger: errorCode', () => {
  const ssh = () => loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh');

  it('an empty errorCode is no error: the record is read without one', () => {
    const { record } = parseTrigger(withDetail(ssh(), { errorCode: '' }));
    expect(record.errorCode).toBeUndefined();
    expect('errorCode' in record && record.errorCode !== undefined).toBe(false);
  });

  it('cuts a caller-sized errorCode to 256 characters', () => {
    const { record } = parseTrigger(withDetail(ssh(), { errorCode: 'E'.repeat(5000) }));
    expect(record.errorCode).toBe('E'.repeat(256));
    const object = parseTrigger(withDetail(ssh(), { errorCode: { code: 'C'.repeat(5000) } })).record;
    expect(object.errorCode).toHaveLength(256);
  });

  it('an unreadable watched call with an empty errorCode is not known to have failed: a person is told', () => {
    const error = errorOf(withDetail(ssh(), { errorCode: '', requestParameters: 'groupId=sg-1' }));
    expect(error).toBeInstanceOf(UnreadableEventError);
  });
});

describe('parseTrigger: only a record that names EC2 as its source is a watched call', () => {
  it('an unreadable record without eventSource is refused, not told to a person', () => {
    const detail = without(loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh').detail as Json, 'eventSource');
    const error = errorOf(detail);
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect(error).not.toBeInstanceOf(UnreadableEventError);
    expect(error.message).toMatch(/^malformed CloudTrail record: eventSource: /);
  });
});

describe('parseTrigger: what is read of an unreadable watched call', () => {
  const ssh = () => loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh');

  it('skips an empty field for the next one that says it, and cuts a long one to size', () => {
    const detail = { ...(ssh().detail as Json), eventID: 'e'.repeat(300), recipientAccountId: '' };
    const error = errorOf({ ...ssh(), detail }) as UnreadableEventError;
    expect(error).toBeInstanceOf(UnreadableEventError);
    // recipientAccountId is empty: the account is the caller's, from userIdentity.accountId.
    expect(error.trigger.account).toBe('111122223333');
    expect(error.trigger.eventId).toBe('e'.repeat(128));
  });
});

describe('parseTrigger: an unreadable actor field is left out, not taken as written', () => {
  // The session issuer's ARN names the role behind an assumed-role session ("CloudTrail userIdentity
  // element", sessionContext.sessionIssuer, AWS CloudTrail User Guide). When it does not read, the
  // assumed-role ARN in userIdentity.arn still names the role, so LayerGuard still knows its own call.
  const ownRoles = parsePolicy({ ownRoleArns: ['arn:aws:iam::111122223333:role/LayerGuard-security-group-us-east-1'] });

  it('a sessionIssuer arn that is not text: LayerGuard’s own call is still recognised', () => {
    const event = loadEvent('AuthorizeSecurityGroupIngress/own-action');
    const identity = (event.detail as Json).userIdentity as Json;
    const broken = withDetail(event, {
      userIdentity: { ...identity, sessionContext: { sessionIssuer: { type: 'Role', arn: 42 } } },
    });
    const { record } = parseTrigger(broken);
    expect(record.userIdentity?.sessionContext?.sessionIssuer?.arn).toBeUndefined();
    expect(ignoreReason(record, ownRoles)).toBe('the call was made by LayerGuard itself');
    expect(ignoreReason(parseTrigger(event).record, ownRoles)).toBe('the call was made by LayerGuard itself');
  });
});

describe('changeTime: CloudTrail’s form only', () => {
  // eventTime is "the date and time the request was completed, in coordinated universal time (UTC)"
  // (CloudTrail record contents, AWS CloudTrail User Guide), written like 2025-03-14T09:12:44Z.
  it('reads fractions of a second to nanoseconds, and no signed (expanded) year', () => {
    expect(changeTime('2025-03-14T09:12:44.123Z')).toBe(Date.UTC(2025, 2, 14, 9, 12, 44, 123));
    expect(changeTime('2025-03-14T09:12:44.123456789Z')).toBe(Date.UTC(2025, 2, 14, 9, 12, 44, 123));
    // Date.parse reads these as the years 2025 and 2025 BC: neither is a time CloudTrail writes.
    expect(changeTime('+002025-03-14T09:12:44Z')).toBeUndefined();
    expect(changeTime('-002025-03-14T09:12:44Z')).toBeUndefined();
  });
});
