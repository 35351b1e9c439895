/**
 * Dense numbering of variables in order of first request, shared by the
 * passes that key maps by variable (CSE) or lay variables out in slots (compile).
 */

/** A function giving each distinct key the next integer, from 0, the first time it is asked. */
export function numbering<K>(): (key: K) => number {
  const ids = new Map<K, number>();
  return (key) => {
    let n = ids.get(key);
    if (n === undefined) {
      n = ids.size;
      ids.set(key, n);
    }
    return n;
  };
}
