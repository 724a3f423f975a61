// The leaked-key endpoint's public types as an application sees them through the built packages
// (type-checked, never run): what each mount takes and gives, and the `leaked` audit event.
import type { AuditEvent, AuditEventType, Keygate, LeakDetails, LeakedKeyOptions, TokenLabel } from '@keygate/core';
import { leakedKeyHandler } from '@keygate/express';
import { leakedKeyPlugin } from '@keygate/fastify';
import { leakedKeyRoute } from '@keygate/koa';
import type { RequestHandler } from 'express';
import Fastify from 'fastify';
import type { Middleware } from 'koa';
import { describe, expectTypeOf, it } from 'vitest';

declare const keygate: Keygate;
const publicKeys = { k1: '-----BEGIN PUBLIC KEY-----…' };

describe('leaked-key endpoint', () => {
  it('makes leakedKeyHandler an Express RequestHandler taking LeakedKeyOptions', () => {
    expectTypeOf(leakedKeyHandler).parameters.toEqualTypeOf<[options: LeakedKeyOptions]>();
    expectTypeOf(leakedKeyHandler({ keygate, publicKeys })).toEqualTypeOf<RequestHandler>();
  });

  it('needs publicKeys, as a map or a lookup', () => {
    // @ts-expect-error publicKeys is required
    leakedKeyHandler({ keygate });
    leakedKeyHandler({ keygate, publicKeys: async (identifier: string) => (identifier === 'k1' ? 'pem' : undefined) });
  });

  it('makes leakedKeyRoute Koa middleware that needs a path', () => {
    expectTypeOf(leakedKeyRoute({ keygate, publicKeys, path: '/github' })).toEqualTypeOf<Middleware>();
    // @ts-expect-error path is required
    leakedKeyRoute({ keygate, publicKeys });
  });

  it('registers leakedKeyPlugin with its options and a prefix', async () => {
    await Fastify().register(leakedKeyPlugin, { keygate, publicKeys, action: 'disable', prefix: '/github' });
  });

  it('takes only revoke, disable or report as the action', () => {
    expectTypeOf<NonNullable<LeakedKeyOptions['action']>>().toEqualTypeOf<'revoke' | 'disable' | 'report'>();
  });

  it('labels tokens in GitHub’s format', () => {
    expectTypeOf<TokenLabel['label']>().toEqualTypeOf<'true_positive' | 'false_positive'>();
  });

  it('adds leaked to the audit event types, with its details in leak', () => {
    expectTypeOf<'leaked'>().toExtend<AuditEventType>();
    expectTypeOf<AuditEvent['leak']>().toEqualTypeOf<LeakDetails | undefined>();
    expectTypeOf<LeakDetails['action']>().toEqualTypeOf<'revoked' | 'disabled' | 'none'>();
  });
});
