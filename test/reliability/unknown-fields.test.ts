import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toChange } from '../../functions/core/change.js';
import { parseTrigger } from '../../functions/core/cloudtrail.js';
import { ignoreReason } from '../../functions/core/guards.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { parsePolicy } from '../../functions/core/policy.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { materialise } from '../../events/simulated-account/materialise.js';
import { manifest } from '../support/events.js';
import { clock, NOW, OWN_ROLE_ARNS } from './support.js';
import { loadEvent } from '../support/events.js';

/**
 * What the decision does not need never blocks it: the real samples of events/cloudtrail, with fields
 * LayerGuard does not know added anywhere in the record, and with the fields only people read (when,
 * who by name, from where, versions) changed to anything JSON can hold, or dropped, are judged exactly
 * as the samples themselves: the same guard, the same change, the same outcome and actions end to end.
 */

const RUNS = Number(process.env.LAYERGUARD_PROPERTY_RUNS ?? 300);
const POLICY = parsePolicy({ ownRoleArns: OWN_ROLE_ARNS });

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** The samples whose record parses (the malformed ones have their own tests), as EventBridge delivers them or bare. */
const SAMPLES = manifest()
  .filter((e) => e.expected !== null)
  .map((e) => ({ file: e.file, event: loadEvent(e.file) as Record<string, Json> }))
  .filter(({ event }) => {
    try {
      parseTrigger(event);
      return true;
    } catch {
      return false;
    }
  });

const recordOf = (event: Record<string, Json>) => ('detail' in event ? event.detail : event) as Record<string, Json>;

/** Every object inside a value (the record, its identity, its request and response, their lists' items). */
function objectsIn(value: Json, into: Array<Record<string, Json>> = []): Array<Record<string, Json>> {
  if (Array.isArray(value)) for (const v of value) objectsIn(v, into);
  else if (value !== null && typeof value === 'object') {
    into.push(value);
    for (const v of Object.values(value)) objectsIn(v, into);
  }
  return into;
}

// A name no CloudTrail field of these calls has (and no schema reads): a field LayerGuard does not know.
const unknownName = fc.stringMatching(/^[a-z][A-Za-z0-9]{0,11}$/).map((s) => `zz${s}`);
const anyJson = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;
/** A value for eventTime: other forms of a time, other types, or none at all. */
const timeValue: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constantFrom('2025-03-14 09:12:44', '2025-03-14T09:12:44', '14/03/2025 09:12', 'yesterday', '', '2025-02-30T25:61:61Z'),
  fc.integer(),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  anyJson,
  fc.constant(undefined),
);
/** Fields only people read (who by name, from where, with what, which version of the record). */
const PEOPLE_FIELDS = ['userAgent', 'sourceIPAddress', 'eventVersion', 'requestID', 'eventType', 'readOnly', 'tlsDetails'];
const IDENTITY_FIELDS = ['type', 'userName', 'principalId', 'invokedBy', 'accessKeyId'];

type Mutation =
  | { kind: 'add'; at: number; name: string; value: Json }
  | { kind: 'time'; value: Json | undefined }
  | { kind: 'people'; field: string; value: Json | undefined }
  | { kind: 'identity'; field: string; value: Json | undefined };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), name: unknownName, value: anyJson }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('time' as const), value: timeValue }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('people' as const),
      field: fc.constantFrom(...PEOPLE_FIELDS),
      value: fc.option(anyJson, { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('identity' as const),
      field: fc.constantFrom(...IDENTITY_FIELDS),
      value: fc.option(anyJson, { nil: undefined }),
    }),
  },
);

const set = (o: Record<string, Json>, key: string, value: Json | undefined) => {
  if (value === undefined) delete o[key];
  else o[key] = value;
};

function mutate(event: Record<string, Json>, mutations: readonly Mutation[]): Record<string, Json> {
  const copy = structuredClone(event);
  const record = recordOf(copy);
  for (const m of mutations) {
    if (m.kind === 'add') {
      const targets = objectsIn(record);
      const target = targets[m.at % targets.length] as Record<string, Json>;
      target[m.name] = m.value;
    } else if (m.kind === 'time') set(record, 'eventTime', m.value);
    else if (m.kind === 'people') set(record, m.field, m.value);
    else {
      const identity = record.userIdentity;
      if (identity && typeof identity === 'object' && !Array.isArray(identity)) set(identity, m.field, m.value);
    }
  }
  return copy;
}

/** The pure decision: the guard's answer and, when it acts, the change it reads. */
function decisionOf(event: unknown): unknown {
  const { record } = parseTrigger(event);
  const ignored = ignoreReason(record, POLICY);
  if (ignored) return { ignored };
  try {
    return { change: toChange(record) };
  } catch (error) {
    return { unreadable: (error as Error).message };
  }
}

/** The sample end to end, as `replay` plays it: its change made on the baseline, then the engine. */
async function outcomeOf(event: Record<string, Json>): Promise<Partial<Outcome>> {
  const account = threeTierAccount(NOW);
  materialise(account, parseTrigger(event), POLICY);
  const { engine } = simulatedEngine(account, { policy: POLICY, clock });
  const { outcome, reason, drift, actions, resources } = await engine.handle(event);
  // How long the drift was open is the one thing the event's time tells; without it, the reason does not say.
  return { outcome, reason: reason.replace(/ (for|after) [\d.]+ s\b/, ''), drift, actions, resources };
}

describe('fields the decision does not need', () => {
  it('there are samples of every kind to mutate', () => {
    expect(SAMPLES.length).toBeGreaterThan(20);
  });

  it('unknown fields anywhere, and any eventTime or people-only field: the same guard and change', () => {
    fc.assert(
      fc.property(fc.nat(SAMPLES.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 6 }), (i, mutations) => {
        const { event } = SAMPLES[i] as (typeof SAMPLES)[number];
        expect(decisionOf(mutate(event, mutations))).toEqual(decisionOf(event));
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('end to end on the simulated account: the same outcome, drift and actions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(SAMPLES.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), async (i, mutations) => {
        const { event } = SAMPLES[i] as (typeof SAMPLES)[number];
        expect(await outcomeOf(mutate(event, mutations))).toEqual(await outcomeOf(event));
      }),
      { numRuns: RUNS },
    );
  });

  it('an eventTime that is not in CloudTrail’s form leaves the time to revert unknown, and nothing else', async () => {
    const { event } = SAMPLES.find((s) => s.file === 'AuthorizeSecurityGroupIngress/world-open-ssh.json') as (typeof SAMPLES)[number];
    const odd = mutate(event, [{ kind: 'time', value: '2025-03-14 09:12:44' }]);
    const account = threeTierAccount(NOW);
    materialise(account, parseTrigger(odd), POLICY);
    const outcome = await simulatedEngine(account, { policy: POLICY, clock }).engine.handle(odd);
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.secondsOpen).toBeUndefined();
    expect(outcome.trigger.eventTime).toBe('2025-03-14 09:12:44');
  });
});
