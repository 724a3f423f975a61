import type { LeakedKeyOptions } from '@keygate/core';
import { bodyParseFailure, createLeakedKeyHandler, requestContext } from '@keygate/core/adapter';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { accessors } from './accessors.js';
import { REGISTER_OPTION_NAMES } from './register-options.js';
import { send } from './send.js';

/** Options of {@link leakedKeyPlugin}: see `LeakedKeyOptions` in @keygate/core; place it with `prefix`. */
export type LeakedKeyPluginOptions = LeakedKeyOptions;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
// A header as one string; a repeated one (an array) is treated as absent.
const single = (value: string | string[] | undefined) => (Array.isArray(value) ? undefined : value);

/**
 * An encapsulated plugin serving GitHub's secret scanning partner program at its `prefix`: it
 * checks the report's signature over the raw body, labels each token, and revokes (or disables,
 * or only reports) the leaked keys of this instance. In its own context every body is kept as raw
 * bytes (bounded by `bodyLimit`); the rest of the app keeps its parsers. No `keygatePlugin`: the
 * signature authenticates the sender.
 *
 * @example
 * ```ts
 * import { leakedKeyPlugin } from '@keygate/fastify';
 *
 * await app.register(leakedKeyPlugin, { keygate, publicKeys: { [identifier]: pem }, prefix: '/github/secret-scanning' });
 * ```
 */
export const leakedKeyPlugin: FastifyPluginAsync<LeakedKeyPluginOptions> = async (fastify, options) => {
  const handle = createLeakedKeyHandler(options, REGISTER_OPTION_NAMES);
  const bodyLimit = handle.bodyLimit;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  fastify.setErrorHandler((error: FastifyError, _request, reply) => {
    if (!error.code?.startsWith('FST_ERR_CTP_')) throw error;
    send(reply, bodyParseFailure(error.statusCode, bodyLimit));
  });
  fastify.route({
    method: METHODS,
    url: '/',
    bodyLimit,
    handler: async (request, reply) => {
      const { headers, method, body } = request;
      const keyIdentifier = headers['github-public-key-identifier'];
      const signature = headers['github-public-key-signature'];
      const context = requestContext(request, accessors);
      return send(
        reply,
        await handle({ method, body, keyIdentifier: single(keyIdentifier), signature: single(signature), context }),
      );
    },
  });
};
