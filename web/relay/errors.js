// Every refusal is an HTTP status and a JSON body { error: { code, message } }.
// The codes are stable strings a client can branch on; the messages are for
// people. Statuses follow oxen-storage-server where it has one (401 for
// signatures, 406 for clocks, 403 for a TTL out of range).

export class RelayError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const badJson = () => new RelayError(400, 'bad_json', 'request body is not a JSON object');
export const unknownMethod = (m) => new RelayError(400, 'unknown_method', `unknown method: ${String(m).slice(0, 40)}`);
export const badParams = (msg) => new RelayError(400, 'bad_params', msg);
export const signatureRequired = () => new RelayError(401, 'signature_required', 'this request must be signed by the mailbox owner');
export const badSignature = () => new RelayError(401, 'bad_signature', 'signature verification failed');
export const wrongKey = () => new RelayError(401, 'wrong_pubkey_ed25519', 'pubkey_ed25519 does not correspond to the mailbox pubkey');
export const staleTimestamp = () => new RelayError(406, 'stale_timestamp', 'signature timestamp is more than 60 s from the relay time (see info)');
export const badTimestamp = () => new RelayError(406, 'bad_timestamp', 'message timestamp is in the future or already expired: check your clock');
export const badTtl = () => new RelayError(403, 'bad_ttl', 'ttl must be between 10 s and 14 days');
export const bodyTooLarge = (max) => new RelayError(413, 'body_too_large', `request body is larger than ${max} bytes`);
export const dataTooLarge = (max) => new RelayError(413, 'data_too_large', `message data is larger than ${max} bytes`);
export const mailboxFull = () => new RelayError(507, 'mailbox_full', 'this mailbox holds as much as the relay allows');
export const relayFull = () => new RelayError(507, 'relay_full', 'the relay holds as much as it allows');
export const rateLimited = (seconds) => new RelayError(429, 'rate_limited', 'too many requests from this address', { 'Retry-After': String(seconds) });
export const tooManyPolls = () => new RelayError(503, 'too_many_polls', 'the relay holds as many long polls as it allows; retry', { 'Retry-After': '1' });
export const notFound = () => new RelayError(404, 'not_found', 'no such endpoint');
export const methodNotAllowed = (allow) => new RelayError(405, 'method_not_allowed', `use ${allow}`, { Allow: allow });
export const originNotAllowed = () => new RelayError(403, 'origin_not_allowed', 'this origin may not use the relay');
export const nothingDeleted = () => new RelayError(404, 'not_found', 'none of the messages was deleted');
export const storageFailed = () => new RelayError(500, 'storage_failed', 'the relay could not write the message');
