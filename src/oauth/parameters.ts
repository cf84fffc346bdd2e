// RFC 6749 section 3.1: parameters must not repeat, and one sent without a value counts as absent.
import { InvalidRequest } from '../errors.js';

export type Params = Record<string, string | undefined>;

/** Reads the named parameters from a parsed query or body. Unknown parameters are ignored. */
export function readParams(source: unknown, names: readonly string[]): Params {
  const input = (source && typeof source === 'object' ? source : {}) as Record<string, unknown>;
  const params: Params = {};
  for (const name of names) {
    const value = input[name];
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) throw new InvalidRequest(`The ${name} parameter was given more than once`);
    if (typeof value !== 'string') throw new InvalidRequest(`The ${name} parameter must be a string`);
    params[name] = value;
  }
  return params;
}

/** Like readParams for one parameter, but reports a repeat instead of throwing (for checks that must not redirect). */
export function repeated(source: unknown, name: string): boolean {
  return Array.isArray((source as Record<string, unknown> | undefined)?.[name]);
}
