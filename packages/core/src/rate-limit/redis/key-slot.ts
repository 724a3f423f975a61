// The Redis Cluster hash slot of a key, as ioredis computes it (cluster-key-slot is its own library).
import calculateSlot from 'cluster-key-slot';

/** The hash slot (0-16383) Redis Cluster assigns to `key` (CRC16 of its hash tag, or of the whole key). */
export function keySlot(key: string): number {
  return calculateSlot(key);
}
