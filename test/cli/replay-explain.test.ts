import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EVENTS_DIR, manifest } from '../support/events.js';

/** The `layerguard` command as a user runs it: a real process, stdout and stderr, exit status. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const layerguard = (...args: string[]) => {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin/layerguard.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
};

describe('layerguard replay', { timeout: 60_000 }, () => {
  const samples = manifest();
  const wellFormed = samples.filter((s) => s.expected !== null);
  // One process for every sample: one JSON object per line, in the order given.
  const run = layerguard('replay', '--json', ...wellFormed.map((s) => join(EVENTS_DIR, s.file)));
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('prints one parseable line per file and exits 0; stderr has only the context line', () => {
    expect(run.stderr).toBe('layerguard: configuration defaults, mode enforce, account 111122223333, region us-east-1, target simulated\n');
    expect(run.status).toBe(0);
    expect(lines).toHaveLength(wellFormed.length);
  });

  it.each(wellFormed.map((s, i) => [s.file, s.expected, i] as const))('%s -> %s', (_file, expected, i) => {
    const line = lines[i] as Record<string, unknown>;
    expect(line.outcome).toBe(expected);
    for (const key of ['eventId', 'eventName', 'reason', 'actions', 'resources', 'assumptions']) expect(line).toHaveProperty(key);
    if (expected === 'remediated') {
      expect(line.before).toBeDefined();
      expect(line.after).toBeDefined();
      expect((line.actions as Array<{ result: string }>).every((a) => a.result === 'done')).toBe(true);
    }
  });

  it('a malformed event: one line on stderr (after the context line), exit 2, nothing on stdout', () => {
    const bad = layerguard('replay', '--json', join(EVENTS_DIR, '_malformed/missing-event-id.json'));
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    const lines = bad.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^layerguard: configuration defaults, mode enforce, .* target simulated$/);
    expect(lines[1]).toMatch(/eventID/);
  });

  it('a missing file: a clear error, exit 2', () => {
    const missing = layerguard('replay', 'no-such-file.json');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read no-such-file.json/);
  });

  it('says what it assumed when the event cannot say it', () => {
    const i = wellFormed.findIndex((s) => s.file === 'CreateRoute/igw-on-main-table.json');
    expect(lines[i]?.assumptions).toEqual([expect.stringMatching(/main table/)]);
  });
});

describe('layerguard explain', { timeout: 60_000 }, () => {
  it('names the matching rule, the change and the candidate drift (--json)', () => {
    const run = layerguard('explain', '--json', join(EVENTS_DIR, 'AuthorizeSecurityGroupIngress/world-open-ssh.json'));
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({
      eventName: 'AuthorizeSecurityGroupIngress',
      triggers: ['security-group'],
      change: { kind: 'sg-ingress', groupId: 'sg-0a1b2c3d4e5f67002' },
    });
    expect(out.candidates).toEqual([expect.stringContaining('tcp/22 from 0.0.0.0/0')]);
  });

  it('a narrow private CIDR matches the rule (tiers are judged by default) and is a tier candidate, not a world-open one', () => {
    const out = JSON.parse(layerguard('explain', '--json', join(EVENTS_DIR, 'AuthorizeSecurityGroupIngress/narrow-cidr.json')).stdout);
    expect(out.triggers).toEqual(['security-group']);
    expect(out.candidates).toEqual([
      "sg-0a1b2c3d4e5f67002: tcp/8080 from 10.0.11.0/24 (sgr-0a1b2c3d4e5f6e109): drift if the group is in a tier that its source's tier may not reach (policy.tiers)",
    ]);
  });

  it('a failed call: no rule, and the reason it is ignored', () => {
    const out = JSON.parse(layerguard('explain', '--json', join(EVENTS_DIR, 'CreateRoute/failed-call.json')).stdout);
    expect(out.triggers).toEqual([]);
    expect(out.ignored).toMatch(/failed/);
  });

  it('prints a readable account for people', () => {
    const run = layerguard('explain', join(EVENTS_DIR, 'CreateRoute/igw-on-database-table.json'));
    expect(run.stdout).toMatch(/rules that match: route-table/);
  });
});
