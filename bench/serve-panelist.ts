/**
 * The real Panelist (HTTP, Postgres, Redis, BullMQ workers) for the benchmark, with a silent
 * logger. Run as a child process by bench/run.ts (`node --import tsx bench/serve-panelist.ts`);
 * configured from the environment like `npm start`, and prints `READY <port>` once serving.
 */
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { stopOnSignals } from '../src/process-lifecycle.js';
import { startPanelist } from '../src/runtime.js';

const logger = pino({ level: 'silent' });
try {
  const panelist = await startPanelist(loadConfig(process.env), { logger });
  stopOnSignals(() => panelist.stop(), logger);
  process.stdout.write(`READY ${panelist.port}\n`);
} catch (error) {
  console.error('serve-panelist failed to start:', error);
  process.exit(1);
}
