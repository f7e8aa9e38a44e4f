import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_ATTEMPTS,
  classicElbClient,
  clientsAs,
  dynamoDbClient,
  ec2Client,
  elbv2Client,
  eventBridgeClient,
  lambdaClient,
  organizationsClient,
  resetClients,
  retryConfig,
  snsClient,
  stsClient,
} from '../../functions/adapters/clients.js';

// A resolved SDK v3 client keeps region and attempts as providers (`client.config.region()`,
// `maxAttempts()`: @smithy/config-resolver resolveRegionConfig, @smithy/middleware-retry
// resolveRetryConfig) and the retry mode it was given as is, so these read what a deployed client uses.
type Resolved = { config: { region: () => Promise<string>; maxAttempts: () => Promise<number>; retryMode: unknown } };
const settings = async (client: unknown) => {
  const { config } = client as Resolved;
  return { region: await config.region(), maxAttempts: await config.maxAttempts(), retryMode: config.retryMode };
};

const saved = { region: process.env.AWS_REGION, attempts: process.env.AWS_MAX_ATTEMPTS };
beforeEach(() => {
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.AWS_MAX_ATTEMPTS;
  resetClients();
});
afterEach(() => {
  for (const [name, value] of [['AWS_REGION', saved.region], ['AWS_MAX_ATTEMPTS', saved.attempts]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetClients();
});

describe('retries of every client', () => {
  it('standard mode with 5 attempts, unless AWS_MAX_ATTEMPTS says otherwise (then the SDK reads it)', () => {
    expect(DEFAULT_MAX_ATTEMPTS).toBe(5);
    expect(retryConfig({})).toEqual({ retryMode: 'standard', maxAttempts: 5 });
    expect(retryConfig({ AWS_MAX_ATTEMPTS: '  ' })).toEqual({ retryMode: 'standard', maxAttempts: 5 });
    expect(retryConfig({ AWS_MAX_ATTEMPTS: '2' })).toEqual({ retryMode: 'standard' });
  });

  it('each shared client is built with them, in the SDK configured region', async () => {
    const getters = [ec2Client, snsClient, eventBridgeClient, dynamoDbClient, elbv2Client, classicElbClient, stsClient, organizationsClient, lambdaClient];
    for (const get of getters) {
      expect(await settings(get()), get.name).toEqual({ region: 'us-east-1', maxAttempts: 5, retryMode: 'standard' });
    }
  });

  it('AWS_MAX_ATTEMPTS reaches the clients', async () => {
    process.env.AWS_MAX_ATTEMPTS = '2';
    expect((await settings(ec2Client('eu-west-1'))).maxAttempts).toBe(2);
    expect((await settings(snsClient())).maxAttempts).toBe(2);
  });
});

describe('one client per kind and region, until reset', () => {
  it('the shared clients are built once', () => {
    const getters = [ec2Client, snsClient, eventBridgeClient, dynamoDbClient, elbv2Client, classicElbClient, stsClient, organizationsClient, lambdaClient];
    const first = getters.map((get) => get());
    getters.forEach((get, i) => expect(get(), get.name).toBe(first[i]));
    resetClients();
    getters.forEach((get, i) => expect(get(), get.name).not.toBe(first[i]));
  });

  it('a named region gets its own client, cached by kind and region, with the same retries', async () => {
    const west = ec2Client('eu-west-1');
    expect(ec2Client('eu-west-1')).toBe(west);
    expect(ec2Client('eu-central-1')).not.toBe(west);
    expect(ec2Client()).not.toBe(west);
    expect(await settings(west)).toEqual({ region: 'eu-west-1', maxAttempts: 5, retryMode: 'standard' });
    for (const get of [elbv2Client, classicElbClient]) {
      const client = get('eu-west-1');
      expect(get('eu-west-1')).toBe(client);
      expect(get()).not.toBe(client);
      expect(await settings(client)).toEqual({ region: 'eu-west-1', maxAttempts: 5, retryMode: 'standard' });
    }
    expect(elbv2Client('eu-west-1')).not.toBe(classicElbClient('eu-west-1'));
    resetClients();
    expect(ec2Client('eu-west-1')).not.toBe(west);
  });
});

describe('clients of another account', () => {
  it('sign with the given credentials, in the given region, with the same retries; never cached here', async () => {
    const credentials = async () => ({ accessKeyId: 'ASIAMEMBER', secretAccessKey: 'member-secret', sessionToken: 'token' });
    const clients = clientsAs('ap-southeast-2', credentials);
    for (const client of [clients.ec2, clients.elbv2, clients.classicElb]) {
      expect(await settings(client)).toEqual({ region: 'ap-southeast-2', maxAttempts: 5, retryMode: 'standard' });
      const resolved = await (client.config as unknown as { credentials: () => Promise<{ accessKeyId: string }> }).credentials();
      expect(resolved.accessKeyId).toBe('ASIAMEMBER');
    }
    expect(clientsAs('ap-southeast-2', credentials).ec2).not.toBe(clients.ec2);
  });
});
