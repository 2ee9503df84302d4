import { defineErrors } from '../core/index.js';

export const HubErrors = defineErrors({
  HUB_STORE_UNKNOWN: {
    status: 404,
    description:
      'No store of that name in hdh.yaml; `hdh store add` creates one and the message lists those there are.',
  },
  HUB_STORE_EXISTS: {
    status: 409,
    description: 'A store of that name is already configured; choose another name or edit hdh.yaml.',
  },
  HUB_CLASS_MISMATCH: {
    status: 409,
    description: 'The object is written into a dataset of another data class; a dataset holds one class.',
  },
  HUB_OBJECT_NOT_SEALED: {
    status: 422,
    description:
      'The object is not an hdh sealed object (written by another system, or damaged at its start).',
  },
});
