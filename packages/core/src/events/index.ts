export { parseAlarmStateChange } from './alarm-state-change';
export { parseTaskStateChange, snapshotOfDetail } from './ecs-task-state-change';
export { type LedgerStreamRecord, parseLedgerStream } from './ledger-stream';
export {
  alarmStateChangePattern,
  type EventPattern,
  type ObjectFilter,
  objectCreatedPattern,
  type PatternValue,
  scheduledEventPattern,
  taskStateChangePattern,
} from './patterns';
export { eventRoutes, HANDLER_NAMES, type HandlerName, handlersOf, periodicRoutes } from './routes';
export { parseObjectCreated } from './s3-object-created';
export { parseScheduledEvent, parseScheduleFired, scheduleTargetInput } from './scheduled';
