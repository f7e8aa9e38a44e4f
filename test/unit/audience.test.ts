import { describe, expect, it } from 'vitest';
import { audiencesOf, needsPerson, undone, PEOPLE_OUTCOMES, peopleAttributes, peopleFilterPolicy } from '../../functions/core/audience.js';
import type { Outcome } from '../../functions/core/outcome.js';

/** Who is told about an outcome, and the message attributes people's subscriptions filter on. */

const GROUP = 'sg-0ca0a1e0000000001';
const outcome = (over: Partial<Outcome> = {}): Outcome =>
  ({
    outcome: 'remediated',
    reason: 'reverted',
    eventId: 'e-1',
    eventName: 'AuthorizeSecurityGroupIngress',
    trigger: { eventId: 'e-1', eventName: 'AuthorizeSecurityGroupIngress', eventSource: 'ec2.amazonaws.com', source: 'aws.ec2' },
    resources: ['sg-0aaaaaaaaaaaaaaa1'],
    drift: [],
    actions: [],
    ...over,
  }) as Outcome;

describe('needsPerson', () => {
  it.each<[Partial<Outcome>, boolean]>([
    [{ outcome: 'alert-only' }, true],
    [{ outcome: 'failed' }, true],
    [{ outcome: 'ignored', humanAction: 'look at it' }, true],
    [{ outcome: 'ignored' }, false],
    [{ outcome: 'remediated' }, false],
    [{ outcome: 'remediated', humanAction: 'check the pipeline' }, true],
    [{ outcome: 'already-compliant', humanAction: 're-create the rule' }, true],
    [{ outcome: 'dry-run' }, false],
    [{ outcome: 'exempt' }, false],
    [{ outcome: 'already-compliant' }, false],
  ])('%o: %s', (over, expected) => {
    expect(needsPerson(outcome(over))).toBe(expected);
  });
});

describe('undone: what LayerGuard could not do or did not judge (the notification says ACTION REQUIRED)', () => {
  it.each<[Partial<Outcome>, boolean]>([
    [{ outcome: 'alert-only' }, true],
    [{ outcome: 'failed' }, true],
    [{ outcome: 'ignored', humanAction: 'look at it' }, true],
    [{ outcome: 'ignored' }, false],
    // Reverted, with a follow-up for a person: done by LayerGuard, still a person's to finish.
    [{ outcome: 'remediated', humanAction: 're-create the entry' }, false],
    [{ outcome: 'dry-run', humanAction: 're-create the entry' }, false],
  ])('%o: %s', (over, expected) => {
    expect(undone(outcome(over))).toBe(expected);
  });
});

describe('peopleAttributes', () => {
  it('a revert that leaves a person something to do is attention=required, so an alert-only subscription still hears of it', () => {
    expect(peopleAttributes(outcome({ outcome: 'remediated', humanAction: 're-create rule 100' }))).toEqual({
      outcome: 'remediated',
      attention: 'required',
    });
  });

  it('always sets both attributes', () => {
    expect(peopleAttributes(outcome())).toEqual({ outcome: 'remediated', attention: 'none' });
    expect(peopleAttributes(outcome({ outcome: 'failed' }))).toEqual({ outcome: 'failed', attention: 'required' });
    expect(peopleAttributes(outcome({ outcome: 'ignored', humanAction: 'x' }))).toEqual({ outcome: 'ignored', attention: 'required' });
  });
});

describe('PEOPLE_OUTCOMES', () => {
  it('is what LayerGuard did or would do, and what needs a person; the rest stays on the bus', () => {
    expect([...PEOPLE_OUTCOMES].sort()).toEqual(['alert-only', 'dry-run', 'failed', 'remediated']);
  });
});

describe('peopleFilterPolicy', () => {
  it("is SNS's $or of the chosen outcomes and anything needing a person", () => {
    expect(peopleFilterPolicy(['remediated', 'failed'])).toEqual({
      $or: [{ outcome: ['remediated', 'failed'] }, { attention: ['required'] }],
    });
  });
});

describe('audiencesOf', () => {
  it('tells people and machines about an ordinary outcome', () => {
    expect(audiencesOf(outcome())).toEqual(['people', 'machines']);
    expect(audiencesOf(outcome(), { canaryGroupId: GROUP })).toEqual(['people', 'machines']);
  });

  it("keeps the canary's outcomes off people's channel unless it failed", () => {
    const canary = outcome({ resources: [GROUP] });
    expect(audiencesOf(canary, { canaryGroupId: GROUP })).toEqual(['machines']);
    expect(audiencesOf({ ...canary, outcome: 'already-compliant' }, { canaryGroupId: GROUP })).toEqual(['machines']);
    expect(audiencesOf({ ...canary, outcome: 'failed' }, { canaryGroupId: GROUP })).toEqual(['people', 'machines']);
  });

  it("tells people a fight once: its quiet repeats go to machines only", () => {
    const fight = { actorArn: 'arn:aws:iam::111122223333:role/pipeline', reverts: 3, windowMinutes: 60 };
    expect(audiencesOf(outcome({ fight: { ...fight, quiet: true } }))).toEqual(['machines']);
    expect(audiencesOf(outcome({ fight: { ...fight, quiet: false } }))).toEqual(['people', 'machines']);
  });
});
