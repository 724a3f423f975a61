import type { ManagementOptions } from '@keygate/core';
import { bodyParseFailure, createManagementApi, requestContext } from '@keygate/core/adapter';
import type { FastifyBodyParser, FastifyError, FastifyPluginAsync } from 'fastify';
import { accessors } from './accessors.js';
import { REGISTER_OPTION_NAMES } from './register-options.js';
import { send } from './send.js';

/** Options of {@link keyManagementPlugin}: see `ManagementOptions` in @keygate/core; mount it where you like with `prefix`. */
export type KeyManagementPluginOptions = ManagementOptions;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * An encapsulated plugin serving the key-management routes under `/keys`, e.g.
 * `app.register(keyManagementPlugin, { keygate, prefix: '/admin' })` in a context where
 * `keygatePlugin` authenticates requests. Bodies are parsed by Fastify, bounded by `bodyLimit`.
 * By default a key with the `keys:manage` scope manages its own owner's keys (see `authorize`).
 *
 * @example
 * ```ts
 * await app.register(async (api) => {
 *   await api.register(keygatePlugin, { keygate });
 *   await api.register(keyManagementPlugin, { keygate, prefix: '/admin' }); // /admin/keys…
 * });
 * ```
 */
export const keyManagementPlugin: FastifyPluginAsync<KeyManagementPluginOptions> = async (fastify, options) => {
  const handle = createManagementApi(options, REGISTER_OPTION_NAMES);
  const bodyLimit = handle.bodyLimit;
  // In this context only: `application/*+json` (e.g. merge-patch) is JSON too, and an empty JSON
  // body is no body (state-changing routes need the JSON type even when they carry nothing).
  const json = fastify.getDefaultJsonParser('error', 'error');
  const parse: FastifyBodyParser<string> = (request, text, done) =>
    text === '' ? done(null, undefined) : json(request, text, done);
  fastify.removeContentTypeParser('application/json');
  for (const type of ['application/json', /^application\/[a-z0-9.!#$&^_-]+\+json$/i]) {
    fastify.addContentTypeParser(type, { parseAs: 'string', bodyLimit }, parse);
  }
  fastify.setErrorHandler((error: FastifyError, _request, reply) => {
    if (!error.code?.startsWith('FST_ERR_CTP_')) throw error;
    send(reply, bodyParseFailure(error.statusCode, bodyLimit));
  });
  for (const url of ['/keys', '/keys/*']) {
    fastify.route({
      method: METHODS,
      url,
      bodyLimit,
      handler: async (request, reply) => {
        const path = request.url.slice(fastify.prefix.length);
        const context = requestContext(request, accessors);
        const apiKey = request.apiKey ?? undefined;
        const contentType = request.headers['content-type'];
        const body = request.body;
        return send(reply, await handle({ method: request.method, path, contentType, body, apiKey, context, request }));
      },
    });
  }
};
