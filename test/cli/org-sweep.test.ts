import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoEndpoint } from '../support/moto.js';
import { BASELINE as B } from '../../events/simulated-account/ids.js';
import { SIMULATED_MEMBERS } from '../../events/simulated-account/organization.js';
import { cleanEnv, EC2Client, motoCliEnv, openToWorld, ownStderr, run, tempDir, vpcWithGroup, writeJson } from './support.js';

/**
 * `layerguard sweep --accounts … --regions …` as a user runs it (a child process), on the simulated
 * organisation: a hub (the baseline's account 111122223333) and two members, each in us-east-1 and
 * eu-west-1, every account-region its own three-tier network and its own EC2 buckets.
 */

const [m1, m2] = SIMULATED_MEMBERS;

describe.concurrent('sweep across accounts and regions (simulated organisation)', { timeout: 60_000 }, () => {
  it('--accounts all --regions all: one row per account-region with a count per outcome, then the drift found, exit 0', async () => {
    const r = await run(['sweep', '--dry-run', '--target', 'simulated', '--accounts', 'all', '--regions', 'all', '--inject', 'ssh-open-to-world']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual([
      'account', 'region', 'remediated', 'already-compliant', 'ignored', 'exempt', 'dry-run', 'alert-only', 'failed', 'scanned',
    ]);
    const rows = lines.slice(1, 7).map((l) => l.split(/\s{2,}/));
    expect(rows.map((c) => `${c[0]} ${c[1]}`)).toEqual([
      `${B.account} us-east-1`, `${B.account} eu-west-1`, `${m1} us-east-1`, `${m1} eu-west-1`, `${m2} us-east-1`, `${m2} eu-west-1`,
    ]);
    // The drift was injected in the hub's us-east-1 only: one dry-run there, nothing anywhere else.
    expect(rows[0]).toEqual([B.account, 'us-east-1', '0', '0', '0', '0', '1', '0', '0', '4 sg, 4 rtb']);
    for (const row of rows.slice(1)) expect(row.slice(2)).toEqual(['0', '0', '0', '0', '0', '0', '0', '4 sg, 4 rtb']);
    expect(lines[7]?.split(/\s{2,}/)).toEqual(['total', '6 account-regions', '0', '0', '0', '0', '1', '0', '0']);
    expect(r.stdout).toContain(`${B.account} us-east-1  dry-run    ${B.securityGroups.app}`);
    expect(lines.at(-1)).toBe('sweep (dry-run) on simulated, injected without events: ssh-open-to-world: 6 account-regions, 1 dry-run');
    expect(ownStderr(r.stderr)).toContain(
      'layerguard: sweeping 6 account-regions (3 accounts × us-east-1, eu-west-1), 8 at once, 4 EC2 calls in flight in each',
    );
    // No terminal: no progress line on stderr.
    expect(r.stderr).not.toContain('sweep: 6/6');
  });

  it('--json: one object with a row per account-region (account, region, counts, what it scanned) and the total', async () => {
    const r = await run([
      'sweep', '--json', '--target', 'simulated', '--accounts', `${m2},${B.account}`, '--regions', 'eu-west-1',
      '--inject', 'igw-route-on-database-table',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      action: 'sweep',
      dryRun: false,
      target: 'simulated',
      accounts: [m2, B.account],
      regions: ['eu-west-1'],
      injected: ['igw-route-on-database-table'],
      summary: { total: 0 },
    });
    // The drift is in the hub's us-east-1, which this run did not ask for: none found.
    expect(out.rows.map((row: { account: string; region: string }) => `${row.account} ${row.region}`)).toEqual([`${m2} eu-west-1`, `${B.account} eu-west-1`]);
    for (const row of out.rows) {
      expect(row).toMatchObject({ dryRun: false, outcomes: [], summary: { total: 0, scanned: { securityGroups: 4, routeTables: 4, vpcs: 1 } } });
      expect(row.runbookId).toMatch(/^runbook-/);
    }
  });

  it('enforce on the simulated organisation: the drift is reverted in its account-region, and its outcome names them', async () => {
    const r = await run(['sweep', '--json', '--target', 'simulated', '--accounts', 'all', '--regions', 'us-east-1', '--inject', 'rdp-open-to-world']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary.counts).toMatchObject({ remediated: 1, failed: 0 });
    const [hub] = out.rows;
    expect(hub).toMatchObject({ account: B.account, region: 'us-east-1', summary: { counts: { remediated: 1 } } });
    expect(hub.outcomes[0]).toMatchObject({ outcome: 'remediated', resources: [B.securityGroups.app], trigger: { account: B.account, region: 'us-east-1', source: 'runbook' } });
  });

  it('a member whose role cannot be assumed is a failed row naming the account and the fix; the others are swept, exit 1', async () => {
    const r = await run([
      'sweep', '--json', '--target', 'simulated', '--accounts', 'all', '--regions', 'all',
      '--inject', 'member-role-broken', '--inject', 'member-drift-reverted-from-hub',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout);
    const byPlace = Object.fromEntries(
      out.rows.map((row: { account: string; region: string; summary: { counts: Record<string, number> } }) => [`${row.account} ${row.region}`, row]),
    );
    // member-role-broken breaks 333344445555's role; both scenarios drift in 222233334444, eu-west-1 (db and app tiers).
    for (const region of ['us-east-1', 'eu-west-1']) {
      const broken = byPlace[`${m2} ${region}`];
      expect(broken.summary.counts).toMatchObject({ failed: 1, remediated: 0 });
      expect(broken.unreachable).toMatchObject({ code: 'AccessDenied' });
      expect(broken.unreachable.fix).toContain(`Deploy the member StackSet instance to account ${m2}`);
      expect(broken.outcomes[0]).toMatchObject({ outcome: 'failed', resources: [m2], humanAction: broken.unreachable.fix });
    }
    expect(byPlace[`${m1} eu-west-1`].summary.counts).toMatchObject({ remediated: 2, failed: 0 });
    expect(out.summary.counts).toMatchObject({ remediated: 2, failed: 2 });
  });

  it('the table shows the unreachable rows and the fix under it', async () => {
    const r = await run(['sweep', '--dry-run', '--target', 'simulated', '--accounts', m2, '--regions', 'us-east-1', '--inject', 'member-role-broken']);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[1]?.split(/\s{2,}/)).toEqual([m2, 'us-east-1', '0', '0', '0', '0', '0', '0', '1', 'unreachable']);
    expect(r.stdout).toContain(`to do: LayerGuard's hub could not assume arn:aws:iam::${m2}:role/layerguard-member in account ${m2} (AccessDenied)`);
    expect(lines.at(-1)).toBe('sweep (dry-run) on simulated, injected without events: member-role-broken: 1 account-regions, 1 failed');
  });

  it.each([
    [['--accounts', '12,abc'], 'layerguard: --accounts: 12, abc: an account id is 12 digits (or give all)'],
    [['--accounts', `${m1},`], `layerguard: --accounts: an empty item in "${m1},": give all, or a comma-separated list`],
    [['--regions', 'mars-1'], 'layerguard: --regions: mars-1: a region looks like eu-west-1 (or give all)'],
    [['--accounts', '999999999999'], `layerguard: 999999999999: not in the simulated organisation (its accounts: ${B.account}, ${m1}, ${m2})`],
    [['--regions', 'ap-south-1'], 'layerguard: ap-south-1: not a region of the simulated organisation (its regions: us-east-1, eu-west-1)'],
    [['--accounts', 'all', '--vpc-id', B.vpcId], 'layerguard: --vpc-id names one VPC of one account and region: it cannot be combined with --accounts or --regions'],
    [['--accounts', 'all', '--parallel', '0'], 'layerguard: --parallel: 0: a whole number from 1 to 64'],
    [['--parallel', '2'], 'layerguard: --parallel needs --accounts or --regions'],
  ])('bad input %j: one line naming the fix, exit 2, nothing swept', async (args, message) => {
    const r = await run(['sweep', '--target', 'simulated', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(ownStderr(r.stderr)).toEqual([message]);
  });

  it('a real account without --apply or --yes keeps the existing rules: --yes without --apply is refused (exit 2)', async () => {
    const r = await run(['sweep', '--accounts', 'all', '--yes']);
    expect(r.code).toBe(2);
    expect(ownStderr(r.stderr)).toEqual(['layerguard: --yes confirms --apply: add --apply to change the account']);
  });
});

/*
 * On moto, through the real reach: the hub is moto's default account, the member 210987654321. moto
 * maps an assumed role's credentials to the account in the role's ARN, so the member's drift is made
 * with a member-account role and the CLI reaches it through the member role, as on AWS.
 */
const endpoint = motoEndpoint();
const MOTO_HUB = '123456789012';
const MOTO_MEMBER = '210987654321';

describe.skipIf(!endpoint)('sweep across accounts on moto (the member role, real HTTP)', { timeout: 90_000 }, () => {
  it('finds the member account\'s drift through the member role, and only there; read-only without --apply', async () => {
    const env = motoCliEnv(endpoint as string);
    const sts = new STSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MOTO_MEMBER}:role/cli-test-person`, RoleSessionName: 'cli-test' }),
    );
    const c = assumed.Credentials;
    const ec2 = new EC2Client({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: c?.AccessKeyId as string, secretAccessKey: c?.SecretAccessKey as string, sessionToken: c?.SessionToken as string },
    });
    const { vpcId, groupId } = await vpcWithGroup(ec2);
    const ruleId = await openToWorld(ec2, groupId, 22);
    const config = writeJson(tempDir(), 'layerguard.config.json', {
      organization: { id: 'o-lgclitest01', hub: { account: MOTO_HUB, region: 'us-east-1' }, memberRegions: ['us-east-1'], memberOus: ['r-lg12'] },
    });
    try {
      const r = await run(['sweep', '--json', '--config', config, '--accounts', `${MOTO_HUB},${MOTO_MEMBER}`, '--regions', 'all'], env);
      // Other test files share moto (drift of their own may be there): judge this test's group only.
      expect([0, 1, 3], r.stderr).toContain(r.code);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ target: 'aws', dryRun: true, accounts: [MOTO_HUB, MOTO_MEMBER], regions: ['us-east-1'] });
      const rows = out.rows as { account: string; outcomes: { outcome: string; resources: string[]; trigger: { account: string } }[] }[];
      const mine = rows.map((row) => [row.account, row.outcomes.filter((o) => o.resources.includes(groupId)).map((o) => o.outcome)]);
      expect(mine).toEqual([
        [MOTO_HUB, []],
        [MOTO_MEMBER, ['dry-run']],
      ]);
      expect(ownStderr(r.stderr)[0]).toBe(`layerguard: configuration ${config}, mode enforce (read-only: no --apply), account ${MOTO_HUB}, region us-east-1, target aws`);
      // Read-only: the rule is still there.
      const { DescribeSecurityGroupRulesCommand } = await import('@aws-sdk/client-ec2');
      const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [ruleId] }));
      expect(rules.SecurityGroupRules?.map((x) => x.SecurityGroupRuleId)).toEqual([ruleId]);
    } finally {
      const { DeleteSecurityGroupCommand, DeleteVpcCommand } = await import('@aws-sdk/client-ec2');
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })).catch(() => undefined);
      await ec2.send(new DeleteVpcCommand({ VpcId: vpcId })).catch(() => undefined);
    }
  });

  it('another account without the organization key is refused before any call, naming the fix (exit 2)', async () => {
    const r = await run(['sweep', '--accounts', `${MOTO_HUB},${MOTO_MEMBER}`, '--config', writeJson(tempDir(), 'c.json', {})], motoCliEnv(endpoint as string));
    expect(r.code).toBe(2);
    expect(ownStderr(r.stderr)).toEqual([
      `layerguard: ${MOTO_MEMBER}: another account is swept through its member role, which the configuration's organization key names (memberRoleName, externalId): add it (see layerguard.org.example.json) or give --config`,
    ]);
  });
});

