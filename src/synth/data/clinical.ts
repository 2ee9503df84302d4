/**
 * Clinical vocabulary of the synthetic population: chronic conditions with their prevalence by age and
 * sex (rounded from French public-health estimates; plausible, not official), the drugs that treat
 * them (ATC), acute reasons for care (ICD-10), laboratory tests and vital signs (LOINC, UCUM units),
 * procedures (CCAM), vaccines (ATC and CVX) and allergens.
 * @module
 */

export interface Coded {
  readonly code: string;
  readonly display: string;
}

/** Upper bounds (exclusive) of the age bands prevalence tables are given for. */
export const AGE_BANDS = [18, 30, 40, 50, 60, 70, 80, 90, 200] as const;

export function bandIndex(age: number): number {
  let i = 0;
  while (age >= AGE_BANDS[i]!) {
    i++;
  }
  return i;
}

// ---------------------------------------------------------------- drugs (ATC)

export interface Drug {
  readonly atc: string;
  /** International non-proprietary name, in French. */
  readonly name: string;
  /** Strength and form, as written on a French prescription. */
  readonly form: string;
  readonly sig: string;
  /** Units taken per day, for the dispensed quantity. */
  readonly perDay: number;
}

const drug = (atc: string, name: string, form: string, sig: string, perDay: number): Drug => ({
  atc,
  name,
  form,
  sig,
  perDay,
});

