import { type CheckContext, field, label, ofType, output, TYPES } from './context';

/*
 * Limits AWS enforces only when a deploy reaches them: name lengths, one resource per id, the size of
 * a function's environment.
 */

/** A name's input key and AWS's length limits, per resource type. */
const NAME_LIMITS: Record<string, { key: string; min: number; max: number; generated?: true }> = {
  [TYPES.role]: { key: 'name', min: 1, max: 64 },
  [TYPES.rolePolicy]: { key: 'name', min: 1, max: 128 },
  [TYPES.lambda]: { key: 'name', min: 1, max: 64 },
  // The provider generates a statement id when none is given.
  [TYPES.permission]: { key: 'statementId', min: 1, max: 100, generated: true },
  [TYPES.rule]: { key: 'name', min: 1, max: 64 },
  [TYPES.target]: { key: 'targetId', min: 1, max: 64 },
  [TYPES.schedule]: { key: 'name', min: 1, max: 64 },
  [TYPES.queue]: { key: 'name', min: 1, max: 80 },
  [TYPES.table]: { key: 'name', min: 3, max: 255 },
  [TYPES.bucket]: { key: 'bucket', min: 3, max: 63 },
  [TYPES.bucketV2]: { key: 'bucket', min: 3, max: 63 },
  'aws:ecs/cluster:Cluster': { key: 'name', min: 1, max: 255 },
  [TYPES.service]: { key: 'name', min: 1, max: 255 },
  [TYPES.taskDefinition]: { key: 'family', min: 1, max: 255 },
  'aws:ecr/repository:Repository': { key: 'name', min: 2, max: 256 },
  'aws:cloudwatch/logGroup:LogGroup': { key: 'name', min: 1, max: 512 },
  'aws:cloudwatch/metricAlarm:MetricAlarm': { key: 'name', min: 1, max: 255 },
};

/** Every name is within AWS's length limits for its type (a generated name is checked as generated). */
export function namesWithinLimits({ run }: CheckContext): string[] {
  return run.resources.flatMap((r) => {
    const limit = NAME_LIMITS[r.type];
    if (!limit) return [];
    // A name the program leaves out is generated: checked as the mocks generated it.
    const name = field(r, limit.key) || output(r, limit.key);
    if (!name && limit.generated) return [];
    return name.length >= limit.min && name.length <= limit.max
      ? []
      : [
          `${label(r)}: ${limit.key} ${JSON.stringify(name)} has ${name.length} characters, not ${limit.min} to ${limit.max}`,
        ];
  });
}

/** No resource id (URN: type, parent and name) is declared twice: the engine refuses a duplicate. */
export function urnsUnique({ run }: CheckContext): string[] {
  const seen = new Map<string, number>();
  for (const r of run.resources) seen.set(r.urn, (seen.get(r.urn) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([urn, n]) => `${urn}: declared ${n} times`);
}

/** Lambda's limit on a function's environment: 4 KB for all variables, measured as the JSON AWS stores. */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;

/** Each function's environment fits in Lambda's 4 KB. */
export function environmentsWithinLimit({ run }: CheckContext): string[] {
  return ofType(run, TYPES.lambda).flatMap((fn) => {
    const variables = (fn.inputs.environment as { variables?: unknown } | undefined)?.variables ?? {};
    const bytes = Buffer.byteLength(JSON.stringify(variables));
    return bytes <= LAMBDA_ENVIRONMENT_BYTES
      ? []
      : [`${label(fn)}: environment is ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_BYTES}`];
  });
}
