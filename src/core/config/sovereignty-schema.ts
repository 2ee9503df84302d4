/**
 * The `sovereignty` section of hdh.yaml, and the shape of a provider registry entry (the same shape
 * the registry shipped with hdh uses, so one schema checks both). It lives in core because the
 * configuration loader validates hdh.yaml as a whole and reports every problem with its path; the
 * sovereignty concept builds its registry, policy and evaluation on these types.
 *
 * Facts about a provider are never guessed: each is either `"unknown"` or a value with at least one
 * piece of evidence (a document or address, who checked it, when).
 * @module
 */
import { Type, type Static, type TSchema } from 'typebox';

/** Data classes, from the least to the most sensitive (migration orders its phases this way). */
export const SOVEREIGNTY_DATA_CLASSES = [
  'public',
  'anonymous-aggregate',
  'pseudonymised-health',
  'identifying-health',
  'key-material',
] as const;

const IsoDate = Type.String({
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  description: 'a calendar date, YYYY-MM-DD',
});

const Country = Type.String({
  pattern: '^[A-Z]{2}$',
  description: 'an ISO 3166-1 alpha-2 country code, e.g. FR',
});

const ProviderId = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  description: 'provider id: lower-case letters, digits and dashes',
});

export const Evidence = Type.Object(
  {
    /** A document or an address (URL) that establishes the fact. */
    source: Type.String({ minLength: 1 }),
    /** Who checked the source. */
    checkedBy: Type.String({ minLength: 1 }),
    /** When they checked it. */
    checkedOn: IsoDate,
    /** What the source says, or how the fact follows from it. */
    note: Type.Optional(Type.String()),
    /**
     * Who stands behind the fact: an independent party (an ANSSI qualification, a certificate), the
     * provider itself (a self-declared Gaia-X credential), or the hub's operator (an attestation).
     */
    assurance: Type.Optional(
      Type.Union([
        Type.Literal('third-party'),
        Type.Literal('self-declared'),
        Type.Literal('operator-attested'),
      ]),
    ),
  },
  { additionalProperties: false },
);

const EvidenceList = Type.Array(Evidence, { minItems: 1 });

/** `"unknown"`, or a value with the evidence that establishes it. */
function Known<T extends TSchema>(value: T) {
  return Type.Union([
    Type.Literal('unknown'),
    Type.Object({ value, evidence: EvidenceList }, { additionalProperties: false }),
  ]);
}

