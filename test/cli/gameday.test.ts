import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../events/scenarios/catalogue.js';

/*
 * `layerguard gameday` as a user runs it: `node bin/layerguard.mjs gameday …` in a child process.
 * The default (simulated) target only: the emulator target runs the same code as
 * test/scenarios/gameday-emulator.test.ts, and the aws target is covered by the guard tests.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'layerguard.mjs');
const dir = mkdtempSync(join(tmpdir(), 'layerguard-gameday-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with stdin closed (no terminal) and without AWS configuration from the host. */
const layerguard = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
  new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NO_COLOR: '1',
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

describe('layerguard gameday (CLI)', () => {
  it('--json prints one scorecard object on stdout and exits 0 when every scenario passes', async () => {
    const run = await layerguard(['gameday', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout)).toHaveLength(1);
    const card = JSON.parse(run.stdout);
    expect(card).toMatchObject({ verdict: 'pass', target: 'simulated' });
    expect(card.scenarios.map((s: { name: string }) => s.name)).toEqual(
      CATALOGUE.filter((s) => !s.targets || s.targets.includes('simulated')).map((s) => s.name),
    );
    for (const s of card.scenarios) {
      expect(s).toEqual(
        expect.objectContaining({
          name: expect.any(String),
          drift: expect.any(String),
          expected: expect.any(String),
          outcome: expect.any(String),
          detected: expect.any(Boolean),
          reverted: expect.any(Boolean),
          notified: expect.any(Boolean),
          passed: true,
        }),
      );
      expect(s.secondsToRevert === null || typeof s.secondsToRevert === 'number').toBe(true);
      expect(s.outcome).toBe(s.expected);
      if (s.expected === 'remediated') expect(typeof s.secondsToRevert).toBe('number');
      else expect(s.secondsToRevert).toBeNull();
    }
  });

  it('--report FILE.md writes the review, and the table goes to stdout', async () => {
    const report = join(dir, 'gameday.md');
    const run = await layerguard([
      'gameday',
      '--scenario',
      'ssh-open-to-world',
      '--scenario',
      'control-failed-call',
      '--report',
      report,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(report, 'utf8');
    expect(text).toContain('ssh-open-to-world');
    expect(text).toContain('control-failed-call');
    expect(run.stdout).toMatch(/verdict: PASS/);
  });

  // Each case spawns a CLI (2-3 s of tsx start-up): run them side by side.
  it.concurrent.each([
    [['--target', 'nope'], /unknown --target nope/],
    [['--target', 'emulator', '--via', 'deployed'], /--via deployed needs --target aws/],
    [['--inject'], /need --target emulator or aws/],
    [['--outcomes-queue', 'https://sqs.eu-west-1.amazonaws.com/111122223333/q'], /need --target emulator or aws/],
    [
      ['--target', 'aws', '--yes', '--outcomes-queue', 'https://sqs.eu-west-1.amazonaws.com/111122223333/q'],
      /--outcomes-queue needs --target aws --via deployed/,
    ],
    [
      ['--target', 'aws', '--via', 'deployed', '--yes', '--outcomes-queue', 'GamedayOutcomesQueue'],
      /does not look like an SQS queue URL/,
    ],
    [['--target', 'aws'], /pass --yes to confirm/],
  ])('gameday %j exits 2 with one line on stderr and nothing on stdout', async (args, message) => {
    // A region and dummy credentials, so that a refusal cannot be blamed on missing configuration;
    // an endpoint that nothing listens on, so that a bug could not reach AWS.
    const run = await layerguard(['gameday', ...args], {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    });
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/^layerguard: /);
    expect(run.stdout).toBe('');
  }, 60_000); // a child process each: as long as the CLI's own limit above, so that a busy machine cannot fail it
});
