// 64-bit fields arrive as JavaScript numbers (the loader's `longs: Number`),
// which hold whole numbers exactly only up to 2^53 - 1. A larger value has
// already been rounded when a handler sees it, so it is refused rather than
// used (or echoed) as a different number.
import { InvalidArgumentError } from '../errors.js';

/** The .proto name of a loader (camelCase) key: `bytesDone` → `bytes_done`. */
function protoName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The path of the first whole number beyond 2^53 - 1 in a decoded request, if any. */
export function unsafeIntegerPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? path : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unsafeIntegerPath(item, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value)) {
      const found = unsafeIntegerPath(item, path ? `${path}.${protoName(key)}` : protoName(key));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Throws InvalidArgumentError naming the field when a request holds such a number. */
export function checkSafeIntegers(request: unknown): void {
  const path = unsafeIntegerPath(request);
  if (path !== undefined) {
    throw new InvalidArgumentError(
      `${path} is larger than 9007199254740991 (2^53 - 1), the largest whole number this daemon handles exactly`,
    );
  }
}
