import { describe, expect, it } from 'vitest';
import { METRICS } from '../../functions/adapters/metrics.js';
import { resourcesOf, synth } from './support.js';

/** The alarm on drift a reconciler kept re-creating (answered alert-only, not reverted): the metric the functions write (functions/adapters/lambda-handler.ts). */

const { template } = synth();
const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter(
  (a) => a.Properties.MetricName === METRICS.reconcilerFights,
);

describe('ReconcilerFights alarms', () => {
  it.each(['security-group', 'route-table'])('alarms on the %s function’s count, to the topic, and on recovery', (fn) => {
    const alarm = alarms.find((a) =>
      (a.Properties.Dimensions as Array<{ Name: string; Value: string }>).some((d) => d.Name === 'function' && d.Value === fn),
    );
    expect(alarm?.Properties).toMatchObject({
      Namespace: METRICS.namespace,
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect([...(alarm?.Properties.Dimensions as Array<{ Name: string; Value: string }>)].sort((a, b) => a.Name.localeCompare(b.Name))).toEqual([
      { Name: 'function', Value: fn },
      { Name: 'service', Value: METRICS.service },
    ]);
    expect(alarm?.Properties.AlarmActions).toHaveLength(1);
    // The alarm topic (notifications.alarmTopic), unfiltered, not the outcomes topic.
    expect(JSON.stringify(alarm?.Properties.AlarmActions)).toContain('NotificationsAlarmTopic');
    expect(alarm?.Properties.OKActions).toEqual(alarm?.Properties.AlarmActions);
  });

  it('has one per event function', () => {
    expect(alarms).toHaveLength(2);
  });
});
