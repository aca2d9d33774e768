import { TASK_NAMES } from '../services/clip-tasks.js';

/**
 * The service's fixed endpoint paths: a request to one of them with another method is 405
 * `method_not_allowed` (not 404), and /metrics labels requests by them (others as `other`).
 * The video tasks' sync and async paths come from the task table.
 */
export const KNOWN_ENDPOINTS: ReadonlySet<string> = new Set([
  ...TASK_NAMES.map((task) => `/${task}`),
  ...TASK_NAMES.map((task) => `/jobs/${task}`),
  '/feedback',
  '/logs',
  '/health',
  '/ready',
  '/metrics',
]);
