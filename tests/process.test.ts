import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackDouble } from './support/slack-double.js';
import { createTestDatabase, deleteRedisPrefix, SIGNING_SECRET, TEST_REDIS_URL } from './support/test-env.js';

// Real: the `npm start` and `npm run worker` entry points as separate processes, Postgres, Redis.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
let slack: SlackDouble;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
const prefix = `tproc${Date.now().toString(36)}`;

beforeAll(async () => {
  slack = await new SlackDouble().start();
  database = await createTestDatabase();
});
afterAll(async () => {
  await slack?.close();
  await database?.drop();
  await deleteRedisPrefix(prefix);
});

function run(entry: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A port nothing listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function appEnv(port: number): Record<string, string> {
  return {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-process-test',
    SLACK_API_URL: slack.apiUrl,
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    PORT: String(port),
    LOG_LEVEL: 'info',
    QUEUE_PREFIX: prefix,
  };
}

describe('the web process', () => {
  it('refuses to start with one clear line per missing or invalid variable', async () => {
    const { child, output } = run('src/main.ts', { SLACK_BOT_TOKEN: 'not-a-token', PORT: 'eighty' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(78);
    expect(output()).toContain('SLACK_SIGNING_SECRET: required');
    expect(output()).toContain('SLACK_BOT_TOKEN: must be a bot token starting with xoxb-');
    expect(output()).not.toContain('DATABASE_URL'); // optional: the embedded database is used without it
    expect(output()).toContain('PORT: must be a port number');
  });

  it('serves /healthz, then stops cleanly within 10 seconds of SIGTERM', async () => {
    const port = await freePort();
    const { child, output } = run('src/main.ts', appEnv(port));
    try {
      await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return res?.status === 200;
      }, 15_000);
      const exited = once(child, 'exit');
      const sentAt = Date.now();
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(Date.now() - sentAt).toBeLessThan(10_000);
      expect(output()).toContain('"msg":"stopped"');
      // No new requests once stopped.
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});

describe('the worker process', () => {
  it('starts alone and stops within 10 seconds of SIGINT', async () => {
    const { child, output } = run('src/worker-main.ts', appEnv(0));
    try {
      await waitFor(() => output().includes('Panelist worker is up'), 15_000);
      const exited = once(child, 'exit');
      const sentAt = Date.now();
      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(Date.now() - sentAt).toBeLessThan(10_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
