/**
 * Fargate task sizes. AWS accepts only these cpu/memory pairs (cpu in CPU units, 1024 = 1 vCPU;
 * memory in MiB), from the ECS Developer Guide, "Task CPU and memory" (Linux, platform 1.4.0).
 */
const MEMORY_BY_CPU: Readonly<Record<number, { min: number; max: number; step: number; extra?: number[] }>> =
  {
    256: { min: 512, max: 2048, step: 1024, extra: [512] },
    512: { min: 1024, max: 4096, step: 1024 },
    1024: { min: 2048, max: 8192, step: 1024 },
    2048: { min: 4096, max: 16384, step: 1024 },
    4096: { min: 8192, max: 30720, step: 1024 },
    8192: { min: 16384, max: 61440, step: 4096 },
    16384: { min: 32768, max: 122880, step: 8192 },
  };

export const FARGATE_CPU_VALUES: readonly number[] = Object.keys(MEMORY_BY_CPU).map(Number);

/** The memory sizes (MiB) Fargate accepts with a given cpu, or [] when the cpu value is not valid. */
export function fargateMemoryFor(cpu: number): number[] {
  const range = MEMORY_BY_CPU[cpu];
  if (!range) return [];
  const values = new Set(range.extra ?? []);
  // 256 CPU units take 512, 1024 or 2048: the step starts at 1024, and 512 is the one exception.
  const start = cpu === 256 ? 1024 : range.min;
  for (let m = start; m <= range.max; m += range.step) values.add(m);
  return [...values].sort((a, b) => a - b);
}

/** True when Fargate accepts this cpu/memory pair. */
export function isValidFargateSize(cpu: number, memory: number): boolean {
  return fargateMemoryFor(cpu).includes(memory);
}

/** A short description of the valid memory values for a cpu, for error messages. */
export function describeFargateMemory(cpu: number): string {
  const range = MEMORY_BY_CPU[cpu];
  if (!range) return `cpu must be one of ${FARGATE_CPU_VALUES.join(', ')}`;
  if (cpu === 256) return 'with cpu 256, memory must be 512, 1024 or 2048';
  return `with cpu ${cpu}, memory must be ${range.min} to ${range.max} in steps of ${range.step}`;
}
