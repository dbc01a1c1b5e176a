import { iamReport } from '@stevedore/cli/format';
import { parseConfig } from '@stevedore/core/config';
import { containerDefinitions, deployPlan, type PolicyDocument } from '@stevedore/deploy';
import { describe, expect, it } from 'vitest';

/*
 * Task secrets in the deploy plan: the task definition names them as references, and each execution
 * role may read exactly the secrets its definition names: each secret's ARN, each parameter's ARN,
 * and a customer key only through the service that stores the secret.
 */

const SCOPE = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };
const DB = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf';
const PARTNER = 'arn:aws:secretsmanager:us-east-1:444455556666:secret:partner-token-Zx9Yw8';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const PARAMETER = (name: string) => `arn:aws:ssm:eu-west-1:123456789012:parameter/${name}`;
const ROLE = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
const IMAGE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/resize:1';
const TASK = { image: IMAGE, cpu: 256, memory: 512 };

const config = parseConfig({
  app: 'media',
  tasks: {
    resize: {
      ...TASK,
      env: { MODE: 'fast' },
      secrets: {
        DB_PASSWORD: `${DB}:password::`,
        DB_USER: `${DB}:username:AWSCURRENT:`,
        API_KEY: 'ssm:/prod/api-key',
        LICENSE: { valueFrom: 'ssm:license', kmsKey: KEY },
      },
    },
    plain: TASK,
  },
  pipelines: {
    thumbnails: { bucket: 'media-uploads', task: 'resize' },
    partner: {
      bucket: 'partner-drop',
      task: 'resize',
      // Replaces API_KEY and adds a cross-account secret for this pipeline only.
      secrets: { API_KEY: PARTNER, PARTNER_DB: { valueFrom: DB, kmsKey: KEY } },
    },
  },
  workers: { mailer: { queue: 'outgoing', task: 'plain', max: 2, secrets: { SMTP: 'ssm:/mail/smtp' } } },
});
const plan = deployPlan(config, 'prod', SCOPE);
const task = (name: string) => {
  const found = plan.tasks.find((t) => t.name === name);
  if (!found) throw new Error(`no task ${name}`);
  return found;
};
const resources = (policy: PolicyDocument) => policy.Statement.flatMap((s) => s.Resource);
const statement = (policy: PolicyDocument, sid: string) => policy.Statement.find((s) => s.Sid === sid);

describe("a task definition's secrets", () => {
  it('are references, sorted by name, a parameter by its full ARN; env stays env', () => {
    const [container] = containerDefinitions(task('resize'), IMAGE, 'eu-west-1');
    expect(container?.environment).toEqual([{ name: 'MODE', value: 'fast' }]);
    expect(container?.secrets).toEqual([
      { name: 'API_KEY', valueFrom: PARAMETER('prod/api-key') },
      { name: 'DB_PASSWORD', valueFrom: `${DB}:password::` },
      { name: 'DB_USER', valueFrom: `${DB}:username:AWSCURRENT:` },
      { name: 'LICENSE', valueFrom: PARAMETER('license') },
    ]);
  });

  it('are left out of a task that has none', () => {
    const [container] = containerDefinitions(task('plain'), IMAGE, 'eu-west-1');
    expect(container).not.toHaveProperty('secrets');
  });
});

