/*
 * What a client of a running local runtime needs (the CLI's commands that only read it: `jobs list`,
 * `jobs show`, help and error reports), apart from the runtime itself: a bundle that imports the
 * package's index pulls in every stand-in and its dependencies (fauxqs, DynamoDB Local, every AWS
 * client), which a command that reads the ledger should not pay for at start.
 */
export { DEAD_LETTERS_FILE } from './bus/dead-letter-file';
export type { EndpointsFile } from './dev-runtime';
export { isAlive } from './ecs/container-process';
export { LocalRuntimeError } from './errors';
export { JOB_EVENTS_FILE } from './job-events/local-job-events';
export { LOCAL_CREDENTIALS } from './local-account';