export const DRUGS = {
  ramipril: drug('C09AA05', 'ramipril', '5 mg, comprimé', '1 comprimé le matin', 1),
  perindopril: drug('C09AA04', 'périndopril', '5 mg, comprimé', '1 comprimé le matin', 1),
  losartan: drug('C09CA01', 'losartan', '50 mg, comprimé', '1 comprimé le matin', 1),
  amlodipine: drug('C08CA01', 'amlodipine', '5 mg, gélule', '1 gélule le matin', 1),
  hydrochlorothiazide: drug('C03AA03', 'hydrochlorothiazide', '25 mg, comprimé', '1 comprimé le matin', 1),
  bisoprolol: drug('C07AB07', 'bisoprolol', '2,5 mg, comprimé', '1 comprimé le matin', 1),
  furosemide: drug('C03CA01', 'furosémide', '40 mg, comprimé', '1 comprimé le matin', 1),
  spironolactone: drug('C03DA01', 'spironolactone', '25 mg, comprimé', '1 comprimé le matin', 1),
  sacubitrilValsartan: drug(
    'C09DX04',
    'sacubitril/valsartan',
    '49 mg/51 mg, comprimé',
    '1 comprimé matin et soir',
    2,
  ),
  metformin: drug('A10BA02', 'metformine', '850 mg, comprimé', '1 comprimé matin et soir', 2),
  gliclazide: drug(
    'A10BB09',
    'gliclazide',
    '60 mg, comprimé à libération modifiée',
    '1 comprimé le matin',
    1,
  ),
  sitagliptin: drug('A10BH01', 'sitagliptine', '100 mg, comprimé', '1 comprimé par jour', 1),
  dapagliflozin: drug('A10BK01', 'dapagliflozine', '10 mg, comprimé', '1 comprimé par jour', 1),
  liraglutide: drug(
    'A10BJ02',
    'liraglutide',
    '6 mg/ml, solution injectable en stylo',
    '1,2 mg par jour en injection',
    1,
  ),
  insulinGlargine: drug(
    'A10AE04',
    'insuline glargine',
    '100 U/ml, solution injectable en stylo',
    '20 unités le soir',
    1,
  ),
  atorvastatin: drug('C10AA05', 'atorvastatine', '20 mg, comprimé', '1 comprimé le soir', 1),
  rosuvastatin: drug('C10AA07', 'rosuvastatine', '10 mg, comprimé', '1 comprimé le soir', 1),
  simvastatin: drug('C10AA01', 'simvastatine', '20 mg, comprimé', '1 comprimé le soir', 1),
  aspirinLowDose: drug(
    'B01AC06',
    'acide acétylsalicylique',
    '75 mg, poudre pour solution buvable',
    '1 sachet par jour',
    1,
  ),
  apixaban: drug('B01AF02', 'apixaban', '5 mg, comprimé', '1 comprimé matin et soir', 2),
  rivaroxaban: drug('B01AF01', 'rivaroxaban', '20 mg, comprimé', '1 comprimé le soir', 1),
  fluindione: drug('B01AA12', 'fluindione', '20 mg, comprimé', "selon l'INR", 1),
  salbutamol: drug(
    'R03AC02',
    'salbutamol',
    '100 µg/dose, suspension pour inhalation',
    '2 bouffées si gêne',
    2,
  ),
  salmeterolFluticasone: drug(
    'R03AK06',
    'salmétérol/fluticasone',
    '50/250 µg/dose, poudre pour inhalation',
    '1 inhalation matin et soir',
    2,
  ),
  budesonide: drug(
    'R03BA02',
    'budésonide',
    '200 µg/dose, poudre pour inhalation',
    '1 inhalation matin et soir',
    2,
  ),
  tiotropium: drug(
    'R03BB04',
    'tiotropium',
    '2,5 µg/dose, solution pour inhalation',
    '2 bouffées le matin',
    2,
  ),
  escitalopram: drug('N06AB10', 'escitalopram', '10 mg, comprimé', '1 comprimé le matin', 1),
  sertraline: drug('N06AB06', 'sertraline', '50 mg, gélule', '1 gélule le matin', 1),
  fluoxetine: drug('N06AB03', 'fluoxétine', '20 mg, gélule', '1 gélule le matin', 1),
  venlafaxine: drug('N06AX16', 'venlafaxine', '75 mg, gélule à libération prolongée', '1 gélule le matin', 1),
  alprazolam: drug('N05BA12', 'alprazolam', '0,25 mg, comprimé', '1 comprimé le soir si besoin', 1),
  oxazepam: drug('N05BA04', 'oxazépam', '10 mg, comprimé', '1 comprimé le soir si besoin', 1),
  levothyroxine: drug('H03AA01', 'lévothyroxine', '75 µg, comprimé', '1 comprimé le matin à jeun', 1),
  paracetamol: drug('N02BE01', 'paracétamol', '1 g, comprimé', '1 comprimé jusqu’à 3 fois par jour', 3),
  ibuprofen: drug(
    'M01AE01',
    'ibuprofène',
    '400 mg, comprimé',
    '1 comprimé 3 fois par jour pendant 5 jours',
    3,
  ),
  tramadol: drug('N02AX02', 'tramadol', '50 mg, gélule', '1 gélule toutes les 6 heures si douleur', 4),
  alendronate: drug('M05BA04', 'acide alendronique', '70 mg, comprimé', '1 comprimé par semaine', 0.15),
  colecalciferol: drug(
    'A11CC05',
    'colécalciférol',
    '100 000 UI, solution buvable',
    '1 ampoule tous les 3 mois',
    0.02,
  ),
  donepezil: drug('N06DA02', 'donépézil', '10 mg, comprimé', '1 comprimé le soir', 1),
  levodopa: drug('N04BA02', 'lévodopa/bensérazide', '100 mg/25 mg, gélule', '1 gélule 3 fois par jour', 3),
  levetiracetam: drug('N03AX14', 'lévétiracétam', '500 mg, comprimé', '1 comprimé matin et soir', 2),
  valproate: drug(
    'N03AG01',
    'acide valproïque',
    '500 mg, comprimé gastrorésistant',
    '1 comprimé matin et soir',
    2,
  ),
  omeprazole: drug('A02BC01', 'oméprazole', '20 mg, gélule', '1 gélule le matin', 1),
  esomeprazole: drug('A02BC05', 'ésoméprazole', '20 mg, comprimé', '1 comprimé le matin', 1),
  pantoprazole: drug('A02BC02', 'pantoprazole', '20 mg, comprimé', '1 comprimé le matin', 1),
  tamsulosin: drug('G04CA02', 'tamsulosine', '0,4 mg, gélule à libération prolongée', '1 gélule le soir', 1),
  letrozole: drug('L02BG04', 'létrozole', '2,5 mg, comprimé', '1 comprimé par jour', 1),
  tamoxifen: drug('L02BA01', 'tamoxifène', '20 mg, comprimé', '1 comprimé par jour', 1),
  leuprorelin: drug('L02AE02', 'leuproréline', '11,25 mg, implant', '1 injection tous les 3 mois', 0.011),
  capecitabine: drug(
    'L01BC06',
    'capécitabine',
    '500 mg, comprimé',
    '3 comprimés matin et soir, 14 jours sur 21',
    6,
  ),
  amoxicillin: drug(
    'J01CA04',
    'amoxicilline',
    '1 g, comprimé',
    '1 comprimé matin et soir pendant 6 jours',
    2,
  ),
  amoxiClav: drug(
    'J01CR02',
    'amoxicilline/acide clavulanique',
    '1 g/125 mg, sachet',
    '1 sachet 3 fois par jour pendant 7 jours',
    3,
  ),
  azithromycin: drug(
    'J01FA10',
    'azithromycine',
    '250 mg, comprimé',
    '2 comprimés par jour pendant 3 jours',
    2,
  ),
  fosfomycin: drug(
    'J01XX01',
    'fosfomycine',
    '3 g, granulés pour solution buvable',
    '1 sachet en dose unique',
    1,
  ),
  loperamide: drug('A07DA03', 'lopéramide', '2 mg, gélule', '1 gélule après chaque selle liquide', 3),
  oseltamivir: drug('J05AH02', 'oseltamivir', '75 mg, gélule', '1 gélule matin et soir pendant 5 jours', 2),
  enoxaparin: drug(
    'B01AB05',
    'énoxaparine',
    '4 000 UI/0,4 ml, solution injectable',
    '1 injection par jour pendant 35 jours',
    1,
  ),
} as const satisfies Record<string, Drug>;

