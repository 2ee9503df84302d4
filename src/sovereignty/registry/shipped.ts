/**
 * The provider registry shipped with hdh: one JSON file per offering under ./providers, versioned in
 * the repository so every change to a fact and its evidence is reviewed. The files are imported as
 * modules (no file I/O at run time) and checked against the registry schema on first use.
 * @module
 */
import aws from './providers/aws-eu-west-3.json' with { type: 'json' };
import azure from './providers/azure-france-central.json' with { type: 'json' };
import bleu from './providers/bleu.json' with { type: 'json' };
import onPremises from './providers/on-premises.json' with { type: 'json' };
import outscale from './providers/outscale.json' with { type: 'json' };
import ovhcloud from './providers/ovhcloud.json' with { type: 'json' };
import s3ns from './providers/s3ns.json' with { type: 'json' };
import scaleway from './providers/scaleway.json' with { type: 'json' };

/** Where each shipped entry lives in the repository, for error messages, with its raw content. */
export const SHIPPED_PROVIDER_FILES: readonly { readonly file: string; readonly data: unknown }[] = [
  { file: 'src/sovereignty/registry/providers/aws-eu-west-3.json', data: aws },
  { file: 'src/sovereignty/registry/providers/azure-france-central.json', data: azure },
  { file: 'src/sovereignty/registry/providers/bleu.json', data: bleu },
  { file: 'src/sovereignty/registry/providers/on-premises.json', data: onPremises },
  { file: 'src/sovereignty/registry/providers/outscale.json', data: outscale },
  { file: 'src/sovereignty/registry/providers/ovhcloud.json', data: ovhcloud },
  { file: 'src/sovereignty/registry/providers/s3ns.json', data: s3ns },
  { file: 'src/sovereignty/registry/providers/scaleway.json', data: scaleway },
];
