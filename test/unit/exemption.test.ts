import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readExemption, utcDay } from '../../functions/core/exemption.js';

const KEY = 'layerguard:exempt';
const POLICY = { tagKey: KEY, maxDays: 90 };
const at = (iso: string) => new Date(iso);
const read = (value: string | undefined, now: string, tags: Record<string, string> = {}) =>
  readExemption(value === undefined ? tags : { ...tags, [KEY]: value }, POLICY, at(now));
const invalid = (until: string) => `tag ${KEY} has an invalid date: ${until} (until is a calendar day, YYYY-MM-DD, UTC)`;

describe('readExemption', () => {
  it.each([
    {
      name: 'a date within the policy’s 90 days',
      value: 'until=2025-04-30;reason=vendor load test',
      now: '2025-03-14T10:35:47Z',
      expected: { exempt: true, until: '2025-04-30', reason: 'vendor load test' },
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
      name: 'the last day the cap allows (today + 90 days, UTC), late in the day',
      value: 'until=2025-06-12;reason=quarter-long test',
      now: '2025-03-14T23:59:59Z',
      expected: { exempt: true, until: '2025-06-12', reason: 'quarter-long test' },
    },
    {
      name: '29 February of a leap year',
      value: 'until=2028-02-29;reason=leap',
      now: '2028-01-15T00:00:00Z',
      expected: { exempt: true, until: '2028-02-29', reason: 'leap' },
    },
    {
      name: 'fields in any order, in any case, with spaces and a trailing separator',
      value: ' Reason = vendor test ; UNTIL = 2025-04-01 ;',
      now: '2025-03-14T00:00:00Z',
      expected: { exempt: true, until: '2025-04-01', reason: 'vendor test' },
    },
    {
      name: 'a reason that holds "=" (split on the first only)',
      value: 'until=2025-04-01;reason=ticket=SEC-1234',
      now: '2025-03-14T00:00:00Z',
      expected: { exempt: true, until: '2025-04-01', reason: 'ticket=SEC-1234' },
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
      name: 'one day past the cap',
      value: 'until=2025-06-13;reason=too long',
      now: '2025-03-14T00:00:00Z',
      problem:
        'exemption until 2025-06-13 is longer than the policy allows (at most 90 days: until 2025-06-12 at the latest)',
    },
    {
      name: 'a far-future date (no standing exemptions)',
      value: 'until=2099-12-31;reason=forever, in effect',
      now: '2025-03-14T10:00:00Z',
      problem:
        'exemption until 2099-12-31 is longer than the policy allows (at most 90 days: until 2025-06-12 at the latest)',
    },
    {
      name: 'a missing reason',
      value: 'until=2025-04-01',
      now: '2025-03-14T10:00:00Z',
      problem: `tag ${KEY} needs until=YYYY-MM-DD;reason=...`,
    },
    {
      name: 'an empty reason',
      value: 'until=2025-04-01;reason=',
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
      value: '=2025-04-01;reason=x',
      now: '2025-03-14T10:00:00Z',
      problem: `tag ${KEY} needs until=YYYY-MM-DD;reason=...`,
    },
    ...[
      ['a date that is not one', 'someday'],
      ['an impossible month', '2025-13-01'],
      ['30 February (Date.parse reads it as 2 March)', '2025-02-30'],
      ['31 April', '2025-04-31'],
      ['29 February of a year that is not a leap year', '2025-02-29'],
      ['day 0', '2025-04-00'],
      ['a US-style date', '04/30/2025'],
      ['a year alone', '2025'],
      ['a year and a month', '2025-04'],
      ['a zone-less time', '2025-04-30T12:00:00'],
      ['a time in UTC', '2025-04-30T12:00:00Z'],
      ['a time with an offset', '2025-04-30T12:00:00+02:00'],
      ['single-digit month and day', '2025-4-3'],
      ['an expanded year', '+002025-04-30'],
    ].map(([name, until]) => ({
      name: name as string,
      value: `until=${until};reason=x`,
      now: '2025-03-14T10:00:00Z',
      problem: invalid(until as string),
    })),
  ])('not exempt: $name', ({ value, now, problem }) => {
    expect(read(value, now)).toStrictEqual({ exempt: false, problem });
  });

  it('is not exempt, with no problem, without the tag', () => {
    expect(read(undefined, '2025-03-14T10:00:00Z', { Tier: 'Web' })).toStrictEqual({ exempt: false });
  });

  it('reads only the policy’s tag key', () => {
    const tags = { 'other:exempt': 'until=2025-04-01;reason=x' };
    expect(readExemption(tags, POLICY, at('2025-03-14T10:00:00Z'))).toStrictEqual({ exempt: false });
    expect(readExemption(tags, { ...POLICY, tagKey: 'other:exempt' }, at('2025-03-14T10:00:00Z'))).toMatchObject({
      exempt: true,
    });
  });

  it('follows the policy’s cap', () => {
    const value = { [KEY]: 'until=2025-12-31;reason=year-end freeze' };
    const now = at('2025-03-14T10:00:00Z');
    expect(readExemption(value, { tagKey: KEY, maxDays: 365 }, now)).toMatchObject({ exempt: true });
    expect(readExemption(value, { tagKey: KEY, maxDays: 90 }, now)).toMatchObject({ exempt: false });
  });
});

