import { Redis } from 'ioredis';

/**
 * A connection for producers (the web process adding jobs, health checks). With the offline
 * queue off, a command fails at once when Redis is down instead of hanging a Slack request.
 */
export function createProducerConnection(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    lazyConnect: false,
  });
}

/** A connection for BullMQ workers, which must wait out Redis restarts (`maxRetriesPerRequest: null`). */
export function createWorkerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}
