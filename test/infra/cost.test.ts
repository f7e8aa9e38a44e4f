import { describe, expect, it } from 'vitest';
import { resourcesOf, synth } from './support.js';

/**
 * What the README's "What it costs" counts, counted from the stack itself: the fixed monthly cost
 * per account and region is one KMS key and one CloudWatch alarm per alarm resource.
 */
describe('the stack\'s billed-by-the-month resources (README: "What it costs")', { timeout: 120_000 }, () => {
  it('default: 1 KMS key, 18 alarms (2 on unreadable events, 2 on reconciler fights, one per rule\'s dead-letter queue: 4), 4 functions, 2 schedules (canary and sweep)', () => {
    const { template } = synth({});
    expect(Object.keys(resourcesOf(template, 'AWS::KMS::Key'))).toHaveLength(1);
    expect(Object.keys(resourcesOf(template, 'AWS::CloudWatch::Alarm'))).toHaveLength(22);
    expect(Object.keys(resourcesOf(template, 'AWS::Lambda::Function'))).toHaveLength(4);
    expect(Object.keys(resourcesOf(template, 'AWS::Scheduler::Schedule'))).toHaveLength(2);
  });

  it('without the canary and the sweep: 21 alarms, 3 functions, no schedule', () => {
    const { template } = synth({ canary: { enabled: false }, sweep: { enabled: false } });
    expect(Object.keys(resourcesOf(template, 'AWS::CloudWatch::Alarm'))).toHaveLength(21);
    expect(Object.keys(resourcesOf(template, 'AWS::Lambda::Function'))).toHaveLength(3);
    expect(Object.keys(resourcesOf(template, 'AWS::Scheduler::Schedule'))).toHaveLength(0);
  });
});
