import { describe, expect, it } from 'vitest';
import { checkPattern, InvalidPatternError, matchesPattern } from '../../functions/core/event-pattern.js';

// The EventBridge / Event Ruler documentation's example event.
const ec2Event = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
    nothing: null,
    flag: true,
  },
};

interface Case {
  readonly name: string;
  readonly pattern: Record<string, unknown>;
  readonly event?: unknown;
  readonly expected: boolean;
}

const cases: Case[] = [
  // Exact values, AND across keys, OR across the array.
  {
    name: 'docs simple match',
    pattern: {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
      detail: { state: ['initializing', 'running'] },
    },
    expected: true,
  },
  { name: 'exact mismatch', pattern: { detail: { state: ['stopped'] } }, expected: false },
  { name: 'missing field never matches a value', pattern: { detail: { nope: ['x'] } }, expected: false },
  { name: 'number equals number', pattern: { detail: { 'c-count': [5] } }, expected: true },
  { name: 'number equals 5.0', pattern: { detail: { 'c-count': [5.0] } }, expected: true },
  { name: 'string "5" is not the number 5', pattern: { detail: { 'c-count': ['5'] } }, expected: false },
  { name: 'null literal', pattern: { detail: { nothing: [null] } }, expected: true },
  { name: 'boolean literal', pattern: { detail: { flag: [true] } }, expected: true },
  { name: 'string "true" is not true', pattern: { detail: { flag: ['true'] } }, expected: false },
  // Event arrays: non-empty intersection.
  {
    name: 'event array intersects',
    pattern: { resources: ['arn:other', 'arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'] },
    expected: true,
  },
  { name: 'event array disjoint', pattern: { resources: ['arn:other'] }, expected: false },
  // prefix / suffix.
  { name: 'prefix', pattern: { time: [{ prefix: '2017-10-02' }] }, expected: true },
  { name: 'prefix mismatch', pattern: { time: [{ prefix: '2018' }] }, expected: false },
  {
    name: 'prefix on a number never matches',
    pattern: { detail: { 'c-count': [{ prefix: '5' }] } },
    expected: false,
  },
  { name: 'suffix', pattern: { source: [{ suffix: 'ec2' }] }, expected: true },
  { name: 'suffix mismatch', pattern: { source: [{ suffix: 'ec3' }] }, expected: false },
  {
    name: 'prefix ignoring case',
    pattern: { source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] },
    expected: true,
  },
  {
    name: 'suffix ignoring case',
    pattern: { source: [{ suffix: { 'equals-ignore-case': 'EC2' } }] },
    expected: true,
  },
  { name: 'equals-ignore-case', pattern: { source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, expected: true },
  { name: 'wildcard', pattern: { time: [{ wildcard: '2017-*T16:*Z' }] }, expected: true },
  { name: 'wildcard mismatch', pattern: { time: [{ wildcard: '2017-*T17:*Z' }] }, expected: false },
  // anything-but.
  {
    name: 'anything-but string',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    expected: true,
  },
  {
    name: 'anything-but excluded',
    pattern: { detail: { state: [{ 'anything-but': 'running' }] } },
    expected: false,
  },
  {
    name: 'anything-but list',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    expected: true,
  },
  {
    name: 'anything-but list excluded',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } },
    expected: false,
  },
  {
    name: 'anything-but number',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    expected: true,
  },
  {
    name: 'anything-but number list excluded',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 301.8] }] } },
    expected: false,
  },
  {
    name: 'anything-but prefix',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    expected: true,
  },
  {
    name: 'anything-but prefix excluded',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'run' } }] } },
    expected: false,
  },
  {
    name: 'anything-but suffix excluded',
    pattern: { detail: { state: [{ 'anything-but': { suffix: 'ing' } }] } },
    expected: false,
  },
  {
    name: 'anything-but equals-ignore-case list',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['RUNNING', 'x'] } }] } },
    expected: false,
  },
  {
    name: 'anything-but wildcard',
    pattern: { detail: { state: [{ 'anything-but': { wildcard: 'st*' } }] } },
    expected: true,
  },
  {
    name: 'anything-but never matches a missing field',
    pattern: { detail: { missing: [{ 'anything-but': 'x' }] } },
    expected: false,
  },
  {
    name: 'anything-but prefix never matches a missing field',
    pattern: { detail: { missing: [{ 'anything-but': { prefix: 'x' } }] } },
    expected: false,
  },
  // exists.
  { name: 'exists true', pattern: { detail: { state: [{ exists: true }] } }, expected: true },
  { name: 'exists true on null', pattern: { detail: { nothing: [{ exists: true }] } }, expected: true },
  { name: 'exists true on missing', pattern: { detail: { missing: [{ exists: true }] } }, expected: false },
  { name: 'exists false on missing', pattern: { detail: { missing: [{ exists: false }] } }, expected: true },
  { name: 'exists false on present', pattern: { detail: { state: [{ exists: false }] } }, expected: false },
  {
    name: 'exists false under a missing parent',
    pattern: { detail: { a: { b: [{ exists: false }] } } },
    expected: true,
  },
  {
    name: 'exists works on leaves only: an object is not a leaf',
    pattern: { detail: [{ exists: false }] },
    expected: true,
  },
  { name: 'exists true on an object is false', pattern: { detail: [{ exists: true }] }, expected: false },
  {
    name: 'exists false or a value',
    pattern: { detail: { state: [{ exists: false }, 'running'] } },
    expected: true,
  },
  // numeric and cidr.
  {
    name: 'docs numeric',
    pattern: {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    },
    expected: true,
  },
  {
    name: 'numeric out of range',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 5] }] } },
    expected: false,
  },
  {
    name: 'numeric >=',
    pattern: { detail: { 'c-count': [{ numeric: ['>=', 5, '<', 6] }] } },
    expected: true,
  },
  { name: 'numeric on a string', pattern: { detail: { state: [{ numeric: ['>', 0] }] } }, expected: false },
  { name: 'cidr', pattern: { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, expected: true },
  { name: 'cidr outside', pattern: { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, expected: false },
  {
    name: 'docs complex example',
    pattern: {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    },
    expected: true,
  },
  // $or.
  {
    name: '$or: one branch matches',
    pattern: { source: ['aws.ec2'], $or: [{ region: ['eu-west-1'] }, { account: ['012345679012'] }] },
    expected: true,
  },
  {
    name: '$or: no branch matches',
    pattern: { $or: [{ region: ['eu-west-1'] }, { account: ['1'] }] },
    expected: false,
  },
  {
    name: '$or nested in detail, parallel with a top-level $or',
    pattern: {
      $or: [{ region: ['us-east-1'] }, { account: ['1'] }],
      detail: { $or: [{ state: ['stopped'] }, { 'c-count': [5] }] },
    },
    expected: true,
  },
  {
    name: '$or with an AND inside a branch',
    pattern: {
      $or: [
        { region: ['x'] },
        { region: ['us-east-1'], source: ['aws.ec2'], detail: { $or: [{ state: ['x'] }, { flag: [true] }] } },
      ],
    },
    expected: true,
  },
];

describe('matchesPattern: EventBridge documentation examples', () => {
  it.each(cases)('$name', ({ pattern, event, expected }) => {
    expect(matchesPattern(pattern, event ?? ec2Event)).toBe(expected);
  });
});

describe('matchesPattern: arrays in the event', () => {
  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  };
  it('matches a field inside any element', () => {
    expect(matchesPattern({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
  });
  it('matches through nested arrays', () => {
    const nested = { employees: [[employees.employees[0]], [employees.employees[2]]] };
    expect(matchesPattern({ employees: { firstName: ['Peter'] } }, nested)).toBe(true);
  });
  it('never combines fields from different elements (array-consistent)', () => {
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(
      false,
    );
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
  });
  it('keeps $or branches within one element', () => {
    const p = { employees: { firstName: ['Anna'], $or: [{ lastName: ['Jones'] }, { lastName: ['Doe'] }] } };
    expect(matchesPattern(p, employees)).toBe(false);
  });
  it('treats an empty array as a missing field', () => {
    expect(matchesPattern({ a: [{ exists: false }] }, { a: [] })).toBe(true);
    expect(matchesPattern({ a: { b: [{ exists: false }] } }, { a: [] })).toBe(true);
    expect(matchesPattern({ a: ['x'] }, { a: [] })).toBe(false);
  });
  it('matches CloudTrail ipRanges items element-wise', () => {
    const detail = {
      requestParameters: {
        ipPermissions: {
          items: [
            { ipRanges: { items: [{ cidrIp: '10.0.0.0/16' }] } },
            { ipRanges: { items: [{ cidrIp: '10.0.0.0/24' }, { cidrIp: '0.0.0.0/0' }] } },
          ],
        },
      },
    };
    const p = {
      requestParameters: {
        ipPermissions: { items: { ipRanges: { items: { cidrIp: [{ suffix: '/0' }] } } } },
      },
    };
    expect(matchesPattern(p, detail)).toBe(true);
  });
});

describe('matchesPattern: suffix semantics on CIDRs', () => {
  const p = (suffix: string) => ({ cidr: [{ suffix }] });
  it.each([
    ['0.0.0.0/1', '/1', true],
    ['0.0.0.0/31', '/1', false],
    ['10.0.0.0/11', '/1', false],
    ['0.0.0.0/0', '/0', true],
    ['10.0.0.0/10', '/0', false],
    ['::/0', '/0', true],
    ['2001:db8::/120', '/12', false],
  ] as const)('%s with suffix %s -> %s', (cidr, suffix, expected) => {
    expect(matchesPattern(p(suffix), { cidr })).toBe(expected);
  });
});

describe('matchesPattern: cidr operator', () => {
  it.each([
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['::1', '::/0', true],
    ['10.0.0.1', '2001:db8::/32', false],
    ['300.0.0.1', '0.0.0.0/0', false],
    ['not-an-ip', '0.0.0.0/0', false],
    ['10.0.0.1', '10.0.0.0/33', false],
    ['1:2:3:4:5:6:7:8', '1:2:3:4::/64', true],
    ['1::2::3', '::/0', false],
    ['1:2:3', '::/0', false],
    ['1:2:3:4:5:6:7:zz', '::/0', false],
  ] as const)('%s in %s -> %s', (ip, cidr, expected) => {
    expect(matchesPattern({ ip: [{ cidr }] }, { ip })).toBe(expected);
  });
});

describe('matchesPattern: invalid patterns fail loudly', () => {
  it.each([
    ['a non-object pattern', []],
    ['a bare scalar value', { a: 'x' }],
    ['an empty list', { a: [] }],
    ['a nested array', { a: [['x']] }],
    ['two operators in one matcher', { a: [{ prefix: 'a', suffix: 'b' }] }],
    ['an unknown operator', { a: [{ contains: 'x' }] }],
    ['$or with one branch', { $or: [{ a: ['x'] }] }],
    ['$or that is not an array', { $or: { a: ['x'] } }],
    ['exists with a string', { a: [{ exists: 'yes' }] }],
    ['prefix with a number', { a: [{ prefix: 1 }] }],
    ['equals-ignore-case with a number', { a: [{ 'equals-ignore-case': 1 }] }],
    ['wildcard with a number', { a: [{ wildcard: 1 }] }],
    ['consecutive wildcards', { a: [{ wildcard: 'a**b' }] }],
    ['anything-but with a prefix list', { a: [{ 'anything-but': { prefix: ['a', 'b'] } }] }],
    ['anything-but with an unknown operator', { a: [{ 'anything-but': { contains: 'a' } }] }],
    ['anything-but with mixed types', { a: [{ 'anything-but': ['a', 1] }] }],
    ['anything-but with an empty list', { a: [{ 'anything-but': [] }] }],
    [
      'anything-but equals-ignore-case with numbers',
      { a: [{ 'anything-but': { 'equals-ignore-case': [1] } }] },
    ],
    ['numeric with three items', { a: [{ numeric: ['>', 1, '<'] }] }],
    ['numeric with a string bound', { a: [{ numeric: ['>', '1'] }] }],
    ['numeric with an unknown operator', { a: [{ numeric: ['!=', 1] }] }],
    ['cidr with a number', { a: [{ cidr: 1 }] }],
  ] as const)('rejects %s', (_name, pattern) => {
    expect(() => matchesPattern(pattern, { a: 'a' })).toThrow(InvalidPatternError);
  });
});

// EventBridge content filtering: "Content filtering in Amazon EventBridge event patterns",
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
describe('matchesPattern: operators match only their own kind of value', () => {
  it.each([
    // Numeric matching "works with values that are JSON numbers": a numeric string or a boolean is not one.
    ['numeric > 5 on the string "10"', { n: [{ numeric: ['>', 5] }] }, { n: '10' }, false],
    ['numeric > 0 on true', { n: [{ numeric: ['>', 0] }] }, { n: true }, false],
    // IP address matching works on strings; a number or null is never an address.
    ['cidr on a number', { ip: [{ cidr: '0.0.0.0/0' }] }, { ip: 5 }, false],
    ['cidr on null', { ip: [{ cidr: '0.0.0.0/0' }] }, { ip: null }, false],
    // anything-but with a string operator only matches strings.
    ['anything-but prefix on a number', { n: [{ 'anything-but': { prefix: 'x' } }] }, { n: 5 }, false],
    ['anything-but equals-ignore-case on a number', { n: [{ 'anything-but': { 'equals-ignore-case': ['x'] } }] }, { n: 5 }, false],
  ] as const)('%s -> %s', (_name, pattern, event, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe('matchesPattern: comparisons and string operators', () => {
  it.each([
    ['= 5 on 3', { n: [{ numeric: ['=', 5] }] }, { n: 3 }, false],
    ['< 5 on 5', { n: [{ numeric: ['<', 5] }] }, { n: 5 }, false],
    ['< 5 on 7', { n: [{ numeric: ['<', 5] }] }, { n: 7 }, false],
    ['<= 5 on 6', { n: [{ numeric: ['<=', 5] }] }, { n: 6 }, false],
    ['>= 5 on 4', { n: [{ numeric: ['>=', 5] }] }, { n: 4 }, false],
    // Both bounds of a range must hold.
    ['> 0, < 5 on 10', { n: [{ numeric: ['>', 0, '<', 5] }] }, { n: 10 }, false],
    ['equals-ignore-case on another word', { s: [{ 'equals-ignore-case': 'running' }] }, { s: 'Stopped' }, false],
    ['anything-but equals-ignore-case on a word not listed', { s: [{ 'anything-but': { 'equals-ignore-case': ['STOPPED'] } }] }, { s: 'Running' }, true],
    // Wildcard: "*" stands for any characters; every other character is literal.
    ['wildcard "*" across a newline', { s: [{ wildcard: 'a*b' }] }, { s: 'a\nb' }, true],
    ['wildcard with a literal "."', { s: [{ wildcard: '10.0.*' }] }, { s: '10.0.1' }, true],
    ['wildcard "." is not any character', { s: [{ wildcard: '10.0.*' }] }, { s: '10x0.1' }, false],
  ] as const)('%s -> %s', (_name, pattern, event, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe('matchesPattern: cidr matches well-formed addresses only', () => {
  it.each([
    ['255.255.255.255', '0.0.0.0/0', true],
    ['10.0.0.1', '10.0.0.1/32', true],
    ['2001:db8::1:2', '2001:db8:0:0:0:0:1:2/128', true],
    // An IPv4 address is never in an IPv6 range, even ::/0.
    ['0.0.0.1', '::/0', false],
    // Malformed ranges and addresses never match.
    ['10.0.0.1', '10.0.0.0/-1', false],
    ['10.0.0.1', '10.0.0.1/33', false],
    ['300.0.0.1', '300.0.0.0/8', false],
    ['x10.0.0.1', '0.0.0.0/0', false],
    ['10.0.0.1x', '0.0.0.0/0', false],
    ['1:2:3:4:5:6:7:8::9', '::/0', false],
    ['1:2:3:4:5:6:7:g8', '::/0', false],
    ['1:2:3:4:5:6:7:8g', '::/0', false],
  ] as const)('%s in %s -> %s', (ip, cidr, expected) => {
    expect(matchesPattern({ ip: [{ cidr }] }, { ip })).toBe(expected);
  });
});

describe('matchesPattern: an invalid pattern is reported with its field and the reason', () => {
  const rejection = (pattern: unknown, event: unknown = { a: 'a' }): InvalidPatternError => {
    try {
      matchesPattern(pattern, event);
    } catch (e) {
      if (e instanceof InvalidPatternError) return e;
      throw e;
    }
    throw new Error('pattern accepted');
  };
  it('names the error', () => {
    expect(rejection([]).name).toBe('InvalidPatternError');
  });
  it.each([
    ['a non-object pattern', [], 'a pattern is a JSON object'],
    ['a bare scalar value', { a: 'x' }, 'a: a pattern value is an array of matchers or a nested object'],
    ['a nested field', { d: { a: 'x' } }, 'd.a: a pattern value is an array of matchers or a nested object'],
    ['an empty list', { a: [] }, 'a: an empty list matches nothing'],
    ['a nested array', { a: [['x']] }, 'a: nested arrays are not matchers'],
    ['two operators', { a: [{ prefix: 'a', suffix: 'b' }] }, 'a: a matcher object has exactly one operator'],
    ['$or with one branch', { $or: [{ a: ['a'] }] }, '$or: $or takes an array of at least two pattern objects'],
    ['$or with a non-object branch', { $or: [{ a: ['a'] }, 'b'] }, '$or: $or takes an array of at least two pattern objects'],
    ['exists with a string', { a: [{ exists: 'yes' }] }, 'a: exists takes true or false'],
    ['cidr with a number', { a: [{ cidr: 1 }] }, 'a: cidr takes a string'],
    ['an unknown operator', { a: [{ contains: 'x' }] }, 'a: unsupported operator "contains"'],
    ['prefix with a number', { a: [{ prefix: 1 }] }, 'a: prefix takes a string'],
    ['prefix with null', { a: [{ prefix: null }] }, 'a: prefix takes a string'],
    ['prefix with a numeric equals-ignore-case', { a: [{ prefix: { 'equals-ignore-case': 1 } }] }, 'a: prefix takes a string'],
    ['equals-ignore-case with a number', { a: [{ 'equals-ignore-case': 1 }] }, 'a: equals-ignore-case takes a string'],
    ['wildcard with a number', { a: [{ wildcard: 1 }] }, 'a: wildcard takes a string'],
    ['consecutive wildcards', { a: [{ wildcard: 'a**b' }] }, 'a: consecutive wildcard characters'],
    ['anything-but with two operators', { a: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] }, 'a: anything-but takes a value, a list, or one of prefix/suffix/...'],
    ['anything-but equals-ignore-case with a number in the list', { a: [{ 'anything-but': { 'equals-ignore-case': ['a', 1] } }] }, 'a: strings only'],
    ['anything-but with a prefix list', { a: [{ 'anything-but': { prefix: ['a', 'b'] } }] }, 'a: anything-but prefix takes a single string'],
    ['anything-but with mixed types', { a: [{ 'anything-but': ['a', 1] }] }, 'a: anything-but lists hold only strings or only numbers'],
    ['numeric with a number', { a: [{ numeric: 5 }] }, 'a: numeric takes [op, n] or [op, n, op, n]'],
    ['numeric with three items', { a: [{ numeric: ['>', 1, '<'] }] }, 'a: numeric takes [op, n] or [op, n, op, n]'],
    ['numeric with three comparisons', { a: [{ numeric: ['>', 1, '<', 5, '>', 2] }] }, 'a: numeric takes [op, n] or [op, n, op, n]'],
    ['numeric with an unknown operator', { a: [{ numeric: ['!=', 1] }] }, 'a: unknown numeric operator "!="'],
    ['numeric with a string bound', { a: [{ numeric: ['>', '1'] }] }, 'a: numeric bounds are numbers'],
    ['an empty pattern', {}, 'the pattern: empty objects are not allowed'],
    ['an empty nested object', { d: {} }, 'd: empty objects are not allowed'],
    // Event Ruler's RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP (aws/event-ruler Constants.java), at any depth under $or.
    ['a field named cidr inside $or', { $or: [{ cidr: ['1'] }, { b: ['1'] }] }, 'cidr: "cidr" is reserved and cannot be a field name inside $or'],
    ['a field named prefix deep inside $or', { d: { $or: [{ e: { prefix: ['1'] } }, { b: ['1'] }] } }, 'd.e.prefix: "prefix" is reserved and cannot be a field name inside $or'],
    ['a field named numeric inside nested $or', { $or: [{ $or: [{ numeric: ['1'] }, { c: ['1'] }] }, { b: ['1'] }] }, 'numeric: "numeric" is reserved and cannot be a field name inside $or'],
    // Checked whole, as PutRule compiles it: a bad branch is refused even when an earlier branch matches.
    ['a bad $or branch after one that matches', { $or: [{ a: ['a'] }, { b: [{ prefix: 1 }] }] }, 'b: prefix takes a string'],
    ['a bad field after one that fails', { z: ['no'], b: [{ numeric: 5 }] }, 'b: numeric takes [op, n] or [op, n, op, n]'],
  ] as const)('rejects %s', (_name, pattern, message) => {
    expect(rejection(pattern).message).toBe(message);
    expect(() => checkPattern(pattern)).toThrow(message);
  });

  it.each(['exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr', '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case', 'date-after', 'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range', 'ip-address-in-range', 'ip-address-not-in-range'])(
    'refuses %s as a field name inside $or, and accepts it outside',
    (name) => {
      expect(() => checkPattern({ d: { $or: [{ [name]: ['1'] }, { b: ['1'] }] } })).toThrow(`"${name}" is reserved`);
      expect(matchesPattern({ d: { [name]: ['1'] } }, { d: { [name]: '1' } })).toBe(true);
    },
  );

  it('accepts names that only contain a reserved word inside $or (cidrIp, prefixListId)', () => {
    expect(() => checkPattern({ $or: [{ cidrIp: ['1'] }, { prefixListId: ['1'] }] })).not.toThrow();
  });
});
