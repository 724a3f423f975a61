import type { KeygateResponse } from '@keygate/core/adapter';
import type { FastifyReply } from 'fastify';

/** Writes a keygate answer (authentication failure, scope refusal or management response) as it is. */
export function send(reply: FastifyReply, response: KeygateResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.json);
}
