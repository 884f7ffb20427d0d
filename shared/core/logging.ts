/**
 * One JSON object per line, the shape Cloud Logging reads from stdout:
 * `severity` and `message` are promoted, everything else lands in jsonPayload.
 * Callers pass facts (ids, statuses, durations), never credentials.
 */
export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

let sink: (line: string) => void = (line) => process.stdout.write(`${line}\n`);

/** Tests read what was logged; production writes to stdout. */
export function setLogSink(next: (line: string) => void): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}

function write(severity: Severity, message: string, context: Record<string, unknown>, fields?: Record<string, unknown>) {
  if (process.env.LOG_LEVEL === 'silent') return;
  sink(JSON.stringify({ severity, message, time: new Date().toISOString(), ...context, ...fields }));
}

export function createLogger(context: Record<string, unknown> = {}): Logger {
  return {
    info: (message, fields) => write('INFO', message, context, fields),
    warn: (message, fields) => write('WARNING', message, context, fields),
    error: (message, fields) => write('ERROR', message, context, fields),
    child: (fields) => createLogger({ ...context, ...fields }),
  };
}

export const logger = createLogger();
