// The one error class of the JS host. `code` is the core's status name
// (core/include/hush.h, e.g. 'ERR_ARGUMENT') or a host-side code; the
// message is the core's own text, so C and JS say the same thing.
export class HushError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'HushError';
    this.code = code;
  }

  // Errors cross the Worker boundary as plain objects.
  toJSON() {
    return { code: this.code, message: this.message };
  }

  static fromJSON({ code, message }) {
    return new HushError(code, message);
  }
}
