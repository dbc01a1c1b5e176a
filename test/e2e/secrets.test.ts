import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { isTerminal, type Job } from '@stevedore/core/job';
import { SECRETS_FILE } from '@stevedore/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevProcess, eventually, jobsOf, runCli, startDev } from '../support/dev-process';
import { API_KEY, DB_PASSWORD, NEVER_SET, PARTNER_KEY } from './configs/secrets.config';

/*
 * Task secrets on `stevedore dev`, as a user runs it: the values live in <state-dir>/secrets.json;
 * a task reads its own (a pipeline's override included), and a missing one fails the attempt as ECS
 * does. The planted values must then appear nowhere Stevedore writes: its own output, the ledger,
 * the tasks as ECS describes them, the state dir (endpoints, the stand-ins' data, the logs of a task
 * that does not print them) and the CLI's output.
 */

const CONFIG = 'test/e2e/configs/secrets.config.ts';
const BUCKET = 'e2e-secrets';
const PLANTED = {
  db: 'planted-db-password-0c4e8f1a',
  api: 'planted-api-key-93b7d2e6',
  partner: 'planted-partner-key-5a1f7c3b',
};
const digest = (db: string, api: string) => createHash('sha256').update(`${db}|${api}`).digest('hex');

/** Every file under `dir` but the secrets file itself, as text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => relative(dir, path) !== SECRETS_FILE)
    .map((path) => ({ path: relative(dir, path), text: readFileSync(path, 'latin1') }));
}

describe('task secrets on stevedore dev', () => {
  let dev: DevProcess;
  let jobs: Record<'vault' | 'partner' | 'locked', Job>;

  beforeAll(async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'stevedore-e2e-secrets-'));
    writeFileSync(
      join(stateDir, SECRETS_FILE),
      JSON.stringify({ [DB_PASSWORD]: PLANTED.db, [API_KEY]: PLANTED.api, [PARTNER_KEY]: PLANTED.partner }),
    );
    dev = await startDev({ config: CONFIG, stateDir });
    for (const source of ['vault', 'partner', 'locked'])
      await dev.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${source}/upload.csv`, Body: 'a,b\n' }));
    const finished = async (source: string) =>
      eventually(
        async () => {
          const [job] = await jobsOf(dev, source);
          return job && isTerminal(job.state) ? job : undefined;
        },
        120_000,
        `the ${source} job to finish`,
      );
    jobs = {
      vault: await finished('vault'),
      partner: await finished('partner'),
      locked: await finished('locked'),
    };
  });
  afterAll(async () => {
    expect(await dev.stop()).toBe(0);
  });

  const result = async (job: Job) => {
    const object = await dev.s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `results/${job.jobId}.digest` }),
    );
    return object.Body?.transformToString('utf8');
  };

  it("hands a task its secrets in its environment, a pipeline's override from its own task definition", async () => {
    expect(jobs.vault.state).toBe('SUCCEEDED');
    expect(await result(jobs.vault)).toBe(digest(PLANTED.db, PLANTED.api));

    expect(jobs.partner.state).toBe('SUCCEEDED');
    expect(await result(jobs.partner)).toBe(digest(PLANTED.db, PLANTED.partner));
    const described = await dev.ecs.send(
      new DescribeTasksCommand({ cluster: dev.endpoints.cluster, tasks: [jobs.partner.taskArn ?? ''] }),
    );
    expect(described.tasks?.[0]?.taskDefinitionArn).toMatch(
      /:task-definition\/e2e-secrets-local-vault--partner:1$/,
    );
  });

  it('fails an attempt whose secret is missing as ECS does, and the retry rules see it', () => {
    const { locked } = jobs;
    expect(locked.state).toBe('FAILED');
    // The rule on TaskFailedToStart / ResourceInitializationError ended it after one attempt of three.
    expect(locked.attempt).toBe(1);
    const attempt = locked.attempts['1'];
    expect(attempt?.stopCode).toBe('TaskFailedToStart');
    expect(attempt?.stoppedReason).toMatch(
      /^ResourceInitializationError: unable to pull secrets or registry auth: /,
    );
    // It names the reference that is missing, and which variable wanted it.
    expect(attempt?.stoppedReason).toContain(`${NEVER_SET} (API_KEY)`);
  });

  it('writes the values nowhere: not its output, the ledger, the state dir or any CLI output', async () => {
    const cli = async (...args: string[]) => {
      const run = await runCli([...args, '--state-dir', dev.stateDir]);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      return `${run.stdout}${run.stderr}`;
    };
    const outputs = {
      'jobs list --json': await cli('jobs', 'list', '--json'),
      'jobs show --json': await cli('jobs', 'show', jobs.locked.jobId, '--json'),
      'jobs show': await cli('jobs', 'show', jobs.partner.jobId),
      logs: await cli('logs', jobs.vault.jobId),
      iam: (await runCli(['iam', '--config', CONFIG])).stdout,
      validate: (await runCli(['validate', '--config', CONFIG])).stdout,
    };
    // The CLI shows references and what they grant, so the scan below looks at real output.
    expect(outputs.logs).toContain('read 2 secrets');
    expect(outputs['jobs show --json']).toContain('TaskFailedToStart');
    expect(outputs.iam).toContain('secretsmanager:GetSecretValue');
    expect(outputs.iam).toContain('arn:aws:secretsmanager:us-east-1:111122223333:secret:e2e/db-AbCdEf');

    const dynamo = new DynamoDBClient({
      region: dev.endpoints.region,
      endpoint: dev.endpoints.dynamodb,
      credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' },
    });
    const items: ScanCommandOutput['Items'] = [];
    let start: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page = await dynamo.send(
        new ScanCommand({ TableName: dev.endpoints.table, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    dynamo.destroy();
    const ledger = JSON.stringify(items);
    expect(ledger).toContain(jobs.locked.jobId);

    // The local ECS endpoint renders its responses and its Task State Change events from one task record.
    const tasks = await dev.ecs.send(
      new DescribeTasksCommand({
        cluster: dev.endpoints.cluster,
        tasks: Object.values(jobs).flatMap((j) => Object.values(j.attempts).map((a) => a.taskArn)),
      }),
    );
    expect(tasks.tasks).toHaveLength(3);

    // Endpoints, the ledger's and the S3 stand-in's data, and the tasks' own logs.
    const files = filesUnder(dev.stateDir);
    expect(files.map((f) => f.path)).toContain('endpoints.json');
    // One log per task (beside each, its .process trail: pid and exit code only).
    expect(files.filter((f) => f.path.startsWith('logs') && f.path.endsWith('.log')).length).toBe(2);
    const places: [string, string][] = [
      ['stevedore dev output', dev.output()],
      ['ledger', ledger],
      ['ECS DescribeTasks', JSON.stringify(tasks)],
      ...files.map((f): [string, string] => [`state dir: ${f.path}`, f.text]),
      ...Object.entries(outputs).map(([command, text]): [string, string] => [`stevedore ${command}`, text]),
    ];
    for (const value of Object.values(PLANTED)) {
      expect(places.filter(([, text]) => text.includes(value)).map(([where]) => where)).toEqual([]);
    }
  });
});
