/**
 * The video endpoints' 200 bodies are built by the task table (`tasks.ts`), for the sync
 * endpoints and a finished job's `result` alike; this name stays for the callers that build a
 * `JobLifecycle` with it.
 */
export { clipResultBody } from './tasks.js';
