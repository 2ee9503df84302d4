/**
 * The JSON a hub value becomes on the wire: dates as ISO strings, read-only arrays as plain ones.
 * The response serializer writes both that way; this tells the type checker so, instead of copying
 * every result into a mutable twin.
 * @module
 */
export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: Wire<T[K]> }
      : T;

export function wire<T>(value: T): Wire<T> {
  return value as unknown as Wire<T>;
}
