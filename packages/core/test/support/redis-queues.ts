// What an ioredis client holds for Redis: commands waiting to be sent (its offline queue) and
// commands sent and not yet answered (its command queue). A call that "fails at once" while Redis
// is down leaves both empty; one waiting for a reconnection shows up here, whatever the clock says.
import type { Redis } from 'ioredis';

/** How many commands `client` holds for Redis, queued or in flight (0 when nothing waits on Redis). */
export function commandsWaiting(client: Redis): number {
  const queues = client as unknown as { offlineQueue: { length: number }; commandQueue: { length: number } };
  return queues.offlineQueue.length + queues.commandQueue.length;
}
