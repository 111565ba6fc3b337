/**
 * Bad input to a pure rule, naming the field and the reason. One base class so the API maps every
 * such error to a 400 the same way, whichever rule raised it.
 */
export class InputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = 'InputError';
  }
}
