import { defineErrors } from '../core/index.js';

/** Codes of the HTTP layer itself: what is wrong with a request before any concept sees it. */
export const ServerErrors = defineErrors({
  REQUEST_INVALID: {
    status: 400,
    description:
      'The request is malformed: invalid JSON, a missing or unknown field, or a value of the wrong type; the detail names the field.',
  },
  REQUEST_TOO_LARGE: {
    status: 413,
    description: 'The request body is larger than the server accepts; send less, or in several requests.',
  },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: 'The request body has a content type this route does not read; send `application/json`.',
  },
  REQUEST_NOT_FOUND: {
    status: 404,
    description: 'No route answers this method and path; see /api/openapi.json for the routes.',
  },
  REQUEST_RATE_LIMITED: {
    status: 429,
    retryable: true,
    description:
      'Too many requests from this address in a short time; wait the number of seconds in Retry-After.',
  },
  SERVER_LISTEN_FAILED: {
    status: 500,
    description:
      'The server cannot listen at the configured address (the port is taken, or the host is not on this machine); choose another with --port / --host or server.port / server.host in hdh.yaml.',
  },
});
