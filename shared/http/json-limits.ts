import { badRequest } from '../core/errors';

/**
 * Bounds on the shape of a JSON body, checked before anything else reads it.
 * Our own requests nest 4 levels and list at most a few dozen assets; the
 * bounds leave room for clients' extra fields while keeping what validation,
 * hashing (Idempotency-Key) and logging may walk small. The body parser has
 * already turned the text into a value (JSON.parse itself copes with any
 * depth); it is every walk over that value afterwards that must not recurse
 * once per level of client input: 4,000 levels overflow the stack.
 */
export const MAX_JSON_DEPTH = 32;
/** Per object (keys) and per array (elements). With MAX_BODY_BYTES this also bounds the total. */
export const MAX_JSON_ENTRIES = 1000;

/** Throws the 400 naming the limit a body breaks; an explicit stack, so a deep body costs no call stack. */
export function checkJsonLimits(value: unknown): void {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) throw badRequest('body', `must not nest deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`);
    const children = Array.isArray(current) ? current : Object.values(current);
    if (children.length > MAX_JSON_ENTRIES) {
      throw badRequest('body', `must not have more than ${MAX_JSON_ENTRIES} keys in an object or elements in an array`);
    }
    for (const child of children) pending.push({ value: child, depth: depth + 1 });
  }
}
