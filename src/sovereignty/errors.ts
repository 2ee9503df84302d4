/**
 * SOVEREIGNTY_* error codes. Every message names what is wrong: the provider id, the class, the file
 * and the field of a registry entry or policy, the credential or the report.
 * @module
 */
import { defineErrors } from '../core/index.js';

export const SovereigntyErrors = defineErrors({
  SOVEREIGNTY_PLACEMENT_REFUSED: {
    status: 403,
    description:
      "The store's provider may not hold data of this class under the placement policy; nothing was written, and details.reasons lists every requirement that failed.",
  },
  SOVEREIGNTY_UNKNOWN_PROVIDER: {
    status: 404,
    description:
      'A store names a provider id that is neither in the shipped registry nor under sovereignty.providers in hdh.yaml; `hdh sovereignty providers` lists the known ids.',
  },
  SOVEREIGNTY_UNKNOWN_CLASS: {
    status: 400,
    description:
      'A data class name is not one of public, anonymous-aggregate, pseudonymised-health, identifying-health, key-material.',
  },
  SOVEREIGNTY_REGISTRY_INVALID: {
    status: 400,
    description:
      'A provider registry entry (shipped or under sovereignty.providers in hdh.yaml) does not match the schema; the message names the file and every wrong field.',
  },
  SOVEREIGNTY_POLICY_INVALID: {
    status: 400,
    description:
      'sovereignty.policy in hdh.yaml cannot be parsed; the hub does not start (it never falls back to allowing placements). The message names every wrong field.',
  },
  SOVEREIGNTY_CREDENTIAL_INVALID: {
    status: 400,
    description:
      'A Gaia-X credential is malformed, unsigned, expired, or names a key hdh cannot use offline; the message names the credential and the field.',
  },
  SOVEREIGNTY_SIGNATURE_INVALID: {
    status: 400,
    description:
      'The signature of a credential or of a compliance report does not verify against the key it names: the document was altered or signed by another key.',
  },
  SOVEREIGNTY_REPORT_INVALID: {
    status: 400,
    description:
      'A compliance report file is not a signed hdh sovereignty report (missing or malformed report or signature field).',
  },
});
