export { ScheduleExpressionError } from './errors';
export { fireTimesBetween, nextFireTimes, onRateGrid } from './fire-times';
export { formatScheduleExpression, parseScheduleExpression } from './schedule-expression';
export { checkTimezone, formatInZone } from './zoned-time';
