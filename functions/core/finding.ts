import { createHash } from 'node:crypto';
import { isCanaryOutcome } from './canary.js';
import { type DriftUnit, isRevertedBy, RESOURCE_KINDS, unitsOf } from './finding-units.js';
import { type SeverityLabel, severityOf } from './finding-severity.js';
import { exemptUntil } from './exemption.js';
import { sanitize } from './notification.js';
import type { Outcome } from './outcome.js';
import { partitionOf } from './own-roles.js';

/**
 * An outcome as AWS Security Finding Format (ASFF) findings, one per unit of drift, for Security Hub's
 * BatchImportFindings. Pure: the adapter (adapters/security-hub.ts) sends what this builds.
 *
 * The types below mirror the fields LayerGuard sets of the SDK's `AwsSecurityFinding`
 * (@aws-sdk/client-securityhub 3.1108, dist-types/models/models_2.d.ts; `Resource` there too;
 * `FindingProviderFields`, `Compliance`, `Note`, `Remediation` in models_1.d.ts): core imports no SDK,
 * and the adapter's compiler checks that `AsffFinding` is assignable to the SDK's type.
 */

export type WorkflowStatus = 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';
export type ComplianceStatus = 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE';

/** The partitions ASFF names (the SDK's `Partition`, enums.d.ts): those `partitionOf` answers. */
export type AsffPartition = 'aws' | 'aws-cn' | 'aws-us-gov';

export interface AsffResource {
  readonly Type: string;
  readonly Id: string;
  readonly Partition: AsffPartition;
  readonly Region: string;
}

export interface AsffFinding {
  readonly SchemaVersion: '2018-10-08';
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Region: string;
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly FirstObservedAt: string;
  readonly LastObservedAt: string;
  readonly Title: string;
  readonly Description: string;
  /** Severity and Types only here: "the preferred option" for a provider (see `toFinding`). */
  readonly FindingProviderFields: {
    readonly Severity: { readonly Label: SeverityLabel; readonly Original: string };
    readonly Types: readonly string[];
  };
  readonly Resources: readonly AsffResource[];
  readonly Remediation: { readonly Recommendation: { readonly Text: string } };
  readonly Compliance: { readonly Status: ComplianceStatus };
  readonly Workflow: { readonly Status: WorkflowStatus };
  readonly RecordState: 'ACTIVE' | 'ARCHIVED';
  readonly Note: { readonly Text: string; readonly UpdatedBy: string; readonly UpdatedAt: string };
  readonly ProductFields: Readonly<Record<string, string>>;
}

/**
 * ASFF's bounds, as the SDK model states them: Id and GeneratorId 1-512, Title 1-256, Description
 * 1-1024, Recommendation.Text and Note.Text 1-512, Severity.Original 1-64, Resources 1-32 items,
 * ProductFields values up to 2048 and at most 50 pairs.
 */
export const ASFF_MAX = {
  id: 512,
  title: 256,
  description: 1024,
  recommendation: 512,
  note: 512,
  severityOriginal: 64,
  resources: 32,
  productField: 2048,
} as const;

/** The finding type of every LayerGuard finding (ASFF types taxonomy: namespace/category/classifier). */
export const FINDING_TYPE = 'Software and Configuration Checks/AWS Security Best Practices/Network Reachability';
export const SCHEMA_VERSION = '2018-10-08';
/** Who writes the notes (`Note.UpdatedBy`). */
export const UPDATED_BY = 'layerguard';

/** What a finding needs beyond the outcome. */
export interface FindingContext {
  /** When the finding is written (`UpdatedAt`). */
  readonly now: Date;
  /** The function's own account and region: where the drift is when the trigger does not say (a runbook). */
  readonly account?: string | undefined;
  readonly region?: string | undefined;
  /** The policy's tier names, outermost first (`policy.tiers.chain`): what a tier's severity weighs. */
  readonly tiers?: readonly string[] | undefined;
  /** The canary's group: its reverts prove the deployment every interval and are no finding. */
  readonly canaryGroupId?: string | undefined;
}

/** What became of one unit, as Security Hub records it. */
interface UnitState {
  readonly workflow: WorkflowStatus;
  readonly compliance: ComplianceStatus;
  /** What LayerGuard did or would do, and what is left to a person. */
  readonly recommendation: string;
}

/** A unit an exemption sets aside: suppressed, with the exemption's words and its last day. */
function suppressed(exemption: string): UnitState {
  const until = exemptUntil(exemption);
  return {
    workflow: 'SUPPRESSED',
    compliance: 'FAILED',
    recommendation: `Exempt${until ? ` until ${until}` : ''}: ${exemption}. LayerGuard reverts it once the exemption ends.`,
  };
}

