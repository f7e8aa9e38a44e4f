import { DescribeRegionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { type Account, DescribeAccountCommand, ListParentsCommand, type OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import { AccountAccessError } from '../core/errors.js';
import { errorCode } from './ec2-errors.js';

/**
 * What the hub reads of the organisation about one account: its OUs (which decide the per-OU policy
 * overrides) and its name (for notices). Both from the hub's own credentials, which Organizations
 * answers in the management account or a delegated administrator.
 */

/** How long an account's OUs are kept: accounts move between OUs seldom; a move is in force within this. */
export const OUS_TTL_MS = 15 * 60_000;
/** How long a name (or a failure to read one) is kept. */
export const ALIAS_TTL_MS = 60 * 60_000;
export const ALIAS_FAILURE_TTL_MS = 5 * 60_000;
/** OUs nest at most five levels under the root (Organizations quotas, "OU maximum nesting in a root"): more is an answer to refuse. */
const MAX_DEPTH = 5;

export interface OrganizationsReader {
  /** The OUs `account` is in, from the root down. Rejects with `AccountAccessError` (`organization-units`). */
  ous(account: string): Promise<readonly string[]>;
  /** The account's name; `undefined` on any failure (a notice goes out without it). */
  alias(account: string): Promise<string | undefined>;
}

interface Cached<T> {
  readonly value: Promise<T>;
  until: number;
}

export function createOrganizationsReader(
  client: OrganizationsClient,
  opts: { readonly now?: () => number; readonly roleArn: (account: string) => string },
): OrganizationsReader {
  const now = opts.now ?? Date.now;
  const ous = new Map<string, Cached<readonly string[]>>();
  const names = new Map<string, Cached<string | undefined>>();

  /** ListParents from the account up to the root (each child has exactly one parent: the API reference, ListParents). */
  async function readOus(account: string): Promise<readonly string[]> {
    const path: string[] = [];
    let child = account;
    try {
      for (let depth = 0; depth <= MAX_DEPTH; depth++) {
        const answer = await client.send(new ListParentsCommand({ ChildId: child }));
        const parent = answer.Parents?.[0];
        if (!parent?.Id || !parent.Type) throw Object.assign(new Error(`ListParents of ${child} named no parent`), { name: 'NoParent' });
        if (parent.Type === 'ROOT') return path.reverse();
        path.push(parent.Id);
        child = parent.Id;
      }
      throw Object.assign(new Error(`more than ${MAX_DEPTH} OUs above ${account}`), { name: 'TooDeep' });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new AccountAccessError('organization-units', account, opts.roleArn(account), 'organizations:ListParents', errorCode(error), message, {
        cause: error,
      });
    }
  }

  /** DescribeAccount's `Name`; any failure is no name (never fails a remediation). */
  async function readName(account: string): Promise<string | undefined> {
    try {
      const answer = await client.send(new DescribeAccountCommand({ AccountId: account }));
      return answer.Account?.Name || undefined;
    } catch {
      return undefined;
    }
  }

  return {
    ous(account) {
      const cached = ous.get(account);
      if (cached && now() < cached.until) return cached.value;
      const entry: Cached<readonly string[]> = { value: readOus(account), until: Number.POSITIVE_INFINITY };
      ous.set(account, entry);
      entry.value.then(
        () => {
          entry.until = now() + OUS_TTL_MS;
        },
        // A failure is not kept: the retry of the event asks again.
        () => {
          if (ous.get(account) === entry) ous.delete(account);
        },
      );
      return entry.value;
    },
    alias(account) {
      const cached = names.get(account);
      if (cached && now() < cached.until) return cached.value;
      const entry: Cached<string | undefined> = { value: readName(account), until: Number.POSITIVE_INFINITY };
      void entry.value.then((name) => {
        entry.until = now() + (name === undefined ? ALIAS_FAILURE_TTL_MS : ALIAS_TTL_MS);
      });
      names.set(account, entry);
      return entry.value;
    },
  };
}

/*
 * What an organisation-wide sweep needs to know before it starts: which accounts there are, and
 * which regions an account has enabled.
 */

/** An account of the organisation, as ListAccounts names it. */
export interface OrganizationAccount {
  readonly id: string;
  readonly name?: string;
}

/**
 * True for an account that can be acted on. `State` is the account's lifecycle (ACTIVE, SUSPENDED,
 * PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION); `Status` says the same for older callers and is
 * retired on 9 September 2026 (the SDK's `Account` model, client-organizations models_0.d.ts), so
 * `State` wins when both are there.
 */
export const isActive = (a: Pick<Account, 'State' | 'Status'>): boolean => (a.State ?? a.Status) === 'ACTIVE';

/**
 * Every ACTIVE account of the organisation: Organizations ListAccounts, page by page (the SDK's
 * paginator follows `NextToken`). Only the management account or a delegated administrator may call
 * it; the caller's error (AccessDeniedException, AWSOrganizationsNotInUseException) is thrown as is.
 */
export async function listActiveAccounts(client: OrganizationsClient): Promise<OrganizationAccount[]> {
  const accounts: OrganizationAccount[] = [];
  for await (const page of paginateListAccounts({ client }, {})) {
    for (const a of page.Accounts ?? []) {
      if (a.Id && isActive(a)) accounts.push({ id: a.Id, ...(a.Name ? { name: a.Name } : {}) });
    }
  }
  return accounts;
}

/**
 * The regions enabled for the caller's account: EC2 DescribeRegions without `AllRegions`, which lists
 * only the regions enabled for the account ("Indicates whether to display all Regions, including
 * Regions that are disabled for your account", `DescribeRegionsRequest.AllRegions`, client-ec2
 * models_5.d.ts), whether they need no opt-in or were opted in. Sorted, so a run reads the same.
 */
export async function enabledRegions(client: EC2Client): Promise<string[]> {
  const answer = await client.send(new DescribeRegionsCommand({}));
  return (answer.Regions ?? [])
    .filter((r) => r.OptInStatus === undefined || r.OptInStatus !== 'not-opted-in')
    .map((r) => r.RegionName)
    .filter((n): n is string => typeof n === 'string')
    .sort();
}

/** The IAM actions the organisation-wide sweep's caller needs beyond the sweep's own (README: the deployer's permissions). */
export const ORGANIZATION_LISTING_ACTIONS = ['organizations:ListAccounts', 'ec2:DescribeRegions'] as const;
