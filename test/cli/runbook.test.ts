import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINE as B } from '../../events/simulated-account/ids.js';

/**
 * `layerguard runbook …` and `layerguard sweep` as a user runs them: `node bin/layerguard.mjs`, in
 * child processes (a few at a time, each a second or more to start, hence the longer timeouts).
 */

const BIN = fileURLToPath(new URL('../../bin/layerguard.mjs', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the caller's AWS settings, so that no test reaches a real account. */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
  for (const k of Object.keys(env)) if (k.startsWith('AWS_') && !k.endsWith('_FILE')) delete env[k];
  delete env.LAYERGUARD_RUNBOOK_FUNCTION;
  return env;
};

const run = (args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 55_000 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });

/** stderr without Node's and the SDK's own warnings (Node version notices). */
const ownStderr = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.startsWith('layerguard') || l.startsWith('error:'))
    .join('\n');

describe.concurrent('sweep on the simulated account', { timeout: 60_000 }, () => {
  it("Done when: `sweep --dry-run --target simulated --inject ssh-open-to-world` lists the scenario's drift", async () => {
    const r = await run(['sweep', '--dry-run', '--target', 'simulated', '--inject', 'ssh-open-to-world']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`dry-run           ${B.securityGroups.app}`);
    expect(r.stdout).toContain('tcp/22 from 0.0.0.0/0');
    expect(r.stdout).toMatch(/sweep \(dry-run\) on simulated, injected without events: ssh-open-to-world: 1 dry-run; scanned 4 security groups/);
  });

  it('--json: one object with the runbook id, the outcomes and the summary', async () => {
    const r = await run([
      'sweep', '--dry-run', '--json', '--target', 'simulated',
      '--inject', 'ssh-open-to-world', '--inject', 'database-subnet-moved-to-public-table', '--inject', 'control-web-tier-443',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      action: 'sweep',
      dryRun: true,
      target: 'simulated',
      injected: ['ssh-open-to-world', 'database-subnet-moved-to-public-table', 'control-web-tier-443'],
      summary: { total: 2, counts: { 'dry-run': 2, remediated: 0, failed: 0 }, scanned: { securityGroups: 4, routeTables: 4, vpcs: 1 } },
    });
    expect(out.runbookId).toMatch(/^runbook-/);
    expect(out.outcomes.map((o: { outcome: string; resources: string[] }) => `${o.outcome} ${o.resources[0]}`).sort()).toEqual(
      [`dry-run ${B.securityGroups.app}`, `dry-run ${B.routeTables.public}`].sort(),
    );
    for (const o of out.outcomes) {
      expect(o).toMatchObject({ eventId: out.runbookId, eventName: 'sweep', trigger: { source: 'runbook', account: B.account, region: B.region } });
    }
  });

  it('enforce: the drift is reverted, exit 0', async () => {
    const r = await run(['sweep', '--json', '--target', 'simulated', '--inject', 'igw-route-on-main-table-used-by-database']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary.counts).toMatchObject({ remediated: 1, failed: 0 });
    expect(out.outcomes[0]).toMatchObject({ outcome: 'remediated', actions: [{ type: 'delete-route', routeTableId: B.routeTables.main, result: 'done' }] });
  });

  it('no drift: "no drift found", exit 0', async () => {
    const r = await run(['sweep', '--target', 'simulated', '--vpc-id', B.vpcId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^no drift found\nsweep on simulated: nothing to do; scanned 4 security groups/);
  });
});

describe.concurrent('runbook on the simulated account', { timeout: 60_000 }, () => {
  it('revert-security-group --json', async () => {
    const r = await run(['runbook', 'revert-security-group', '--group-id', B.securityGroups.app, '--target', 'simulated', '--inject', 'rdp-open-to-world', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ action: 'revert-security-group', dryRun: false, summary: { total: 1, counts: { remediated: 1 } } });
    expect(out.outcomes[0]).toMatchObject({ resources: [B.securityGroups.app], actions: [{ type: 'revoke-ingress', result: 'done' }] });
  });

  it('revert-subnet-association (people output)', async () => {
    const r = await run(['runbook', 'revert-subnet-association', '--subnet-id', B.subnets.database1, '--target', 'simulated', '--inject', 'database-subnet-moved-to-public-table']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`move ${B.subnets.database1} from ${B.routeTables.public} to ${B.routeTables.database} (done)`);
    expect(r.stdout).toMatch(/revert-subnet-association on simulated.*: 1 remediated/);
  });

  it('revert-route-table --dry-run', async () => {
    const r = await run(['runbook', 'revert-route-table', '--route-table-id', B.routeTables.database, '--target', 'simulated', '--inject', 'igw-route-on-database-table', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, outcomes: [{ outcome: 'dry-run', actions: [{ type: 'delete-route', result: 'skipped' }] }] });
  });
});

describe.concurrent('bad input: one line on stderr, nothing on stdout, exit 2', { timeout: 60_000 }, () => {
  it.each([
    ['a malformed group id', ['runbook', 'revert-security-group', '--group-id', 'sg-web', '--target', 'simulated'], /--group-id: expected an id like sg-0abc1234/],
    ['a malformed vpc id', ['sweep', '--vpc-id', 'vpc-*', '--target', 'simulated'], /--vpc-id: expected an id like vpc-0abc1234/],
    ['an unknown scenario', ['sweep', '--target', 'simulated', '--inject', 'no-such-thing'], /unknown scenario no-such-thing; known: ssh-open-to-world/],
    ['--inject on aws', ['sweep', '--inject', 'ssh-open-to-world'], /--inject needs --target simulated/],
    ['--remote on simulated', ['sweep', '--remote', '--target', 'simulated'], /--remote .* cannot be combined with --target simulated/],
    ['--remote with --policy', ['sweep', '--remote', '--policy', 'x.json'], /--policy applies to local runs only/],
    ['--function-name without --remote', ['sweep', '--function-name', 'f'], /--function-name needs --remote/],
    ['--remote without a function name', ['sweep', '--remote'], /--remote needs the runbook function: pass --function-name NAME or set LAYERGUARD_RUNBOOK_FUNCTION .*RunbookFunctionName/],
    ['a policy file that does not exist', ['sweep', '--target', 'simulated', '--policy', '/nonexistent.json'], /cannot read \/nonexistent.json/],
    ['no AWS region for --target aws', ['sweep', '--dry-run'], /no AWS region: set AWS_REGION/],
  ])('%s', async (_name, args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = ownStderr(r.stderr).split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it.each([
    ['an unknown target', ['sweep', '--target', 'moon']],
    ['a missing --group-id', ['runbook', 'revert-security-group', '--target', 'simulated']],
    ['an unknown runbook', ['runbook', 'revert-everything']],
  ])('%s (commander)', async (_name, args) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error: /);
  });
});

describe('--remote: the deployed function through the Lambda API', { timeout: 60_000 }, () => {
  let server: Server;
  let endpoint: string;
  const received: Array<{ path: string; payload: unknown; invocationType?: string }> = [];
  let answer: (payload: Record<string, unknown>) => { body: string; functionError?: string };

  const body = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => resolve(text));
    });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const text = await body(req);
      if (text.includes('Action=GetCallerIdentity')) {
        // STS (query protocol): the CLI names the account before it invokes anything.
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
            '<Arn>arn:aws:iam::123456789012:user/test</Arn><UserId>AIDEXAMPLE</UserId><Account>123456789012</Account>' +
            '</GetCallerIdentityResult></GetCallerIdentityResponse>',
        );
        return;
      }
      const payload = JSON.parse(text || 'null');
      received.push({ path: req.url ?? '', payload, invocationType: req.headers['x-amz-invocation-type'] as string | undefined });
      const { body: out, functionError } = answer(payload);
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amz-executed-version': '$LATEST',
        ...(functionError ? { 'x-amz-function-error': functionError } : {}),
      });
      res.end(out);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const remoteEnv = () => ({
    ...cleanEnv(),
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_MAX_ATTEMPTS: '1',
  });
  const result = (counts: Record<string, number>) => ({
    runbookId: 'runbook-1',
    action: 'sweep',
    dryRun: true,
    outcomes: [],
    summary: { total: 0, counts: { remediated: 0, 'already-compliant': 0, ignored: 0, exempt: 0, 'dry-run': 0, 'alert-only': 0, failed: 0, ...counts } },
  });

  it('invokes the function (RequestResponse) with the payload and prints its answer', async () => {
    answer = () => ({ body: JSON.stringify(result({})) });
    const r = await run(['sweep', '--remote', '--function-name', 'LayerGuard-Runbook-abc', '--vpc-id', B.vpcId, '--dry-run', '--json'], remoteEnv());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'sweep', target: 'remote', summary: { total: 0 } });
    expect(received.at(-1)).toEqual({
      path: '/2015-03-31/functions/LayerGuard-Runbook-abc/invocations',
      payload: { action: 'sweep', vpcId: B.vpcId, dryRun: true },
      invocationType: 'RequestResponse',
    });
  });

  it('the function name from LAYERGUARD_RUNBOOK_FUNCTION; a failed outcome exits 1', async () => {
    answer = () => ({ body: JSON.stringify(result({ failed: 1 })) });
    const r = await run(['runbook', 'revert-security-group', '--group-id', B.securityGroups.app, '--remote'], {
      ...remoteEnv(),
      LAYERGUARD_RUNBOOK_FUNCTION: 'from-env',
    });
    expect(r.code).toBe(1);
    expect(received.at(-1)?.path).toBe('/2015-03-31/functions/from-env/invocations');
  });

  it('a FunctionError is one clear line on stderr and exit 1', async () => {
    answer = () => ({
      functionError: 'Unhandled',
      body: JSON.stringify({ errorType: 'RunbookPayloadError', errorMessage: 'invalid runbook payload: action: expected one of …', trace: [] }),
    });
    const r = await run(['sweep', '--remote', '--function-name', 'f'], remoteEnv());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(ownStderr(r.stderr).split('\n').at(-1)).toBe(
      'layerguard: the runbook function f failed (Unhandled): RunbookPayloadError: invalid runbook payload: action: expected one of …',
    );
  });
});
