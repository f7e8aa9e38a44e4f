import { describe, expect, it } from 'vitest';
import { readExemption } from '../../functions/core/exemption.js';

const KEY = 'layerguard:exempt';
const at = (iso: string) => new Date(iso);
const read = (value: string | undefined, now: string, tags: Record<string, string> = {}) =>
  readExemption(value === undefined ? tags : { ...tags, [KEY]: value }, KEY, at(now));

describe('readExemption', () => {
  it.each([
    {
      name: 'the baseline exempt group’s tag',
      value: 'until=2099-12-31;reason=vendor load test',
      now: '2025-03-14T10:35:47Z',
      expected: { exempt: true, until: '2099-12-31', reason: 'vendor load test' },
    },
    {
      name: 'a date-only until, on its last second (UTC)',
      value: 'until=2025-03-14;reason=migration',
      now: '2025-03-14T23:59:59.999Z',
      expected: { exempt: true, until: '2025-03-14', reason: 'migration' },
    },
    {
      name: 'a date-only until, at the start of that day',
      value: 'until=2025-03-14;reason=migration',
      now: '2025-03-14T00:00:00Z',
      expected: { exempt: true, until: '2025-03-14', reason: 'migration' },
    },
    {
      name: 'an ISO timestamp until, just before it',
      value: 'until=2025-03-14T12:00:00Z;reason=cutover window',
      now: '2025-03-14T11:59:59Z',
      expected: { exempt: true, until: '2025-03-14T12:00:00Z', reason: 'cutover window' },
    },
    {
      name: 'an ISO timestamp with an offset',
      value: 'until=2025-03-14T12:00:00+02:00;reason=cutover',
      now: '2025-03-14T09:59:59Z',
      expected: { exempt: true, until: '2025-03-14T12:00:00+02:00', reason: 'cutover' },
    },
    {
      name: 'fields in any order, in any case, with spaces and a trailing separator',
      value: ' Reason = vendor test ; UNTIL = 2099-01-01 ;',
      now: '2025-03-14T00:00:00Z',
      expected: { exempt: true, until: '2099-01-01', reason: 'vendor test' },
    },
    {
      name: 'a reason that holds "=" (split on the first only)',
      value: 'until=2099-01-01;reason=ticket=SEC-1234',
      now: '2025-03-14T00:00:00Z',
      expected: { exempt: true, until: '2099-01-01', reason: 'ticket=SEC-1234' },
    },
  ])('exempt: $name', ({ value, now, expected }) => {
    expect(read(value, now)).toStrictEqual(expected);
  });

  it.each([
    {
      name: 'a date-only until, from midnight after it (end of day passed)',
      value: 'until=2025-03-14;reason=migration',
      now: '2025-03-15T00:00:00Z',
      problem: 'exemption expired on 2025-03-14',
    },
    {
      name: 'an expired date',
      value: 'until=2024-12-31;reason=old vendor test',
      now: '2025-03-14T10:00:00Z',
      problem: 'exemption expired on 2024-12-31',
    },
    {
      name: 'an ISO timestamp, at the instant itself',
      value: 'until=2025-03-14T12:00:00Z;reason=cutover',
      now: '2025-03-14T12:00:00Z',
      problem: 'exemption expired on 2025-03-14T12:00:00Z',
    },
    {
      name: 'a missing reason',
      value: 'until=2099-12-31',
      now: '2025-03-14T10:00:00Z',
      problem: `tag ${KEY} needs until=YYYY-MM-DD;reason=...`,
    },
    {
      name: 'an empty reason',
      value: 'until=2099-12-31;reason=',
      now: '2025-03-14T10:00:00Z',
      problem: `tag ${KEY} needs until=YYYY-MM-DD;reason=...`,
    },
    {
      name: 'a missing until (no open-ended exemptions)',
      value: 'reason=forever',
      now: '2025-03-14T10:00:00Z',
      problem: `tag ${KEY} needs until=YYYY-MM-DD;reason=...`,
    },
    {
      name: 'an empty value',
      value: '',
      now: '2025-03-14T10:00:00Z',
      problem: `tag ${KEY} needs until=YYYY-MM-DD;reason=...`,
    },
    {
      name: 'free text',
      value: 'approved by alice',
      now: '2025-03-14T10:00:00Z',
      problem: `tag ${KEY} needs until=YYYY-MM-DD;reason=...`,
    },
    {
      name: 'a key without a name (=value)',
      value: '=2099-12-31;reason=x',
      now: '2025-03-14T10:00:00Z',
      problem: `tag ${KEY} needs until=YYYY-MM-DD;reason=...`,
    },
    {
      name: 'a date that is not one',
      value: 'until=someday;reason=x',
      now: '2025-03-14T10:00:00Z',
      problem: `tag ${KEY} has an invalid date: someday`,
    },
    {
      name: 'a date-only until with an impossible month',
      value: 'until=2099-13-01;reason=x',
      now: '2025-03-14T10:00:00Z',
      problem: `tag ${KEY} has an invalid date: 2099-13-01`,
    },
  ])('not exempt: $name', ({ value, now, problem }) => {
    expect(read(value, now)).toStrictEqual({ exempt: false, problem });
  });

  it('is not exempt, with no problem, without the tag', () => {
    expect(read(undefined, '2025-03-14T10:00:00Z', { Tier: 'Web' })).toStrictEqual({ exempt: false });
  });

  it('reads only the policy’s tag key', () => {
    const tags = { 'other:exempt': 'until=2099-12-31;reason=x' };
    expect(readExemption(tags, KEY, at('2025-03-14T10:00:00Z'))).toStrictEqual({ exempt: false });
    expect(readExemption(tags, 'other:exempt', at('2025-03-14T10:00:00Z'))).toMatchObject({ exempt: true });
  });
});
