import { resolveRealm } from '../http/authenticate.js';
import type { ApiKey, RateLimitPolicy } from '../key/record.js';
import { assertRequirableScope, hasScopes } from '../key/scopes.js';
import type { Keygate } from '../keygate/instance.js';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import { resolvePolicySet } from '../rate-limit/options.js';

/** Who is calling the management routes: the key the auth middleware attached, and the framework's request. */
export interface ManagementCaller {
  /** The calling key as the store has it now (re-read on every request), or undefined when none was sent. */
  readonly apiKey: ApiKey | undefined;
  /** The framework's request object (Express `req`, Koa `ctx`, Fastify `request`), untouched. */
  readonly request: unknown;
}

/** What {@link ManagementAuthorize} grants: whose keys, and on whose behalf. */
export interface ManagementGrant {
  /** Whose keys the caller manages. */
  readonly owner: string;
  /**
   * The key whose powers bound what the caller may do (the delegation rule, see exceedingPower).
   * Default: the key the request authenticated with, if any. `null`: no key — the caller is the
   * application itself (e.g. an operator signed in some other way), bounded by no key.
   */
  readonly key?: ApiKey | null;
}

/** Decides whose keys a caller may manage: a {@link ManagementGrant}, or null for no right to manage keys. */
export type ManagementAuthorize = (
  caller: ManagementCaller,
) => Promise<ManagementGrant | null> | ManagementGrant | null;

/** Which metadata the routes may set: none (`false`), any (`true`), or only these top-level fields. */
export type MetadataPolicy = boolean | readonly string[];

/**
 * Options of the key-management routes (every adapter's mount takes these). Only `keygate` is
 * required. Checked when the routes are built: an invalid value throws `invalid_options`; an
 * unknown name is ignored and reported once with `console.warn`, naming the closest known option.
 */
export interface ManagementOptions {
  /** The keygate instance whose keys are managed. */
  keygate: Keygate;
  /** Whose keys the caller may manage. Default: a key with `managementScope` manages its own owner's keys. */
  authorize?: ManagementAuthorize;
  /** The scope the default `authorize` requires. Default `keys:manage`. */
  managementScope?: string;
  /** Grace period of `POST /keys/:id/rotate` when the body gives none, in ms. Default 0 (the old key stops at once). */
  defaultGracePeriodMs?: number;
  /** Largest accepted request body, in bytes. Default 16384 (16 KiB). */
  bodyLimit?: number;
  /**
   * Whether callers may set key metadata (where applications often keep plan or role data):
   * `false`, `true`, or a list of the top-level metadata fields they may set (the others are kept
   * as they are). Metadata is always shown. Default false.
   */
  allowMetadata?: MetadataPolicy;
  /**
   * The default rate-limit policies your authentication middleware applies to keys without their
   * own (`rateLimit.defaults`). Lets a calling key on the defaults give keys custom limits no
   * looser than them. Default: unknown — such a key can give other keys only the defaults.
   */
  rateLimitDefaults?: readonly RateLimitPolicy[];
  /** Realm of the `WWW-Authenticate` challenge of 401 and 403 answers. Default `api`. */
  realm?: string;
  /** Called with unexpected errors (the client gets a 500 or 503); never given a key. Default `console.error`. */
  onError?: (error: unknown) => void;
}

/** Management options after validation, with defaults applied. */
export interface ResolvedManagementOptions {
  readonly keygate: Keygate;
  readonly authorize: ManagementAuthorize;
  readonly defaultAuthorize: boolean;
  readonly managementScope: string;
  readonly defaultGracePeriodMs: number;
  readonly bodyLimit: number;
  readonly allowMetadata: MetadataPolicy;
  readonly rateLimitDefaults: readonly RateLimitPolicy[] | undefined;
  readonly realm: string;
  readonly onError: (error: unknown) => void;
}

/** Default body limit of the management routes: 16 KiB. */
export const DEFAULT_MANAGEMENT_BODY_LIMIT = 16_384;

const check: OptionChecks = optionChecks('key-management options');

/** Every option name of {@link ManagementOptions}, for the unknown-option warning. */
export const MANAGEMENT_OPTION_NAMES = optionNames<ManagementOptions>({
  keygate: true,
  authorize: true,
  managementScope: true,
  defaultGracePeriodMs: true,
  bodyLimit: true,
  allowMetadata: true,
  rateLimitDefaults: true,
  realm: true,
  onError: true,
});

/**
 * Validates management options once; throws `invalid_options` naming the bad one, warns about
 * unknown names (`adapterOptionNames`, the options of an adapter's mount, are known too).
 */
export function resolveManagementOptions(
  options: ManagementOptions,
  adapterOptionNames: readonly string[] = [],
): ResolvedManagementOptions {
  const known =
    adapterOptionNames.length === 0 ? MANAGEMENT_OPTION_NAMES : [...MANAGEMENT_OPTION_NAMES, ...adapterOptionNames];
  const { keygate } = check.object<ManagementOptions>(undefined, options, known);
  if (typeof keygate?.keys?.create !== 'function') {
    check.fail('`keygate` is required (create one with createKeygate()).', 'keygate');
  }
  const managementScope = options.managementScope ?? 'keys:manage';
  try {
    assertRequirableScope(managementScope);
  } catch (error) {
    check.fail(`\`managementScope\`: ${(error as Error).message}`, 'managementScope');
  }
  const given = check.function<ManagementAuthorize>('authorize', options.authorize);
  const allowMetadata = options.allowMetadata ?? false;
  if (
    typeof allowMetadata !== 'boolean' &&
    !(Array.isArray(allowMetadata) && allowMetadata.every((f) => typeof f === 'string' && f.length > 0))
  ) {
    check.fail('`allowMetadata` must be a boolean or an array of metadata field names.', 'allowMetadata');
  }
  const rateLimitDefaults =
    options.rateLimitDefaults === undefined
      ? undefined
      : resolvePolicySet(options.rateLimitDefaults, 'rateLimitDefaults', check).policies;
  const authorize: ManagementAuthorize =
    given ?? (({ apiKey }) => (apiKey && hasScopes(apiKey.scopes, [managementScope]) ? { owner: apiKey.owner } : null));
  return Object.freeze({
    keygate,
    authorize,
    defaultAuthorize: given === undefined,
    managementScope,
    defaultGracePeriodMs: check.integer('defaultGracePeriodMs', options.defaultGracePeriodMs, {
      min: 0,
      max: keygate.keys.maxGracePeriodMs,
      default: 0,
    }),
    bodyLimit: check.integer('bodyLimit', options.bodyLimit, {
      min: 1,
      max: 16 * 1024 * 1024,
      default: DEFAULT_MANAGEMENT_BODY_LIMIT,
    }),
    allowMetadata: Object.freeze(Array.isArray(allowMetadata) ? [...allowMetadata] : allowMetadata),
    rateLimitDefaults,
    realm: resolveRealm(options.realm, check),
    onError: check.function('onError', options.onError, (error: unknown) =>
      console.error('keygate: a key-management request failed', error),
    ),
  });
}