describe("the execution role's policy", () => {
  it('reads each secret by its ARN (no JSON key), each parameter by its ARN, and decrypts only the named key via SSM', () => {
    const policy = task('resize').executionRolePolicy;
    expect(statement(policy, 'ReadSecrets')).toEqual({
      Sid: 'ReadSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [DB],
    });
    expect(statement(policy, 'ReadParameters')).toEqual({
      Sid: 'ReadParameters',
      Effect: 'Allow',
      Action: ['ssm:GetParameters'],
      Resource: [PARAMETER('license'), PARAMETER('prod/api-key')],
    });
    expect(statement(policy, 'DecryptParameters')).toEqual({
      Sid: 'DecryptParameters',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [KEY],
      Condition: { StringEquals: { 'kms:ViaService': ['ssm.eu-west-1.amazonaws.com'] } },
    });
    // No customer key is named for a Secrets Manager secret of this task: no decrypt through it.
    expect(statement(policy, 'DecryptSecrets')).toBeUndefined();
  });

  it('grants no wildcard on secrets, parameters or keys', () => {
    const secretStatements = [...plan.tasks, ...plan.tasks.flatMap((t) => t.variants)]
      .flatMap((t) => t.executionRolePolicy.Statement)
      .filter((s) => s.Action.some((a) => /^(secretsmanager|ssm|kms):/.test(a)));
    expect(secretStatements.length).toBeGreaterThan(0);
    for (const s of secretStatements) {
      expect(s.Action.every((a) => !a.includes('*'))).toBe(true);
      expect(s.Resource.every((r) => !r.includes('*') && !r.includes('?'))).toBe(true);
    }
  });

  it('of a task without secrets has no secret permission at all', () => {
    expect(
      resources(task('plain').executionRolePolicy).filter((r) => /:(secretsmanager|ssm|kms):/.test(r)),
    ).toEqual([]);
  });
});

describe('a source that overrides secrets', () => {
  const [variant] = task('resize').variants;

  it('gets its own definition and execution role, reading exactly its secrets', () => {
    expect(task('resize').variants).toHaveLength(1);
    expect(variant).toMatchObject({
      name: 'resize--partner',
      source: { kind: 'pipeline', name: 'partner' },
      family: 'media-prod-resize--partner',
      executionRoleName: 'media-prod-resize--partner-exec',
      secrets: [
        { name: 'API_KEY', valueFrom: PARTNER },
        { name: 'DB_PASSWORD', valueFrom: `${DB}:password::` },
        { name: 'DB_USER', valueFrom: `${DB}:username:AWSCURRENT:` },
        { name: 'LICENSE', valueFrom: PARAMETER('license') },
        { name: 'PARTNER_DB', valueFrom: DB },
      ],
    });
    const policy = variant?.executionRolePolicy as PolicyDocument;
    expect(statement(policy, 'ReadSecrets')?.Resource).toEqual([DB, PARTNER]);
    // The replaced API_KEY's parameter is not readable by this role.
    expect(statement(policy, 'ReadParameters')?.Resource).toEqual([PARAMETER('license')]);
    expect(statement(policy, 'DecryptSecrets')).toEqual({
      Sid: 'DecryptSecrets',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [KEY],
      Condition: { StringEquals: { 'kms:ViaService': ['secretsmanager.eu-west-1.amazonaws.com'] } },
    });
    // Its container is the task's, with its own secrets.
    const [container] = containerDefinitions(task('resize'), IMAGE, 'eu-west-1', variant?.secrets);
    expect(container?.secrets).toEqual(variant?.secrets);
    expect(container?.environment).toEqual([{ name: 'MODE', value: 'fast' }]);
  });

  it("is launched from its own family, by functions that may pass exactly the definitions' roles", () => {
    const created = plan.functions.find((f) => f.handler === 'object-created')?.policy as PolicyDocument;
    expect(statement(created, 'RunJobTasks')?.Resource).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/media-prod-resize--partner:*',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/media-prod-resize:*',
    ]);
    expect(statement(created, 'PassTaskRoles')?.Resource).toEqual([
      ROLE('media-prod-resize--partner-exec'),
      ROLE('media-prod-resize-exec'),
      ROLE('media-prod-resize-task'),
    ]);
  });

  it("runs a worker's service from the worker's own definition", () => {
    expect(plan.workers[0]?.family).toBe('media-prod-plain--mailer');
    expect(task('plain').variants.map((v) => [v.family, v.secrets])).toEqual([
      ['media-prod-plain--mailer', [{ name: 'SMTP', valueFrom: PARAMETER('mail/smtp') }]],
    ]);
  });

  it('shows in `stevedore iam` with its execution role', () => {
    const report = iamReport(plan);
    expect(report.tasks.find((t) => t.task === 'resize')?.variants).toEqual([
      {
        definition: 'media-prod-resize--partner',
        source: 'pipelines.partner',
        executionRole: { role: 'media-prod-resize--partner-exec', policy: variant?.executionRolePolicy },
      },
    ]);
  });
});
