/** Small statistics and the call-log analysis the benchmarks share. */

export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
};

export const median = (values: readonly number[]): number => percentile(values, 50);

export const round = (value: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** A time interval, as the simulated account logs each EC2 call. */
export interface Interval {
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * Merges overlapping intervals: calls that overlap in time were in flight together, so they are one
 * round trip on the critical path. Returns the merged intervals, in order.
 */
export function mergeOverlapping(calls: readonly Interval[]): Interval[] {
  const sorted = [...calls].sort((a, b) => a.startedAt - b.startedAt);
  const merged: { startedAt: number; endedAt: number }[] = [];
  for (const c of sorted) {
    const last = merged.at(-1);
    if (last && c.startedAt < last.endedAt) last.endedAt = Math.max(last.endedAt, c.endedAt);
    else merged.push({ startedAt: c.startedAt, endedAt: c.endedAt });
  }
  return merged;
}

/** Sequential round trips: the number of groups of calls that overlap in time. */
export const sequentialRoundTrips = (calls: readonly Interval[]): number => mergeOverlapping(calls).length;

/** Total time covered by the calls (the union of their intervals). */
export const timeInCalls = (calls: readonly Interval[]): number =>
  mergeOverlapping(calls).reduce((sum, c) => sum + (c.endedAt - c.startedAt), 0);

/** Progress and notes go to stderr, so that `--json` keeps stdout to one JSON object. */
export const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};
