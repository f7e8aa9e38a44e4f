import type { Action, Drift, Outcome, OutcomeStatus, Trigger } from '../core/outcome.js';
import type { PipelineDeps } from './deps.js';
import { makeOutcome, secondsSince } from './outcomes.js';

/** A finding of one decision (route tables, network ACLs): revert it, tell a person, or leave it (exempt). */
export type Settleable<D, A extends Action> =
  | { readonly status: 'revert'; readonly drift: D; readonly action: A; readonly reason: string }
  | { readonly status: 'alert-only'; readonly drift: D; readonly reason: string; readonly humanAction: string }
  | { readonly status: 'exempt'; readonly drift: D; readonly reason: string };

/** What differs between the resource kinds that settle findings the same way. */
export interface Layer<F extends Settleable<Drift, Action>, T> {
  /** The ids an outcome names, from its findings' drift. */
  readonly resourcesOf: (findings: readonly F[]) => string[];
  /** A done revert, in the past tense ("deleted …", "moved …"); dry-run says it in the present. */
  readonly describeRevert: (action: Action, findings: readonly F[]) => string;
  /** One revert, applied and read back; a revert that did not take throws `VerificationError` (retried). */
  readonly applyOne: (finding: Extract<F, { status: 'revert' }>, deps: PipelineDeps) => Promise<{ action: Action; read: ReadBack<T> }>;
  /** A resource as outcomes record it (before and after); `undefined` when the read found it gone. */
  readonly state: (resource: T | undefined, id: string) => unknown;
  readonly idOf: (resource: T) => string;
  /** Whether an action deletes something (a route, an ACL entry): `onDelete` is said beside it. */
  readonly deletes: (action: Action) => boolean;
}

/** What a revert's read-back found: the resource by its id, gone or not. */
export interface ReadBack<T> {
  readonly resource: T | undefined;
  readonly id: string;
}

/** How a set of findings is reported. */
export interface SettleOptions {
  /** `false` (runbooks, the sweep) leaves `secondsOpen` out: the change's time is not known. */
  readonly changeTimeKnown?: boolean;
  /** Said beside a deletion in the reason (a ReplaceRoute's old target is unknown). */
  readonly deleteNote?: string | undefined;
  /** What a person must restore once something is deleted (a ReplaceNetworkAclEntry's old definition). */
  readonly restore?: string | undefined;
}

/**
 * Plan, apply and verify the findings of one decision (an event's, a runbook's, one of a sweep's) as
 * one outcome. Reverts run one after another, each read back; `alert-only` wins over `remediated` (a
 * person still has to act), and `exempt` alone is `exempt`. `before` lists what the decision read.
 */
export async function settleFindings<F extends Settleable<Drift, Action>, T>(
  layer: Layer<F, T>,
  findings: readonly F[],
  read: readonly T[],
  trigger: Trigger,
  deps: PipelineDeps,
  options: SettleOptions = {},
): Promise<Outcome> {
  const resources = layer.resourcesOf(findings);
  const drift = findings.map((f) => f.drift);
  const stateOf = (t: T) => layer.state(t, layer.idOf(t));
  const before = read.length === 1 ? stateOf(read[0] as T) : read.map(stateOf);
  const reverts = findings.filter((f): f is Extract<F, { status: 'revert' }> => f.status === 'revert');
  const alerts = findings.filter((f): f is Extract<F, { status: 'alert-only' }> => f.status === 'alert-only');
  const exempts = findings.filter((f) => f.status === 'exempt');
  const deletes = reverts.some((f) => layer.deletes(f.action));
  const restore = deletes ? options.restore : undefined;
  const actionsText = [...alerts.map((a) => a.humanAction), ...(restore ? [restore] : [])];
  const humanAction = actionsText.length > 0 ? actionsText.join(' ') : undefined;
  const aside = [...alerts, ...exempts].map((f) => f.reason);
  const setAside = exempts.length > 0 ? { setAside: exempts.map((f) => ({ drift: f.drift, reason: f.reason })) } : {};
  const note = deletes && options.deleteNote ? `; ${options.deleteNote}` : '';

  if (reverts.length === 0) {
    const status: OutcomeStatus = alerts.length > 0 ? 'alert-only' : 'exempt';
    return makeOutcome(trigger, status, aside.join('; '), { resources, drift, ...setAside, before, after: before, humanAction });
  }
  const why = reverts.map((f) => f.reason).join('; ');
  const besides = aside.length > 0 ? `; besides: ${aside.join('; ')}` : '';
  const describe = (a: Action) => layer.describeRevert(a, findings);
  if (deps.policy.mode === 'dry-run') {
    const would = reverts.map((f) => describe(f.action).replace(/^deleted/, 'delete').replace(/^moved/, 'move').replace(/^restored/, 'restore'));
    return makeOutcome(trigger, 'dry-run', `would ${would.join(', ')}: ${why}${note}${besides}`, {
      resources,
      drift,
      ...setAside,
      actions: reverts.map((f) => ({ ...f.action, result: 'skipped' as const })),
      before,
      after: before,
      humanAction,
    });
  }
  const actions: Action[] = [];
  const after: unknown[] = [];
  for (const f of reverts) {
    const applied = await layer.applyOne(f, deps);
    actions.push(applied.action);
    after.push({ ...(layer.state(applied.read.resource, applied.read.id) as object), verifiedBy: 'read-back' });
  }
  const done = actions.filter((a) => a.result === 'done');
  const status: OutcomeStatus = alerts.length > 0 ? 'alert-only' : done.length > 0 ? 'remediated' : 'already-compliant';
  const secondsOpen = done.length > 0 && options.changeTimeKnown !== false ? secondsSince(trigger.eventTime, deps.clock()) : undefined;
  const open = secondsOpen === undefined ? '' : ` after ${secondsOpen} s`;
  const reason =
    done.length > 0
      ? `${done.map(describe).join(', ')}${open}: ${why}${note}${besides}`
      : `the drift was gone before LayerGuard reverted it: ${why}${besides}`;
  return makeOutcome(trigger, status, reason, {
    resources,
    drift,
    ...setAside,
    actions,
    before,
    after: after.length === 1 ? after[0] : after,
    secondsOpen,
    // Nothing to restore when nothing was deleted (the drift was already gone); an alert still stands.
    humanAction: done.length > 0 || alerts.length > 0 ? humanAction : undefined,
  });
}
