import type { KeygateResponse } from '@keygate/core/adapter';
import type { Context } from 'koa';

/** Writes a keygate answer (authentication failure, scope refusal or management response) as it is. */
export function send(ctx: Context, response: KeygateResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers as Record<string, string>);
  ctx.body = response.json ?? null;
}