export type DrugKey = keyof typeof DRUGS;

// ---------------------------------------------------------------- chronic conditions (ICD-10)

export type ChronicKey =
  | 'obesity'
  | 'hypertension'
  | 'diabetes'
  | 'dyslipidemia'
  | 'asthma'
  | 'copd'
  | 'depression'
  | 'anxiety'
  | 'chd'
  | 'af'
  | 'hf'
  | 'ckd'
  | 'hypothyroidism'
  | 'gonarthrosis'
  | 'coxarthrosis'
  | 'osteoporosis'
  | 'alzheimer'
  | 'parkinson'
  | 'epilepsy'
  | 'gerd'
  | 'bph'
  | 'breastCancer'
  | 'prostateCancer'
  | 'colorectalCancer'
  | 'lungCancer'
  | 'melanoma'
  | 'cataract';

export interface ChronicDef {
  readonly key: ChronicKey;
  readonly icd10: Coded;
  /** Prevalence per {@link AGE_BANDS} band, men then women. */
  readonly male: readonly number[];
  readonly female: readonly number[];
  /** Youngest plausible age at diagnosis. */
  readonly onsetFrom: number;
  /** Treatment lines: the first line is chosen with `treated` probability, later ones are add-ons. */
  readonly treatments: readonly (readonly DrugKey[])[];
  readonly treated: number;
  readonly addOn: number;
  /** Whether it shortens life (raises the yearly probability of death). */
  readonly severe: boolean;
}

const chronic = (
  key: ChronicKey,
  code: string,
  display: string,
  male: readonly number[],
  female: readonly number[],
  onsetFrom: number,
  treatments: readonly (readonly DrugKey[])[],
  treated: number,
  addOn: number,
  severe = false,
): ChronicDef => ({
  key,
  icd10: { code, display },
  male,
  female,
  onsetFrom,
  treatments,
  treated,
  addOn,
  severe,
});

const scale = (values: readonly number[], factor: number): number[] => values.map((v) => v * factor);

const HTA_M = [0, 0.01, 0.03, 0.09, 0.22, 0.38, 0.52, 0.62, 0.65];
const DIAB_M = [0, 0.002, 0.01, 0.03, 0.08, 0.14, 0.18, 0.18, 0.15];
const COPD_M = [0, 0, 0.005, 0.02, 0.05, 0.08, 0.11, 0.12, 0.1];
const CHD_M = [0, 0, 0.002, 0.01, 0.04, 0.08, 0.13, 0.17, 0.18];
const AF_M = [0, 0, 0, 0.002, 0.008, 0.03, 0.07, 0.13, 0.15];
const HF = [0, 0, 0, 0.001, 0.005, 0.015, 0.04, 0.09, 0.14];
const CKD = [0, 0, 0.002, 0.005, 0.015, 0.04, 0.08, 0.14, 0.18];
const GON = [0, 0, 0.005, 0.02, 0.06, 0.13, 0.2, 0.26, 0.28];
const COX = [0, 0, 0.002, 0.01, 0.03, 0.06, 0.1, 0.12, 0.12];
const OSTEO_F = [0, 0, 0, 0.01, 0.05, 0.12, 0.22, 0.32, 0.38];
const ALZ = [0, 0, 0, 0, 0.001, 0.008, 0.04, 0.14, 0.25];
const PARK = [0, 0, 0, 0, 0.002, 0.006, 0.015, 0.025, 0.025];
const GERD = [0.005, 0.04, 0.06, 0.08, 0.1, 0.11, 0.12, 0.12, 0.11];
const CRC = [0, 0, 0, 0.001, 0.003, 0.008, 0.014, 0.02, 0.02];
const LUNG = [0, 0, 0, 0.0005, 0.002, 0.004, 0.006, 0.006, 0.004];
const MELA = [0, 0, 0.0005, 0.001, 0.002, 0.003, 0.004, 0.004, 0.003];
const CATA = [0, 0, 0, 0, 0.01, 0.06, 0.18, 0.35, 0.45];
const DEP_M = [0.01, 0.04, 0.04, 0.05, 0.05, 0.04, 0.04, 0.05, 0.05];
const ANX_M = [0.01, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03];
const HYPO_F = [0.002, 0.01, 0.02, 0.03, 0.05, 0.07, 0.08, 0.08, 0.08];
const EPI = [0.006, 0.007, 0.007, 0.007, 0.007, 0.007, 0.008, 0.008, 0.008];
const NONE = [0, 0, 0, 0, 0, 0, 0, 0, 0];

