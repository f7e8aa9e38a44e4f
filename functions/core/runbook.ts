import * as z from 'zod/mini';
import { UnsupportedEventError } from './errors.js';
import './zod-locale.js';

/**
 * The runbook function's payload: revert one security group, one route table, one subnet's
 * association, one network ACL or one managed prefix list now, or sweep a VPC (or the whole region) for drift whose event was missed. Strict:
 * an unknown field, a malformed id, an oversized payload or a missing `dryRun` is refused before
 * any AWS call.
 */

/** The actions, in the order the CLI and the docs list them. */
export const RUNBOOK_ACTION_NAMES = [
  'revert-security-group',
  'revert-route-table',
  'revert-subnet-association',
  'revert-network-acl',
  'revert-prefix-list',
  'sweep',
] as const;
export type RunbookActionName = (typeof RUNBOOK_ACTION_NAMES)[number];

/** The largest payload accepted, serialised as JSON (a valid one is under 200 bytes). */
export const MAX_PAYLOAD_BYTES = 4096;

/** EC2 ids: the prefix, then 8 (old style) or 17 hex digits. The same bounds as `core/change.ts`. */
const id = (prefix: string, example: string) =>
  z
    .string()
    .check(z.maxLength(32), z.regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `expected an id like ${example}`));

export const GROUP_ID = id('sg', 'sg-0abc1234');
export const ROUTE_TABLE_ID = id('rtb', 'rtb-0abc1234');
export const SUBNET_ID = id('subnet', 'subnet-0abc1234');
export const VPC_ID = id('vpc', 'vpc-0abc1234');
export const NETWORK_ACL_ID = id('acl', 'acl-0abc1234');
export const PREFIX_LIST_ID = id('pl', 'pl-0abc1234');

const dryRun = z.optional(z.boolean());

/** An account id: 12 digits (the same rule as the organisation's accounts). */
export const ACCOUNT_ID = z.string().check(z.regex(/^\d{12}$/, 'an account id is 12 digits'));
/** A region name, like the organisation's member regions. */
export const REGION = z.string().check(z.maxLength(32), z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region looks like eu-west-1'));

/**
 * Where the runbook acts: from an organisation's hub, any account of the organisation (through its
 * member role) and any region; without them, the function's own account and region, as always.
 */
const where = { account: z.optional(ACCOUNT_ID), region: z.optional(REGION) };

const RUNBOOK_SCHEMAS = [
  z.strictObject({ action: z.literal('revert-security-group'), groupId: GROUP_ID, dryRun, ...where }),
  z.strictObject({ action: z.literal('revert-route-table'), routeTableId: ROUTE_TABLE_ID, dryRun, ...where }),
  z.strictObject({ action: z.literal('revert-subnet-association'), subnetId: SUBNET_ID, dryRun, ...where }),
  z.strictObject({ action: z.literal('revert-network-acl'), networkAclId: NETWORK_ACL_ID, dryRun, ...where }),
  z.strictObject({ action: z.literal('revert-prefix-list'), prefixListId: PREFIX_LIST_ID, dryRun, ...where }),
  /** Without `vpcId`, the whole region (every VPC the credentials can see). */
  z.strictObject({ action: z.literal('sweep'), vpcId: z.optional(VPC_ID), dryRun, ...where }),
] as const;

export const RunbookPayloadSchema = z.discriminatedUnion('action', [...RUNBOOK_SCHEMAS]);

export type RunbookPayload = z.infer<typeof RunbookPayloadSchema>;

/**
 * The hub's scheduled sweep of the organisation: the function lists the accounts and queues one `sweep`
 * per account and member region (each its own invocation). It names no account or region: it is all of
 * them. Only the runbook function takes it (the CLI sweeps an organisation from where it runs).
 */
export const SWEEP_ORGANIZATION = 'sweep-organization';
export const SweepOrganizationPayloadSchema = z.strictObject({ action: z.literal(SWEEP_ORGANIZATION), dryRun });
export type SweepOrganizationPayload = z.infer<typeof SweepOrganizationPayloadSchema>;

/** Every payload the runbook function takes: a runbook, or the organisation's sweep. */
export const FunctionPayloadSchema = z.discriminatedUnion('action', [...RUNBOOK_SCHEMAS, SweepOrganizationPayloadSchema]);
export type FunctionPayload = RunbookPayload | SweepOrganizationPayload;

/** A runbook payload that fails validation: thrown before any AWS call, never retried. */
export class RunbookPayloadError extends UnsupportedEventError {
  constructor(
    message: string,
    /** Each problem as `path: message`. */
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'RunbookPayloadError';
  }
}

const sizeOf = (input: unknown): number => {
  try {
    return Buffer.byteLength(JSON.stringify(input) ?? '', 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY; // cycles, BigInt: not a JSON payload
  }
};

/** Validates a runbook payload; throws `RunbookPayloadError` naming every problem (at most five). */
export function parseRunbookPayload(input: unknown): RunbookPayload {
  return parseWith(RunbookPayloadSchema, RUNBOOK_ACTION_NAMES, input);
}

/** Validates a payload of the runbook function (a runbook, or `sweep-organization`), as `parseRunbookPayload` does. */
export function parseFunctionPayload(input: unknown): FunctionPayload {
  return parseWith(FunctionPayloadSchema, [...RUNBOOK_ACTION_NAMES, SWEEP_ORGANIZATION], input);
}

function parseWith<T extends { readonly dryRun?: boolean | undefined }>(
  schema: z.ZodMiniType<T, unknown>,
  actions: readonly string[],
  input: unknown,
): T {
  const size = sizeOf(input);
  if (size > MAX_PAYLOAD_BYTES) {
    const what = Number.isFinite(size) ? `${size} bytes` : 'not serialisable as JSON';
    throw new RunbookPayloadError(`invalid runbook payload: ${what}, the limit is ${MAX_PAYLOAD_BYTES} bytes`);
  }
  const result = schema.safeParse(input);
  if (result.success) {
    // A caller that forgets dryRun must not revert by default: it says which it means, every time.
    if (result.data.dryRun === undefined) {
      const problem = 'dryRun: required: true reports what would be reverted, false reverts';
      throw new RunbookPayloadError(`invalid runbook payload: ${problem}`, [problem]);
    }
    return result.data;
  }
  const problems = result.error.issues.slice(0, 5).map((i) => {
    const path = i.path.map(String).join('.') || '(payload)';
    // zod names a bad discriminator without listing the choices; name them.
    const message =
      i.code === 'invalid_union' && i.path.length === 1 && i.path[0] === 'action'
        ? `expected one of ${actions.join(', ')}`
        : i.message;
    return `${path}: ${message}`;
  });
  throw new RunbookPayloadError(`invalid runbook payload: ${problems.join('; ')}`, problems);
}
