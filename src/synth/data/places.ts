/**
 * Places: communes of residence with their postal codes and an approximate population (thousands,
 * used as a weight), the countries of birth used for people born abroad (INSEE country codes), and
 * the telephone numbering of each area. Each line of {@link COMMUNES} reads
 * `département;commune;postal codes (comma-separated);population in thousands`.
 * @module
 */

export interface Commune {
  /** Département code: `01`…`95`, `2A`, `2B`, `971`…`976`. */
  readonly dep: string;
  readonly name: string;
  readonly postalCodes: readonly string[];
  readonly weight: number;
}

const COMMUNES_TEXT = `
01;Bourg-en-Bresse;01000;41
01;Oyonnax;01100;22
02;Laon;02000;25
02;Saint-Quentin;02100;53
02;Soissons;02200;28
03;Moulins;03000;19
03;Montluçon;03100;34
03;Vichy;03200;25
04;Digne-les-Bains;04000;16
04;Manosque;04100;22
05;Gap;05000;41
05;Briançon;05100;11
06;Nice;06000,06100,06200,06300;342
06;Cannes;06400;74
06;Antibes;06600;73
06;Grasse;06130;50
06;Menton;06500;30
07;Privas;07000;8
07;Annonay;07100;16
07;Aubenas;07200;12
08;Charleville-Mézières;08000;46
08;Sedan;08200;16
09;Foix;09000;9
09;Pamiers;09100;15
10;Troyes;10000;61
11;Carcassonne;11000;46
11;Narbonne;11100;55
12;Rodez;12000;24
12;Millau;12100;22
13;Marseille;13001,13002,13003,13004,13005,13006,13007,13008,13009,13010,13011,13012,13013,13014,13015,13016;870
13;Aix-en-Provence;13080,13090,13100;145
13;Arles;13200;51
13;Martigues;13500;49
13;Aubagne;13400;47
13;Salon-de-Provence;13300;45
13;Istres;13800;43
14;Caen;14000;106
14;Lisieux;14100;20
14;Bayeux;14400;13
15;Aurillac;15000;25
16;Angoulême;16000;42
16;Cognac;16100;18
17;La Rochelle;17000;77
17;Saintes;17100;25
17;Rochefort;17300;24
18;Bourges;18000;64
18;Vierzon;18100;26
19;Tulle;19000;14
19;Brive-la-Gaillarde;19100;46
2A;Ajaccio;20000,20090;72
2A;Porto-Vecchio;20137;12
2B;Bastia;20200,20600;48
2B;Corte;20250;7
2B;Calvi;20260;5
21;Dijon;21000;159
21;Beaune;21200;20
22;Saint-Brieuc;22000;44
22;Lannion;22300;20
22;Dinan;22100;14
23;Guéret;23000;13
24;Périgueux;24000;30
24;Bergerac;24100;27
24;Sarlat-la-Canéda;24200;9
25;Besançon;25000;120
25;Montbéliard;25200;25
25;Pontarlier;25300;18
26;Valence;26000;64
26;Montélimar;26200;40
26;Romans-sur-Isère;26100;33
27;Évreux;27000;47
27;Vernon;27200;24
27;Louviers;27400;18
28;Chartres;28000;39
28;Dreux;28100;31
29;Quimper;29000;63
29;Brest;29200;140
29;Morlaix;29600;15
30;Nîmes;30000,30900;149
30;Alès;30100;43
30;Bagnols-sur-Cèze;30200;18
31;Toulouse;31000,31100,31200,31300,31400,31500;504
31;Colomiers;31770;40
31;Tournefeuille;31170;28
31;Muret;31600;25
31;Saint-Gaudens;31800;11
32;Auch;32000;22
33;Bordeaux;33000,33100,33200,33300,33800;261
33;Mérignac;33700;72
33;Pessac;33600;65
33;Talence;33400;43
33;Libourne;33500;25
33;Arcachon;33120;12
34;Montpellier;34000,34070,34080,34090;300
34;Béziers;34500;79
34;Sète;34200;44
34;Lunel;34400;26
35;Rennes;35000,35200,35700;222
35;Saint-Malo;35400;47
35;Fougères;35300;20
35;Vitré;35500;18
36;Châteauroux;36000;43
37;Tours;37000,37100,37200;137
37;Joué-lès-Tours;37300;38
37;Amboise;37400;13
38;Grenoble;38000,38100;158
38;Échirolles;38130;37
38;Vienne;38200;30
38;Bourgoin-Jallieu;38300;29
38;Voiron;38500;20
39;Lons-le-Saunier;39000;17
39;Dole;39100;24
40;Mont-de-Marsan;40000;30
40;Dax;40100;21
41;Blois;41000;46
41;Vendôme;41100;16
42;Saint-Étienne;42000,42100;173
42;Roanne;42300;35
42;Saint-Chamond;42400;35
43;Le Puy-en-Velay;43000;19
44;Nantes;44000,44100,44200,44300;320
44;Saint-Nazaire;44600;71
44;Saint-Herblain;44800;48
44;Rezé;44400;42
45;Orléans;45000,45100;117
45;Montargis;45200;14
46;Cahors;46000;20
46;Figeac;46100;10
47;Agen;47000;33
47;Villeneuve-sur-Lot;47300;22
47;Marmande;47200;18
48;Mende;48000;12
49;Angers;49000,49100;155
49;Cholet;49300;54
49;Saumur;49400;26
50;Saint-Lô;50000;19
50;Cherbourg-en-Cotentin;50100;79
50;Granville;50400;13
51;Reims;51100;182
51;Châlons-en-Champagne;51000;44
51;Épernay;51200;22
52;Chaumont;52000;22
52;Saint-Dizier;52100;24
53;Laval;53000;49
53;Mayenne;53100;13
54;Nancy;54000,54100;105
54;Vandœuvre-lès-Nancy;54500;29
54;Lunéville;54300;18
55;Bar-le-Duc;55000;15
55;Verdun;55100;17
56;Vannes;56000;54
56;Lorient;56100;57
56;Pontivy;56300;15
56;Auray;56400;14
57;Metz;57000,57050,57070;118
57;Thionville;57100;41
57;Forbach;57600;21
57;Sarreguemines;57200;21
58;Nevers;58000;32
59;Lille;59000,59160,59260,59800;236
59;Roubaix;59100;98
59;Tourcoing;59200;98
59;Dunkerque;59140,59240,59640;87
59;Villeneuve-d'Ascq;59491,59650;62
59;Valenciennes;59300;43
59;Douai;59500;40
59;Cambrai;59400;32
59;Maubeuge;59600;29
60;Beauvais;60000;56
60;Compiègne;60200;41
60;Creil;60100;36
61;Alençon;61000;26
61;Flers;61100;15
61;Argentan;61200;13
62;Arras;62000;41
62;Calais;62100;67
62;Boulogne-sur-Mer;62200;41
62;Lens;62300;31
62;Liévin;62800;30
62;Béthune;62400;25
63;Clermont-Ferrand;63000,63100;147
63;Riom;63200;19
63;Issoire;63500;15
64;Pau;64000;76
64;Bayonne;64100;52
64;Anglet;64600;40
64;Biarritz;64200;25
65;Tarbes;65000;42
65;Lourdes;65100;13
66;Perpignan;66000,66100;120
66;Canet-en-Roussillon;66140;13
67;Strasbourg;67000,67100,67200;287
67;Haguenau;67500;35
67;Schiltigheim;67300;34
67;Sélestat;67600;19
68;Mulhouse;68100,68200;106
68;Colmar;68000;67
68;Saint-Louis;68300;22
69;Lyon;69001,69002,69003,69004,69005,69006,69007,69008,69009;522
69;Villeurbanne;69100;156
69;Vénissieux;69200;66
69;Caluire-et-Cuire;69300;43
69;Bron;69500;42
69;Villefranche-sur-Saône;69400;37
70;Vesoul;70000;15
70;Lure;70200;8
71;Chalon-sur-Saône;71100;45
71;Mâcon;71000;34
71;Le Creusot;71200;21
71;Montceau-les-Mines;71300;18
71;Autun;71400;13
72;Le Mans;72000,72100;145
72;La Flèche;72200;15
73;Chambéry;73000;60
73;Aix-les-Bains;73100;31
73;Albertville;73200;19
74;Annecy;74000;130
74;Annemasse;74100;37
74;Thonon-les-Bains;74200;35
74;Cluses;74300;17
75;Paris;75001,75002,75003,75004,75005,75006,75007,75008,75009,75010,75011,75012,75013,75014,75015,75016,75017,75018,75019,75020;2133
76;Le Havre;76600,76610,76620;167
76;Rouen;76000,76100;114
76;Dieppe;76200;28
76;Fécamp;76400;18
77;Meaux;77100;56
77;Chelles;77500;55
77;Melun;77000;41
77;Pontault-Combault;77340;38
77;Fontainebleau;77300;15
78;Versailles;78000;84
78;Sartrouville;78500;53
78;Saint-Germain-en-Laye;78100;45
78;Mantes-la-Jolie;78200;45
78;Poissy;78300;39
79;Niort;79000;59
79;Bressuire;79300;20
79;Parthenay;79200;10
80;Amiens;80000,80080,80090;134
80;Abbeville;80100;23
81;Albi;81000;49
81;Castres;81100;42
82;Montauban;82000;61
82;Castelsarrasin;82100;14
83;Toulon;83000,83100,83200;180
83;La Seyne-sur-Mer;83500;62
83;Hyères;83400;56
83;Fréjus;83600;55
83;Draguignan;83300;40
84;Avignon;84000;91
84;Carpentras;84200;29
84;Orange;84100;29
84;Cavaillon;84300;26
85;La Roche-sur-Yon;85000;57
85;Les Sables-d'Olonne;85100;48
85;Challans;85300;21
86;Poitiers;86000;89
86;Châtellerault;86100;31
87;Limoges;87000,87100,87280;131
88;Épinal;88000;31
88;Saint-Dié-des-Vosges;88100;19
89;Auxerre;89000;34
89;Sens;89100;26
90;Belfort;90000;46
91;Évry-Courcouronnes;91000;67
91;Corbeil-Essonnes;91100;51
91;Massy;91300;51
91;Savigny-sur-Orge;91600;37
91;Palaiseau;91120;36
92;Boulogne-Billancourt;92100;121
92;Nanterre;92000;96
92;Asnières-sur-Seine;92600;87
92;Colombes;92700;86
92;Courbevoie;92400;82
92;Rueil-Malmaison;92500;79
92;Issy-les-Moulineaux;92130;68
92;Levallois-Perret;92300;66
92;Antony;92160;62
92;Neuilly-sur-Seine;92200;59
93;Saint-Denis;93200;113
93;Montreuil;93100;111
93;Aubervilliers;93300;88
93;Aulnay-sous-Bois;93600;86
93;Drancy;93700;72
93;Noisy-le-Grand;93160;69
93;Pantin;93500;60
93;Bobigny;93000;54
94;Vitry-sur-Seine;94400;95
94;Créteil;94000;92
94;Champigny-sur-Marne;94500;77
94;Saint-Maur-des-Fossés;94100,94210;75
94;Ivry-sur-Seine;94200;63
94;Maisons-Alfort;94700;56
94;Villejuif;94800;55
94;Vincennes;94300;49
95;Argenteuil;95100;111
95;Cergy;95000;66
95;Sarcelles;95200;58
95;Garges-lès-Gonesse;95140;43
95;Franconville;95130;37
95;Pontoise;95300;32
971;Les Abymes;97139;53
971;Baie-Mahault;97122;31
971;Le Gosier;97190;27
971;Pointe-à-Pitre;97110;15
971;Basse-Terre;97100;10
972;Fort-de-France;97200;77
972;Le Lamentin;97232;39
972;Le Robert;97231;22
972;Schœlcher;97233;19
973;Cayenne;97300;63
973;Saint-Laurent-du-Maroni;97320;47
973;Matoury;97351;33
973;Kourou;97310;25
974;Saint-Denis;97400;153
974;Saint-Paul;97460;105
974;Saint-Pierre;97410;84
974;Le Tampon;97430;80
974;Saint-André;97440;57
976;Mamoudzou;97600;71
`;

