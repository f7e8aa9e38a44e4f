/**
 * A local implementation of EventBridge content filtering (the semantics of aws/event-ruler's
 * `rulesForJSONEvent`), for the operators LayerGuard's patterns use and a few more. The game-day router,
 * `layerguard explain` and the tests use it to prove that an event matches what is deployed.
 *
 * Semantics, as documented by EventBridge and Event Ruler:
 * - a pattern is an object; every key must match (AND); a leaf is an array of alternatives (OR);
 * - `$or: [{...}, {...}]` (two or more objects) matches when any branch matches, at any nesting level;
 * - arrays in the event are matched element-wise, and two fields never match from different elements of
 *   the same array ("array-consistent" matching);
 * - exact values match only the same JSON type (`"5"` is not `5`; `5` equals `5.0`);
 * - `prefix`, `suffix`, `equals-ignore-case` and `wildcard` match strings only;
 * - `anything-but` needs the field to be present (a missing field never matches it); its value is a
 *   string, a number, a list of either, or `{prefix}` / `{suffix}` / `{equals-ignore-case}` / `{wildcard}`;
 * - `exists: true` matches a leaf value (also `null`); `exists: false` matches a missing field, an object
 *   (not a leaf), or an empty array;
 * - `numeric: [op, n, (op, n)]` matches numbers only; `cidr` matches IPv4/IPv6 address strings.
 */

/** A JSON value as it appears in events and patterns. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A malformed pattern: the pattern language would reject it, so the matcher does too. */
export class InvalidPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPatternError';
  }
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The names Event Ruler reserves inside `$or`, at any depth (`RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP`,
 * aws/event-ruler Constants.java; JsonRuleCompiler rejects "cidr is Ruler reserved fieldName which cannot
 * be used inside $or"): PutRule refuses such a pattern, and CloudFormation's validator warns of it (E9014).
 */
const RESERVED_IN_OR: ReadonlySet<string> = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case', 'date-after', 'date-on-or-after',
  'date-before', 'date-on-or-before', 'in-date-range', 'ip-address-in-range', 'ip-address-not-in-range',
]);

/**
 * Throws `InvalidPatternError` when EventBridge would refuse `pattern` at PutRule. The whole pattern is
 * checked, as Event Ruler compiles it whole: a bad branch is bad even where no event reaches it.
 */
export function checkPattern(pattern: unknown): void {
  if (!isObject(pattern)) throw new InvalidPatternError('a pattern is a JSON object');
  checkObject(pattern, '', false);
}

function checkObject(pattern: JsonObject, path: string, inOr: boolean): void {
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new InvalidPatternError(`${path || 'the pattern'}: empty objects are not allowed`);
  for (const [key, sub] of entries) {
    const where = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2 || !sub.every(isObject)) {
        throw new InvalidPatternError(`${where}: $or takes an array of at least two pattern objects`);
      }
      for (const branch of sub) checkObject(branch as JsonObject, path, true);
      continue;
    }
    if (inOr && RESERVED_IN_OR.has(key)) {
      throw new InvalidPatternError(`${where}: "${key}" is reserved and cannot be a field name inside $or`);
    }
    if (Array.isArray(sub)) checkLeaf(sub, where);
    else if (isObject(sub)) checkObject(sub, where, inOr);
    else throw new InvalidPatternError(`${where}: a pattern value is an array of matchers or a nested object`);
  }
}

function checkLeaf(matchers: Json[], where: string): void {
  if (matchers.length === 0) throw new InvalidPatternError(`${where}: an empty list matches nothing`);
  for (const matcher of matchers) {
    if (Array.isArray(matcher)) throw new InvalidPatternError(`${where}: nested arrays are not matchers`);
    if (!isObject(matcher)) continue;
    const keys = Object.keys(matcher);
    if (keys.length !== 1) throw new InvalidPatternError(`${where}: a matcher object has exactly one operator`);
    const [op] = keys as [string];
    const arg = matcher[op] as Json;
    if (op === 'exists') {
      if (typeof arg !== 'boolean') throw new InvalidPatternError(`${where}: exists takes true or false`);
    } else {
      compile(op, arg, where);
    }
  }
}

/** True when `event` matches the EventBridge `pattern`. Throws `InvalidPatternError` on a bad pattern. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  checkPattern(pattern);
  return matchObject(pattern as JsonObject, event as Json | undefined);
}

// The matchers below run on a pattern `checkPattern` has accepted.
function matchObject(pattern: JsonObject, node: Json | undefined): boolean {
  // Array-consistent: the whole sub-pattern must match within one element.
  if (Array.isArray(node)) {
    const elements = node.filter((e) => e !== undefined);
    if (elements.length === 0) return matchObject(pattern, undefined);
    return elements.some((element) => matchObject(pattern, element));
  }
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as JsonObject[]).some((branch) => matchObject(branch, node))) return false;
      continue;
    }
    const child = isObject(node) ? node[key] : undefined;
    const matched = Array.isArray(sub) ? matchLeaf(sub, child) : matchObject(sub as JsonObject, child);
    if (!matched) return false;
  }
  return true;
}

/** The leaf values under a node: primitives, with arrays flattened; objects are not leaves. */
function leafValues(node: Json | undefined): Leaf[] {
  if (node === undefined || isObject(node)) return [];
  if (Array.isArray(node)) return node.flatMap(leafValues);
  return [node];
}

function matchLeaf(matchers: Json[], node: Json | undefined): boolean {
  const values = leafValues(node);
  return matchers.some((m) => matchOne(m, values));
}

type Leaf = string | number | boolean | null;

