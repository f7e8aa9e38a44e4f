import { beforeAll, describe, expect, it } from 'vitest';
// Imported statically too, so that a mutation run runs this file for runbook.ts's mutants (vitest's `related`).
import { UnsupportedEventError } from '../../functions/core/errors.js';
import { parseRunbookPayload as sharedParse } from '../../functions/core/runbook.js';
import { fresh } from '../support/fresh.js';

/*
 * The runbook's revert-network-acl payload. Its schema is built at import, so it is read through a
 * copy of runbook.ts evaluated anew (test/support/fresh.ts): under a mutation run, that copy has the
 * mutant on.
 */
let parseRunbookPayload: typeof sharedParse = sharedParse;
beforeAll(async () => {
  ({ parseRunbookPayload } = await fresh<typeof import('../../functions/core/runbook.js')>(
    new URL('../../functions/core/runbook.ts', import.meta.url).href,
  ));
});

const ACL = 'acl-0a1b2c3d4e5f6a003';

describe('parseRunbookPayload: revert-network-acl', () => {
  it.each([ACL, 'acl-0abc1234'])('takes the network ACL id %s', (networkAclId) => {
    const payload = { action: 'revert-network-acl', networkAclId, dryRun: true };
    expect(parseRunbookPayload(payload)).toEqual(payload);
  });

  it.each([`x${ACL}`, `${ACL}-x`, `${ACL}0`, 'subnet-0a1b2c3d4e5f63001', '-0a1b2c3d4e5f6a003'])(
    'refuses %s and says what a network ACL id looks like',
    (networkAclId) => {
      const read = () => parseRunbookPayload({ action: 'revert-network-acl', networkAclId, dryRun: false });
      // The fresh copy has its own RunbookPayloadError class; its base class (errors.ts) is shared.
      expect(read).toThrow(UnsupportedEventError);
      expect(read).toThrow(/^invalid runbook payload: networkAclId: expected an id like acl-0abc1234$/);
    },
  );
});
