/**
 * Pieces for writing JSON text by hand, byte-identical to JSON.stringify: the
 * exporters build their fixed skeletons as strings and serialise only the
 * values that vary (a million times per export, that is most of the cost).
 */

/** Characters JSON.stringify escapes (control characters, quote, backslash, lone surrogates: any surrogate sends us to the slow path). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as a JSON literal, exactly as JSON.stringify writes it. */
export function jstr(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

/** Any defined value as JSON, exactly as JSON.stringify writes it as a property value. */
export function jval(v: unknown): string {
  if (typeof v === 'string') return jstr(v);
  if (typeof v === 'number') return Number.isFinite(v) ? '' + v : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v) as string;
}

/**
 * `,"key":value`, or '' when JSON.stringify would leave the property out
 * (undefined, functions, symbols). `key` is a literal the caller controls.
 */
export function jprop(key: string, v: unknown): string {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return '';
  return ',"' + key + '":' + jval(v);
}

/** Wraps `,"a":1,"b":2` (leading comma) as an object. Slicing flattens `body`: jobj1 avoids that when the first key is usually there. */
export function jobj(body: string): string {
  return body ? '{' + body.slice(1) + '}' : '{}';
}

/** `{"key":value` + rest + `}`, where `rest` is properties with leading commas; `value` may be one JSON.stringify leaves out. */
export function jobj1(key: string, v: unknown, rest: string): string {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return jobj(rest);
  return '{"' + key + '":' + jval(v) + rest + '}';
}
