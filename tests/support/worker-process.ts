import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SIGNING_SECRET, type TestApp } from './test-env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A `npm run worker` process (src/worker-main.ts) running as a child of the test. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Whether it has exited (by itself or by a signal). */
  exited(): boolean;
  /** Sends `signal` and waits for the process to exit; resolves at once if it already has. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** The environment a worker process needs to work on a test app's database, Slack double and queues. */
export function workerEnv(t: TestApp, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: t.config.SLACK_BOT_TOKEN,
    SLACK_API_URL: t.slack.apiUrl,
    DATABASE_URL: t.databaseUrl,
    REDIS_URL: t.config.REDIS_URL,
    QUEUE_PREFIX: t.config.QUEUE_PREFIX,
    LOG_LEVEL: 'error',
    ...overrides,
  };
}

/** Starts `node --import tsx src/worker-main.ts` with only `env` (and PATH) in its environment. */
export function spawnWorkerProcess(env: Record<string, string>): WorkerProcess {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker-main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // Resolves on exit, or on a spawn failure (which emits 'error' and no 'exit').
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    output: () => output,
    exited,
    async kill(signal) {
      if (exited()) return;
      child.kill(signal);
      await exit;
    },
  };
}