export const ProviderControl = Type.Object(
  {
    /** Whether the offering is controlled from inside the EU (SecNumCloud 19.6). */
    jurisdiction: Type.Union([Type.Literal('EU'), Type.Literal('non-EU')]),
    /** The entity that ultimately controls the offering. */
    controller: Type.String({ minLength: 1 }),
    controllerCountry: Country,
    /** Largest share of capital or votes held by one non-EU entity, in percent (19.6.b caps it at 24). */
    nonEuLargestSharePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    /** Share of capital or votes held by non-EU entities together, in percent (19.6.b caps it at 39). */
    nonEuTotalSharePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    /** Whether a non-EU entity holds a veto (19.6.b forbids it). */
    nonEuVeto: Type.Optional(Type.Boolean()),
    /** Whether a non-EU entity can appoint a majority of the board (19.6.b forbids it). */
    nonEuBoardMajority: Type.Optional(Type.Boolean()),
    notes: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const ExtraterritorialLaw = Type.Object(
  {
    /** Short name, e.g. `US CLOUD Act`. */
    name: Type.String({ minLength: 1 }),
    /** Where the law is, e.g. `18 U.S.C. § 2713`. */
    citation: Type.Optional(Type.String()),
    /** Why the offering is exposed to it. */
    basis: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const Jurisdictions = Type.Object(
  {
    /** Countries whose law governs the contract (Gaia-X `governingLawCountries`). */
    governingLaw: Type.Optional(Type.Array(Country)),
    /** Jurisdictions of subcontractors that process customer data (19.6.c, Gaia-X `subContractors`). */
    subcontractors: Type.Optional(Type.Array(Country)),
    /** Countries personal data may be transferred to (Gaia-X `ThirdCountryDataTransfer`, HDS EXI 29). */
    dataTransfers: Type.Optional(Type.Array(Country)),
  },
  { additionalProperties: false },
);

function NotHeld() {
  return Type.Object(
    { status: Type.Literal('not-held'), evidence: EvidenceList },
    { additionalProperties: false },
  );
}

function Qualification<T extends Record<string, TSchema>>(fields: T) {
  return Type.Union([
    Type.Literal('unknown'),
    NotHeld(),
    Type.Object(
      {
        status: Type.Literal('held'),
        ...fields,
        /** First day of validity. */
        issued: IsoDate,
        /** Last day of validity: from the next day on the qualification counts as absent. */
        expires: IsoDate,
        evidence: EvidenceList,
      },
      { additionalProperties: false },
    ),
  ]);
}

export const SecNumCloudQualification = Qualification({
  /** Version of the framework the qualification was issued against, e.g. `3.2`. */
  version: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)*(\\.?[a-z])?$' }),
  /** The services and sites it covers, as ANSSI states them. */
  scope: Type.String({ minLength: 1 }),
});

export const HdsCertification = Qualification({
  /** Certified activities 1–6 of the HDS framework (1 physical sites … 6 backup). */
  activities: Type.Array(Type.Integer({ minimum: 1, maximum: 6 }), { minItems: 1, uniqueItems: true }),
  scope: Type.Optional(Type.String()),
  certifier: Type.Optional(Type.String()),
});

export const Iso27001Certification = Qualification({
  scope: Type.String({ minLength: 1 }),
  certifier: Type.Optional(Type.String()),
});

export const GaiaXLevels = ['standard-compliance', 'level-1', 'level-2', 'level-3'] as const;

const GaiaXLevel = Type.Union([
  Type.Literal('standard-compliance'),
  Type.Literal('level-1'),
  Type.Literal('level-2'),
  Type.Literal('level-3'),
]);

export const GaiaXLabel = Qualification({
  level: GaiaXLevel,
  /** Id of the label credential it was read from. */
  credentialId: Type.Optional(Type.String()),
});

const QualificationsFields = {
  secNumCloud: SecNumCloudQualification,
  hds: HdsCertification,
  iso27001: Iso27001Certification,
  gaiaX: GaiaXLabel,
};

export const ProviderQualifications = Type.Object(QualificationsFields, { additionalProperties: false });

const EntryFields = {
  /** `cloud` for a provider's offering; `on-premises` for the operator's own site. */
  kind: Type.Union([Type.Literal('cloud'), Type.Literal('on-premises')]),
  /** Display name of the offering, e.g. `Microsoft Azure Blob Storage, France Central`. */
  name: Type.String({ minLength: 1 }),
  /** The provider's trade name, e.g. `OVHcloud`. */
  provider: Type.String({ minLength: 1 }),
  /** The service this entry describes, e.g. `object storage`. */
  service: Type.String({ minLength: 1 }),
  /** The region or site, or `unspecified` when the entry covers the provider's offering as a whole. */
  region: Type.String({ minLength: 1 }),
  /** The legal entity the customer contracts with. */
  legalEntity: Known(Type.String({ minLength: 1 })),
  /** Country of the registered office, central administration and main establishment (19.6.a). */
  headquartersCountry: Known(Country),
  control: Known(ProviderControl),
  /** Laws with extraterritorial reach the offering is exposed to; an empty list says none. */
  extraterritorialLaws: Known(Type.Array(ExtraterritorialLaw)),
  /** Countries of the data centres that hold customer data (residency). */
  dataCentreCountries: Known(Type.Array(Country, { minItems: 1 })),
  /** Jurisdictions named in the provider's declarations (optional: only adds failures). */
  jurisdictions: Type.Optional(Known(Jurisdictions)),
  qualifications: ProviderQualifications,
  notes: Type.Optional(Type.Array(Type.String())),
};

/** One offering (provider + service + region) of the provider registry. */
export const ProviderEntry = Type.Object({ id: ProviderId, ...EntryFields }, { additionalProperties: false });

/**
 * An operator's entry in hdh.yaml `sovereignty.providers.<id>`: a whole new entry, or the fields to
 * change in a shipped one (top-level fields replace the shipped ones; `qualifications` replaces
 * scheme by scheme). The merged entry is checked against {@link ProviderEntry}.
 */
export const ProviderOverride = Type.Object(
  {
    kind: Type.Optional(EntryFields.kind),
    name: Type.Optional(EntryFields.name),
    provider: Type.Optional(EntryFields.provider),
    service: Type.Optional(EntryFields.service),
    region: Type.Optional(EntryFields.region),
    legalEntity: Type.Optional(EntryFields.legalEntity),
    headquartersCountry: Type.Optional(EntryFields.headquartersCountry),
    control: Type.Optional(EntryFields.control),
    extraterritorialLaws: Type.Optional(EntryFields.extraterritorialLaws),
    dataCentreCountries: Type.Optional(EntryFields.dataCentreCountries),
    jurisdictions: Type.Optional(Known(Jurisdictions)),
    qualifications: Type.Optional(
      Type.Object(
        {
          secNumCloud: Type.Optional(QualificationsFields.secNumCloud),
          hds: Type.Optional(QualificationsFields.hds),
          iso27001: Type.Optional(QualificationsFields.iso27001),
          gaiaX: Type.Optional(QualificationsFields.gaiaX),
        },
        { additionalProperties: false },
      ),
    ),
    notes: Type.Optional(EntryFields.notes),
  },
  { additionalProperties: false },
);

/** Where data of a class may be: `EU`, `EEA`, or an explicit list of countries. */
const LocationRule = Type.Union([
  Type.Literal('EU'),
  Type.Literal('EEA'),
  Type.Array(Country, { minItems: 1 }),
]);

/**
 * What a store must show to hold one data class. Every field is a requirement; a field left out is
 * not required. `{}` requires nothing.
 */
export const ClassRule = Type.Object(
  {
    /** Data centres only in these countries (SecNumCloud 19.2 for `EU`, HDS EXI 28 for `EEA`). */
    location: Type.Optional(LocationRule),
    /** Controlled from the EU within the SecNumCloud 19.6 caps. */
    control: Type.Optional(Type.Literal('EU')),
    /** Exposed to no law with extraterritorial reach (SecNumCloud 19.6). */
    extraterritorialLaws: Type.Optional(Type.Literal('none')),
    /** A current SecNumCloud qualification of at least this version. */
    secNumCloud: Type.Optional(
      Type.Object(
        { minVersion: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)*$' }) },
        { additionalProperties: false },
      ),
    ),
    /** A current HDS certificate covering these activities (1–6). */
    hds: Type.Optional(
      Type.Object(
        {
          activities: Type.Array(Type.Integer({ minimum: 1, maximum: 6 }), {
            minItems: 1,
            uniqueItems: true,
          }),
        },
        { additionalProperties: false },
      ),
    ),
    /** A current ISO/IEC 27001 certificate. */
    iso27001: Type.Optional(Type.Literal(true)),
    /** A current Gaia-X label of at least this level. */
    gaiaX: Type.Optional(Type.Object({ minLevel: GaiaXLevel }, { additionalProperties: false })),
    /** Objects sealed by the hub before they leave it. */
    sealed: Type.Optional(Type.Literal(true)),
    /** Sealing keys held by the operator, not the provider. */
    keyHolder: Type.Optional(Type.Literal('operator')),
    /** Only on the operator's own site (`on-premises`), never at a cloud provider. */
    operatorSiteOnly: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);

/**
 * The placement policy. Each class named under `classes` replaces the default rule of that class
 * (the default follows SecNumCloud + HDS for the health classes); classes not named keep the default.
 */
export const SovereigntyPolicyConfig = Type.Object(
  {
    classes: Type.Optional(
      Type.Object(Object.fromEntries(SOVEREIGNTY_DATA_CLASSES.map((c) => [c, Type.Optional(ClassRule)])), {
        additionalProperties: false,
      }),
    ),
  },
  { additionalProperties: false },
);

/** The `sovereignty` section of hdh.yaml as the sovereignty concept checks it. */
export const SovereigntyConfig = Type.Object(
  {
    /** Entries added to or changed in the shipped provider registry, by provider id. */
    providers: Type.Optional(Type.Record(ProviderId, ProviderOverride)),
    policy: Type.Optional(SovereigntyPolicyConfig),
  },
  { additionalProperties: false },
);

/**
 * The `sovereignty` section as the configuration loader checks it: only its outline. The sovereignty
 * concept checks the content against {@link SovereigntyConfig} when the hub starts (`loadSovereignty`),
 * because its unions ("unknown" or a value with evidence; a qualification held or not held) need
 * messages that name the branch the operator meant, which a generic schema error list cannot give.
 * A wrong section still stops the hub: the check runs before any store is opened.
 */
export const SovereigntySection = Type.Object(
  {
    providers: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    policy: Type.Unknown({ default: {} }),
  },
  { additionalProperties: false, default: {} },
);

export type Evidence = Static<typeof Evidence>;
export type ProviderControl = Static<typeof ProviderControl>;
export type ExtraterritorialLaw = Static<typeof ExtraterritorialLaw>;
export type Jurisdictions = Static<typeof Jurisdictions>;
export type SecNumCloudQualification = Static<typeof SecNumCloudQualification>;
export type HdsCertification = Static<typeof HdsCertification>;
export type Iso27001Certification = Static<typeof Iso27001Certification>;
export type GaiaXLabel = Static<typeof GaiaXLabel>;
export type GaiaXLevel = (typeof GaiaXLevels)[number];
export type ProviderQualifications = Static<typeof ProviderQualifications>;
export type ProviderEntry = Static<typeof ProviderEntry>;
export type ProviderOverride = Static<typeof ProviderOverride>;
export type ClassRule = Static<typeof ClassRule>;
export type SovereigntyPolicyConfig = Static<typeof SovereigntyPolicyConfig>;
export type SovereigntyConfig = Static<typeof SovereigntyConfig>;
export type SovereigntySection = Static<typeof SovereigntySection>;
