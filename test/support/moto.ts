import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, inject } from 'vitest';
import { ec2Client, resetClients } from '../../functions/adapters/clients.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import type { NetworkApi } from '../../functions/core/network.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import type { PipelineDeps } from '../../functions/pipeline/deps.js';

/**
 * Helpers for tests that run against the moto server started by `moto-global-setup.ts`.
 *
 * Isolation: test files run in parallel against one moto, so tests create their own VPC and
 * resources and never call `resetMoto()` while other files may be running.
 */

/** moto's base URL, or `undefined` when the emulator is unavailable (integration tests then skip). */
export function motoEndpoint(): string | undefined {
  return inject('motoEndpoint') || undefined;
}

/** Wipes all of moto's state. Only for a run that owns moto alone: other files share it. */
export async function resetMoto(): Promise<void> {
  const endpoint = motoEndpoint();
  if (!endpoint) throw new Error('moto is not running');
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
}

/** The environment that points the SDK's standard configuration at moto. */
export function motoEnv(endpoint: string): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: undefined,
    // With AWS_PROFILE set the SDK skips the environment credentials and would use a real profile.
    AWS_PROFILE: undefined,
    AWS_MAX_ATTEMPTS: '2',
  };
}

/**
 * Points every SDK client created in this file (e.g. `new EC2Client({})`, the adapters' singletons
 * after `resetClients()`) at moto, for the duration of the enclosing suite; restores the
 * environment afterwards. No-op when moto is unavailable.
 */
export function useMoto(): void {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    const endpoint = motoEndpoint();
    if (!endpoint) return;
    for (const [key, value] of Object.entries(motoEnv(endpoint))) {
      saved[key] = process.env[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}

/** An EC2 client built from the environment only (as production builds it), once `useMoto()` has run. */
export function motoEc2Client(): EC2Client {
  return new EC2Client({});
}

/**
 * The pieces a moto test of the pipeline needs, built as production builds them (the adapters' client
 * from the environment, after `useMoto()`, or a client of `region`), with the default policy and the wall clock. Destroy the
 * client and `resetClients()` in `afterAll`.
 */
export function motoPipeline(region?: string): { client: EC2Client; network: NetworkApi; deps: PipelineDeps } {
  // In a region of its own, a client apart from the adapters' one (whose region is the environment's).
  if (region === undefined) resetClients();
  const client = region === undefined ? ec2Client() : new EC2Client({ region });
  const network = createEc2Network(client);
  return { client, network, deps: { network, policy: DEFAULT_POLICY, clock: () => new Date() } };
}
