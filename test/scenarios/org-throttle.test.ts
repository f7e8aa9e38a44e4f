import { describe, expect, it } from 'vitest';
import { BASELINE as B } from '../../events/simulated-account/ids.js';
import { bucketsPerAccountRegion, SimulatedOrganization } from '../../events/simulated-account/organization.js';

/**
 * EC2 throttles "for each account, on a per-Region basis"
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html): the simulated
 * organisation gives every account-region buckets of its own.
 */
describe('EC2 buckets per account and region (simulated organisation)', () => {
  it('emptying one account-region’s read bucket throttles it alone: another region, another account still answer', async () => {
    let t = 0;
    const org = new SimulatedOrganization({ network: { throttle: bucketsPerAccountRegion(() => t) } });
    const [member] = org.members as [string];
    const busy = org.network(member, 'us-east-1');
    // The read bucket holds 100 tokens (refilled at 20 a second; the clock stands still here).
    for (let i = 0; i < 100; i++) await busy.listSubnets(B.vpcId);
    await expect(busy.listSubnets(B.vpcId)).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
    await expect(org.network(member, 'eu-west-1').listSubnets(B.vpcId)).resolves.toHaveLength(6);
    await expect(org.network(B.account, 'us-east-1').listSubnets(B.vpcId)).resolves.toHaveLength(6);
    // A second later 20 tokens are back in the busy one.
    t = 1000;
    await expect(busy.listSubnets(B.vpcId)).resolves.toHaveLength(6);
  });
});
