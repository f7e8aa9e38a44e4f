import { beforeAll, describe, expect, it } from 'vitest';
// Imported statically too, so that a mutation run runs this file for change.ts's mutants (vitest's `related`).
import '../../functions/core/change.js';
import { toChange as sharedToChange } from '../../functions/core/change.js';
import { type CloudTrailRecord, parseTrigger } from '../../functions/core/cloudtrail.js';
import { UnsupportedEventError } from '../../functions/core/errors.js';
import { loadEvent } from '../support/events.js';
import { fresh } from '../support/fresh.js';
import { refusalOf } from '../support/refusal.js';

/*
 * How ModifyManagedPrefixList records are read, and how a malformed one is refused. The request is the
 * SDK's ModifyManagedPrefixListRequest (@aws-sdk/client-ec2 models_7.d.ts: PrefixListId, CurrentVersion,
 * AddEntries of AddPrefixListEntry {Cidr, Description}, RemoveEntries of RemovePrefixListEntry {Cidr}),
 * as CloudTrail records it (the published record change.ts cites: wrapped, the query API's AddEntry with
 * `cidr` and `tag`), and the lower-camel unwrapped form. The schemas are built at import, so the records
 * are read through a copy of change.ts evaluated anew (test/support/fresh.ts).
 */

let toChange: typeof sharedToChange = sharedToChange;
beforeAll(async () => {
  ({ toChange } = await fresh<typeof import('../../functions/core/change.js')>(
    new URL('../../functions/core/change.ts', import.meta.url).href,
  ));
});

const PL = 'pl-0a1b2c3d4e5f6a001';
const SAMPLE = 'ModifyManagedPrefixList/world-added-to-office-list.json';
const record = (requestParameters: unknown): CloudTrailRecord => ({
  ...(parseTrigger(loadEvent(SAMPLE)).record as CloudTrailRecord),
  requestParameters: requestParameters as CloudTrailRecord['requestParameters'],
});
const wrapped = (body: Record<string, unknown>) => record({ ModifyManagedPrefixListRequest: { PrefixListId: PL, ...body } });

const messageOf = (r: CloudTrailRecord): string => refusalOf(() => toChange(r), UnsupportedEventError);

describe('ModifyManagedPrefixList records read into a change', () => {
  it('the published form: one entry, `cidr`, the version as text', () => {
    expect(toChange(wrapped({ CurrentVersion: '3', AddEntry: { Description: 'x', cidr: '0.0.0.0/0', tag: '1' } }))).toStrictEqual({
      kind: 'prefix-list-entries',
      eventName: 'ModifyManagedPrefixList',
      prefixListId: PL,
      currentVersion: 3,
      added: ['0.0.0.0/0'],
      removed: [],
    });
  });

  it('several entries, `Cidr` and `cidr`, host bits cleared as EC2 stores them; removals too', () => {
    expect(toChange(wrapped({ AddEntry: [{ Cidr: '10.9.9.9/0', tag: '1' }, { cidr: '2001:DB8::/32', tag: '2' }], RemoveEntry: { cidr: '10.8.1.0/16', tag: '1' } }))).toMatchObject({
      prefixListId: PL,
      added: ['0.0.0.0/0', '2001:db8::/32'],
      removed: ['10.8.0.0/16'],
    });
  });

  it('the lower-camel unwrapped form, with `items`', () => {
    expect(toChange(record({ prefixListId: PL, currentVersion: 2, addEntry: { items: [{ cidr: '0.0.0.0/0' }] }, removeEntry: { items: [{ cidr: '192.0.2.0/24' }] } }))).toStrictEqual({
      kind: 'prefix-list-entries',
      eventName: 'ModifyManagedPrefixList',
      prefixListId: PL,
      currentVersion: 2,
      added: ['0.0.0.0/0'],
      removed: ['192.0.2.0/24'],
    });
  });

  it('the unwrapped form with the API names (PrefixListId, AddEntry)', () => {
    expect(toChange(record({ PrefixListId: PL, AddEntry: { Cidr: '0.0.0.0/0' } }))).toMatchObject({ prefixListId: PL, added: ['0.0.0.0/0'] });
  });

  it('a rename only: nothing added, nothing removed, no version', () => {
    expect(toChange(wrapped({ PrefixListName: 'office' }))).toStrictEqual({
      kind: 'prefix-list-entries',
      eventName: 'ModifyManagedPrefixList',
      prefixListId: PL,
      added: [],
      removed: [],
    });
  });
});

describe('a malformed ModifyManagedPrefixList record is refused, and the message says what is wrong', () => {
  const malformed = 'malformed ModifyManagedPrefixList request: ';
  it.each<[string, CloudTrailRecord, string]>([
    ['no list id at all', record({ ModifyManagedPrefixListRequest: { AddEntry: { cidr: '0.0.0.0/0' } } }), '(root): needs PrefixListId'],
    ['an entry that is no CIDR', wrapped({ AddEntry: { cidr: 'banana' } }), 'ModifyManagedPrefixListRequest.AddEntry.0.cidr: expected a CIDR'],
    ['an entry without a CIDR', wrapped({ AddEntry: [{ cidr: '10.0.0.0/8' }, { Description: 'x' }] }), 'ModifyManagedPrefixListRequest.AddEntry.1: needs Cidr'],
    ['a list id with a prefix before it', record({ ModifyManagedPrefixListRequest: { PrefixListId: `x${PL}` } }), 'ModifyManagedPrefixListRequest.PrefixListId: expected a prefix list id like pl-0abc1234'],
    ['a list id with text after it', record({ ModifyManagedPrefixListRequest: { PrefixListId: `${PL}x` } }), 'ModifyManagedPrefixListRequest.PrefixListId: expected a prefix list id like pl-0abc1234'],
    ['an unwrapped list id that is not one', record({ prefixListId: 'sg-0a1b2c3d' }), 'prefixListId: expected a prefix list id like pl-0abc1234'],
    ['a negative version', wrapped({ CurrentVersion: '-1' }), 'ModifyManagedPrefixListRequest.CurrentVersion: '],
    // Neither one entry, several nor `{ items }`: refused as a bad entry, never a TypeError.
    ['a bare string for an entry', wrapped({ AddEntry: '0.0.0.0/0' }), 'ModifyManagedPrefixListRequest.AddEntry.0: '],
    ['null for the entries', wrapped({ RemoveEntry: null }), 'ModifyManagedPrefixListRequest.RemoveEntry.0: '],
    ['a number for the entries', wrapped({ AddEntry: 5 }), 'ModifyManagedPrefixListRequest.AddEntry.0: '],
  ])('%s', (_name, r, detail) => {
    const message = messageOf(r);
    if (detail.endsWith(': ')) expect(message.startsWith(`${malformed}${detail}`)).toBe(true);
    else expect(message).toBe(`${malformed}${detail}`);
  });
});
