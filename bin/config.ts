import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PolicySchema, type Policy } from '../functions/core/policy.js';
import { DEFAULT_CONFIG_FILE, parseStackConfig, type StackConfig } from '../infra/config.js';
import { readJson, UsageError } from './io.js';

/**
 * The configuration every command reads: the same file the stack deploys (`infra/config.ts`'s
 * schema, not a copy), so the CLI judges with the policy the functions run.
 *
 * - `--config FILE`: that file (it must exist);
 * - `--policy FILE`: a bare policy, or the whole configuration (told apart by its keys);
 * - neither: `layerguard.config.json` in the working directory when it exists, else the defaults.
 */

export interface LoadedConfig {
  /** Where it came from: a file path, or `defaults`. */
  readonly source: string;
  readonly config: StackConfig;
  readonly policy: Policy;
}

export interface ConfigOptions {
  readonly config?: string;
  readonly policy?: string;
}

const POLICY_KEYS = new Set(Object.keys(PolicySchema.shape));

/** True when every key of the object is a policy field: a bare policy rather than a whole configuration. */
export const isBarePolicy = (input: unknown): boolean =>
  typeof input === 'object' &&
  input !== null &&
  !Array.isArray(input) &&
  Object.keys(input).length > 0 &&
  Object.keys(input).every((k) => POLICY_KEYS.has(k));

/** Parses a file's content as a bare policy or a whole configuration. */
export function configFrom(input: unknown, source: string): LoadedConfig {
  const config = parseStackConfig(isBarePolicy(input) ? { policy: input } : input, source);
  return { source, config, policy: config.policy };
}

/** The configuration of this run; `cwd` is where the default file is looked for. */
export function loadConfiguration(opts: ConfigOptions, cwd: string = process.cwd()): LoadedConfig {
  if (opts.config && opts.policy) throw new UsageError('--config and --policy name the same thing: give one');
  const explicit = opts.config ?? opts.policy;
  if (explicit) return configFrom(readJson(explicit), explicit);
  const path = resolve(cwd, DEFAULT_CONFIG_FILE);
  if (existsSync(path)) return configFrom(readJson(path), DEFAULT_CONFIG_FILE);
  return configFrom({}, 'defaults');
}
