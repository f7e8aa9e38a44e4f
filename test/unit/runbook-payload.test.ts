import { describe, expect, it } from 'vitest';
import { UnsupportedEventError } from '../../functions/core/errors.js';
import { MAX_PAYLOAD_BYTES, parseFunctionPayload, parseRunbookPayload, RunbookPayloadError } from '../../functions/core/runbook.js';

const SG = 'sg-0a1b2c3d4e5f67002';
const RT = 'rtb-0a1b2c3d4e5f64003';
const SUBNET = 'subnet-0a1b2c3d4e5f63001';
const VPC = 'vpc-0a1b2c3d4e5f60001';

describe('parseRunbookPayload: accepted', () => {
  it.each([
    [{ action: 'revert-security-group', groupId: SG, dryRun: false }],
    [{ action: 'revert-security-group', groupId: 'sg-0abc1234', dryRun: true }],
    [{ action: 'revert-route-table', routeTableId: RT, dryRun: true }],
    [{ action: 'revert-route-table', routeTableId: RT, dryRun: false }],
    [{ action: 'revert-subnet-association', subnetId: SUBNET, dryRun: false }],
    [{ action: 'sweep', dryRun: false }],
    [{ action: 'sweep', vpcId: VPC, dryRun: true }],
    [{ action: 'sweep', dryRun: true, account: '222233334444', region: 'eu-west-1' }],
    [{ action: 'revert-security-group', groupId: SG, dryRun: false, account: '222233334444' }],
    [{ action: 'revert-route-table', routeTableId: RT, dryRun: false, region: 'ap-southeast-2' }],
    [{ action: 'revert-subnet-association', subnetId: SUBNET, dryRun: true, region: 'us-gov-west-1' }],
    [{ action: 'revert-prefix-list', prefixListId: 'pl-0a1b2c3d4e5f6a001', dryRun: true }],
    [{ action: 'revert-prefix-list', prefixListId: 'pl-63a5400a', dryRun: false, region: 'eu-west-1' }],
  ])('%j', (payload) => {
    expect(parseRunbookPayload(payload)).toEqual(payload);
  });
});

