import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Job } from '@stevedore/core/job';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, type DevProcess, eventually, REPO, runCli, startDev } from '../support/dev-process';

/*
 * The first hour of a new user, with the built CLI as they run it: `stevedore init` makes a project
 * of their own (outside this repository), and the README's "Your first pipeline" walkthrough runs on
 * it: validate, dev, an upload, the job SUCCEEDED, its table, its logs. Then what they meet next: a
 * config edit reloaded (a bad one refused), a running task's log followed, job transitions as JSON
 * lines, and the same ports after a restart.
 */

const WIDTH = 100;
const project = mkdtempSync(join(tmpdir(), 'stevedore-first-hour-'));
const config = join(project, 'stevedore.config.ts');
let dev: DevProcess | undefined;

afterAll(async () => {
  await dev?.stop();
});

/** The shell lines of the README's walkthrough: each command the test runs must be one of them. */
function walkthroughCommands(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Your first pipeline')) ?? '';
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(([, block]) =>
    (block ?? '').split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()),
  );
}

function widest(text: string): number {
  return Math.max(...text.split('\n').map((line) => line.length));
}

async function jobsOf(pipeline: string, stateDir: string): Promise<Job[]> {
  const listed = await runCli(
    ['jobs', 'list', '--pipeline', pipeline, '--json', '--state-dir', stateDir],
    {},
    project,
  );
  return JSON.parse(listed.stdout) as Job[];
}