/**
 * Chronic conditions in the order they are drawn: later ones may depend on earlier ones (diabetes
 * raises the risk of chronic kidney disease, coronary disease the risk of heart failure).
 * Obesity is not drawn from a prevalence but from the body-mass index.
 */
export const CHRONIC: readonly ChronicDef[] = [
  chronic('obesity', 'E66.9', 'Obésité, sans précision', NONE, NONE, 2, [], 0, 0),
  chronic(
    'diabetes',
    'E11.9',
    'Diabète sucré de type 2, sans complication',
    DIAB_M,
    [0, 0.002, 0.006, 0.02, 0.05, 0.09, 0.13, 0.14, 0.12],
    30,
    [['metformin'], ['gliclazide', 'sitagliptin', 'dapagliflozin', 'liraglutide', 'insulinGlargine']],
    0.9,
    0.4,
    true,
  ),
  chronic(
    'hypertension',
    'I10',
    'Hypertension essentielle (primitive)',
    HTA_M,
    [0, 0.005, 0.02, 0.06, 0.16, 0.32, 0.5, 0.63, 0.68],
    20,
    [
      ['ramipril', 'perindopril', 'losartan', 'amlodipine'],
      ['hydrochlorothiazide', 'amlodipine'],
    ],
    0.85,
    0.4,
  ),
  chronic(
    'dyslipidemia',
    'E78.5',
    'Hyperlipidémie, sans précision',
    [0, 0.01, 0.04, 0.1, 0.18, 0.26, 0.3, 0.28, 0.22],
    [0, 0.005, 0.02, 0.06, 0.14, 0.24, 0.3, 0.28, 0.22],
    25,
    [['atorvastatin', 'rosuvastatin', 'simvastatin']],
    0.7,
    0,
  ),
  chronic(
    'asthma',
    'J45.9',
    'Asthme, sans précision',
    [0.09, 0.07, 0.06, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05],
    [0.07, 0.07, 0.07, 0.06, 0.06, 0.06, 0.06, 0.05, 0.05],
    2,
    [['salbutamol'], ['salmeterolFluticasone', 'budesonide']],
    0.95,
    0.5,
  ),
  chronic(
    'copd',
    'J44.9',
    'Maladie pulmonaire obstructive chronique, sans précision',
    COPD_M,
    [0, 0, 0.003, 0.015, 0.035, 0.05, 0.06, 0.06, 0.05],
    40,
    [['tiotropium'], ['salbutamol']],
    0.85,
    0.6,
    true,
  ),
  chronic(
    'depression',
    'F32.9',
    'Épisode dépressif, sans précision',
    DEP_M,
    scale(DEP_M, 1.8),
    12,
    [['escitalopram', 'sertraline', 'fluoxetine', 'venlafaxine']],
    0.75,
    0,
  ),
  chronic(
    'anxiety',
    'F41.1',
    'Anxiété généralisée',
    ANX_M,
    scale(ANX_M, 1.8),
    12,
    [['alprazolam', 'oxazepam', 'escitalopram']],
    0.5,
    0,
  ),
  chronic(
    'chd',
    'I25.1',
    'Cardiopathie artérioscléreuse',
    CHD_M,
    [0, 0, 0.001, 0.004, 0.012, 0.03, 0.06, 0.09, 0.1],
    35,
    [['aspirinLowDose'], ['bisoprolol'], ['atorvastatin']],
    0.95,
    0.7,
    true,
  ),
  chronic(
    'af',
    'I48.9',
    'Fibrillation et flutter auriculaires, sans précision',
    AF_M,
    scale(AF_M, 0.75),
    40,
    [['apixaban', 'rivaroxaban', 'fluindione'], ['bisoprolol']],
    0.9,
    0.6,
    true,
  ),
  chronic(
    'hf',
    'I50.9',
    'Insuffisance cardiaque, sans précision',
    scale(HF, 1.2),
    HF,
    45,
    [['furosemide'], ['bisoprolol', 'sacubitrilValsartan', 'spironolactone']],
    0.95,
    0.7,
    true,
  ),
  chronic('ckd', 'N18.3', 'Maladie rénale chronique, stade 3', CKD, CKD, 30, [], 0, 0, true),
  chronic(
    'hypothyroidism',
    'E03.9',
    'Hypothyroïdie, sans précision',
    scale(HYPO_F, 0.2),
    HYPO_F,
    10,
    [['levothyroxine']],
    0.95,
    0,
  ),
  chronic(
    'gonarthrosis',
    'M17.9',
    'Gonarthrose, sans précision',
    GON,
    scale(GON, 1.3),
    40,
    [['paracetamol']],
    0.6,
    0,
  ),
  chronic('coxarthrosis', 'M16.9', 'Coxarthrose, sans précision', COX, COX, 40, [['paracetamol']], 0.6, 0),
  chronic(
    'osteoporosis',
    'M81.9',
    'Ostéoporose, sans précision',
    scale(OSTEO_F, 0.2),
    OSTEO_F,
    50,
    [['alendronate'], ['colecalciferol']],
    0.6,
    0.7,
  ),
  chronic(
    'alzheimer',
    'G30.9',
    "Maladie d'Alzheimer, sans précision",
    ALZ,
    scale(ALZ, 1.3),
    60,
    [['donepezil']],
    0.25,
    0,
    true,
  ),
  chronic(
    'parkinson',
    'G20',
    'Maladie de Parkinson',
    PARK,
    scale(PARK, 0.8),
    50,
    [['levodopa']],
    0.9,
    0,
    true,
  ),
  chronic(
    'epilepsy',
    'G40.9',
    'Épilepsie, sans précision',
    EPI,
    EPI,
    1,
    [['levetiracetam', 'valproate']],
    0.9,
    0,
  ),
  chronic(
    'gerd',
    'K21.9',
    'Reflux gastro-œsophagien sans œsophagite',
    GERD,
    GERD,
    15,
    [['omeprazole', 'esomeprazole', 'pantoprazole']],
    0.7,
    0,
  ),
  chronic(
    'bph',
    'N40',
    'Hyperplasie de la prostate',
    [0, 0, 0, 0.01, 0.08, 0.18, 0.3, 0.38, 0.4],
    NONE,
    45,
    [['tamsulosin']],
    0.6,
    0,
  ),
  chronic(
    'breastCancer',
    'C50.9',
    'Tumeur maligne du sein, sans précision',
    NONE,
    [0, 0, 0.002, 0.008, 0.02, 0.035, 0.045, 0.05, 0.045],
    30,
    [['letrozole', 'tamoxifen']],
    0.7,
    0,
    true,
  ),
  chronic(
    'prostateCancer',
    'C61',
    'Tumeur maligne de la prostate',
    [0, 0, 0, 0, 0.005, 0.025, 0.06, 0.09, 0.09],
    NONE,
    50,
    [['leuprorelin']],
    0.5,
    0,
    true,
  ),
  chronic(
    'colorectalCancer',
    'C18.9',
    'Tumeur maligne du côlon, sans précision',
    scale(CRC, 1.3),
    CRC,
    40,
    [['capecitabine']],
    0.4,
    0,
    true,
  ),
  chronic(
    'lungCancer',
    'C34.9',
    'Tumeur maligne des bronches ou du poumon, sans précision',
    scale(LUNG, 2),
    LUNG,
    40,
    [],
    0,
    0,
    true,
  ),
  chronic('melanoma', 'C43.9', 'Mélanome malin de la peau, sans précision', MELA, MELA, 20, [], 0, 0),
  chronic('cataract', 'H25.9', 'Cataracte sénile, sans précision', CATA, scale(CATA, 1.1), 50, [], 0, 0),
];

