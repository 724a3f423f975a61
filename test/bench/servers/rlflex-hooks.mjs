// rate-limiter-flexible has no framework integration: the usual hook (Fastify) and middleware
// (Express) around `limiter.consume(key)`. It rejects with a RateLimiterRes when over the limit
// (429) and with an Error when its store fails (passed on: 500, which fails a benchmark run).

const retryAfter = (res) => String(Math.max(1, Math.ceil(res.msBeforeNext / 1000)));

/** Fastify onRequest hook keyed by the Authorization header. */
export function rateLimiterFlexibleHook(limiter) {
  return (request, reply, done) => {
    limiter.consume(request.headers.authorization).then(
      () => done(),
      (rejection) => {
        if (rejection instanceof Error) done(rejection);
        else reply.code(429).header('retry-after', retryAfter(rejection)).send({ error: 'Too Many Requests' });
      },
    );
  };
}

/** Express middleware keyed by the X-API-Key header. */
export function rateLimiterFlexibleMiddleware(limiter) {
  return (req, res, next) => {
    limiter.consume(req.headers['x-api-key']).then(
      () => next(),
      (rejection) => {
        if (rejection instanceof Error) next(rejection);
        else res.status(429).set('retry-after', retryAfter(rejection)).json({ error: 'Too Many Requests' });
      },
    );
  };
}
