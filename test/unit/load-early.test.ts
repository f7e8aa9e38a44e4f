import { describe, expect, it } from 'vitest';
import { fresh } from '../support/fresh.js';

/*
 * policy.ts and runbook.ts evaluated anew inside a test (test/support/fresh.ts), like test/unit/load.test.ts,
 * in a file that imports neither at its top: a mutant that makes either throw at import (a discriminated
 * union without its key) makes every file that imports them fail to load, which a mutation run does not
 * count as a kill, so this file must still load and fail a test. The literal dynamic imports put the
 * modules in this file's graph, so a mutation run runs it for their mutants (vitest's `related`).
 */

const core = (name: string) => new URL(`../../functions/core/${name}.ts`, import.meta.url).href;

describe('policy.ts and runbook.ts load, and do what their schemas say', () => {
  it('policy.ts: DEFAULT_POLICY is SEC05-BP01 web tier; public ports by protocol (tcp/udp a port, ICMP a type)', async () => {
    await import('../../functions/core/policy.js'); // loads, or fails this test: see above
    const { DEFAULT_POLICY, parsePolicy } = await fresh<typeof import('../../functions/core/policy.js')>(core('policy'));
    expect(DEFAULT_POLICY.mode).toBe('enforce');
    expect(DEFAULT_POLICY.publicTier.allowedPorts).toEqual([
      { protocol: 'tcp', port: 80 },
      { protocol: 'tcp', port: 443 },
    ]);
    const ports = parsePolicy({ publicTier: { allowedPorts: [{ protocol: 'udp', port: 53 }, { protocol: 'icmp', type: 3, code: 4 }] } }).publicTier.allowedPorts;
    expect(ports).toEqual([{ protocol: 'udp', port: 53 }, { protocol: 'icmp', type: 3, code: 4 }]);
    expect(() => parsePolicy({ publicTier: { allowedPorts: [{ protocol: 'tcp', type: 3 }] } })).toThrow(/allowedPorts\.0/);
    expect(() => parsePolicy({ publicTier: { allowedPorts: [{ protocol: 'icmp', port: 80 }] } })).toThrow(/allowedPorts\.0/);
    expect(() => parsePolicy({ ownRolePrefixes: ['LayerGuard'] })).toThrow(/ownRolePrefixes: no longer read/);
    expect(() => parsePolicy({ mode: 'yolo' })).toThrow(/^invalid policy: mode: /);
  });

  it('runbook.ts: each payload schema tells runbooks by their action, and the sweep of the organisation apart', async () => {
    await import('../../functions/core/runbook.js'); // loads, or fails this test: see above
    const { parseFunctionPayload, parseRunbookPayload } = await fresh<typeof import('../../functions/core/runbook.js')>(core('runbook'));
    expect(parseRunbookPayload({ action: 'sweep', dryRun: true })).toEqual({ action: 'sweep', dryRun: true });
    expect(parseFunctionPayload({ action: 'sweep-organization', dryRun: false })).toEqual({ action: 'sweep-organization', dryRun: false });
    expect(() => parseFunctionPayload({ action: 'sweep-organization', dryRun: false, vpcId: 'vpc-0a1b2c3d' })).toThrow();
    expect(() => parseRunbookPayload({ action: 'sweep-organization', dryRun: false })).toThrow();
  });

});
