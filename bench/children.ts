/**
 * Apps under test run in child processes of their own, so the load generator never shares an
 * event loop with them. Each entry file prints `READY <port>` once it is serving.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { processCpuSeconds } from './cpu.js';

/** The repository root (bench/..), where `tsx` resolves from. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ChildApp {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** CPU seconds (user + system) the process has used so far; undefined off Linux. */
  cpuSeconds(): number | undefined;
  /** The last lines the child wrote to stderr, for error reports. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([
    once(child, 'exit').then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return exited;
}

/** Keeps the last lines a child writes to stderr; returns the function that reads them, for error reports. */
export function keepStderrTail(child: ChildProcess): () => string {
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 50) stderr.shift();
  });
  return () => stderr.join('').split('\n').slice(-30).join('\n');
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Safe to call twice. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitForExit(child, 2_000);
}

export interface SpawnOptions {
  /** Extra node flags, e.g. `--cpu-prof` (not all are allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  startTimeoutMs?: number;
}

/**
 * Starts `node --import tsx <entry>` with `env` and waits for its `READY <port>` line.
 * @throws when it exits or stays silent for `startTimeoutMs` (the child is killed first).
 */
export async function spawnApp(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  { nodeArgs = [], startTimeoutMs = 30_000 }: SpawnOptions = {},
): Promise<ChildApp> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderrTail = keepStderrTail(child);
  const stop = (graceMs?: number) => stopChild(child, graceMs);

  const stdout = child.stdout;
  if (stdout === null) throw new Error(`${name}: no stdout pipe`);
  // The interface keeps reading stdout after READY too, so a chatty child never blocks on the pipe.
  const lines = createInterface({ input: stdout });
  const port = await new Promise<number>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      void stop(1_000).finally(() => reject(new Error(`${name}: ${why}\n${stderrTail()}`)));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`exited before READY (code ${code}, signal ${signal})`);
    const timer = setTimeout(() => fail(`not ready within ${startTimeoutMs} ms`), startTimeoutMs);
    child.once('exit', onExit);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    lines.on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line.trim());
      if (match === null) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(Number(match[1]));
    });
  });

  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: no pid`);
  return { name, pid, port, cpuSeconds: () => processCpuSeconds(pid), stderrTail, stop };
}
