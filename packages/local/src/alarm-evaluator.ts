import { randomUUID } from 'node:crypto';

/*
 * The local stand-in for the workers' CloudWatch depth alarms. On AWS an alarm on
 * ApproximateNumberOfMessagesVisible >= 1 evaluates one-minute datapoints; locally the queue is
 * evaluated every `intervalMs`, and each state transition becomes the "CloudWatch Alarm State
 * Change" event AWS sends to EventBridge (the shape of the CloudWatch User Guide's example).
 */

export interface DepthAlarm {
  name: string;
  queue: string;
}

export interface AlarmEvaluatorOptions {
  alarms: readonly DepthAlarm[];
  /** Visible messages of a queue, read without touching it. */
  visible: (queue: string) => number;
  publish: (event: Record<string, unknown>) => void;
  region: string;
  accountId: string;
  intervalMs?: number;
}

type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** CloudWatch writes alarm timestamps as 2019-10-02T17:04:40.989+0000. */
function cloudwatchTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** Starts evaluating; returns a function that stops it. */
export function startAlarmEvaluator(options: AlarmEvaluatorOptions): () => void {
  const states = new Map<string, { value: AlarmState; reason: string; timestamp: string }>(
    options.alarms.map((alarm) => [
      alarm.name,
      {
        value: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        timestamp: cloudwatchTime(new Date()),
      },
    ]),
  );
  const evaluate = () => {
    for (const alarm of options.alarms) {
      const previous = states.get(alarm.name);
      if (!previous) continue;
      const visible = options.visible(alarm.queue);
      const value: AlarmState = visible >= 1 ? 'ALARM' : 'OK';
      if (value === previous.value) continue;
      const now = new Date();
      const state = {
        value,
        reason: `Threshold Crossed: 1 out of the last 1 datapoints [${visible}.0] was ${value === 'ALARM' ? '' : 'not '}greater than or equal to the threshold (1.0) (minimum 1 datapoint for ${previous.value} -> ${value} transition).`,
        timestamp: cloudwatchTime(now),
      };
      states.set(alarm.name, state);
      options.publish({
        version: '0',
        id: randomUUID(),
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        account: options.accountId,
        time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: options.region,
        resources: [`arn:aws:cloudwatch:${options.region}:${options.accountId}:alarm:${alarm.name}`],
        detail: {
          alarmName: alarm.name,
          configuration: {
            description: `Messages visible in ${alarm.queue}`,
            metrics: [
              {
                id: 'visible',
                metricStat: {
                  metric: {
                    dimensions: { QueueName: alarm.queue },
                    name: 'ApproximateNumberOfMessagesVisible',
                    namespace: 'AWS/SQS',
                  },
                  period: 60,
                  stat: 'Maximum',
                },
                returnData: true,
              },
            ],
          },
          previousState: previous,
          state,
        },
      });
    }
  };
  const timer = setInterval(evaluate, options.intervalMs ?? 1000);
  evaluate();
  return () => clearInterval(timer);
}
