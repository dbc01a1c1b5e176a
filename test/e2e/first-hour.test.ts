import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Job } from '@stevedore/core/job';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, type DevProcess, eventually, jobsOf, REPO, runCli, startDev } from '../support/dev-process';

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

/** The jobs of a pipeline as `stevedore jobs list --json` prints them. */
async function listedJobs(pipeline: string, stateDir: string): Promise<Job[]> {
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
    const done = await eventually(
      async () => (dev ? (await jobsOf(dev, 'hello')).find((j) => j.state === 'SUCCEEDED') : undefined),
      120_000,
      'the upload to become a SUCCEEDED job',
    );
    const [job] = await listedJobs('hello', stateDir);
    if (!job) throw new Error('jobs list --json printed no job');
    expect(job).toMatchObject({
      jobId: done.jobId,
      state: 'SUCCEEDED',
      input: { S3_KEY: 'incoming/hello.txt' },
    });
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
    expect(shown.stdout).toMatch(new RegExp(`^job +${job.jobId}$`, 'm'));
    expect(shown.stdout).toMatch(/^attempt +1 of 2 attempts$/m);
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

    // A second pipeline whose task writes a line every half second until told to stop (a file in the
    // project, its working directory): the runtime restarts on it.
    const ticking = `['node', '-e', "let n = 0; const t = setInterval(() => { console.log('tick ' + ++n); if (require('fs').existsSync('stop-ticking')) { clearInterval(t); console.log('stopped'); } }, 500)"]`;
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
      async () => (dev ? (await jobsOf(dev, 'tick'))[0] : undefined),
      120_000,
      'the tick job',
    );
    // Followed while it runs: lines arrive as they are written, and it ends with the job.
    const follow = spawnCli([
      'logs',
      '-f',
      running.jobId.slice(0, 'tick-'.length + 8),
      '--state-dir',
      stateDir,
    ]);
    await eventually(
      async () => (follow.stdout().includes('tick 2\n') ? true : undefined),
      120_000,
      'logs -f to print the running task',
    );
    expect(follow.child.exitCode).toBe(null);
    writeFileSync(join(project, 'stop-ticking'), '');
    const code = await new Promise<number | null>((resolve) => follow.child.on('exit', resolve));
    expect(code).toBe(0);
    const followed = follow.stdout().trim().split('\n');
    expect(followed.at(-1)).toBe('stopped');
    expect(followed.slice(0, -1)).toEqual(followed.slice(0, -1).map((_, i) => `tick ${i + 1}`));
    const ended = await eventually(
      async () => (dev ? (await jobsOf(dev, 'tick')).find((j) => j.state === 'SUCCEEDED') : undefined),
      60_000,
      'the tick job to succeed',
    );
    const ends = `"jobId":"${ended.jobId}"`;
    await eventually(
      async () =>
        watch
          .stdout()
          .split('\n')
          .some((l) => l.includes(ends) && l.includes('"state":"SUCCEEDED"'))
          ? true
          : undefined,
      60_000,
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

describe('the CLI as a user meets it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stevedore-cli-'));
  const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env, dir);

  it('prints its version, and help for every command and subcommand with exit 0', async () => {
    const version = await run(['--version']);
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toMatch(/^stevedore \d+\.\d+\.\d+\n$/);

    // Every command's and subcommand's help is checked in test/unit/cli/help.test.ts; here, as typed.
    for (const args of [
      ['--help'],
      ['jobs', '--help'],
      ['jobs', 'list', '--help'],
      ['help', 'jobs', 'list'],
    ]) {
      const help = await run(args);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stderr).toBe('');
    }
    const list = await run(['jobs', 'list', '-h']);
    expect(list.stdout).toMatch(/^stevedore jobs list \[--pipeline/);
    expect(list.stdout).not.toMatch(/^stevedore jobs (?!list\b)/m);
  }, 300_000);

  it.each([
    [
      ['jobs', 'list', '--stauts', 'FAILED'],
      /^stevedore jobs list: unknown option --stauts \(did you mean --status\?\)\n\(see `stevedore jobs list --help`\)\n$/,
    ],
    [['jbos'], /^stevedore: unknown command "jbos" \(did you mean jobs\?\); commands: /],
    [['jobs', 'lst'], /^stevedore jobs: unknown command "lst" \(did you mean list\?\)/],
    [['logs', 'a-1', '--attempt'], /^stevedore logs: --attempt expects a value\n/],
  ])('%j is one clear error, exit 1', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it('validate catches a task stevedore dev cannot run, and a TypeScript syntax error with where it is', async () => {
    writeFileSync(
      join(dir, 'no-local.config.ts'),
      "export default { app: 'x', tasks: { resize: { image: 'r', cpu: 256, memory: 512 } } };\n",
    );
    const noLocal = await run(['validate', '--config', 'no-local.config.ts', '--json']);
    expect(noLocal.code).toBe(1);
    expect(JSON.parse(noLocal.stdout)).toMatchObject({
      valid: false,
      problems: [{ path: 'tasks.resize.local.command', message: expect.stringContaining('stevedore dev') }],
    });

    writeFileSync(join(dir, 'broken.config.ts'), "export default {\n  app: 'x',\n  tasks: { a: ) },\n};\n");
    const broken = await run(['validate', '--config', 'broken.config.ts']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('broken.config.ts:3:15: error: Unexpected ")"');
    expect(broken.stderr).toContain('  tasks: { a: ) },');
  }, 60_000);

  it('--stage without a region or credentials says which is missing and how to set it', async () => {
    await run(['init', '--name', 'staged']);
    const none = {
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_PROFILE: '',
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    };
    const noRegion = await run(['jobs', 'list', '--stage', 'prod'], none);
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toMatch(
      /^stevedore: --stage prod needs an AWS region and none is set: export AWS_REGION=/,
    );
    expect(noRegion.stderr).toContain('AWS_DEFAULT_REGION');
    const noCredentials = await run(['jobs', 'list', '--stage', 'prod'], {
      ...none,
      AWS_REGION: 'eu-west-1',
    });
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toMatch(
      /^stevedore: --stage prod needs AWS credentials and none were found/,
    );
  }, 60_000);
});
