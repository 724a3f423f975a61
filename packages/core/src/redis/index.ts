/** @keygate/core/redis: Redis-backed rate limiting and key storage on ioredis. */
export {};