/*
 * `--remote`: the deployed hub's runbook function sweeps each account-region (its role is the one the
 * member roles trust), one invocation each with the account and region in the payload. A stand-in for
 * STS and Lambda on loopback answers as they would.
 */
describe('sweep across accounts with --remote (the deployed runbook function, one invocation per account-region)', { timeout: 60_000 }, () => {
  let server: Server;
  let endpoint: string;
  const received: Array<{ path: string; payload: { account: string; region: string; dryRun: boolean; action: string } }> = [];
  const counts = (more: Record<string, number>) => ({ remediated: 0, 'already-compliant': 0, ignored: 0, exempt: 0, 'dry-run': 0, 'alert-only': 0, failed: 0, ...more });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => {
        if (text.includes('Action=GetCallerIdentity')) {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
              `<Arn>arn:aws:iam::${B.account}:user/ops</Arn><UserId>AIDEXAMPLE</UserId><Account>${B.account}</Account>` +
              '</GetCallerIdentityResult></GetCallerIdentityResponse>',
          );
          return;
        }
        const payload = JSON.parse(text);
        received.push({ path: req.url ?? '', payload });
        if (payload.account === m2) {
          res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
          res.end(JSON.stringify({ errorType: 'Error', errorMessage: 'Task timed out after 300.00 seconds' }));
          return;
        }
        const found = payload.account === m1 && payload.region === 'eu-west-1';
        const outcome = { outcome: 'dry-run', reason: 'would revoke', resources: ['sg-0a1b2c3d4e5f67002'], actions: [], eventId: 'runbook-x', eventName: 'sweep', trigger: { account: m1, region: 'eu-west-1' } };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            runbookId: `runbook-${payload.account}-${payload.region}`,
            action: 'sweep',
            dryRun: true,
            outcomes: found ? [outcome] : [],
            summary: { total: found ? 1 : 0, counts: counts(found ? { 'dry-run': 1 } : {}), scanned: { securityGroups: 4, routeTables: 4, vpcs: 1, vpcsWithForbiddenRoutes: 1 } },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('invokes the function once per account-region with the account, the region and dryRun; a failed invocation is that row only (exit 1)', async () => {
    const env = { ...cleanEnv(), AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_MAX_ATTEMPTS: '1' };
    const r = await run(
      ['sweep', '--remote', '--function-name', 'hub-runbook', '--accounts', `${B.account},${m1},${m2}`, '--regions', 'us-east-1,eu-west-1', '--json', '--parallel', '2'],
      env,
    );
    expect(r.code, r.stderr).toBe(1);
    const payloads = received.map((x) => `${x.path} ${x.payload.action} ${x.payload.account} ${x.payload.region} ${x.payload.dryRun}`).sort();
    expect(payloads).toEqual(
      [B.account, m1, m2].flatMap((a) => ['us-east-1', 'eu-west-1'].map((g) => `/2015-03-31/functions/hub-runbook/invocations sweep ${a} ${g} true`)).sort(),
    );
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ target: 'remote', dryRun: true, summary: { counts: { 'dry-run': 1, failed: 2 } } });
    expect(out.rows.map((row: { account: string; region: string; summary: { counts: Record<string, number> } }) => [row.account, row.region, row.summary.counts['dry-run'], row.summary.counts.failed])).toEqual([
      [B.account, 'us-east-1', 0, 0],
      [B.account, 'eu-west-1', 0, 0],
      [m1, 'us-east-1', 0, 0],
      [m1, 'eu-west-1', 1, 0],
      [m2, 'us-east-1', 0, 1],
      [m2, 'eu-west-1', 0, 1],
    ]);
    expect(out.rows[4].outcomes[0].reason).toBe(
      `the sweep of account ${m2}, region us-east-1 failed: the runbook function hub-runbook failed (Unhandled): Error: Task timed out after 300.00 seconds`,
    );
    expect(ownStderr(r.stderr)[0]).toBe(`layerguard: configuration the deployed function's, mode dry-run, account ${B.account}, region us-east-1, target remote (hub-runbook)`);
  });

  it('--remote with --concurrency or --policy is refused before any call (exit 2)', async () => {
    const r = await run(['sweep', '--remote', '--function-name', 'f', '--accounts', 'all', '--concurrency', '2']);
    expect(r.code).toBe(2);
    expect(ownStderr(r.stderr)).toEqual(["layerguard: --concurrency applies to local runs: the deployed function sweeps with its own (sweep.concurrency)"]);
  });
});