describe('parseRunbookPayload: refused with a clear reason', () => {
  it.each([
    ['not an object', 'sweep', /expected object/],
    ['null', null, /expected object/],
    ['an array', [{ action: 'sweep' }], /expected object/],
    ['a prefix list id that is not one', { action: 'revert-prefix-list', prefixListId: 'sg-0abc1234', dryRun: true }, /prefixListId: expected an id like pl-0abc1234/],
    ['no action', { groupId: SG }, /action: expected one of revert-security-group, revert-route-table, revert-subnet-association, revert-network-acl, revert-prefix-list, sweep/],
    ['an unknown action', { action: 'delete-everything' }, /action: expected one of/],
    ['an unknown field', { action: 'sweep', vpcId: VPC, force: true }, /Unrecognized key: "force"/],
    ['a field of another action', { action: 'revert-security-group', groupId: SG, routeTableId: RT }, /Unrecognized key: "routeTableId"/],
    ['a missing id', { action: 'revert-route-table' }, /routeTableId: /],
    ['a group id without hex', { action: 'revert-security-group', groupId: 'sg-web' }, /groupId: expected an id like sg-0abc1234/],
    ['a group id too short', { action: 'revert-security-group', groupId: 'sg-0abc123' }, /groupId: expected an id/],
    ['a group id too long', { action: 'revert-security-group', groupId: `sg-${'a'.repeat(18)}` }, /groupId: /],
    ['an upper-case id', { action: 'revert-security-group', groupId: 'sg-0ABC12345' }, /groupId: /],
    ['a group name instead of an id', { action: 'revert-security-group', groupId: 'web-tier' }, /groupId: /],
    ['an id of the wrong kind', { action: 'revert-route-table', routeTableId: SG }, /routeTableId: expected an id like rtb-0abc1234/],
    ['an injection attempt', { action: 'revert-subnet-association', subnetId: 'subnet-0abc1234; rm -rf /' }, /subnetId: /],
    ['a malformed vpc id', { action: 'sweep', vpcId: 'vpc-*' }, /vpcId: expected an id like vpc-0abc1234/],
    ['a string dryRun', { action: 'sweep', dryRun: 'true' }, /dryRun: .*boolean/],
    ['no dryRun: a caller says which it means', { action: 'sweep', vpcId: VPC }, /dryRun: required: true reports what would be reverted, false reverts/],
    ['no dryRun on a one-resource runbook', { action: 'revert-security-group', groupId: SG }, /dryRun: required/],
    ['a numeric id', { action: 'revert-security-group', groupId: 12345678 }, /groupId: .*string/],
    ['an account of 11 digits', { action: 'sweep', dryRun: true, account: '22223333444' }, /account: an account id is 12 digits/],
    ['an account as a number', { action: 'sweep', dryRun: true, account: 222233334444 }, /account: .*string/],
    ['an account with an injection', { action: 'sweep', dryRun: true, account: '222233334444 ; ls' }, /account: an account id is 12 digits/],
    ['a region that is not one', { action: 'sweep', dryRun: true, region: 'mars' }, /region: a region looks like eu-west-1/],
    ['a region in capitals', { action: 'sweep', dryRun: true, region: 'EU-WEST-1' }, /region: a region looks like eu-west-1/],
  ])('%s', (_name, payload, message) => {
    let error: unknown;
    try {
      parseRunbookPayload(payload);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunbookPayloadError);
    expect(error).toBeInstanceOf(UnsupportedEventError); // input that is never retried
    expect((error as Error).message).toMatch(/^invalid runbook payload: /);
    expect((error as Error).message).toMatch(message);
    expect((error as RunbookPayloadError).problems.length).toBeLessThanOrEqual(5);
  });

  it('an oversized payload is refused by its size, before the schema reads it', () => {
    const huge = { action: 'sweep', vpcId: VPC, padding: 'x'.repeat(MAX_PAYLOAD_BYTES) };
    expect(() => parseRunbookPayload(huge)).toThrow(/bytes, the limit is 4096 bytes/);
    const manyIds = { action: 'sweep', vpcIds: Array.from({ length: 1_001 }, () => VPC) };
    expect(() => parseRunbookPayload(manyIds)).toThrow(RunbookPayloadError);
  });

  it('a payload that is not JSON (a cycle) is refused, not crashed on', () => {
    const cyclic: Record<string, unknown> = { action: 'sweep' };
    cyclic.self = cyclic;
    expect(() => parseRunbookPayload(cyclic)).toThrow(/not serialisable as JSON/);
  });

  it('names at most five problems', () => {
    const bad = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    const error = (() => {
      try {
        parseRunbookPayload({ action: 'sweep', ...bad });
      } catch (e) {
        return e as RunbookPayloadError;
      }
      return undefined;
    })();
    expect(error?.problems.length).toBeGreaterThan(0);
    expect(error?.problems.length).toBeLessThanOrEqual(5);
  });
});

describe('parseFunctionPayload: the runbook function also takes sweep-organization', () => {
  it.each([[{ action: 'sweep-organization', dryRun: false }], [{ action: 'sweep-organization', dryRun: true }], [{ action: 'sweep', dryRun: false, account: '222233334444', region: 'eu-west-1' }]])(
    'accepts %j',
    (payload) => {
      expect(parseFunctionPayload(payload)).toEqual(payload);
    },
  );

  it.each([
    ['no dryRun', { action: 'sweep-organization' }, /dryRun: required/],
    // It is every account and region: naming one is a mistake, not a narrower sweep.
    ['an account', { action: 'sweep-organization', dryRun: false, account: '222233334444' }, /Unrecognized key: "account"/],
    ['a region', { action: 'sweep-organization', dryRun: false, region: 'eu-west-1' }, /Unrecognized key: "region"/],
    ['a vpc', { action: 'sweep-organization', dryRun: false, vpcId: VPC }, /Unrecognized key: "vpcId"/],
    ['an unknown action, naming the choices', { action: 'sweep-org' }, /action: expected one of revert-security-group, revert-route-table, revert-subnet-association, revert-network-acl, revert-prefix-list, sweep, sweep-organization/],
  ])('refuses %s', (_name, payload, message) => {
    expect(() => parseFunctionPayload(payload)).toThrow(RunbookPayloadError);
    expect(() => parseFunctionPayload(payload)).toThrow(message);
  });

  it('is not a runbook the CLI or a one-region caller sends: parseRunbookPayload refuses it', () => {
    expect(() => parseRunbookPayload({ action: 'sweep-organization', dryRun: false })).toThrow(
      /action: expected one of revert-security-group, revert-route-table, revert-subnet-association, revert-network-acl, revert-prefix-list, sweep$/,
    );
  });
});

