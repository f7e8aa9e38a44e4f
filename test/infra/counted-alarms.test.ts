import { describe, expect, it } from 'vitest';
import { METRICS } from '../../functions/adapters/metrics.js';
import { resourcesOf, synth } from './support.js';

/**
 * The alarms on LayerGuard's own counted metrics, as the functions write them (functions/adapters/lambda-handler.ts;
 * test/handlers/unreadable-metric.test.ts, test/handlers/reconciler-metric.test.ts): events of watched calls that could
 * not be read, and drift a reconciler kept re-creating (answered alert-only, not reverted).
 */

const { template } = synth();
const allAlarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));

describe.each([METRICS.unreadableEvents, METRICS.reconcilerFights])('%s alarms', (metric) => {
  const alarms = allAlarms.filter((a) => a.Properties.MetricName === metric);

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