/**
 * What becomes of a unit by outcome. `ignored` (not drift) and `already-compliant` (nothing was left to
 * revert: a duplicate, a race, a rule already gone) make no finding: a finding is a security issue that
 * was there; the first delivery of a duplicate already made its finding. In a `remediated` or
 * `alert-only` outcome each unit stands on its own: one that an action reverted (read back) is resolved,
 * the rest still need a person.
 */
function stateOf(outcome: Outcome, unit: DriftUnit): UnitState | undefined {
  const person = outcome.humanAction ? ` ${outcome.humanAction}` : '';
  switch (outcome.outcome) {
    case 'ignored':
    case 'already-compliant':
      return undefined;
    case 'exempt':
      return suppressed(outcome.reason);
    case 'dry-run':
      return {
        workflow: 'NEW',
        compliance: 'FAILED',
        recommendation: `LayerGuard would have reverted this (policy.mode is dry-run): ${outcome.reason}. Revert it by hand, or let LayerGuard enforce.${person}`,
      };
    case 'failed':
      return {
        workflow: 'NEW',
        compliance: 'FAILED',
        recommendation: `LayerGuard could not revert this (${outcome.error?.message ?? outcome.reason}); it retries the event, then dead-letters it. Check the drift and revert it by hand if it stays.${person}`,
      };
    case 'remediated':
    case 'alert-only': {
      if (outcome.actions.some((a) => isRevertedBy(unit, a))) {
        return { workflow: 'RESOLVED', compliance: 'PASSED', recommendation: `LayerGuard reverted this and read it back: ${outcome.reason}.${person}` };
      }
      // A remediated outcome's unit that no action names and no exemption sets aside: judged, not reverted, not found again.
      if (outcome.outcome === 'remediated') return undefined;
      return {
        workflow: 'NEW',
        compliance: 'FAILED',
        recommendation: outcome.humanAction ?? `LayerGuard did not revert this: ${outcome.reason}. Revert it by hand.`,
      };
    }
  }
}

/** A time as ASFF takes it (RFC 3339, UTC), never after `now`; `now` when the text is not a time. */
function observedAt(eventTime: string | undefined, now: Date): string {
  const at = eventTime === undefined ? Number.NaN : Date.parse(eventTime);
  return Number.isNaN(at) || at > now.getTime() ? now.toISOString() : new Date(at).toISOString();
}

/**
 * The finding's Id: the same for every outcome on one unit of drift, in any spelling (account, region,
 * kind, resource, unit), so that a redelivery or a later outcome updates the finding and never adds one
 * ("To determine whether to create or update a finding, Security Hub checks the ID field": Security Hub
 * User Guide, "Using BatchImportFindings to create and update findings"). Readable while it fits.
 */
export function findingId(account: string, region: string, unit: DriftUnit): string {
  const id = ['layerguard', account, region, unit.kind, unit.resourceId.toLowerCase(), ...(unit.detail ? [unit.detail] : [])].join('/');
  if (id.length <= ASFF_MAX.id) return id;
  return `layerguard/${account}/${region}/${unit.kind}/sha256-${createHash('sha256').update(id).digest('hex')}`;
}

/** The account's default product: "arn:aws:securityhub:us-west-1:123456789012:product/123456789012/default" (AWS CLI example of batch-import-findings in the User Guide). */
export const productArn = (partition: string, region: string, account: string): string =>
  `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`;

function resourceOf(id: string, partition: AsffPartition, region: string, account: string): AsffResource {
  const kind = RESOURCE_KINDS[id.slice(0, id.indexOf('-'))] ?? { asff: 'Other', arnType: 'resource' };
  return { Type: kind.asff, Id: `arn:${partition}:ec2:${region}:${account}:${kind.arnType}/${id}`, Partition: partition, Region: region };
}

const text = (value: string, max: number): string => sanitize(value, max) || '-';

