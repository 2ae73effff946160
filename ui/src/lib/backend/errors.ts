import type { ErrorCode, ErrorPayload } from './types';

/** A command failed. `code` is stable and drives the UI; `message` is for people. */
export class BackendError extends Error {
  readonly code: ErrorCode;
  readonly payload: ErrorPayload;

  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = 'BackendError';
    this.code = payload.code;
    this.payload = payload;
  }

  /** Wrap whatever a rejected `invoke` produced: `{code, message}`, a string, or an Error. */
  static from(raw: unknown): BackendError {
    if (raw instanceof BackendError) return raw;
    if (isErrorPayload(raw)) return new BackendError(raw);
    if (raw instanceof Error) return new BackendError({ code: 'internal', message: raw.message });
    if (typeof raw === 'string') return new BackendError({ code: 'internal', message: raw });
    return new BackendError({ code: 'internal', message: 'Something went wrong.' });
  }
}

function isErrorPayload(raw: unknown): raw is ErrorPayload {
  return (
    typeof raw === 'object' &&
    raw !== null &&
    typeof (raw as { code?: unknown }).code === 'string' &&
    typeof (raw as { message?: unknown }).message === 'string'
  );
}

/** The message to show for any thrown value. */
export function errorMessage(err: unknown): string {
  return BackendError.from(err).message;
}

export function errorCode(err: unknown): ErrorCode {
  return BackendError.from(err).code;
}
