/**
 * Generates the typed client's types (client/src/openapi-types.ts, in the client package) from the service's
 * OpenAPI document with openapi-typescript. A test fails when the committed file is stale:
 *
 *   npm run client:types
 */
import { writeFileSync } from 'node:fs';

import { CLIENT_TYPES_FILE, clientTypesSource } from './client-types-source.js';
import { openApiDocument } from './openapi-document.js';

writeFileSync(CLIENT_TYPES_FILE, await clientTypesSource(await openApiDocument()));
