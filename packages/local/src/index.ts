export {
  checkJava,
  type DynamoDbLocalOptions,
  type RunningDynamoDbLocal,
  startDynamoDbLocal,
} from './dynamodb-local';
export { JavaMissingError, LocalRuntimeError, PortInUseError } from './errors';
export { freePort, waitForHttp } from './net';
