/**
 * Writes the service's OpenAPI document (what GET /openapi.json serves) to a file, for linting:
 *
 *   npx tsx scripts/openapi.ts dist/openapi.json && npx redocly lint dist/openapi.json
 */
import { writeFileSync } from 'node:fs';

import { openApiDocument } from './openapi-document.js';

const out = process.argv[2] ?? 'dist/openapi.json';
writeFileSync(out, `${JSON.stringify(await openApiDocument(), null, 2)}\n`);
