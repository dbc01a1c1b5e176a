/*
 * AWS prices the benchmarks bill with: us-east-1, on-demand, without free tiers. One dated table, so a
 * figure can be traced to the price it used. Recorded 2026-12-02 from the values these pages listed
 * when last read (this machine has no network to re-check them): check before quoting a figure.
 *   Lambda          https://aws.amazon.com/lambda/pricing/
 *   DynamoDB        https://aws.amazon.com/dynamodb/pricing/on-demand/  (on-demand, after the Nov 2024 cut; Standard table class storage)
 *   EventBridge     https://aws.amazon.com/eventbridge/pricing/  (custom events; AWS service events to the default bus are free)
 *   SQS             https://aws.amazon.com/sqs/pricing/  (standard queue requests, 64 KB each)
 *   CloudWatch      https://aws.amazon.com/cloudwatch/pricing/  (Logs ingestion, Standard class)
 *   Fargate         https://aws.amazon.com/fargate/pricing/  (Linux)
 *   Step Functions  https://aws.amazon.com/step-functions/pricing/  (Standard workflows)
 */
export const PRICES = {
  date: '2026-12-02',
  region: 'us-east-1',
  lambda: {
    perRequest: 0.2 / 1e6,
    perGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  },
  dynamodb: { perWriteUnit: 0.625 / 1e6, perReadUnit: 0.125 / 1e6, perGbMonth: 0.25 },
  eventbridge: { perCustomEvent: 1.0 / 1e6 },
  sqs: { perRequest: 0.4 / 1e6 },
  cloudwatch: { perLogGb: 0.5, perGetMetricDataMetric: 0.01 / 1000 },
  fargate: {
    perVcpuHour: { arm64: 0.03238, x86_64: 0.04048 },
    perGbHour: { arm64: 0.00356, x86_64: 0.004445 },
  },
  stepFunctions: { perStateTransition: 0.025 / 1000 },
} as const;

export type Architecture = 'arm64' | 'x86_64';
