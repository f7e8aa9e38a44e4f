import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.js';
import { loadStackConfig, parseStackConfig } from '../../infra/config.js';
import { PROJECT_ROOT } from '../../infra/constructs/functions.js';
import { NO_BUNDLING } from './support.js';

const tmp = mkdtempSync(join(tmpdir(), 'layerguard-synth-'));

/** Runs the CDK app the way `cdk synth` does (the CLI passes context in CDK_CONTEXT_JSON), without credentials. */
function runApp(context: Record<string, unknown>, outdir: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_CONTEXT_JSON: JSON.stringify(context),
    CDK_OUTDIR: outdir,
  };
  for (const name of Object.keys(env))
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(name)) delete env[name];
  return spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'infra/app.ts')], {
    cwd: PROJECT_ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

// Synthesised once, as `cdk synth` runs it; the cfn-lint test reads the same template.
const okDir = join(tmp, 'ok');
const ok = runApp(
  { ...NO_BUNDLING, layerguard: { notificationEmails: ['secops@example.com'], gameday: true, trail: 'create' } },
  okDir,
);

describe('the CDK app', () => {
  it('synthesises with no AWS credentials and passes its cdk-nag validation', () => {
    expect(ok.stderr).not.toMatch(/Validation failed|ERROR/);
    expect(ok.status).toBe(0);
    const template = JSON.parse(readFileSync(join(okDir, 'LayerGuard.template.json'), 'utf8'));
    expect(Object.keys(template.Resources).length).toBeGreaterThan(30);
  });

  it('fails synth with a clear message on invalid configuration', () => {
    const result = runApp(
      {
        ...NO_BUNDLING,
        layerguard: { policy: { mode: 'yolo', worldOpen: { ipv4MinPrefix: 0 } }, gameday: 'yes' },
      },
      join(tmp, 'bad'),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      'LayerGuard: invalid LayerGuard configuration (context "layerguard"): gameday:',
    );
    expect(result.stdout).toBe('');
  });

  it('fails synth on an invalid policy, naming the field', () => {
    const result = runApp(
      { ...NO_BUNDLING, layerguard: { policy: { mode: 'yolo' } } },
      join(tmp, 'bad-policy'),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/invalid policy: mode: /);
  });
});

// cfn-lint must run in CI: without it the test is skipped, visibly, and LAYERGUARD_REQUIRE_TOOLS=1
// (set by .ci/run) turns the skip into a failure.
const cfnLintMissing =
  (spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).error as NodeJS.ErrnoException | undefined)
    ?.code === 'ENOENT';
const toolsRequired = process.env.LAYERGUARD_REQUIRE_TOOLS === '1';
if (cfnLintMissing && !toolsRequired) {
  console.warn('NOTICE: cfn-lint is not on PATH, so the template lint is SKIPPED (LAYERGUARD_REQUIRE_TOOLS=1 fails instead).');
}

describe('cfn-lint', () => {
  it.skipIf(cfnLintMissing && !toolsRequired)('finds no errors in the synthesised template', { timeout: 60_000 }, () => {
    if (cfnLintMissing) throw new Error('cfn-lint is required (LAYERGUARD_REQUIRE_TOOLS=1) but not on PATH');
    const file = join(okDir, 'LayerGuard.template.json');
    // W3005 (DependsOn already implied by GetAtt) is what CDK emits for every Lambda role: a warning.
    const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(lint.error).toBeUndefined();
    const errors = lint.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
    expect(errors).toEqual([]);
    // cfn-lint's exit status is a bit mask: 2 = errors, 4 = warnings, 8 = informational.
    expect((lint.status ?? 0) & 2).toBe(0);
  });
});

describe('configuration', () => {
  it('defaults to the SEC05-BP01 policy, enforce mode, game days off', () => {
    const config = loadStackConfig(() => undefined, tmp);
    expect(config.policy.mode).toBe('enforce');
    expect(config.gameday).toBe(false);
    expect(config.stackName).toBe('LayerGuard');
  });

  it('reads layerguard.config.json, or the file named by context configFile', () => {
    writeFileSync(join(tmp, 'layerguard.config.json'), JSON.stringify({ gameday: true }));
    expect(loadStackConfig(() => undefined, tmp).gameday).toBe(true);
    writeFileSync(join(tmp, 'other.json'), JSON.stringify({ policy: { mode: 'dry-run' } }));
    const config = loadStackConfig((key) => (key === 'configFile' ? 'other.json' : undefined), tmp);
    expect(config.policy.mode).toBe('dry-run');
  });

  it('prefers context, also as a JSON string (-c layerguard=...)', () => {
    writeFileSync(join(tmp, 'layerguard.config.json'), JSON.stringify({ gameday: true }));
    expect(
      loadStackConfig((key) => (key === 'layerguard' ? '{"gameday":false}' : undefined), tmp).gameday,
    ).toBe(false);
  });

  it('accepts the example file', () => {
    const config = loadStackConfig(
      (key) => (key === 'configFile' ? 'layerguard.config.example.json' : undefined),
      PROJECT_ROOT,
    );
    expect(config.policy.mode).toBe('dry-run');
  });

  it.each([
    ['an unknown key', { gamedays: true }, /\(root\): Unrecognized key/],
    ['a bad e-mail', { notificationEmails: ['nope'] }, /notificationEmails\.0: not an e-mail address/],
    ['a retention CloudWatch does not offer', { logRetentionDays: 42 }, /log retention must be one of/],
    [
      'a bad policy',
      { policy: { worldOpen: { ipv4MinPrefix: 64 } } },
      /invalid policy: worldOpen\.ipv4MinPrefix/,
    ],
    ['the old own-role prefixes', { policy: { ownRolePrefixes: ['layerguard-'] } }, /ownRolePrefixes: no longer read/],
    [
      'a stack name too long for the role names (<stack>-security-group-<region>, at most 64)',
      { stackName: `L${'x'.repeat(32)}` },
      /stackName: at most 32 characters/,
    ],
    ['a bad region', { env: { region: 'mars' } }, /env\.region: a region looks like/],
    ['a bad pattern size quota', { eventPatternSizeLimit: 3000 }, /eventPatternSizeLimit/],
  ])('rejects %s', (_name, input, message) => {
    expect(() => parseStackConfig(input)).toThrow(ConfigError);
    expect(() => parseStackConfig(input)).toThrow(message);
  });

  it.each([
    [
      'a missing config file named in context',
      (key: string) => (key === 'configFile' ? 'missing.json' : undefined),
      /file not found/,
    ],
    [
      'a config file that is not JSON',
      (key: string) => (key === 'configFile' ? 'broken.json' : undefined),
      /not valid JSON/,
    ],
    [
      'context that is not JSON',
      (key: string) => (key === 'layerguard' ? '{nope' : undefined),
      /not valid JSON/,
    ],
    [
      'a configFile that is not a path',
      (key: string) => (key === 'configFile' ? 42 : undefined),
      /must be a file path/,
    ],
  ])('rejects %s', (_name, context, message) => {
    writeFileSync(join(tmp, 'broken.json'), '{nope');
    expect(() => loadStackConfig(context, tmp)).toThrow(message);
  });
});