/** The finding of one unit of an outcome; `undefined` when the outcome makes none for it (see `stateOf`). */
export function toFinding(outcome: Outcome, unit: DriftUnit, ctx: FindingContext, exemption?: string): AsffFinding | undefined {
  const state = exemption === undefined ? stateOf(outcome, unit) : suppressed(exemption);
  const account = outcome.trigger.account ?? ctx.account;
  const region = outcome.trigger.region ?? ctx.region;
  // AwsAccountId is 12 digits; a hand-made event naming anything else has no account to file it in.
  if (!state || !account || !/^\d{12}$/.test(account) || !region) return undefined;
  const partition = partitionOf(region) as AsffPartition;
  const severity = severityOf(unit.kind, unit.tier, ctx.tiers);
  const observed = observedAt(outcome.trigger.eventTime, ctx.now);
  const now = ctx.now.toISOString();
  const t = outcome.trigger;
  const by = [t.actorArn && `by ${t.actorArn}`, t.sourceIp && `from ${t.sourceIp}`].filter(Boolean).join(' ');
  const until = state.workflow === 'SUPPRESSED' ? exemptUntil(exemption ?? outcome.reason) : undefined;
  const resources = [unit.resourceId, ...unit.related.filter((r) => r !== unit.resourceId)].slice(0, ASFF_MAX.resources);
  return {
    SchemaVersion: SCHEMA_VERSION,
    Id: findingId(account, region, unit),
    ProductArn: productArn(partition, region, account),
    GeneratorId: `layerguard/${unit.kind}`,
    AwsAccountId: account,
    // Security Hub fills Region from where the finding is imported (the SDK's `Region`); set to the same.
    Region: region,
    CreatedAt: observed,
    // A later UpdatedAt is what makes an update count: "If UpdatedAt on the update matches or occurs
    // before UpdatedAt on the existing finding, then the update is ignored" (User Guide, as above).
    UpdatedAt: now,
    FirstObservedAt: observed,
    LastObservedAt: observed,
    Title: text(`${unit.resourceId}: ${unit.kind} ${unit.what}`, ASFF_MAX.title),
    Description: text(
      `${unit.kind} on ${unit.resourceId}: ${unit.what}. LayerGuard outcome: ${outcome.outcome}: ${outcome.reason}. ` +
        `Trigger: ${t.eventName} ${t.eventId}${by ? ` ${by}` : ''}${t.eventTime ? ` at ${t.eventTime}` : ''}.`,
      ASFF_MAX.description,
    ),
    // "(Preferred) BatchImportFindings provides a value for an attribute in FindingProviderFields, but
    // does not provide a value for the corresponding top-level attribute" (User Guide, "Using
    // FindingProviderFields"): then a later import updates them, and a person's own change stays.
    FindingProviderFields: {
      Severity: { Label: severity, Original: text(`${unit.kind}:${unit.tier ?? 'no tier'}`, ASFF_MAX.severityOriginal) },
      Types: [FINDING_TYPE],
    },
    Resources: resources.map((id) => resourceOf(id, partition, region, account)),
    Remediation: { Recommendation: { Text: text(state.recommendation, ASFF_MAX.recommendation) } },
    Compliance: { Status: state.compliance },
    Workflow: { Status: state.workflow },
    RecordState: 'ACTIVE',
    Note: { Text: text(`LayerGuard ${outcome.outcome} (${t.eventName} ${t.eventId}): ${outcome.reason}`, ASFF_MAX.note), UpdatedBy: UPDATED_BY, UpdatedAt: now },
    ProductFields: {
      'layerguard/outcome': outcome.outcome,
      'layerguard/eventId': text(t.eventId, 256),
      'layerguard/eventName': text(t.eventName, 256),
      ...(t.actorArn ? { 'layerguard/actorArn': text(t.actorArn, ASFF_MAX.productField) } : {}),
      ...(until ? { 'layerguard/exemptUntil': until } : {}),
      // The evidence follow-up of a revert (the `flowLogEvidence` switch) updates the resolved finding: its
      // Note then says whether the window was used, and these fields keep it for filters and insights.
      ...(outcome.evidence
        ? { 'layerguard/flowEvidence': outcome.evidence.status, 'layerguard/flowEvidenceText': text(outcome.evidence.text, ASFF_MAX.productField) }
        : {}),
    },
  };
}

/** Every finding of an outcome: one per unit of its drift; none for a canary's revert, an ignored or an already-compliant outcome. */
export function toFindings(outcome: Outcome, ctx: FindingContext): AsffFinding[] {
  if (isCanaryOutcome(outcome, ctx.canaryGroupId) && outcome.outcome !== 'failed') return [];
  const judged = outcome.drift.flatMap(unitsOf).flatMap((unit) => toFinding(outcome, unit, ctx) ?? []);
  const setAside = (outcome.setAside ?? []).flatMap((a) => unitsOf(a.drift).flatMap((unit) => toFinding(outcome, unit, ctx, a.reason) ?? []));
  // One finding per Id: two drifts of an outcome may name one unit (a rule both world-open and a tier skip
  // is two kinds, so two Ids; the same kind twice is one), and a batch must not hold an Id twice. A unit
  // set aside is also in `drift` where the decision lists it (route tables): the exemption's word is last, so it wins.
  const findings = [...judged, ...setAside];
  return [...new Map(findings.map((f) => [f.Id, f])).values()];
}
