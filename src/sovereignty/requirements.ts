/**
 * The requirements a placement decision cites. Every reason names one of them, so an operator or an
 * auditor can trace a refusal to the text it comes from.
 * @module
 */

/** The name of a requirement, as reasons and reports print it. */
export type Requirement =
  | 'hdh policy'
  | 'hdh data classes'
  | 'SecNumCloud 19.2'
  | 'SecNumCloud 19.6'
  | 'SecNumCloud 19.6.a'
  | 'SecNumCloud 19.6.b'
  | 'SecNumCloud 19.6.c'
  | 'SecNumCloud qualification'
  | 'SecNumCloud 3.3.2'
  | 'HDS certification'
  | 'HDS EXI 28'
  | 'ISO/IEC 27001'
  | 'Gaia-X label'
  | 'EHDS Art. 73(1)(b)';

export interface RequirementSource {
  /** Where the requirement is written. */
  readonly source: string;
  /** What it asks, in one sentence. */
  readonly summary: string;
}

/** Every requirement with its source text, for reports and `hdh sovereignty check`. */
export const REQUIREMENTS: Readonly<Record<Requirement, RequirementSource>> = {
  'hdh policy': {
    source: 'sovereignty.policy in hdh.yaml',
    summary: "The operator's placement policy for the data class.",
  },
  'hdh data classes': {
    source: 'docs/sovereignty.md (data classes)',
    summary: 'Every object carries a data class; without one hdh cannot show where it may be stored.',
  },
  'SecNumCloud 19.2': {
    source: 'ANSSI SecNumCloud v3.2 (8 March 2022), §19.2.b',
    summary: 'Customer data is stored and processed in the European Union only.',
  },
  'SecNumCloud 19.6': {
    source: 'ANSSI SecNumCloud v3.2, §19.6 (protection from non-European law)',
    summary: 'The service is not exposed to laws of a non-EU state that could force access to customer data.',
  },
  'SecNumCloud 19.6.a': {
    source: 'ANSSI SecNumCloud v3.2, §19.6.a',
    summary: "The provider's registered office, central administration and main establishment are in the EU.",
  },
  'SecNumCloud 19.6.b': {
    source: 'ANSSI SecNumCloud v3.2, §19.6.b',
    summary:
      'Non-EU entities hold at most 24 % of capital and votes individually and 39 % collectively, with no veto and no power to appoint a board majority.',
  },
  'SecNumCloud 19.6.c': {
    source: 'ANSSI SecNumCloud v3.2, §19.6.c',
    summary:
      'Non-EU subcontractors have no technical means to obtain customer data, technical data included.',
  },
  'SecNumCloud qualification': {
    source: 'ANSSI SecNumCloud v3.2; Prime Minister circular No. 6519/SG of 5 February 2026',
    summary: 'The offering holds a current SecNumCloud qualification of at least the required version.',
  },
  'SecNumCloud 3.3.2': {
    source: 'ANSSI SecNumCloud v3.2, §3.3.2',
    summary:
      'Qualification gives only contractual protection; customers wanting technical protection encrypt under keys they hold outside the provider.',
  },
  'HDS certification': {
    source: 'Code de la santé publique, art. L.1111-8; HDS framework (order of 26 April 2024)',
    summary:
      'Hosting personal health data on behalf of others needs an HDS certificate covering the activities used.',
  },
  'HDS EXI 28': {
    source: 'HDS framework v2 (order of 26 April 2024), EXI 28',
    summary: 'Personal health data is hosted only in the European Economic Area.',
  },
  'ISO/IEC 27001': {
    source: 'ISO/IEC 27001',
    summary: 'The provider runs a certified information security management system.',
  },
  'Gaia-X label': {
    source: 'Gaia-X Compliance Document 24.11, label levels',
    summary:
      'The offering holds a current Gaia-X label of at least the required level (level 3: EU location and immunity).',
  },
  'EHDS Art. 73(1)(b)': {
    source: 'Regulation (EU) 2025/327 (EHDS), Art. 73(1)(b)',
    summary:
      'State-of-the-art measures prevent unauthorised reading, copying, modification or removal: objects are sealed before they leave the hub.',
  },
};
