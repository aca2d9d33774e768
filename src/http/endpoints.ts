/**
 * The service's fixed endpoint paths: a request to one of them with another method is 405
 * `method_not_allowed` (not 404), and /metrics labels requests by them (others as `other`).
 */
export const KNOWN_ENDPOINTS: ReadonlySet<string> = new Set([
  '/predict',
  '/thumbnail',
  '/analyze',
  '/jobs/predict',
  '/jobs/thumbnail',
  '/jobs/analyze',
  '/feedback',
  '/logs',
  '/health',
  '/ready',
  '/metrics',
]);
