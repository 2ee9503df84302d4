import { defineErrors } from '../core/index.js';

export const AuditErrors = defineErrors({
  AUDIT_CHAIN_BROKEN: {
    status: 500,
    description:
      'The audit log failed verification: an entry was changed, removed or inserted. The message names the first bad entry.',
  },
});
