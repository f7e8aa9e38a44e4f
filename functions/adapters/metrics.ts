/**
 * The functions' CloudWatch metrics (Powertools EMF): the namespace, the `service` dimension (Powertools
 * adds it from `serviceName`) and, set per function, the `function` dimension. The alarms use the same.
 */
export const METRICS = {
  namespace: 'LayerGuard',
  service: 'layerguard',
  /** Events of watched calls that could not be read (a person was told). */
  unreadableEvents: 'UnreadableEvents',
  /** Drift a reconciler re-created past the repeat limit, answered alert-only instead of reverted. */
  reconcilerFights: 'ReconcilerFights',
  /** Account-regions whose scheduled sweep the hub could not queue (each named in the fan-out's log). */
  sweepsNotQueued: 'SweepsNotQueued',
} as const;
