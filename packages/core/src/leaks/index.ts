// The endpoint of GitHub's secret scanning partner program: signed reports of leaked keys; each
// adapter mounts it.
export {
  createLeakedKeyHandler,
  type LeakedKeyHandler,
  type LeakReportRequest,
  type TokenLabel,
} from './handler.js';
export {
  DEFAULT_LEAK_BODY_LIMIT,
  type LeakAction,
  type LeakedKeyOptions,
  type PublicKeyLookup,
} from './options.js';
export type { ReportSignature } from './signature.js';
