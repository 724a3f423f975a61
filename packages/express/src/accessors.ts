// How core reads a Express request (used by the auth middleware and the management routes).
import type { RequestAccessors } from '@keygate/core/adapter';
import type { Request } from 'express';

/** Request accessors for core, built once: the framework resolves IP and TLS under its trusted-proxy setting. */
export const accessors: RequestAccessors<Request> = {
  raw: (req) => req,
  ip: (req) => req.ip,
  secure: (req) => req.secure,
  originalUrl: (req) => req.originalUrl,
  query: (req, name) => (req.query as Record<string, unknown>)[name],
  cookie: (req, name) => {
    const cookies = (req as { cookies?: Record<string, unknown> }).cookies;
    if (cookies === undefined)
      throw new Error('keygate: a cookie source needs cookie-parser mounted before apiKeyAuth().');
    const value = cookies[name];
    return value === undefined || typeof value === 'string' ? value : String(value);
  },
};
