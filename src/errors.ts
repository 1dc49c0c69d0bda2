/**
 * Domain errors. They know nothing of HTTP: src/routes/error-handler.ts maps `code` to a status.
 */
export type ErrorCode =
  | 'not_found'
  | 'validation_failed'
  | 'conflict'
  | 'unauthenticated'
  | 'forbidden'
  | 'precondition_failed'
  | 'unavailable'
  | 'payload_too_large'
  | 'too_many_requests'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}

export type FieldIssue = { path: string; message: string };

export class ValidationError extends AppError {
  constructor(message: string, issues: FieldIssue[] = []) {
    super('validation_failed', message, { issues });
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('conflict', message);
  }
}

export class PreconditionError extends AppError {
  constructor(message: string) {
    super('precondition_failed', message);
  }
}
