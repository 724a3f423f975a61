import type { KeygateResponse } from '@keygate/core/adapter';
import type { Response } from 'express';

/** Writes a keygate answer (authentication failure, scope refusal or management response) as it is. */
export function send(res: Response, response: KeygateResponse): void {
  res.status(response.status).set(response.headers);
  if (response.json === undefined) res.end();
  else res.send(response.json);
}
