import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';

/** Where the generated types live. */
export const CLIENT_TYPES_FILE = 'client/src/openapi-types.ts';

/** The TypeScript source of the client's types for an OpenAPI document, Prettier-formatted (deterministic). */
export async function clientTypesSource(document: object): Promise<string> {
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0]);
  const source = `/**\n * Generated from /openapi.json by \`npm run client:types\` (openapi-typescript). Do not edit.\n */\n${astToString(ast)}`;
  const config = (await prettier.resolveConfig(CLIENT_TYPES_FILE)) ?? {};
  return prettier.format(source, { ...config, filepath: CLIENT_TYPES_FILE });
}
