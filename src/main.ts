import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { stopOnSignals } from './process-lifecycle.js';
import { startPanelist } from './runtime.js';

try {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const panelist = await startPanelist(config, { logger });
  stopOnSignals(() => panelist.stop(), logger);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  console.error('Panelist failed to start:', error);
  process.exit(1);
}