export const COMMUNES: readonly Commune[] = COMMUNES_TEXT.trim()
  .split('\n')
  .map((line) => {
    const [dep, name, postal, weight] = line.split(';') as [string, string, string, string];
    return { dep, name, postalCodes: postal.split(','), weight: Number(weight) };
  });

/** Countries of birth of people born abroad: INSEE country code (last 3 digits of `99xxx`) and name. */
export const BIRTH_COUNTRIES: readonly (readonly [code: string, name: string])[] = [
  ['352', 'Algérie'],
  ['350', 'Maroc'],
  ['351', 'Tunisie'],
  ['139', 'Portugal'],
  ['127', 'Italie'],
  ['134', 'Espagne'],
  ['208', 'Turquie'],
  ['109', 'Allemagne'],
  ['131', 'Belgique'],
  ['132', 'Royaume-Uni'],
  ['114', 'Roumanie'],
  ['122', 'Pologne'],
  ['140', 'Suisse'],
  ['341', 'Sénégal'],
  ['335', 'Mali'],
  ['326', "Côte d'Ivoire"],
  ['322', 'Cameroun'],
  ['333', 'Madagascar'],
  ['216', 'Chine'],
  ['243', 'Viêt Nam'],
  ['401', 'Canada'],
];

/** Overseas départements of birth and how many commune codes each contributes to the NIR slots. */
export const OVERSEAS_BIRTH_SLOTS: readonly (readonly [dep: string, communes: number])[] = [
  ['971', 7],
  ['972', 6],
  ['973', 4],
  ['974', 8],
  ['976', 3],
];