// ---- a property over every day spelled YYYY-MM-DD, against a calendar of the test's own ----------

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
/** Days since 1970-01-01 of a real calendar day (counted, not computed with Date). */
function dayNumber(y: number, m: number, d: number): number {
  let n = 0;
  for (let year = 1970; year < y; year += 1) n += isLeap(year) ? 366 : 365;
  for (let month = 1; month < m; month += 1) n += daysIn(y, month);
  return n + d - 1;
}
const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('readExemption: a property over dates', () => {
  const NOW = at('2026-11-20T15:00:00Z');
  const TODAY = dayNumber(2026, 11, 20);

  it('is exempt exactly for a real calendar day from today to today + maxDays, whatever is spelled', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2020, max: 2030 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 1, max: 400 }),
        (y, m, d, maxDays) => {
          const until = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
          const status = readExemption({ [KEY]: `until=${until};reason=r` }, { tagKey: KEY, maxDays }, NOW);
          const real = m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);
          if (!real) {
            expect(status).toStrictEqual({ exempt: false, problem: invalid(until) });
            return;
          }
          const day = dayNumber(y, m, d);
          expect(status.exempt).toBe(day >= TODAY && day <= TODAY + maxDays);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never reads another form of date as exempt', () => {
    const other = fc.oneof(
      // Dates with a time, a zone, other separators, other orders or widths.
      fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).chain(([m, d]) =>
        fc.constantFrom(
          `2026-${pad(m, 2)}-${pad(d, 2)}T00:00:00`,
          `2026-${pad(m, 2)}-${pad(d, 2)}T00:00:00Z`,
          `2026-${pad(m, 2)}-${pad(d, 2)} 00:00`,
          `${pad(m, 2)}/${pad(d, 2)}/2026`,
          `${pad(d, 2)}.${pad(m, 2)}.2026`,
          `2026/${pad(m, 2)}/${pad(d, 2)}`,
          `2026-${m}-${d}`,
          `2026${pad(m, 2)}${pad(d, 2)}`,
          '2026',
          `2026-${pad(m, 2)}`,
          `+002026-${pad(m, 2)}-${pad(d, 2)}`,
        ),
      ),
      fc.string({ maxLength: 20 }).filter((s) => !s.includes(';')),
    // Unpadded months and days of two digits spell the strict form itself: those are the other property's.
    ).filter((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s.trim()));
    fc.assert(
      fc.property(other, (until) => {
        const status = readExemption({ [KEY]: `until=${until};reason=r` }, { tagKey: KEY, maxDays: 3650 }, NOW);
        expect(status.exempt).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('utcDay and the tag fields: the edges mutation found', () => {
  it('refuses a year Date.UTC would read as 19xx (years 0 to 99): the round trip catches the year alone', () => {
    // Date.UTC maps years 0..99 to 1900..1999 (ECMAScript MakeDay via Date.UTC's year rule), with month and day unchanged.
    expect(utcDay('0025-01-01')).toBeUndefined();
    expect(utcDay('1925-01-01')).toBe(Date.UTC(1925, 0, 1));
  });

  it('refuses impossible days and months', () => {
    expect(utcDay('2025-02-29')).toBeUndefined();
    expect(utcDay('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(utcDay('2025-13-01')).toBeUndefined();
    expect(utcDay('2025-00-10')).toBeUndefined();
    expect(utcDay('2025-04-00')).toBeUndefined();
  });

  it('reads only key=value parts: a part without "=" is no field, whatever it spells', () => {
    // "reasonX" cut one character short would read as a reason; a bare part is ignored instead.
    expect(read('until=2025-04-30;reasonX', '2025-03-14T10:00:00Z')).toEqual({
      exempt: false,
      problem: `tag ${KEY} needs until=YYYY-MM-DD;reason=...`,
    });
    expect(read('until=2025-04-30;=reason=x', '2025-03-14T10:00:00Z')).toMatchObject({ exempt: false });
  });
});
