import type { Logger } from '@stevedore/core/ports';

/**
 * One JSON object per line on stdout, which CloudWatch Logs keeps and Logs Insights queries. Callers
 * pass fields, never whole events or environments, so secrets stay out of the logs.
 */
export function jsonLogger(base: Record<string, unknown> = {}): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...base, ...fields });
    if (level === 'error' || level === 'warn') console.error(line);
    else console.log(line);
  };
  const debugEnabled = process.env.STEVEDORE_LOG_LEVEL === 'debug';
  return {
    debug: debugEnabled ? write('debug') : () => {},
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}
