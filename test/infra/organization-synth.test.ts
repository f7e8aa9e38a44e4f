import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/constructs/functions.js';
import { NO_BUNDLING } from './support.js';

/**
 * `npx cdk synth -c configFile=layerguard.org.example.json`, as the CDK CLI runs the app (context in
 * CDK_CONTEXT_JSON, output in CDK_OUTDIR), with no AWS credentials: the hub template and the member
 * template (under member/), each passing its cdk-nag validation, then cfn-lint on both.
 */

const outdir = join(mkdtempSync(join(tmpdir(), 'layerguard-org-synth-')), 'cdk.out');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CDK_CONTEXT_JSON: JSON.stringify({ ...NO_BUNDLING, configFile: 'layerguard.org.example.json' }),
  CDK_OUTDIR: outdir,
};
for (const name of Object.keys(env)) if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(name)) delete env[name];
const run = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'infra/app.ts')], {
  cwd: PROJECT_ROOT,
  env,
  encoding: 'utf8',
  timeout: 120_000,
});
const HUB_FILE = join(outdir, 'LayerGuard.template.json');
const MEMBER_FILE = join(outdir, 'member', 'LayerGuard-member.template.json');

describe('the CDK app with the organisation example', () => {
  it('synthesises the hub and the member template, with no AWS credentials, cdk-nag clean', () => {
    expect(run.stderr).not.toMatch(/Validation failed|ERROR/);
    expect(run.status).toBe(0);
    expect(existsSync(HUB_FILE)).toBe(true);
    expect(existsSync(MEMBER_FILE)).toBe(true);
    const hub = JSON.parse(readFileSync(HUB_FILE, 'utf8'));
    const member = JSON.parse(readFileSync(MEMBER_FILE, 'utf8'));
    const [stackSet] = Object.values(hub.Resources as Record<string, { Type: string; Properties: { TemplateBody: string } }>).filter(
      (r) => r.Type === 'AWS::CloudFormation::StackSet',
    );
    // The StackSet deploys exactly the member template written beside the hub's.
    expect(JSON.parse(stackSet?.Properties.TemplateBody ?? '{}')).toEqual(member);
    // The hub's manifest names one stack to deploy: the member template is not a stack of `cdk deploy`.
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    const stacks = Object.values(manifest.artifacts as Record<string, { type: string }>).filter((a) => a.type === 'aws:cloudformation:stack');
    expect(stacks).toHaveLength(1);
  });
});

// cfn-lint must run in CI (the same rule as test/infra/synth.test.ts): LAYERGUARD_REQUIRE_TOOLS=1 fails when it is missing.
const cfnLintMissing =
  (spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
const toolsRequired = process.env.LAYERGUARD_REQUIRE_TOOLS === '1';
if (cfnLintMissing && !toolsRequired) {
  console.warn('NOTICE: cfn-lint is not on PATH, so the organisation template lint is SKIPPED (LAYERGUARD_REQUIRE_TOOLS=1 fails instead).');
}

describe('cfn-lint', () => {
  it.skipIf(cfnLintMissing && !toolsRequired).each([
    ['the hub template', HUB_FILE],
    ['the member template', MEMBER_FILE],
  ])('finds no errors in %s', { timeout: 90_000 }, (_name, file) => {
    if (cfnLintMissing) throw new Error('cfn-lint is required (LAYERGUARD_REQUIRE_TOOLS=1) but not on PATH');
    const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--', file], { encoding: 'utf8', timeout: 90_000 });
    expect(lint.error).toBeUndefined();
    expect(lint.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line))).toEqual([]);
    // cfn-lint's exit status is a bit mask: 2 = errors, 4 = warnings, 8 = informational.
    expect((lint.status ?? 0) & 2).toBe(0);
  });
});
