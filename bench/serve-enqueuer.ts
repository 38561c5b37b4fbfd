/**
 * Adds the nudge section's throughput jobs from a process of its own, so that adding 10,000 jobs
 * (one addBulk: building them, then reading 10,000 replies) does not stall the Slack double, which
 * answers the worker's messages from the bench process: Slack does not stop answering while
 * someone else fills a queue. Both the nudge worker's and the bare worker's jobs are added here,
 * the same way, with the production `enqueueNudges`.
 *
 * Run by bench/sections/nudges.ts with an IPC channel (`fork`); reads REDIS_URL, and says
 * `{ kind: 'ready' }` once it listens. Messages in:
 * `{ kind: 'load', prefix, rows }` (rows that are due: each job is added without a delay), answered
 * `{ kind: 'loaded' }` once its queue is ready; then `{ kind: 'go' }`, answered
 * `{ kind: 'done', enqueueMs }` once addBulk has returned (or `{ kind: 'failed', error }`).
 */
import { performance } from 'node:perf_hooks';
import { closeQueues, createQueues, enqueueNudges, type Queues } from '../jobs/queues.js';
import { createProducerConnection } from '../jobs/redis.js';

export type EnqueuerRequest =
  | { kind: 'load'; prefix: string; rows: { id: string; team_id: string; deliver_at: number }[] }
  | { kind: 'go' };
export type EnqueuerReply =
  | { kind: 'ready' }
  | { kind: 'loaded' }
  | { kind: 'done'; enqueueMs: number }
  | { kind: 'failed'; error: string };

const redisUrl = process.env.REDIS_URL;
const send = process.send?.bind(process);
if (redisUrl === undefined || send === undefined) {
  console.error('serve-enqueuer needs REDIS_URL and an IPC channel (child_process.fork)');
  process.exit(1);
}
const reply = (message: EnqueuerReply) => send(message);

const connection = createProducerConnection(redisUrl);
const queuesByPrefix = new Map<string, Queues>();
let loaded: { queues: Queues; rows: { id: string; team_id: string; deliver_at: Date }[] } | undefined;

process.on('message', (message: EnqueuerRequest) => {
  void handle(message).catch((error: unknown) => reply({ kind: 'failed', error: String(error) }));
});
reply({ kind: 'ready' });

async function handle(message: EnqueuerRequest): Promise<void> {
  if (message.kind === 'load') {
    let queues = queuesByPrefix.get(message.prefix);
    if (queues === undefined) {
      queues = createQueues(connection, message.prefix);
      for (const queue of Object.values(queues))
        queue.on('error', (error: Error) => console.error('enqueuer queue error:', error));
      await queues.nudges.waitUntilReady();
      queuesByPrefix.set(message.prefix, queues);
    }
    const rows = message.rows.map((r) => ({
      id: r.id,
      team_id: r.team_id,
      deliver_at: new Date(r.deliver_at),
    }));
    loaded = { queues, rows };
    reply({ kind: 'loaded' });
    return;
  }
  if (loaded === undefined) throw new Error('go before load');
  const { queues, rows } = loaded;
  loaded = undefined;
  const started = performance.now();
  await enqueueNudges(queues, rows, () => 0);
  reply({ kind: 'done', enqueueMs: performance.now() - started });
}

process.once('SIGTERM', () => {
  void Promise.all([...queuesByPrefix.values()].map(closeQueues)).finally(() => {
    connection.disconnect();
    process.exit(0);
  });
});
process.once('disconnect', () => process.exit(0));
