import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { en } from 'zod/locales';
// Imported statically too, so that a mutation run runs this file for these modules' mutants (vitest's `related`).
import '../../functions/core/organization.js';
import '../../functions/core/patterns.js';
import '../../functions/core/zod-locale.js';
import { fresh } from '../support/fresh.js';

/*
 * The code these modules run at import (zod schemas, module-scope constants, DEFAULT_POLICY), evaluated
 * anew inside a test (test/support/fresh.ts): under a mutation run the copy has the mutant on, so a
 * mutant that breaks loading fails a test here rather than a file's load, which the runner does not
 * count. Every other test file uses the shared copies.
 */

const core = (name: string) => new URL(`../../functions/core/${name}.ts`, import.meta.url).href;

describe('modules built at import load, and do what their schemas say', () => {
  it('organization.ts: OU ids of the documented shape only, and an override that names only OUs', async () => {
    const { parseOrganization } = await fresh<typeof import('../../functions/core/organization.js')>(core('organization'));
    const { DEFAULT_POLICY } = await import('../../functions/core/policy.js');
    const org = (ous: string[]) => ({
      id: 'o-a1b2c3d4e5',
      hub: { account: '111122223333', region: 'eu-west-1' },
      memberRegions: ['eu-west-1'],
      overrides: [{ ous, policy: { mode: 'dry-run' } }],
    });
    // Organizations API reference, OrganizationalUnit.Id: ^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$.
    expect(parseOrganization(org(['ou-ab12-cdef3456']), DEFAULT_POLICY).overrides[0]?.ous).toEqual(['ou-ab12-cdef3456']);
    for (const bad of ['ou-ab1-cdef3456', 'ou-ab12-cdef345', 'ou-AB12-cdef3456', 'ou-ab12-CDEF3456', 'ou--cdef3456', 'ou-ab12-']) {
      expect(() => parseOrganization(org([bad]), DEFAULT_POLICY), bad).toThrow('an OU id looks like ou-ab12-cdef3456');
    }
  });

  it('patterns.ts: without a member role, the own-role exclusion is the issuer filter alone', async () => {
    const { buildRulePatterns } = await fresh<typeof import('../../functions/core/patterns.js')>(core('patterns'));
    const { parsePolicy } = await import('../../functions/core/policy.js');
    const arn = 'arn:aws:iam::111122223333:role/LayerGuard-security-group-eu-west-1';
    const [rule] = buildRulePatterns(parsePolicy({ ownRoleArns: [arn] }), { gameday: false });
    expect((rule?.pattern.detail as Record<string, unknown>).userIdentity).toEqual({
      $or: [
        { sessionContext: { sessionIssuer: { arn: [{ exists: false }] } } },
        { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': [arn] }] } } },
      ],
    });
  });

  it('zod-locale.ts: keeps a locale the embedding program set before it loads', async () => {
    z.config({ localeError: () => 'custom message' });
    try {
      await fresh(core('zod-locale'));
      expect(z.string().safeParse(1).error?.issues[0]?.message).toBe('custom message');
    } finally {
      z.config(en());
    }
  });
});
