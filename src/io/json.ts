/**
 * A strict JSON reader for safetensors headers. `JSON.parse` would do the
 * syntax, but it silently keeps the last of two equal keys, and the format
 * forbids duplicate keys (two entries for one tensor name could point at
 * different bytes). So this reader keeps objects as `Map`s and refuses a
 * repeated key, keeps numbers as their source text (the header's integers are
 * checked exactly, with no rounding through a double), refuses lone UTF-16
 * surrogate escapes as `serde_json` does, and bounds nesting so a hostile
 * header cannot exhaust the stack. It runs in time linear in the text.
 */

import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';

/** A JSON number, kept as the text it was written with. */
export interface JsonNumber {
  readonly number: string;
}

/** A parsed JSON value: objects are `Map`s (insertion order kept), numbers are `JsonNumber`s. */
export type Json = string | boolean | null | JsonNumber | readonly Json[] | ReadonlyMap<string, Json>;

export const isJsonObject = (v: Json): v is ReadonlyMap<string, Json> => v instanceof Map;
export const isJsonNumber = (v: Json): v is JsonNumber => typeof v === 'object' && v !== null && 'number' in v;

/** Thrown inside the reader only, and turned into a `Left` at its boundary. */
class Fault {
  constructor(readonly message: string) {}
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t',
};
const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isHigh = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;

/**
 * Parse `text` as one JSON value, allowing only whitespace after it. `Left`
 * holds a message with the character position of the problem.
 */
export function parseJson(text: string, maxDepth: number): Either<string, Json> {
  let i = 0;
  const fault = (what: string): never => {
    throw new Fault(`${what} at character ${i} of the header`);
  };
  const skip = (): void => {
    while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  };
  const expect = (c: string): void => {
    if (text[i] !== c) fault(`expected '${c}', found ${i < text.length ? JSON.stringify(text[i]) : 'the end'}`);
    i++;
  };

  const hex4 = (): number => {
    const digits = text.slice(i, i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) fault('bad \\u escape');
    i += 4;
    return parseInt(digits, 16);
  };

  const string = (): string => {
    expect('"');
    let out = '';
    let start = i;
    for (;;) {
      if (i >= text.length) fault('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fault('control character in a string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      i++;
      const e = text[i] ?? '';
      if (e === 'u') {
        i++;
        const u = hex4();
        if (isLow(u)) fault('lone low surrogate escape');
        if (isHigh(u)) {
          if (text.slice(i, i + 2) !== '\\u') fault('lone high surrogate escape');
          i += 2;
          const low = hex4();
          if (!isLow(low)) fault('high surrogate escape not followed by a low one');
          out += String.fromCharCode(u, low);
        } else out += String.fromCharCode(u);
      } else if (Object.hasOwn(ESCAPES, e)) {
        i++;
        out += ESCAPES[e];
      } else fault(`bad escape \\${e}`);
      start = i;
    }
    out += text.slice(start, i);
    i++;
    return out;
  };

  const literal = (word: string, v: boolean | null): boolean | null => {
    if (!text.startsWith(word, i)) fault(`unexpected ${JSON.stringify(text.slice(i, i + word.length))}`);
    i += word.length;
    return v;
  };

  const digits = (): number => {
    const start = i;
    while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    return i - start;
  };

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  const number = (): JsonNumber => {
    const start = i;
    if (text[i] === '-') i++;
    const first = text.charCodeAt(i);
    if (digits() === 0) fault(i < text.length ? `unexpected ${JSON.stringify(text[i])}` : 'unexpected end');
    if (first === 0x30 && i - start > (text[start] === '-' ? 2 : 1)) fault('a number with a leading zero');
    if (text[i] === '.') {
      i++;
      if (digits() === 0) fault('a number with no digits after the point');
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (digits() === 0) fault('a number with no exponent digits');
    }
    return { number: text.slice(start, i) };
  };

  const value = (depth: number): Json => {
    skip();
    switch (text[i]) {
      case '{':
      case '[':
        if (depth >= maxDepth) fault(`nested deeper than ${maxDepth} levels`);
        return text[i] === '{' ? object(depth + 1) : array(depth + 1);
      case '"':
        return string();
      case 't':
        return literal('true', true);
      case 'f':
        return literal('false', false);
      case 'n':
        return literal('null', null);
      default:
        return number();
    }
  };

  const object = (depth: number): Map<string, Json> => {
    expect('{');
    const out = new Map<string, Json>();
    skip();
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      skip();
      const at = i;
      const key = string();
      if (out.has(key)) {
        i = at;
        fault(`duplicate key ${JSON.stringify(key)}`);
      }
      skip();
      expect(':');
      out.set(key, value(depth));
      skip();
      if (text[i] === '}') {
        i++;
        return out;
      }
      expect(',');
    }
  };

  const array = (depth: number): Json[] => {
    expect('[');
    const out: Json[] = [];
    skip();
    if (text[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      out.push(value(depth));
      skip();
      if (text[i] === ']') {
        i++;
        return out;
      }
      expect(',');
    }
  };

  try {
    const v = value(0);
    skip();
    if (i < text.length) fault('unexpected text after the JSON value');
    return right(v);
  } catch (e) {
    if (e instanceof Fault) return left(e.message);
    throw e;
  }
}
