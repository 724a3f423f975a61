// How core reads a Fastify request (used by the auth middleware and the management routes).
import type { RequestAccessors } from '@keygate/core/adapter';
import type { FastifyRequest } from 'fastify';

/** Request accessors for core, built once: the framework resolves IP and TLS under its trusted-proxy setting. */
export const accessors: RequestAccessors<FastifyRequest> = {
  raw: (request) => request.raw,
  ip: (request) => request.ip,
  secure: (request) => request.protocol === 'https',
  query: (request, name) => (request.query as Record<string, unknown> | undefined)?.[name],
  cookie: (request, name) => {
    const cookies = (request as { cookies?: Record<string, string | undefined> }).cookies;
    if (cookies === undefined)
      throw new Error('keygate: a cookie source needs @fastify/cookie registered before keygate.');
    return cookies[name];
  },
};
