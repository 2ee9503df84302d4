/**
 * French first names by birth cohort and sex, family names and street names, in decreasing order of
 * frequency (approximate ranks from public INSEE name statistics; weights are derived from the rank).
 * Stored as `|`-separated text to keep the module compact.
 * @module
 */

const list = (text: string): readonly string[] =>
  text
    .split(/[|\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** First year of each birth cohort whose fashionable first names differ. */
export const COHORT_START_YEARS = [0, 1950, 1970, 1990, 2005] as const;

export const MALE_GIVEN: readonly (readonly string[])[] = [
  list(`
Jean|Pierre|Michel|André|Jacques|René|Louis|Roger|Marcel|Georges
Henri|Robert|Paul|Maurice|Bernard|Raymond|Lucien|Claude|Gérard|Joseph
Fernand|Albert|Roland|Daniel|Guy|Émile|Yves|Francis|Gilbert|Marius
`),
  list(`
Jean|Michel|Philippe|Alain|Patrick|Daniel|Pierre|Christian|Bernard|Gérard
Jacques|Dominique|Claude|Éric|Thierry|Pascal|Serge|Didier|Joël|Christophe
Jean-Pierre|Jean-Claude|Jean-Luc|Francis|Gilles|Bruno|Laurent|Frédéric|Denis|Hervé
`),
  list(`
Nicolas|Sébastien|Christophe|Stéphane|Julien|David|Frédéric|Laurent|Olivier|Cédric
Jérôme|Guillaume|Mathieu|Vincent|Anthony|Romain|Thomas|Maxime|Alexandre|Fabrice
Éric|Arnaud|Benjamin|Florent|Damien|Yannick|Kévin|Jonathan|Grégory|Ludovic
`),
  list(`
Thomas|Nicolas|Kévin|Julien|Alexandre|Quentin|Maxime|Antoine|Lucas|Hugo
Romain|Théo|Clément|Florian|Valentin|Baptiste|Pierre|Mathis|Louis|Paul
Enzo|Dylan|Adrien|Jordan|Corentin|Benjamin|Mehdi|Yanis|Axel|Tom
`),
  list(`
Gabriel|Léo|Raphaël|Louis|Arthur|Jules|Adam|Lucas|Hugo|Maël
Noah|Liam|Sacha|Nathan|Ethan|Paul|Tom|Théo|Nolan|Timéo
Mohamed|Aaron|Gabin|Eden|Martin|Victor|Léon|Isaac|Naël|Axel
`),
];

export const FEMALE_GIVEN: readonly (readonly string[])[] = [
  list(`
Marie|Jeanne|Françoise|Monique|Jacqueline|Simone|Denise|Madeleine|Suzanne|Germaine
Yvonne|Paulette|Odette|Marcelle|Louise|Colette|Nicole|Lucienne|Andrée|Renée
Hélène|Marguerite|Micheline|Ginette|Huguette|Geneviève|Raymonde|Christiane|Josette|Yvette
`),
  list(`
Martine|Catherine|Sylvie|Isabelle|Nathalie|Christine|Françoise|Brigitte|Chantal|Patricia
Dominique|Monique|Nicole|Marie|Danielle|Véronique|Annie|Michèle|Évelyne|Joëlle
Corinne|Pascale|Christiane|Jocelyne|Marie-Christine|Josiane|Claudine|Hélène|Béatrice|Agnès
`),
  list(`
Nathalie|Stéphanie|Sandrine|Céline|Valérie|Isabelle|Aurélie|Émilie|Julie|Virginie
Sophie|Karine|Laetitia|Caroline|Élodie|Séverine|Christelle|Mélanie|Audrey|Laure
Amélie|Marion|Anne|Vanessa|Delphine|Carole|Cécile|Sarah|Jennifer|Magali
`),
  list(`
Camille|Marine|Laura|Manon|Julie|Pauline|Sarah|Léa|Marie|Anaïs
Chloé|Mathilde|Océane|Justine|Emma|Clara|Lucie|Charlotte|Inès|Morgane
Élise|Margaux|Juliette|Alice|Lisa|Jade|Célia|Audrey|Amandine|Mélissa
`),
  list(`
Emma|Jade|Louise|Alice|Chloé|Lina|Léa|Rose|Anna|Mila
Inès|Ambre|Julia|Mia|Léna|Manon|Juliette|Lou|Zoé|Camille
Agathe|Sarah|Jeanne|Romane|Iris|Nina|Lola|Eva|Léonie|Adèle
`),
];

export const FAMILY_NAMES: readonly string[] = list(`
Martin|Bernard|Thomas|Petit|Robert|Richard|Durand|Dubois|Moreau|Laurent
Simon|Michel|Lefebvre|Leroy|Roux|David|Bertrand|Morel|Fournier|Girard
Bonnet|Dupont|Lambert|Fontaine|Rousseau|Vincent|Muller|Lefèvre|Faure|André
Mercier|Blanc|Guérin|Boyer|Garnier|Chevalier|François|Legrand|Gauthier|Garcia
Perrin|Robin|Clément|Morin|Nicolas|Henry|Roussel|Mathieu|Gautier|Masson
Marchand|Duval|Denis|Dumont|Marie|Lemaire|Noël|Meyer|Dufour|Meunier
Brun|Blanchard|Giraud|Joly|Rivière|Lucas|Brunet|Gaillard|Barbier|Arnaud
Martinez|Gérard|Roche|Renard|Schmitt|Roy|Leroux|Colin|Vidal|Caron
Picard|Roger|Fabre|Aubert|Lemoine|Renaud|Dumas|Lacroix|Olivier|Philippe
Bourgeois|Pierre|Benoît|Rey|Leclerc|Payet|Rolland|Leclercq|Guillaume|Lecomte
Lopez|Jean|Dupuy|Guillot|Hubert|Berger|Carpentier|Sanchez|Dupuis|Moulin
Louis|Deschamps|Huet|Vasseur|Perez|Boucher|Fleury|Royer|Klein|Jacquet
Adam|Paris|Poirier|Marty|Aubry|Guyot|Carré|Charles|Renault|Charpentier
Ménard|Maillard|Baron|Bertin|Bailly|Hervé|Schneider|Fernandez|Le Gall|Collet
Léger|Bouvier|Julien|Prévost|Millet|Perrot|Daniel|Le Roux|Cousin|Germain
Breton|Besson|Langlois|Rémy|Le Goff|Pelletier|Lévêque|Perrier|Leblanc|Barré
Lebrun|Marchal|Weber|Mallet|Hamon|Boulanger|Jacob|Monnier|Michaud|Rodriguez
Guichard|Gillet|Étienne|Grondin|Poulain|Tessier|Chevallier|Collin|Chauvin|Da Silva
Bouchet|Gay|Lemaître|Bénard|Maréchal|Humbert|Reynaud|Antoine|Hoarau|Perret
Barthélemy|Cordier|Pichon|Lejeune|Gilbert|Lamy|Delaunay|Pasquier|Carlier|Laporte
Gomez|Diallo|Nguyen|Benali|Traoré|Ferreira|Dos Santos|Haddad|Cohen|Kaya
`);

export const STREET_TYPES: readonly (readonly [string, number])[] = [
  ['rue', 60],
  ['avenue', 12],
  ['boulevard', 6],
  ['place', 4],
  ['allée', 6],
  ['chemin', 6],
  ['impasse', 4],
  ['route', 2],
];

export const STREET_NAMES: readonly string[] = list(`
de la République|Victor Hugo|Jean Jaurès|Pasteur|du Général de Gaulle|de la Gare|de l'Église|des Écoles
du Moulin|des Lilas|Jules Ferry|de la Paix|Gambetta|Voltaire|de la Liberté|Émile Zola
du Stade|des Tilleuls|du Château|de la Mairie|Carnot|Anatole France|Paul Bert|Saint-Michel
de Verdun|du Maréchal Foch|Georges Clemenceau|des Acacias|du Commerce|Principale|des Peupliers|de Bretagne
Jean Moulin|des Roses|du Port|de la Fontaine|des Vignes|du Lavoir|de Strasbourg|Alsace-Lorraine
du 8 Mai 1945|du 11 Novembre|Aristide Briand|Louise Michel|Pierre et Marie Curie|des Marronniers|du Bois|de Provence
des Jardins|Lamartine|Molière|Racine|Edmond Rostand|Albert Camus|Simone Veil|Nationale
des Cerisiers|de la Poste
`);

export const ADDRESS_COMPLEMENTS: readonly string[] = list(`
Bâtiment A|Bâtiment B|Bâtiment C|Résidence les Pins|Résidence du Parc|Résidence les Tilleuls
Escalier 2|Appartement 12|Appartement 34|Appartement 5|Lieu-dit les Granges|Le Clos Fleuri
`);
