// The `reason` of a `failed` audit event is one of the reasons keygate emits, a type an
// application can switch over exhaustively.
import type { AuditEvent, AuditFailureReason } from '@keygate/core';
import { describe, expectTypeOf, it } from 'vitest';

describe('AuditEvent', () => {
  it('gives a failed event a reason from AuditFailureReason', () => {
    expectTypeOf<AuditEvent['reason']>().toEqualTypeOf<AuditFailureReason | undefined>();
  });

  it('lists every reason the authentication middleware emits', () => {
    expectTypeOf<AuditFailureReason>().toEqualTypeOf<
      | 'malformed'
      | 'ambiguous'
      | 'invalid'
      | 'expired'
      | 'revoked'
      | 'disabled'
      | 'ip_not_allowed'
      | 'tls_required'
      | 'busy'
      | 'unavailable'
      | 'internal'
    >();
  });
});