/** The RunbookPayloadError a parser throws for an input (fails the test when it does not throw). */
function errorOf(input: unknown, parse: (input: unknown) => unknown = parseRunbookPayload): RunbookPayloadError {
  try {
    parse(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RunbookPayloadError);
    return error as RunbookPayloadError;
  }
  throw new Error('the payload was accepted');
}

describe('parseRunbookPayload: the error a person reads', () => {
  it.each([
    ['a subnet id that is not one', { action: 'revert-subnet-association', subnetId: 'db-a', dryRun: true }, 'subnetId: expected an id like subnet-0abc1234'],
    ['an account of 13 digits', { action: 'sweep', dryRun: true, account: '1222233334444' }, 'account: an account id is 12 digits'],
    ['a region with a prefix', { action: 'sweep', dryRun: true, region: 'xeu-west-1' }, 'region: a region looks like eu-west-1'],
    ['a region with a suffix', { action: 'sweep', dryRun: true, region: 'eu-west-1a' }, 'region: a region looks like eu-west-1'],
    ['an unknown field, which belongs to the payload', { action: 'sweep', dryRun: true, force: true }, '(payload): Unrecognized key: "force"'],
  ])('%s: names the field and what it looks like', (_name, payload, problem) => {
    const error = errorOf(payload);
    expect(error.name).toBe('RunbookPayloadError');
    expect(error.message).toBe(`invalid runbook payload: ${problem}`);
    expect(error.problems).toEqual([problem]);
  });

  it('lists the first five problems, separated by semicolons', () => {
    // Each of vpcId and region fails both its length and its form: seven problems in all.
    const error = errorOf({ action: 'sweep', vpcId: 'X'.repeat(40), dryRun: 'yes', account: 'x', region: 'X'.repeat(40), force: true });
    expect(error.problems).toHaveLength(5);
    expect(error.message).toBe(`invalid runbook payload: ${error.problems.join('; ')}`);
    expect(error.problems[0]).toMatch(/^vpcId: /);
  });

  it('a missing dryRun is the one problem listed', () => {
    const problem = 'dryRun: required: true reports what would be reverted, false reverts';
    expect(errorOf({ action: 'sweep' }).problems).toEqual([problem]);
  });

  it('an oversized payload lists no field problems, so the CLI shows the size message', () => {
    const error = errorOf({ action: 'sweep', padding: 'x'.repeat(MAX_PAYLOAD_BYTES) });
    expect(error.problems).toEqual([]);
  });

  it('a payload of exactly the limit is judged by the schema, not refused by its size', () => {
    const bare = JSON.stringify({ action: 'sweep', dryRun: true, padding: '' }).length;
    const atLimit = { action: 'sweep', dryRun: true, padding: 'x'.repeat(MAX_PAYLOAD_BYTES - bare) };
    expect(JSON.stringify(atLimit).length).toBe(MAX_PAYLOAD_BYTES);
    expect(errorOf(atLimit).message).toBe('invalid runbook payload: (payload): Unrecognized key: "padding"');
    const overLimit = { ...atLimit, padding: `${atLimit.padding}x` };
    expect(errorOf(overLimit).message).toBe('invalid runbook payload: 4097 bytes, the limit is 4096 bytes');
  });
});
