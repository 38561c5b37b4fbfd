import { z } from 'zod';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const booleanFlag = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

const configSchema = z.object({
  SLACK_SIGNING_SECRET: z
    .string({ message: 'required: the Signing Secret from the app’s Basic Information page' })
    .min(1, 'required: the Signing Secret from the app’s Basic Information page'),
  SLACK_BOT_TOKEN: z
    .string({ message: 'required: the Bot User OAuth Token (xoxb-…) from OAuth & Permissions' })
    .startsWith('xoxb-', 'must be a bot token starting with xoxb-'),
  SLACK_APP_TOKEN: z
    .string()
    .startsWith('xapp-', 'must be an app-level token starting with xapp- (or unset for HTTP mode)')
    .optional(),
  SLACK_API_URL: z
    .url({ message: 'must be a URL such as https://slack.com/api/' })
    .default('https://slack.com/api/')
    .transform((url) => (url.endsWith('/') ? url : `${url}/`)),
  /** Unset: an embedded PGlite database in PGLITE_DIR (one process; for trying Panelist out). */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a PostgreSQL URL starting with postgres://')
    .optional(),
  PGLITE_DIR: z.string().min(1).default('.pglite/data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a Redis URL starting with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  PORT: z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(3000),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  RUN_WORKER: booleanFlag.default(true),
  WORKER_CONCURRENCY: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 200')
    .max(200, 'must be between 1 and 200')
    .default(10),
  WEB_DB_CONNECTIONS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 200')
    .max(200, 'must be between 1 and 200')
    .default(10),
  /**
   * A web process (RUN_WORKER=false) whose event loop is busier than this share of the time is in
   * a burst: the workers hold the follow-ups (DMs, announcements, App Home) until it is over. 0: off.
   */
  WEB_BUSY_UTILIZATION: z.coerce
    .number({ message: 'must be a number between 0 and 1' })
    .min(0, 'must be between 0 and 1 (0 turns it off)')
    .max(1, 'must be between 0 and 1 (0 turns it off)')
    .default(0.3),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, - and _')
    .default('panelist'),
  /** Moves Panelist's clock (not the process's) by this much: demos and tests of a given hour or weekday. */
  CLOCK_OFFSET_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(-30 * 24 * 3600_000, 'must be within 30 days either way')
    .max(30 * 24 * 3600_000, 'must be within 30 days either way')
    .default(0),
});

/** Validated process configuration. See `.env.example` and the README for each variable. */
export type Config = z.output<typeof configSchema>;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Raised when the environment does not describe a runnable Panelist; `problems` holds one line per variable. */
export class ConfigError extends Error {
  readonly code = 'panelist_config_invalid';
  constructor(readonly problems: string[]) {
    super(
      `Panelist cannot start; fix these environment variables:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates configuration from an environment. Empty strings count as unset so that a
 * `.env` copied from `.env.example` with blank optional values still works.
 * @throws ConfigError with one line per missing or invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(problems);
}
