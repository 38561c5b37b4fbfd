import { offsetClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { stopOnSignals } from './process-lifecycle.js';
import { startPanelist } from './runtime.js';

try {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  // Handle SIGTERM from the first moment: a signal during start-up waits for it, then stops cleanly.
  const starting = startPanelist(config, { logger, clock: offsetClock(config.CLOCK_OFFSET_MS) });
  stopOnSignals(async () => (await starting).stop(), logger);
  await starting;
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  console.error('Panelist failed to start:', error);
  process.exit(1);
}