/** French landline prefixes by area (01 Île-de-France … 05 south-west); overseas areas have their own. */
const LANDLINE_AREAS: readonly (readonly [prefix: string, deps: string])[] = [
  ['1', '75 77 78 91 92 93 94 95'],
  ['2', '14 18 22 27 28 29 35 36 37 41 44 45 49 50 53 56 61 72 76 85'],
  ['3', '02 08 10 21 25 39 51 52 54 55 57 58 59 60 62 67 68 70 71 80 88 89 90'],
  ['4', '01 03 04 05 06 07 13 15 2A 2B 26 30 34 38 42 43 48 63 69 73 74 83 84'],
  ['5', '09 11 12 16 17 19 23 24 31 32 33 40 46 47 64 65 66 79 81 82 86 87'],
];

export interface PhonePlan {
  /** Country calling code with its plus sign: `+33`, `+590`, … */
  readonly country: string;
  /** National significant number prefix of landlines and mobiles (without the trunk 0). */
  readonly landline: string;
  readonly mobile: readonly string[];
  /** Digits that follow the prefix. */
  readonly landlineDigits: number;
  readonly mobileDigits: number;
}

const METRO_MOBILE = ['6', '7'] as const;

const OVERSEAS_PHONES: Readonly<Record<string, PhonePlan>> = {
  '971': { country: '+590', landline: '590', mobile: ['690', '691'], landlineDigits: 6, mobileDigits: 6 },
  '972': { country: '+596', landline: '596', mobile: ['696', '697'], landlineDigits: 6, mobileDigits: 6 },
  '973': { country: '+594', landline: '594', mobile: ['694'], landlineDigits: 6, mobileDigits: 6 },
  '974': { country: '+262', landline: '262', mobile: ['692', '693'], landlineDigits: 6, mobileDigits: 6 },
  '976': { country: '+262', landline: '269', mobile: ['639'], landlineDigits: 6, mobileDigits: 6 },
};

const METRO_PHONES = new Map<string, PhonePlan>();
for (const [prefix, deps] of LANDLINE_AREAS) {
  for (const dep of deps.split(' ')) {
    METRO_PHONES.set(dep, {
      country: '+33',
      landline: prefix,
      mobile: METRO_MOBILE,
      landlineDigits: 8,
      mobileDigits: 8,
    });
  }
}

/** The numbering plan of a département of residence. */
export function phonePlan(dep: string): PhonePlan {
  const plan = OVERSEAS_PHONES[dep] ?? METRO_PHONES.get(dep);
  if (plan === undefined) {
    throw new Error(`no telephone plan for département ${dep}`);
  }
  return plan;
}
