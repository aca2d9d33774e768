/** 1-200 printable ASCII characters, no spaces: what an Idempotency-Key or a subject_id may be. */
const PRINTABLE_ID = /^[\x21-\x7e]{1,200}$/;

export function isPrintableId(value: string): boolean {
  return PRINTABLE_ID.test(value);
}
