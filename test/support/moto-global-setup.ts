import type { TestProject } from 'vitest/node';
import { EmulatorUnavailableError, motoAnswers, startMoto } from '../../events/scenarios/emulator.js';

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

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.LAYERGUARD_MOTO_ENDPOINT?.trim().replace(/\/+$/, '');
  if (external) {
    if (await motoAnswers(external)) {
      project.provide('motoEndpoint', external);
    } else {
      unavailable(project, `LAYERGUARD_MOTO_ENDPOINT=${external} does not answer`);
    }
    return undefined;
  }

  // Probing, the free port, readiness and stopping live in events/scenarios/emulator.ts, shared with
  // `layerguard gameday --target emulator`.
  try {
    const moto = await startMoto();
    project.provide('motoEndpoint', moto.endpoint);
    return () => moto.stop();
  } catch (error) {
    unavailable(project, error instanceof EmulatorUnavailableError ? error.why : String(error));
    return undefined;
  }
}