export const CHRONIC_BY_KEY: ReadonlyMap<ChronicKey, ChronicDef> = new Map(CHRONIC.map((c) => [c.key, c]));

// ---------------------------------------------------------------- acute reasons for care (ICD-10)

export interface AcuteDef {
  readonly icd10: Coded;
  readonly drugs: readonly DrugKey[];
  /** Days until the condition resolves. */
  readonly lasts: number;
  /** Body temperature is raised. */
  readonly fever: boolean;
}

const acute = (
  code: string,
  display: string,
  drugs: readonly DrugKey[],
  lasts: number,
  fever = false,
): AcuteDef => ({
  icd10: { code, display },
  drugs,
  lasts,
  fever,
});

export const ACUTE = {
  uri: acute(
    'J06.9',
    'Infection aiguë des voies respiratoires supérieures, sans précision',
    ['paracetamol'],
    7,
    true,
  ),
  otitis: acute('H66.9', 'Otite moyenne, sans précision', ['amoxicillin'], 8, true),
  gastroenteritis: acute(
    'A09',
    'Diarrhée et gastro-entérite d’origine présumée infectieuse',
    ['loperamide'],
    4,
  ),
  influenza: acute(
    'J11.1',
    'Grippe avec d’autres manifestations respiratoires, virus non identifié',
    ['paracetamol', 'oseltamivir'],
    8,
    true,
  ),
  covid: acute('U07.1', 'COVID-19, virus identifié', ['paracetamol'], 12, true),
  uti: acute('N39.0', 'Infection des voies urinaires, siège non précisé', ['fosfomycin'], 5),
  lowBackPain: acute('M54.5', 'Lombalgie basse', ['paracetamol', 'ibuprofen'], 20),
  bronchitis: acute('J20.9', 'Bronchite aiguë, sans précision', ['paracetamol'], 12, true),
  sinusitis: acute('J01.9', 'Sinusite aiguë, sans précision', ['amoxicillin'], 10, true),
  tonsillitis: acute('J03.9', 'Amygdalite aiguë, sans précision', ['amoxicillin'], 7, true),
  pneumonia: acute('J18.9', 'Pneumopathie, sans précision', ['amoxiClav'], 15, true),
  bronchiolitis: acute('J21.9', 'Bronchiolite aiguë, sans précision', ['paracetamol'], 10, true),
  chestPain: acute('R07.4', 'Douleur thoracique, sans précision', [], 1),
  abdominalPain: acute('R10.4', 'Douleurs abdominales, autres et non précisées', ['paracetamol'], 3),
  appendicitis: acute('K35.8', 'Appendicite aiguë, autre et sans précision', ['amoxiClav'], 14, true),
  gallstones: acute('K80.2', 'Calcul de la vésicule biliaire sans cholécystite', ['paracetamol'], 20),
  wristFracture: acute('S52.5', "Fracture de l'extrémité inférieure du radius", ['paracetamol'], 45),
  ankleSprain: acute('S93.4', 'Entorse et foulure de la cheville', ['paracetamol', 'ibuprofen'], 20),
  hipFracture: acute('S72.0', 'Fracture du col du fémur', ['tramadol', 'enoxaparin'], 60),
  renalColic: acute('N20.0', 'Calcul du rein', ['ibuprofen', 'paracetamol'], 7),
  syncope: acute('R55', 'Syncope et collapsus', [], 1),
  myocardialInfarction: acute(
    'I21.9',
    'Infarctus aigu du myocarde, sans précision',
    ['aspirinLowDose', 'atorvastatin'],
    30,
  ),
  stroke: acute('I63.9', 'Infarctus cérébral, sans précision', ['aspirinLowDose'], 60),
  hfDecompensation: acute('I50.1', 'Insuffisance ventriculaire gauche', ['furosemide'], 15),
  copdExacerbation: acute(
    'J44.1',
    'Maladie pulmonaire obstructive chronique avec épisodes aigus, sans précision',
    ['amoxiClav'],
    15,
  ),
  delivery: acute('O80', 'Accouchement unique et spontané', ['paracetamol'], 5),
  caesarean: acute('O82', 'Accouchement unique par césarienne', ['paracetamol', 'enoxaparin'], 10),
  chemotherapy: acute('Z51.1', 'Séance de chimiothérapie pour tumeur', [], 1),
} as const satisfies Record<string, AcuteDef>;

