import type { Logger } from '@stevedore/core/ports';

/**
 * The `stevedore dev` console: job transitions as aligned rows, everything else as short lines.
 * Debug lines only with STEVEDORE_LOG_LEVEL=debug.
 */
export function devLogger(out: NodeJS.WritableStream = process.stdout): Logger {
  const time = () => new Date().toTimeString().slice(0, 8);
  const line = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (message === 'transition' && fields) {
      const state = String(fields.state ?? '').padEnd(9);
      const detail = [fields.taskStatus, fields.key, fields.reason].filter(Boolean).join('  ');
      out.write(
        `${time()}  ${String(fields.jobId).padEnd(41)}  ${state}  attempt ${fields.attempt}  ${detail}\n`,
      );
      return;
    }
    const extra = fields && Object.keys(fields).length > 0 ? `  ${JSON.stringify(fields)}` : '';
    out.write(`${time()}  ${level === 'info' ? '' : `${level}: `}${message}${extra}\n`);
  };
  return {
    debug: process.env.STEVEDORE_LOG_LEVEL === 'debug' ? (m, f) => line('debug', m, f) : () => {},
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
  };
}
