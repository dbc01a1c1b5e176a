import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { createDeps } from '@stevedore/aws';
import { sweep } from '@stevedore/control';
import { parseConfig, resourceNames } from '@stevedore/core/config';

/*
 * A sweeper in a process of its own, for a test to kill: it takes the sweeper's lease with the real
 * timing, says so on stdout ("sweeping"), and then never finishes (its read of the open jobs never
 * answers), as a sweep stuck on a slow call would. Everything else is the real sweep on DynamoDB Local.
 */

const endpoint = process.env.STEVEDORE_TEST_DYNAMODB;
const table = process.env.STEVEDORE_TEST_TABLE;
if (!endpoint || !table) throw new Error('STEVEDORE_TEST_DYNAMODB and STEVEDORE_TEST_TABLE must be set');

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const config = parseConfig({
  app: 'sweeptest',
  tasks: {
    succeed: { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/sweeptest:1', cpu: 256, memory: 512 },
  },
  pipelines: { quick: { bucket: 'uploads', task: 'succeed' } },
});
const deps = createDeps({
  config,
  names: resourceNames('sweeptest', 'local'),
  table,
  clients: {
    dynamodb: new DynamoDBClient({ endpoint, region: 'us-east-1', credentials }),
    // Never called: the sweep never gets past reading the open jobs.
    ecs: new ECSClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials }),
  },
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});
deps.jobs.openJobs = () => {
  process.stdout.write('sweeping\n');
  return new Promise(() => {});
};
// The pending read keeps nothing alive: an interval does, until the test kills the process.
setInterval(() => {}, 60_000);
await sweep(deps, { missedRuns: false });