describe('the first hour, as the README walks it', () => {
  it('init makes a project that validates, runs an upload to SUCCEEDED, and shows it in 100 columns', async () => {
    const walkthrough = walkthroughCommands();
    for (const command of [
      'stevedore init my-app',
      'stevedore validate',
      'stevedore dev',
      'stevedore jobs list',
    ])
      expect(walkthrough).toContain(command);

    const init = await runCli(['init', '--name', 'first-hour'], {}, project);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('stevedore.config.ts');
    expect(readFileSync(join(project, '.gitignore'), 'utf8')).toContain('.stevedore/');
    const again = await runCli(['init'], {}, project);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already has stevedore\.config\.ts.*nothing written/);

    const validated = await runCli(['validate', '--json'], {}, project);
    expect(validated.code).toBe(0);
    expect(JSON.parse(validated.stdout)).toEqual({ config, valid: true, problems: [] });

    dev = await startDev({ config, cwd: project, timeoutMs: 120_000 });
    await dev.s3.send(
      new PutObjectCommand({ Bucket: 'first-hour-inbox', Key: 'incoming/hello.txt', Body: 'hello' }),
    );
    const stateDir = dev.stateDir;
    const job = await eventually(
      async () => (await jobsOf('hello', stateDir)).find((j) => j.state === 'SUCCEEDED'),
      90_000,
      'the upload to become a SUCCEEDED job',
    );
    const short = job.jobId.slice(0, 'hello-'.length + 8);
    // The task's output, inline under its job; not the task-status steps between transitions.
    await eventually(
      async () => (dev?.output().includes(`${short}`) && dev.output().includes('| done') ? true : undefined),
      10_000,
      'the task output in the dev terminal',
    );
    expect(dev.output()).toMatch(
      new RegExp(`${short} +\\| processing s3://first-hour-inbox/incoming/hello\\.txt`),
    );
    expect(dev.output()).toMatch(new RegExp(`${short} +SUCCEEDED`));
    expect(dev.output()).not.toMatch(/DEACTIVATING|DEPROVISIONING|sweep \{/);

    const table = await runCli(['jobs', 'list', '--state-dir', stateDir], {}, project);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^JOB\s+STATE\s+ATTEMPT\s+CREATED \(\S+\)/);
    expect(table.stdout).toContain(`${short}  SUCCEEDED`);
    expect(widest(table.stdout)).toBeLessThanOrEqual(WIDTH);
    const shown = await runCli(['jobs', 'show', short, '--state-dir', stateDir], {}, project);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`job         ${job.jobId}`);
    expect(shown.stdout).toContain('attempt     1 of 2 attempts');
    expect(widest(shown.stdout)).toBeLessThanOrEqual(WIDTH);

    const nope = await runCli(['jobs', 'list', '--pipeline', 'helo', '--state-dir', stateDir], {}, project);
    expect(nope.code).toBe(1);
    expect(nope.stderr.trim()).toBe('stevedore: no pipeline "helo" (did you mean hello?); pipelines: hello');

    const logs = await runCli(['logs', short, '--json', '--state-dir', stateDir], {}, project);
    expect(logs.code).toBe(0);
    const lines = logs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { jobId: string; attempt: number; line: string });
    expect(lines.map((l) => l.line)).toEqual([
      `hello from job ${job.jobId} (attempt 1)`,
      'processing s3://first-hour-inbox/incoming/hello.txt (5 bytes)',
      'done',
    ]);
    expect(lines.every((l) => l.jobId === job.jobId && l.attempt === 1)).toBe(true);
  }, 300_000);

  it('reloads an edited config (refusing a bad one), follows a running task, watches in JSON lines', async () => {
    if (!dev) throw new Error('the first test starts stevedore dev');
    const stateDir = dev.stateDir;
    const good = readFileSync(config, 'utf8');

    // A syntax error: refused with file, line and column; the running config stays.
    writeFileSync(config, `${good}\nexport const broken = {;\n`);
    await eventually(
      async () => (dev?.output().includes('config change not applied') ? true : undefined),
      30_000,
      'the bad config to be refused',
    );
    expect(dev.output()).toMatch(/stevedore\.config\.ts:\d+:\d+: error: /);

    // A second pipeline whose task writes a line a second: the runtime restarts on it.
    const ticking = `['node', '-e', "let n = 0; const t = setInterval(() => { console.log('tick ' + ++n); if (n === 4) { clearInterval(t); } }, 1000)"]`;
    writeFileSync(
      config,
      good
        .replace(
          '  tasks: {\n',
          `  tasks: {\n    tick: { image: 'tick', cpu: 256, memory: 512, local: { command: ${ticking} } },\n`,
        )
        .replace(
          '  pipelines: {\n',
          "  pipelines: {\n    tick: { bucket: 'first-hour-inbox', prefix: 'tick/', task: 'tick', timeout: 120 },\n",
        ),
    );
    await eventually(
      async () => (/config changed: restarting[\s\S]*ready\./.test(dev?.output() ?? '') ? true : undefined),
      90_000,
      'the runtime to restart on the new config',
    );
    const endpoints = JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as { s3: string };
    expect(endpoints.s3).toBe(dev.endpoints.s3);

    const watch = spawnCli(['jobs', 'watch', '--json', '--interval', '0.5', '--state-dir', stateDir]);
    await dev.s3.send(new PutObjectCommand({ Bucket: 'first-hour-inbox', Key: 'tick/one.txt', Body: 'x' }));
    const running = await eventually(
      async () =>
        (await jobsOf('tick', stateDir)).find((j) => j.state === 'RUNNING' || j.state === 'STARTING'),
      60_000,
      'the tick job to start',
    );
    const followed = await runCli(['logs', '-f', running.jobId, '--state-dir', stateDir], {}, project);
    expect(followed.code).toBe(0);
    expect(followed.stdout.trim().split('\n')).toEqual(['tick 1', 'tick 2', 'tick 3', 'tick 4']);
    const ended = await eventually(
      async () => (await jobsOf('tick', stateDir)).find((j) => j.state === 'SUCCEEDED'),
      30_000,
      'the tick job to succeed',
    );
    await eventually(
      async () => (watch.stdout().includes('"SUCCEEDED"') ? true : undefined),
      30_000,
      'jobs watch to print the end',
    );
    watch.child.kill('SIGINT');
    const transitions = watch
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { jobId: string; state: string });
    expect(transitions.filter((t) => t.jobId === ended.jobId).map((t) => t.state)).toEqual(
      expect.arrayContaining(['RUNNING', 'SUCCEEDED']),
    );
  }, 300_000);

  it('keeps the same ports when restarted on the same state dir', async () => {
    if (!dev) throw new Error('the first test starts stevedore dev');
    const { stateDir, endpoints } = dev;
    expect(await dev.stop()).toBe(0);
    dev = await startDev({ config, cwd: project, stateDir, timeoutMs: 120_000 });
    expect([dev.endpoints.s3, dev.endpoints.ecs, dev.endpoints.dynamodb]).toEqual([
      endpoints.s3,
      endpoints.ecs,
      endpoints.dynamodb,
    ]);
  }, 300_000);
});

/** A long-running CLI command, its stdout collected. */
function spawnCli(args: string[]): { child: ChildProcess; stdout(): string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, stdout: () => out };
}