function matchOne(matcher: Json, values: Leaf[]): boolean {
  if (!isObject(matcher)) return values.some((v) => equalsExactly(matcher, v));
  const [op] = Object.keys(matcher) as [string];
  const arg = matcher[op] as Json;
  if (op === 'exists') return arg ? values.length > 0 : values.length === 0;
  return values.some(compile(op, arg, op));
}

function compile(op: string, arg: Json, where: string): (v: Leaf) => boolean {
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard': {
      const test = stringTest(op, arg, where);
      return (v) => typeof v === 'string' && test(v);
    }
    case 'anything-but':
      return anythingBut(arg, where);
    case 'numeric': {
      const test = numeric(arg, where);
      return (v) => typeof v === 'number' && test(v);
    }
    case 'cidr':
      if (typeof arg !== 'string') throw new InvalidPatternError(`${where}: cidr takes a string`);
      return (v) => typeof v === 'string' && inCidr(v, arg);
    default:
      throw new InvalidPatternError(`${where}: unsupported operator "${op}"`);
  }
}

/** Same JSON type and value: `"5"` is not `5`, and `5` is `5.0` (JSON numbers are doubles: `===` on both). */
const equalsExactly = (expected: Json, actual: Leaf): boolean => expected === actual;

/** A string test: prefix / suffix / equals-ignore-case / wildcard, each with a string argument. */
function stringTest(op: string, arg: Json, where: string): (v: string) => boolean {
  if (op === 'prefix' || op === 'suffix') {
    // `{"prefix": {"equals-ignore-case": "x"}}` is the case-insensitive form.
    if (isObject(arg) && typeof arg['equals-ignore-case'] === 'string') {
      const s = (arg['equals-ignore-case'] as string).toLowerCase();
      return op === 'prefix' ? (v) => v.toLowerCase().startsWith(s) : (v) => v.toLowerCase().endsWith(s);
    }
    if (typeof arg !== 'string') throw new InvalidPatternError(`${where}: ${op} takes a string`);
    return op === 'prefix' ? (v) => v.startsWith(arg) : (v) => v.endsWith(arg);
  }
  if (op === 'equals-ignore-case') {
    if (typeof arg !== 'string') throw new InvalidPatternError(`${where}: equals-ignore-case takes a string`);
    return (v) => v.toLowerCase() === arg.toLowerCase();
  }
  if (typeof arg !== 'string') throw new InvalidPatternError(`${where}: wildcard takes a string`);
  if (arg.includes('**')) throw new InvalidPatternError(`${where}: consecutive wildcard characters`);
  const regex = new RegExp(`^${arg.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return (v) => regex.test(v);
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function anythingBut(arg: Json, where: string): (value: Leaf) => boolean {
  if (isObject(arg)) {
    const keys = Object.keys(arg);
    const [op] = keys as [string];
    if (keys.length !== 1 || !['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(op)) {
      throw new InvalidPatternError(
        `${where}: anything-but takes a value, a list, or one of prefix/suffix/...`,
      );
    }
    const inner = arg[op] as Json;
    // Only equals-ignore-case takes a list inside anything-but; prefix/suffix/wildcard take one string.
    if (op === 'equals-ignore-case' && Array.isArray(inner)) {
      if (!inner.every((s) => typeof s === 'string')) throw new InvalidPatternError(`${where}: strings only`);
      const lowered = inner.map((s) => (s as string).toLowerCase());
      return (value) => typeof value === 'string' && !lowered.includes(value.toLowerCase());
    }
    if (typeof inner !== 'string') {
      throw new InvalidPatternError(`${where}: anything-but ${op} takes a single string`);
    }
    const test = stringTest(op, inner, where);
    return (value) => typeof value === 'string' && !test(value);
  }
  const excluded = Array.isArray(arg) ? arg : [arg];
  const allStrings = excluded.every((e) => typeof e === 'string');
  const allNumbers = excluded.every((e) => typeof e === 'number');
  if (excluded.length === 0 || (!allStrings && !allNumbers)) {
    throw new InvalidPatternError(`${where}: anything-but lists hold only strings or only numbers`);
  }
  return (value) => !excluded.some((e) => equalsExactly(e, value));
}

const COMPARE: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numeric(arg: Json, where: string): (value: number) => boolean {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    throw new InvalidPatternError(`${where}: numeric takes [op, n] or [op, n, op, n]`);
  }
  const checks: Array<(value: number) => boolean> = [];
  for (let i = 0; i < arg.length; i += 2) {
    const compare = COMPARE[String(arg[i])];
    const bound = arg[i + 1];
    if (!compare) throw new InvalidPatternError(`${where}: unknown numeric operator "${String(arg[i])}"`);
    if (typeof bound !== 'number') throw new InvalidPatternError(`${where}: numeric bounds are numbers`);
    checks.push((value) => compare(value, bound));
  }
  return (value) => checks.every((check) => check(value));
}

/** True when `address` (IPv4 or IPv6, no prefix) lies in `cidr`. Invalid input never matches. */
function inCidr(address: string, cidr: string): boolean {
  const [base = '', bitsText] = cidr.split('/');
  const a = toBits(address);
  const b = toBits(base);
  const bits = Number(bitsText);
  if (!a || !b || a.length !== b.length || !Number.isInteger(bits) || bits < 0 || bits > b.length)
    return false;
  return a.slice(0, bits) === b.slice(0, bits);
}

function toBits(ip: string): string | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const parts = ip.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return parts.map((p) => p.toString(2).padStart(8, '0')).join('');
  }
  if (!ip.includes(':')) return undefined;
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}
