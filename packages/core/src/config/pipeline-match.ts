import type { Config, PipelineConfig } from './schema';

export interface CreatedObject {
  bucket: string;
  key: string;
  size: number;
}

/**
 * The pipelines an object belongs to: same bucket, key starting with the prefix and ending with the
 * suffix, size within the bounds (inclusive), as the EventBridge rules select them. When several
 * pipelines match, each one gets its own job (fan-out), just as each pipeline's rule fires on its own.
 */
export function matchingPipelines(config: Pick<Config, 'pipelines'>, object: CreatedObject): string[] {
  return Object.entries(config.pipelines)
    .filter(([, pipeline]) => pipelineMatches(pipeline, object))
    .map(([name]) => name);
}

export function pipelineMatches(pipeline: PipelineConfig, object: CreatedObject): boolean {
  if (pipeline.bucket !== object.bucket) return false;
  if (!object.key.startsWith(pipeline.prefix) || !object.key.endsWith(pipeline.suffix)) return false;
  // A key shorter than prefix + suffix cannot hold both (EventBridge's wildcard agrees).
  if (object.key.length < pipeline.prefix.length + pipeline.suffix.length) return false;
  if (pipeline.minSize !== undefined && object.size < pipeline.minSize) return false;
  if (pipeline.maxSize !== undefined && object.size > pipeline.maxSize) return false;
  return true;
}
