import * as z from 'zod/mini';
import { ConfigError } from './errors.js';
import { type Policy, parsePolicy } from './policy.js';
import './zod-locale.js';

/**
 * LayerGuard across an AWS Organization: one hub (the functions, the topic, the outcomes bus, the
 * idempotency table) in one account and home region, and in every member account and region the same
 * rules forwarding to the hub's bus, with a member role the hub's functions assume. This is the
 * configuration's `organization` key; without it, LayerGuard guards the one account it is deployed in.
 */

/** The member role's name when the configuration does not set one. */
export const DEFAULT_MEMBER_ROLE_NAME = 'layerguard-member';

// Identifier formats from the Organizations API reference (Organization.Id, OrganizationalUnit.Id)
// and the IAM identifiers reference (role names); STS AssumeRole's ExternalId pattern and length.
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const OU_OR_ROOT_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

const accountId = z.string().check(z.regex(/^\d{12}$/, 'an account id is 12 digits'));
const region = z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region looks like eu-west-1'));

/**
 * The policy sections an override may set. Each replaces the base policy's section whole (no deep
 * merge: what an account runs under is read off one place), and the result is validated as a policy.
 */
export const OVERRIDABLE_SECTIONS = ['mode', 'publicTier', 'exemption', 'isolated', 'worldOpen'] as const;

const overrideSchema = z
  .strictObject({
    /** The accounts this override applies to. */
    accounts: z._default(z.array(accountId), []),
    /** The organisational units this override applies to (an account in the OU, at any depth). */
    ous: z._default(z.array(z.string().check(z.regex(OU_ID, 'an OU id looks like ou-ab12-cdef3456'))), []),
    policy: z.strictObject({
      mode: z.optional(z.unknown()),
      publicTier: z.optional(z.unknown()),
      exemption: z.optional(z.unknown()),
      isolated: z.optional(z.unknown()),
      worldOpen: z.optional(z.unknown()),
    }),
  })
  .check(
    z.refine((o) => o.accounts.length + o.ous.length > 0, { message: 'an override names at least one account or OU' }),
  );

export const OrganizationSchema = z.strictObject({
  /** The organisation's id: the hub bus accepts events only from its accounts (`aws:PrincipalOrgID`). */
  id: z.string().check(z.regex(ORG_ID, 'an organisation id looks like o-a1b2c3d4e5')),
  /** Where the hub runs. */
  hub: z.strictObject({ account: accountId, region }),
  /** The regions of every member account that forward their events to the hub. */
  memberRegions: z.array(region).check(z.minLength(1)),
  /** The role the hub's functions assume in each member account. */
  memberRoleName: z._default(z.string().check(z.regex(ROLE_NAME, 'a role name is 1 to 64 of letters, digits and +=,.@_-')), DEFAULT_MEMBER_ROLE_NAME),
  /** An external id the member role requires of the hub (STS AssumeRole `ExternalId`). */
  externalId: z.optional(z.string().check(z.regex(EXTERNAL_ID, 'an external id is 2 to 1224 of letters, digits and +=,.@:/_-'))),
  /**
   * Where the member StackSet deploys (CloudFormation `DeploymentTargets.OrganizationalUnitIds`): OU ids,
   * or the organisation's root id (`r-…`) for every account. The stack needs at least one
   * (infra/config.ts); the functions do not read it.
   */
  memberOus: z._default(
    z.array(z.string().check(z.regex(OU_OR_ROOT_ID, 'an OU id looks like ou-ab12-cdef3456, a root id like r-ab12'))),
    [],
  ),
  /**
   * Who creates the StackSet (CloudFormation `CallAs`): `DELEGATED_ADMIN` when the hub account is a
   * registered delegated administrator for StackSets (recommended), `SELF` when the hub is the
   * management account.
   */
  stackSetCallAs: z._default(z.enum(['DELEGATED_ADMIN', 'SELF']), 'DELEGATED_ADMIN'),
  /** Accounts outside the organisation that may forward events to the hub too. */
  accounts: z._default(z.array(accountId), []),
  /** Per-account and per-OU policy: OU overrides first (in the order listed), then account overrides. */
  overrides: z._default(z.array(overrideSchema), []),
});

export type Organization = z.infer<typeof OrganizationSchema>;
export type OrganizationInput = z.input<typeof OrganizationSchema>;
export type PolicyOverride = z.infer<typeof overrideSchema>;

/**
 * Validates the `organization` key against the base policy: every override is applied to the base and
 * the result parsed as a policy, so an override that would make an invalid policy fails here, with
 * its index named. Throws `ConfigError`.
 */
export function parseOrganization(input: unknown, base: Policy): Organization {
  const result = OrganizationSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `organization.${i.path.join('.')}: ${i.message}`.replace(/\.:/, ':'));
    throw new ConfigError(`invalid organisation: ${problems.join('; ')}`);
  }
  const organization = result.data;
  const { hub } = organization;
  if (!organization.memberRegions.includes(hub.region)) {
    throw new ConfigError(`invalid organisation: organization.memberRegions: must include the hub's region ${hub.region}`);
  }
  for (const [i, override] of organization.overrides.entries()) {
    try {
      parsePolicy({ ...base, ...definedSections(override) });
    } catch (error) {
      throw new ConfigError(`invalid organisation: organization.overrides.${i}: ${(error as Error).message}`, { cause: error });
    }
  }
  return organization;
}

/**
 * The policy one account runs under: the base, then each override of an OU the account is in
 * (`ous`: the account's OUs from the root down, as Organizations lists its parents), then each
 * override naming the account. A section set later replaces one set earlier.
 */
export function policyFor(base: Policy, organization: Organization | undefined, account: string, ous: readonly string[] = []): Policy {
  if (!organization || organization.overrides.length === 0) return base;
  const byOu = organization.overrides.filter((o) => o.ous.some((ou) => ous.includes(ou)));
  const byAccount = organization.overrides.filter((o) => o.accounts.includes(account));
  if (byOu.length + byAccount.length === 0) return base;
  const merged = [...byOu, ...byAccount].reduce<Record<string, unknown>>((policy, o) => ({ ...policy, ...definedSections(o) }), { ...base });
  return parsePolicy(merged);
}

const definedSections = (o: PolicyOverride): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o.policy).filter(([, v]) => v !== undefined));

/** The ARN of the member role in one account (the partition of the hub's own ARNs). */
export const memberRoleArn = (organization: Pick<Organization, 'memberRoleName'>, account: string, partition = 'aws'): string =>
  `arn:${partition}:iam::${account}:role/${organization.memberRoleName}`;