export type AcuteKey = keyof typeof ACUTE;

/** Reasons of screening visits (ICD-10 chapter Z: no disease, a reason for care). */
export const SCREENING = {
  breast: { code: 'Z12.3', display: 'Examen spécial de dépistage de tumeur du sein' },
  colon: { code: 'Z12.1', display: "Examen spécial de dépistage de tumeur de l'intestin" },
} as const satisfies Record<string, Coded>;

// ---------------------------------------------------------------- procedures (CCAM)

export const PROCEDURES = {
  ecg: { code: 'DEQP003', display: 'Électrocardiographie sur au moins 12 dérivations' },
  chestXray: { code: 'ZBQK002', display: 'Radiographie du thorax' },
  abdominalCt: {
    code: 'ZCQH001',
    display:
      "Scanographie de l'abdomen et du petit bassin, avec injection intraveineuse de produit de contraste",
  },
  abdominalUltrasound: {
    code: 'ZCQM005',
    display: "Échographie transcutanée de l'abdomen, avec échographie transcutanée du petit bassin",
  },
  echocardiography: {
    code: 'DZQM006',
    display: 'Échographie-doppler transthoracique du cœur et des vaisseaux intrathoraciques',
  },
  coronaryAngiography: {
    code: 'DDQH009',
    display: 'Artériographie coronaire sans ventriculographie gauche, par voie artérielle transcutanée',
  },
  brainMri: {
    code: 'ACQJ002',
    display:
      'Remnographie [IRM] du crâne et de son contenu, avec injection intraveineuse de produit de contraste',
  },
  spirometry: {
    code: 'GLQP008',
    display:
      "Mesure de la capacité vitale lente et de l'expiration forcée, avec gazométrie sanguine artérielle",
  },
  mammography: { code: 'QEQK004', display: 'Mammographie bilatérale' },
  colonoscopy: {
    code: 'HHQE002',
    display: "Coloscopie totale, avec franchissement de l'orifice iléocolique",
  },
  gastroscopy: { code: 'HEQE002', display: 'Endoscopie œso-gastro-duodénale' },
  cataractSurgery: {
    code: 'BFGA004',
    display:
      'Extraction extracapsulaire du cristallin par phacoémulsification, avec implantation de cristallin artificiel',
  },
  hipReplacement: {
    code: 'NEKA020',
    display: "Remplacement de l'articulation coxofémorale par prothèse totale",
  },
  kneeReplacement: {
    code: 'NFKA007',
    display: "Remplacement de l'articulation du genou par prothèse tricompartimentaire",
  },
  hipFractureSurgery: { code: 'NBCA008', display: 'Ostéosynthèse de fracture du grand trochanter' },
  appendectomy: {
    code: 'HHFA016',
    display: 'Appendicectomie, par cœlioscopie ou par laparotomie avec préparation par cœlioscopie',
  },
  cholecystectomy: { code: 'HMFC004', display: 'Cholécystectomie, par cœlioscopie' },
  vaginalDelivery: {
    code: 'JQGD010',
    display: 'Accouchement céphalique unique par voie naturelle, chez une primipare',
  },
  caesareanSection: { code: 'JQGA002', display: 'Accouchement par césarienne programmée, par laparotomie' },
} as const satisfies Record<string, Coded>;

