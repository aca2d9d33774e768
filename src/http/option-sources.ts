/**
 * Options and filters may come in the body and in the query string; one given both ways must say
 * the same thing in both, else it is a 400 rather than one of them silently winning. This finds
 * the first that does not; each caller says what "the same" means and words its own error.
 */
export function conflictingKey<T>(
  fromBody: Readonly<Record<string, T>>,
  fromQuery: Readonly<Record<string, T>>,
  same: (body: T, query: T) => boolean,
): string | undefined {
  for (const [key, value] of Object.entries(fromQuery)) {
    const other = fromBody[key];
    if (other !== undefined && !same(other, value)) return key;
  }
  return undefined;
}
