/**
 * The purposes for which health data may be processed for secondary use: Regulation (EU) 2025/327
 * (EHDS), Art. 53(1)(a)–(f). Codes are stable (stored in applications and permits); labels may change.
 * @module
 */

export interface Purpose {
  readonly code: string;
  /** Point of Art. 53(1). */
  readonly article: string;
  readonly label: string;
  /** Points (a)–(c) are open only to public sector bodies and Union institutions with that mandate. */
  readonly publicBodiesOnly: boolean;
}

export const PURPOSES = [
  {
    code: 'public-health',
    article: 'Art. 53(1)(a)',
    label:
      'Public interest in public and occupational health (e.g. protection against serious cross-border threats, surveillance, quality and safety of care and medicinal products)',
    publicBodiesOnly: true,
  },
  {
    code: 'policy-regulation',
    article: 'Art. 53(1)(b)',
    label:
      'Policy making and regulatory activities of public sector bodies and Union institutions in the health or care sectors',
    publicBodiesOnly: true,
  },
  {
    code: 'official-statistics',
    article: 'Art. 53(1)(c)',
    label:
      'Official statistics at national, multi-national or Union level related to the health or care sectors',
    publicBodiesOnly: true,
  },
  {
    code: 'education',
    article: 'Art. 53(1)(d)',
    label: 'Education or teaching in the health or care sectors at vocational or higher level',
    publicBodiesOnly: false,
  },
  {
    code: 'scientific-research',
    article: 'Art. 53(1)(e)',
    label:
      'Scientific research in the health or care sectors, including development and innovation, and training, testing and evaluating algorithms (AI systems, medical devices, digital health)',
    publicBodiesOnly: false,
  },
  {
    code: 'care-improvement',
    article: 'Art. 53(1)(f)',
    label:
      'Improvement of the delivery of care, treatment optimisation and provision of health care, based on the health data of other natural persons',
    publicBodiesOnly: false,
  },
] as const satisfies readonly Purpose[];

export type PurposeCode = (typeof PURPOSES)[number]['code'];

export const PURPOSE_CODES: PurposeCode[] = PURPOSES.map((p) => p.code);

export function purposeOf(code: string): Purpose | undefined {
  return PURPOSES.find((p) => p.code === code);
}
