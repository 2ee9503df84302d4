/**
 * Error codes of the synthetic population generator.
 * @module
 */
import { defineErrors } from '../core/index.js';

export const SynthErrors = defineErrors({
  SYNTH_INVALID_OPTIONS: {
    status: 400,
    description:
      'An option of the synthetic population generator is out of range or malformed; the message names the option and what is accepted.',
  },
  SYNTH_OUTPUT_NOT_EMPTY: {
    status: 409,
    description:
      'The output directory of `hdh synth` already holds files; choose an empty directory or allow overwriting.',
  },
  SYNTH_OUTPUT_FAILED: {
    status: 500,
    description:
      'Writing the synthetic population failed (disk full, permissions); the message names the file and the cause.',
  },
  SYNTH_NIR_MALFORMED: {
    status: 400,
    description:
      'A NIR body or its parts do not have the INSEE layout (sex, year, month, département, commune, order); the message names the part.',
  },
});
