import type { Policy } from './policy.js';

/**
 * "Never fight a reconciler": a controller or pipeline that owns a resource re-creates what
 * LayerGuard reverts. Counted per key (account, region, resource, kind of change, actor); once the
 * same key was reverted `maxRepeats` times within `windowMinutes`, the next one is a fight.
 */

/** What identifies one repeated drift: where, on what, which kind, and who made it. */
export interface RepeatKey {
  readonly account: string;
  readonly region: string;
  readonly resourceId: string;
  readonly kind: string;
  readonly actorArn: string;
}

/** The ledger's key of one repeated drift; each part is escaped, so no part can forge the `#` separator. */
export const repeatKeyText = (k: RepeatKey): string =>
  ['repeat', k.account, k.region, k.resourceId, k.kind, k.actorArn].map((p) => encodeURIComponent(p)).join('#');

/** The start of the window that ends at `now` (inclusive: a revert exactly `windowMinutes` ago still counts). */
export const windowStart = (now: Date, reconciler: Policy['reconciler']): Date =>
  new Date(now.getTime() - reconciler.windowMinutes * 60_000);

/** The prior reverts of one key inside the window ending at `now` (future times, a clock skew, count too). */
export const repeatsInWindow = (priorReverts: readonly Date[], now: Date, reconciler: Policy['reconciler']): number => {
  const from = windowStart(now, reconciler).getTime();
  return priorReverts.filter((t) => t.getTime() >= from).length;
};

/** A fight: the same drift was already reverted `maxRepeats` times within the window; reverting again would loop. */
export const isFight = (priorReverts: readonly Date[], now: Date, reconciler: Policy['reconciler']): boolean =>
  repeatsInWindow(priorReverts, now, reconciler) >= reconciler.maxRepeats;

/** What a person must do about a fight: fix the actor's source, or exempt the resource. */
export const fightAction = (actorArn: string, resourceId: string): string =>
  `${actorArn} keeps re-creating this drift on ${resourceId}: LayerGuard stopped reverting it. ` +
  `Fix the source of that actor (its template, controller or pipeline), or exempt ${resourceId} with a LayerGuard exemption tag.`;
