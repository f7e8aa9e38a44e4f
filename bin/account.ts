import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { retryConfig } from '../functions/adapters/clients.js';
import type { LoadedConfig } from './config.js';
import { UsageError } from './io.js';

/** Where a command runs: the account and region it reads and changes. */
export interface AccountContext {
  readonly target: 'aws' | 'simulated';
  readonly account: string;
  readonly region: string;
}

/** Profile names in an AWS config or credentials file (`[profile NAME]`, `[NAME]`, `[default]`). */
export function profilesIn(text: string): string[] {
  return [...text.matchAll(/^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]/gm)].map((m) => m[1] as string);
}

const readProfiles = (path: string): string[] => (existsSync(path) ? profilesIn(readFileSync(path, 'utf8')) : []);

/**
 * What the SDK's standard configuration says, checked before any call: an unknown profile, no
 * region, no credentials are each one line naming the fix (exit 2). The SDK's own messages
 * ("Region is missing", "Could not load credentials from any providers") name no fix.
 */
export async function preflight(env: NodeJS.ProcessEnv = process.env): Promise<{ region: string }> {
  const profile = env.AWS_PROFILE?.trim();
  if (profile) {
    // The SDK reads these two files (AWS CLI and SDK "Shared config and credentials files" guide).
    const configFile = env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
    const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
    if (![...readProfiles(configFile), ...readProfiles(credentialsFile)].includes(profile)) {
      throw new UsageError(
        `unknown AWS profile "${profile}" (AWS_PROFILE): add it with \`aws configure --profile ${profile}\` or \`aws configure sso\`, or unset AWS_PROFILE`,
      );
    }
  }
  const client = new STSClient({ ...retryConfig() });
  let region: string;
  try {
    region = await client.config.region();
  } catch {
    throw new UsageError('no AWS region: set AWS_REGION or a region in your AWS profile (`aws configure set region eu-west-1`)');
  }
  try {
    await client.config.credentials();
  } catch {
    throw new UsageError('no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE to a profile that has them');
  }
  return { region };
}

/** The caller's account (STS GetCallerIdentity) and region, after the preflight. */
export async function awsContext(): Promise<AccountContext> {
  const { region } = await preflight();
  const client = new STSClient({ ...retryConfig() });
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    return { target: 'aws', account: identity.Account ?? 'unknown', region };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    throw new UsageError(`the AWS credentials were refused (STS GetCallerIdentity: ${e.name}: ${e.message}): refresh them (\`aws sso login\`) or pick another profile`);
  }
}

/**
 * The one line every command that reads or changes an account prints first, on stderr.
 * `readOnly` says that this run changes nothing whatever the mode (a real account without --apply).
 */
export function contextLine(loaded: LoadedConfig, ctx: AccountContext, readOnly = false): string {
  const mode = `${loaded.policy.mode}${readOnly && loaded.policy.mode === 'enforce' ? ' (read-only: no --apply)' : ''}`;
  return `layerguard: configuration ${loaded.source}, mode ${mode}, account ${ctx.account}, region ${ctx.region}, target ${ctx.target}`;
}

export const announce = (loaded: LoadedConfig, ctx: AccountContext, readOnly = false): void => {
  process.stderr.write(`${contextLine(loaded, ctx, readOnly)}\n`);
};
