import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from '../lib/args';
import { CliError } from '../lib/cli-error';

/** The config's app pattern, kept to 20 so `<app>-inbox` and the stage's resource names stay short. */
const APP_NAME = /^[a-z][a-z0-9-]{0,19}$/;

/** `stevedore init`: a new project of the user's own, which validates and runs. */
export async function init(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 1) throw new CliError('usage: stevedore init [<dir>] [--name <app>]');
  const dir = resolve(positionals[0] ?? '.');
  const app = values.name ?? appNameFrom(basename(dir));
  if (!APP_NAME.test(app)) {
    throw new CliError(
      `--name ${JSON.stringify(app)}: expected up to 20 lowercase letters, digits and dashes, starting with a letter`,
    );
  }
  const files = projectFiles(app);
  const existing = Object.keys(files).filter((file) => existsSync(join(dir, file)));
  if (existing.length > 0 && !values.force) {
    throw new CliError(`${dir} already has ${existing.join(', ')}: nothing written (--force replaces them)`);
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const bucket = bucketOf(app);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ dir, app, bucket, files: Object.keys(files) }, null, 2)}\n`);
    return 0;
  }
  const fromHere = relative(process.cwd(), dir);
  const cd = fromHere.startsWith('..') ? dir : fromHere;
  process.stdout.write(
    [
      `created ${app} in ${dir}:`,
      ...Object.keys(files).map((file) => `  ${file}`),
      '',
      'next:',
      ...(cd ? [`  cd ${cd}`] : []),
      '  stevedore validate',
      '  stevedore dev                      # in one terminal',
      `  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \\`,
      '  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\',
      `    aws s3 cp stevedore.config.ts s3://${bucket}/incoming/hello.txt   # in another`,
      '  stevedore jobs list',
      '',
    ].join('\n'),
  );
  return 0;
}

/** A directory name as an app name: lower case, dashes, starting with a letter, at most 20. */
export function appNameFrom(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 20)
    .replace(/-+$/, '');
  return cleaned || 'app';
}

function bucketOf(app: string): string {
  return `${app}-inbox`;
}

/** The files of a new project, by path. */
export function projectFiles(app: string): Record<string, string> {
  const bucket = bucketOf(app);
  return {
    'stevedore.config.ts': `import { defineConfig } from '@stevedore/core';

/**
 * ${app}: each object uploaded under incoming/ in the ${bucket} bucket runs tasks/hello.mjs once.
 * \`stevedore dev\` runs it on this machine; the README's reference lists every section and key.
 */
export default defineConfig({
  app: '${app}',
  tasks: {
    hello: {
      // What a deploy builds and runs on Fargate.
      image: { context: '.', dockerfile: 'Dockerfile' },
      cpu: 256,
      memory: 512,
      // What \`stevedore dev\` runs in its place: a local process, from this directory.
      local: { command: ['node', 'tasks/hello.mjs'] },
    },
  },
  pipelines: {
    hello: {
      bucket: '${bucket}',
      prefix: 'incoming/',
      task: 'hello',
      timeout: 300,
      retry: { attempts: 2 },
    },
  },
});
`,
    'tasks/hello.mjs': `// The task: Stevedore passes the object in S3_BUCKET and S3_KEY, and who runs in STEVEDORE_JOB_ID
// and STEVEDORE_ATTEMPT. Exit 0 for success; anything else fails the attempt (and may retry it).
const { S3_BUCKET, S3_KEY, S3_SIZE, STEVEDORE_JOB_ID, STEVEDORE_ATTEMPT } = process.env;

console.log(\`hello from job \${STEVEDORE_JOB_ID} (attempt \${STEVEDORE_ATTEMPT})\`);
console.log(\`processing s3://\${S3_BUCKET}/\${S3_KEY} (\${S3_SIZE ?? '?'} bytes)\`);
// Your work goes here: read the object with @aws-sdk/client-s3, write results, call services.
console.log('done');
`,
    Dockerfile: `# The image a deploy builds for the hello task (\`stevedore dev\` runs tasks/hello.mjs directly).
FROM public.ecr.aws/docker/library/node:22-slim
WORKDIR /app
COPY tasks ./tasks
CMD ["node", "tasks/hello.mjs"]
`,
    '.gitignore': `node_modules/
# stevedore dev's state: the local ledger, objects, task logs
.stevedore/
.sst/
`,
  };
}
