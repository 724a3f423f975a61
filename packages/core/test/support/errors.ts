import { KeygateError } from '../../src/errors.js';

/** The KeygateError `run` throws; fails the test when it throws nothing or something else. */
export function keygateErrorOf(run: () => unknown): KeygateError {
  try {
    run();
  } catch (error) {
    if (error instanceof KeygateError) return error;
    throw error;
  }
  throw new Error('expected a KeygateError');
}
