/**
 * `npm run bench` — every benchmark, one after another (never two at once: they would measure each
 * other), then bench/RESULTS.md: each figure beside its goal, the machine (cores, memory, Node
 * version) and the date. Each benchmark runs at its own default size; sizes can be set through the
 * environment (BENCH_COST_JOBS, BENCH_LISTING_JOBS, BENCH_COLDSTART_RUNS, ...) or by running one alone.
 *
 *   npm run bench [-- --only cost,listing]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

/** A goal on one figure of a benchmark's last line. */
interface Goal {
  figure: string;
  op: '<=' | '>=' | '=';
  value: number;
}

const BENCHMARKS: { name: string; goals: Goal[] }[] = [
  {
    name: 'ledger',
    goals: [
      { figure: 'ratio', op: '>=', value: 0.8 },
      { figure: 'replay_ratio', op: '>=', value: 0.9 },
      { figure: 'writes_per_event', op: '<=', value: 1 },
    ],
  },
  {
    name: 'burst',
    goals: [
      { figure: 'ratio', op: '>=', value: 0.9 },
      { figure: 'lost', op: '=', value: 0 },
      { figure: 'doubled', op: '=', value: 0 },
    ],
  },
  { name: 'scaling', goals: [{ figure: 'decision_seconds_max', op: '<=', value: 3 }] },
  {
    name: 'cost',
    goals: [
      { figure: 'cost_ratio_fargate', op: '<=', value: 0.05 },
      { figure: 'cost_ratio_sfn', op: '<=', value: 0.2 },
    ],
  },
  {
    name: 'coldstart',
    goals: [
      { figure: 'coldstart_ratio_max', op: '<=', value: 1.2 },
      { figure: 'bundle_kb_max', op: '<=', value: 400 },
    ],
  },
  {
    name: 'listing',
    goals: [
      { figure: 'listing_pages_failed', op: '<=', value: 2 },
      { figure: 'listing_pages_pipeline_failed', op: '<=', value: 2 },
      { figure: 'listing_pages_prefix', op: '<=', value: 2 },
    ],
  },
  { name: 'cli', goals: [{ figure: 'cli_ratio_max', op: '<=', value: 1.5 }] },
];

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = values.only?.split(',');

/** The `name=value` pairs of the last line that has any. */
function figures(stdout: string): Map<string, number> {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => /^\w+=\S+( \w+=\S+)*$/.test(l.trim()));
  return new Map(
    (line ?? '')
      .trim()
      .split(' ')
      .filter(Boolean)
      .map((pair) => {
        const [k, v] = pair.split('=');
        return [k ?? '', Number(v)];
      }),
  );
}

const met = (goal: Goal, x: number | undefined) =>
  x !== undefined &&
  (goal.op === '<=' ? x <= goal.value : goal.op === '>=' ? x >= goal.value : x === goal.value);

const rows: string[] = [];
const outputs: string[] = [];
for (const bench of BENCHMARKS) {
  if (only && !only.includes(bench.name)) continue;
  const script = join(ROOT, 'bench', `${bench.name}.ts`);
  if (!existsSync(script)) {
    rows.push(`| ${bench.name} | (no bench/${bench.name}.ts yet) | | |`);
    continue;
  }
  process.stderr.write(`== bench:${bench.name}\n`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(run.stdout);
  outputs.push(
    `### bench:${bench.name} (${seconds} s, exit ${run.status})\n\n\`\`\`\n${run.stdout.trim()}\n\`\`\``,
  );
  const found = figures(run.stdout);
  for (const goal of bench.goals) {
    const x = found.get(goal.figure);
    rows.push(
      `| ${bench.name} | \`${goal.figure}\` = ${x ?? '(missing)'} | ${goal.op} ${goal.value} | ${met(goal, x) ? 'met' : 'not met'} |`,
    );
  }
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 1024 ** 3).toFixed(1)} GB memory, Node ${process.version}`;
writeFileSync(
  join(ROOT, 'bench', 'RESULTS.md'),
  `# Benchmark results

Written by \`npm run bench\` on ${new Date().toISOString()}.
Machine: ${machine}.
Each benchmark prints its baseline measured in the same run; what each measures and how is in the
header of its file under bench/.

| benchmark | figure | goal | |
|---|---|---|---|
${rows.join('\n')}

## Output

${outputs.join('\n\n')}
`,
);
process.stderr.write('wrote bench/RESULTS.md\n');