export type ProcedureKey = keyof typeof PROCEDURES;

// ---------------------------------------------------------------- observations (LOINC, UCUM)

export interface LabDef {
  readonly loinc: string;
  readonly display: string;
  /** UCUM code, also used as the human-readable unit. */
  readonly unit: string;
  readonly decimals: number;
  readonly low?: number;
  readonly high?: number;
}

const lab = (
  loinc: string,
  display: string,
  unit: string,
  decimals: number,
  low?: number,
  high?: number,
): LabDef => ({
  loinc,
  display,
  unit,
  decimals,
  ...(low === undefined ? {} : { low }),
  ...(high === undefined ? {} : { high }),
});

export const LABS = {
  hba1c: lab('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', '%', 1, 4, 6),
  glucose: lab('14749-6', 'Glucose [Moles/volume] in Serum or Plasma', 'mmol/L', 1, 3.9, 6.1),
  cholesterol: lab('14647-2', 'Cholesterol [Moles/volume] in Serum or Plasma', 'mmol/L', 2, undefined, 5.2),
  hdl: lab('14646-4', 'Cholesterol in HDL [Moles/volume] in Serum or Plasma', 'mmol/L', 2, 1, undefined),
  ldl: lab(
    '39469-2',
    'Cholesterol in LDL [Moles/volume] in Serum or Plasma by calculation',
    'mmol/L',
    2,
    undefined,
    4.1,
  ),
  triglycerides: lab(
    '14927-8',
    'Triglyceride [Moles/volume] in Serum or Plasma',
    'mmol/L',
    2,
    undefined,
    1.7,
  ),
  creatinine: lab('14682-9', 'Creatinine [Moles/volume] in Serum or Plasma', 'umol/L', 0, 45, 105),
  egfr: lab(
    '62238-1',
    'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI)',
    'mL/min/{1.73_m2}',
    0,
    60,
    undefined,
  ),
  sodium: lab('2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 'mmol/L', 0, 135, 145),
  potassium: lab('2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 'mmol/L', 1, 3.5, 5),
  hemoglobin: lab('718-7', 'Hemoglobin [Mass/volume] in Blood', 'g/dL', 1, 12, 17),
  leukocytes: lab('6690-2', 'Leukocytes [#/volume] in Blood by Automated count', '10*3/uL', 1, 4, 10),
  platelets: lab('777-3', 'Platelets [#/volume] in Blood by Automated count', '10*3/uL', 0, 150, 400),
  tsh: lab('3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma', 'm[IU]/L', 2, 0.4, 4),
  ntprobnp: lab(
    '33762-6',
    'Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma',
    'pg/mL',
    0,
    undefined,
    125,
  ),
  psa: lab('2857-1', 'Prostate specific Ag [Mass/volume] in Serum or Plasma', 'ng/mL', 2, undefined, 4),
  crp: lab('1988-5', 'C reactive protein [Mass/volume] in Serum or Plasma', 'mg/L', 1, undefined, 5),
} as const satisfies Record<string, LabDef>;

export type LabKey = keyof typeof LABS;

/** Laboratory panels: the DiagnosticReport code and the tests it reports. */
export const PANELS = {
  hba1c: { code: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }, labs: ['hba1c'] },
  lipids: {
    code: { code: '24331-1', display: 'Lipid 1996 panel - Serum or Plasma' },
    labs: ['cholesterol', 'hdl', 'ldl', 'triglycerides'],
  },
  metabolic: {
    code: { code: '51990-0', display: 'Basic metabolic panel - Blood' },
    labs: ['glucose', 'creatinine', 'egfr', 'sodium', 'potassium'],
  },
  cbc: {
    code: { code: '58410-2', display: 'CBC panel - Blood by Automated count' },
    labs: ['hemoglobin', 'leukocytes', 'platelets'],
  },
  tsh: { code: { code: '3016-3', display: 'Thyrotropin [Units/volume] in Serum or Plasma' }, labs: ['tsh'] },
  ntprobnp: {
    code: {
      code: '33762-6',
      display: 'Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma',
    },
    labs: ['ntprobnp'],
  },
  psa: {
    code: { code: '2857-1', display: 'Prostate specific Ag [Mass/volume] in Serum or Plasma' },
    labs: ['psa'],
  },
  crp: {
    code: { code: '1988-5', display: 'C reactive protein [Mass/volume] in Serum or Plasma' },
    labs: ['crp'],
  },
} as const satisfies Record<string, { readonly code: Coded; readonly labs: readonly LabKey[] }>;

export type PanelKey = keyof typeof PANELS;

export const VITALS = {
  bpPanel: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure' },
  heartRate: { code: '8867-4', display: 'Heart rate' },
  respiratoryRate: { code: '9279-1', display: 'Respiratory rate' },
  temperature: { code: '8310-5', display: 'Body temperature' },
  weight: { code: '29463-7', display: 'Body weight' },
  height: { code: '8302-2', display: 'Body height' },
  bmi: { code: '39156-5', display: 'Body mass index (BMI) [Ratio]' },
  spo2: { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
  smoking: { code: '72166-2', display: 'Tobacco smoking status' },
} as const satisfies Record<string, Coded>;

/** SNOMED CT answers to the smoking-status question. */
export const SMOKING_STATUS = {
  current: { code: '449868002', display: 'Smokes tobacco daily' },
  former: { code: '8517006', display: 'Ex-smoker' },
  never: { code: '266919005', display: 'Never smoked tobacco' },
} as const satisfies Record<string, Coded>;

// ---------------------------------------------------------------- vaccines (ATC + CVX)

export interface VaccineDef {
  readonly atc: string;
  readonly display: string;
  readonly cvx?: string;
}

export const VACCINES = {
  hexavalent: {
    atc: 'J07CA09',
    display: 'Vaccin diphtérie-Haemophilus-coqueluche-poliomyélite-tétanos-hépatite B',
    cvx: '146',
  },
  pneumococcalConjugate: { atc: 'J07AL02', display: 'Vaccin pneumococcique conjugué', cvx: '133' },
  meningococcalC: { atc: 'J07AH07', display: 'Vaccin méningococcique C conjugué', cvx: '103' },
  mmr: { atc: 'J07BD52', display: 'Vaccin rougeole-oreillons-rubéole', cvx: '03' },
  dtapIpv: { atc: 'J07CA02', display: 'Vaccin diphtérie-coqueluche-poliomyélite-tétanos', cvx: '130' },
  hpv: { atc: 'J07BM03', display: 'Vaccin papillomavirus humain 9-valent', cvx: '165' },
  dtp: { atc: 'J07CA01', display: 'Vaccin diphtérie-poliomyélite-tétanos' },
  influenza: { atc: 'J07BB02', display: 'Vaccin grippal inactivé', cvx: '141' },
  covid19: { atc: 'J07BX03', display: 'Vaccin COVID-19 à ARNm', cvx: '208' },
  zoster: { atc: 'J07BK03', display: 'Vaccin zona recombinant adjuvé', cvx: '187' },
} as const satisfies Record<string, VaccineDef>;

export type VaccineKey = keyof typeof VACCINES;

// ---------------------------------------------------------------- allergies

export interface AllergenDef {
  readonly system: 'atc' | 'snomed';
  readonly code: string;
  readonly display: string;
  readonly category: 'medication' | 'food' | 'environment';
  /** Share of the population with this allergy. */
  readonly prevalence: number;
}

export const ALLERGENS: readonly AllergenDef[] = [
  { system: 'atc', code: 'J01CA04', display: 'amoxicilline', category: 'medication', prevalence: 0.05 },
  {
    system: 'atc',
    code: 'N02BA01',
    display: 'acide acétylsalicylique',
    category: 'medication',
    prevalence: 0.008,
  },
  { system: 'atc', code: 'M01AE01', display: 'ibuprofène', category: 'medication', prevalence: 0.008 },
  { system: 'snomed', code: '256349002', display: 'Peanut', category: 'food', prevalence: 0.012 },
  { system: 'snomed', code: '256259004', display: 'Pollen', category: 'environment', prevalence: 0.05 },
  {
    system: 'snomed',
    code: '260147004',
    display: 'House dust mite',
    category: 'environment',
    prevalence: 0.02,
  },
  { system: 'snomed', code: '111088007', display: 'Latex', category: 'environment', prevalence: 0.004 },
];

/** SNOMED CT clinical findings used as allergic reactions. */
export const REACTIONS = {
  urticaria: { code: '126485001', display: 'Urticaria' },
  rash: { code: '271807003', display: 'Eruption of skin' },
  anaphylaxis: { code: '39579001', display: 'Anaphylaxis' },
  dyspnea: { code: '267036007', display: 'Dyspnea' },
  itching: { code: '418290006', display: 'Itching of skin' },
  rhinitis: { code: '61582004', display: 'Allergic rhinitis' },
} as const satisfies Record<string, Coded>;
