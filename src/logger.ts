import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import { type Logger, pino } from 'pino';
import type { LogLevelName } from './config.js';

export type { Logger };

/** A JSON logger on stdout. Never log tokens or feedback text. */
export function createLogger(level: LogLevelName, name = 'panelist'): Logger {
  return pino({ name, level });
}

const BOLT_TO_PINO: Record<LogLevel, LogLevelName> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

/** Bolt's `Logger` interface over pino, so Bolt's and our logs are one stream. */
export function toBoltLogger(logger: Logger): BoltLogger {
  let target = logger;
  const write =
    (level: LogLevelName) =>
    (...messages: unknown[]): void => {
      const [first, ...rest] = messages;
      if (first instanceof Error) target[level]({ err: first, extra: rest }, first.message);
      else target[level](messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' '));
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (level: LogLevel) => {
      target.level = BOLT_TO_PINO[level];
    },
    getLevel: () =>
      (Object.entries(BOLT_TO_PINO).find(([, v]) => v === target.level)?.[0] ?? LogLevel.INFO) as LogLevel,
    setName: (name: string) => {
      target = target.child({ component: name });
    },
  };
}
