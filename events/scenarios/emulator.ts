import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A local AWS emulator: moto's server (https://docs.getmoto.org, `python3 -m moto.server`) on a free
 * loopback port. Used by `layerguard gameday --target emulator` and by the test suite's globalSetup
 * (test/support/moto-global-setup.ts), so both start, probe and stop moto the same way.
 *
 * `LAYERGUARD_PYTHON` names the interpreter (default `python3`).
 */

export const START_TIMEOUT_MS = 30_000;
export const STOP_TIMEOUT_MS = 5_000;

/** moto is missing or would not start; the message says why and how to install it. */
export class EmulatorUnavailableError extends Error {
  constructor(readonly why: string) {
    super(
      `moto (the local AWS emulator) is unavailable: ${why}. Install it with: python3 -m pip install "moto[server]>=5.2"`,
    );
    this.name = 'EmulatorUnavailableError';
  }
}

export interface RunningEmulator {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly endpoint: string;
  readonly version: string;
  stop(): Promise<void>;
  /** Kills the server at once (for `process.on('exit')`, where nothing asynchronous runs). */
  killNow(): void;
}

export const pythonCommand = (env: NodeJS.ProcessEnv = process.env): string =>
  env.LAYERGUARD_PYTHON?.trim() || 'python3';

/** moto's version, or an `EmulatorUnavailableError` saying why python3 or moto.server cannot be used. */
export function probeMoto(python = pythonCommand()): string {
  const probe = spawnSync(python, ['-c', 'import moto, moto.server; print(moto.__version__)'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (probe.error) throw new EmulatorUnavailableError(`${python} not found (${probe.error.message})`);
  if (probe.status !== 0) {
    throw new EmulatorUnavailableError(
      `${python} cannot import moto.server: ${(probe.stderr || '').trim().split('\n').pop()}`,
    );
  }
  return probe.stdout.trim();
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
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

/** True when a moto server answers on the endpoint. */
export async function motoAnswers(endpoint: string): Promise<boolean> {
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
    if (await motoAnswers(endpoint)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`moto did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms:\n${output()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
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

/**
 * Starts moto on a free loopback port and waits until it answers. Throws `EmulatorUnavailableError`
 * when python3 or moto is missing, or when it would not start (a port found free can be taken before
 * moto binds it, so it tries three ports).
 */
export async function startMoto(python = pythonCommand()): Promise<RunningEmulator> {
  const version = probeMoto(python);
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
      await stopChild(child);
      continue;
    }
    // moto logs every request; stop buffering it once it is up.
    child.stdout?.removeAllListeners('data').resume();
    child.stderr?.removeAllListeners('data').resume();
    return {
      endpoint,
      version,
      stop: () => stopChild(child),
      killNow: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  }
  throw new EmulatorUnavailableError(`moto ${version} did not start: ${String(lastError)}`);
}

/** The environment that points the SDK's standard configuration at an emulator (dummy credentials). */
export function emulatorEnv(endpoint: string, region = 'us-east-1'): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: undefined,
    // With AWS_PROFILE set the SDK skips the environment credentials and would use a real profile.
    AWS_PROFILE: undefined,
    AWS_MAX_ATTEMPTS: '2',
  };
}

/** Applies `emulatorEnv` to this process; returns a function that restores what was there. */
export function applyEnv(env: Record<string, string | undefined>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
