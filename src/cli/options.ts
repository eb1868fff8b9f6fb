/**
 * Option parsers shared by the CLI commands: commander calls them, and an
 * InvalidArgumentError becomes a usage error naming the option.
 */
import { InvalidArgumentError } from 'commander';

/** Parser of a positive finite number option. */
export function positiveNumber(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive finite number (got '${value}').`);
    return n;
  };
}

/** Parser of a finite number ≥ 0. */
export function nonNegativeNumber(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${what} must be a finite number >= 0 (got '${value}').`);
    return n;
  };
}

/** Parser of a finite non-zero number. */
export function nonZeroNumber(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n === 0) throw new InvalidArgumentError(`${what} must be a finite non-zero number (got '${value}').`);
    return n;
  };
}

/** Parser of an integer in [min, max]. */
export function integerInRange(what: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max} (got '${value}').`);
    return n;
  };
}
