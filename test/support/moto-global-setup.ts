import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';

/**
 * Vitest globalSetup: one moto server (https://docs.getmoto.org, `python3 -m moto.server`) for the
 * whole run, on a free loopback port. Tests read its URL with `inject('motoEndpoint')` (see
 * `test/support/moto.ts`); an empty string means "no emulator", and the integration tests skip.
 *
 * - `LAYERGUARD_REQUIRE_MOTO=1` (CI): a missing or broken emulator fails the run instead.
 * - `LAYERGUARD_MOTO_ENDPOINT=http://host:port`: use a moto that is already running (e.g. a
 *   container) instead of starting one.
 * - `LAYERGUARD_PYTHON`: the interpreter to use (default `python3`).
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the moto server, or '' when none is available. */
    motoEndpoint: string;
  }
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

const required = (): boolean => process.env.LAYERGUARD_REQUIRE_MOTO === '1';

function notice(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '!'.repeat(width + 4);
  console.warn(['', bar, ...lines.map((l) => `! ${l.padEnd(width)} !`), bar, ''].join('\n'));
}

/** Skips (with a visible notice) or fails, depending on LAYERGUARD_REQUIRE_MOTO. */
function unavailable(project: TestProject, why: string): void {
  if (required()) {
    throw new Error(`moto is required (LAYERGUARD_REQUIRE_MOTO=1) but unavailable: ${why}`);
  }
  notice([
    'NOTICE: moto (the local AWS emulator) is not available, so the integration tests are SKIPPED.',
    `Reason: ${why}`,
    'Install it with: python3 -m pip install "moto[server]>=5.2"  (or set LAYERGUARD_MOTO_ENDPOINT).',
    'CI sets LAYERGUARD_REQUIRE_MOTO=1, which turns this notice into a failure.',
  ]);
  project.provide('motoEndpoint', '');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function waitUntilUp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`);
    }
    if (await answers(endpoint)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`moto did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms:\n${output()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.LAYERGUARD_MOTO_ENDPOINT?.trim().replace(/\/+$/, '');
  if (external) {
    if (await answers(external)) {
      project.provide('motoEndpoint', external);
    } else {
      unavailable(project, `LAYERGUARD_MOTO_ENDPOINT=${external} does not answer`);
    }
    return undefined;
  }

  const python = process.env.LAYERGUARD_PYTHON?.trim() || 'python3';
  const probe = spawnSync(python, ['-c', 'import moto, moto.server; print(moto.__version__)'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (probe.error || probe.status !== 0) {
    const why = probe.error
      ? `${python} not found (${probe.error.message})`
      : `${python} cannot import moto.server: ${(probe.stderr || '').trim().split('\n').pop()}`;
    unavailable(project, why);
    return undefined;
  }

  // A port found free can be taken before moto binds it; try a few times.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    let log = '';
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (error) => {
      log += `spawn error: ${error.message}\n`;
    });
    try {
      await waitUntilUp(endpoint, child, () => log);
    } catch (error) {
      lastError = error;
      await stop(child);
      continue;
    }
    // moto logs every request; stop buffering it once it is up.
    child.stdout?.removeAllListeners('data').resume();
    child.stderr?.removeAllListeners('data').resume();
    project.provide('motoEndpoint', endpoint);
    return () => stop(child);
  }
  unavailable(project, `moto ${probe.stdout.trim()} did not start: ${String(lastError)}`);
  return undefined;
}
