import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type LedgerStores, ledgerStores } from '@stevedore/aws/ledger';
import { type Config, type ResourceNames, resourceNames } from '@stevedore/core/config';
import { type EndpointsFile, isAlive, LOCAL_CREDENTIALS } from '@stevedore/local/runtime-facts';
import { CliError } from './cli-error';
import { loadConfig } from './load-config';

/*
 * Where the CLI reads jobs from: the local runtime, found through <state-dir>/endpoints.json, or a
 * deployed stage (--stage), reached through the usual SDK configuration (profile, region, credentials).
 */

export type Target =
  | { kind: 'local'; ledger: LedgerStores; endpoints: EndpointsFile; client: DynamoDBClient }
  | { kind: 'aws'; ledger: LedgerStores; names: ResourceNames; config: Config; client: DynamoDBClient };

export interface TargetFlags {
  'state-dir'?: string | undefined;
  stage?: string | undefined;
  config?: string | undefined;
}

export const TARGET_OPTIONS = {
  'state-dir': { type: 'string', default: '.stevedore' },
  stage: { type: 'string' },
  config: { type: 'string' },
} as const;

/** Reads endpoints.json of a local runtime, or fails with what to do. */
export function readEndpoints(stateDir: string): EndpointsFile {
  const path = join(resolve(stateDir), 'endpoints.json');
  if (!existsSync(path)) {
    throw new CliError(
      `no local runtime at ${path}: start one with \`npm start\` (or \`stevedore dev\`), or pass --stage <stage> for a deployed stage`,
    );
  }
  const endpoints = JSON.parse(readFileSync(path, 'utf8')) as EndpointsFile;
  if (!isAlive(endpoints.pid)) {
    throw new CliError(
      `the local runtime that wrote ${path} (pid ${endpoints.pid}) is not running: start it with \`npm start\``,
    );
  }
  return endpoints;
}

/**
 * The config of the target: a stage's (loaded for --stage), or the one the local runtime runs
 * (endpoints.json names it) unless --config says otherwise.
 */
export async function configOf(target: Target, flags: TargetFlags): Promise<Config> {
  if (target.kind === 'aws') return target.config;
  return (await loadConfig(flags.config ?? target.endpoints.config)).config;
}

/** The ledger to read, local or deployed. */
export async function resolveTarget(flags: TargetFlags): Promise<Target> {
  if (flags.stage) {
    const { config } = await loadConfig(flags.config);
    const names = resourceNames(config.app, flags.stage);
    const client = new DynamoDBClient({});
    await checkAwsSetup(client, flags.stage);
    return {
      kind: 'aws',
      config,
      names,
      client,
      ledger: ledgerStores({
        tableName: names.table,
        client,
        sources: [...Object.keys(config.pipelines), ...Object.keys(config.schedules)],
      }),
    };
  }
  const endpoints = readEndpoints(flags['state-dir'] ?? '.stevedore');
  const client = new DynamoDBClient(localClientConfig(endpoints, endpoints.dynamodb));
  return {
    kind: 'local',
    endpoints,
    client,
    ledger: ledgerStores({ tableName: endpoints.table, client }),
  };
}

/**
 * Fails with what is missing and how to set it when the SDK has no region or no credentials, instead
 * of the first ledger call's `Region is missing` deep inside an error about listing jobs.
 */
export async function checkAwsSetup(client: DynamoDBClient, stage: string): Promise<void> {
  try {
    await client.config.region();
  } catch (error) {
    client.destroy();
    throw new CliError(
      `--stage ${stage} needs an AWS region and none is set: export AWS_REGION=<region> (and AWS_DEFAULT_REGION for the AWS CLI v1), or use a profile with a region (AWS_PROFILE=<name>; region in ~/.aws/config)`,
      { cause: error },
    );
  }
  try {
    await client.config.credentials();
  } catch (error) {
    client.destroy();
    throw new CliError(
      `--stage ${stage} needs AWS credentials and none were found (environment, AWS_PROFILE, ~/.aws/credentials, SSO, instance role): run \`aws configure\` or \`aws sso login --profile <name>\` and export AWS_PROFILE=<name>, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      { cause: error },
    );
  }
}

/** An SDK client's settings for one endpoint of the local runtime. */
export function localClientConfig(endpoints: EndpointsFile, endpoint: string) {
  return { endpoint, region: endpoints.region, credentials: LOCAL_CREDENTIALS };
}
