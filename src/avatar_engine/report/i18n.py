"""Wording of the report in English and French.

Every sentence the report prints lives here, keyed by a stable name, so both renderers (PDF and
HTML) say exactly the same thing and a translation is a dictionary, not a code change.

Example:
    >>> wording("fr").text("pass")
    'Conforme'
"""

from __future__ import annotations

from dataclasses import dataclass

from avatar_engine.errors import InvalidParameterError
from avatar_engine.metrics.verdict import (
    CONTROL_SET_METHOD,
    CONTROL_SET_METHOD_FR,
    VERDICT_RULE,
    VERDICT_RULE_FR,
)

__all__ = ["LANGUAGES", "MetricWording", "Wording", "wording"]

LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class MetricWording:
    """Label and plain-language explanation of one metric."""

    label: str
    explanation: str


_TEXT: dict[str, dict[str, str | tuple[str, ...]]] = {
    "en": {
        "report_title": "Avatarization report: {name}",
        "subtitle": "Privacy and utility assessment of avatar data",
        "generated_on": "Generated on",
        "tables_covered": "Tables covered",
        "pia_heading": "Privacy impact assessment (PIA) context",
        "pia_datarecipient": "Data recipient",
        "pia_data_type": "Data type",
        "pia_datasubject": "Data subject",
        "pia_sensitivity_level": "Sensitivity level",
        "summary_heading": "Executive summary",
        "verdict_ok": "All privacy targets are met and the statistical signal is kept",
        "verdict_privacy_fail": "Privacy targets NOT met: do not share these avatars as they are",
        "verdict_signal_fail": "Privacy targets met, but part of the statistical signal is lost",
        "verdict_not_assessed": "Not fully assessed: some metrics were not computed",
        "summary_ok": (
            "On every table, all privacy targets are met: in the simulated attacks below, the "
            "original individuals cannot be reliably found among the avatars, and no avatar is "
            "a dangerous copy of a real record. The statistical signal is kept within its "
            "targets. From the metrics' point of view, the avatar data can be shared under the "
            "conditions set by the impact assessment."
        ),
        "summary_privacy_fail": (
            "At least one privacy target is not met (see the tables below). The avatar data "
            "should not be shared before a new run: increase k, remove or coarsen the variables "
            "that make individuals unique, then check the metrics again."
        ),
        "summary_signal_fail": (
            "All privacy targets are met, so the avatars protect the individuals as measured "
            "here, but at least one signal target is missed: analyses run on the avatars may "
            "differ from those on the original data. Consider a smaller k or a larger ncp if "
            "utility matters, then check the privacy metrics again."
        ),
        "summary_not_assessed": (
            "Some privacy or signal metrics were not computed for at least one table, so no "
            "overall conclusion can be drawn. Run the missing metrics before any decision."
        ),
        "summary_table": "Table",
        "summary_privacy": "Privacy",
        "summary_signal": "Signal",
        "summary_targets_met": "{met} of {total} targets met",
        "summary_not_computed": "not computed",
        "summary_missed": "Missed: {labels}",
        "table_heading": "Table “{name}”",
        "dataset_heading": "Dataset summary",
        "dataset_rows": "Rows (original / avatars)",
        "dataset_columns": "Columns",
        "dataset_missing_cells": "Missing cells (original / avatars)",
        "col_variable": "Variable",
        "col_type": "Type",
        "col_missing_original": "Missing (original)",
        "col_missing_avatars": "Missing (avatars)",
        "col_original": "Original",
        "col_avatars": "Avatars",
        "columns_note": (
            "Continuous variables: mean ± standard deviation. Categorical variables: number "
            "of distinct categories. No individual value is printed in this report."
        ),
        "stat_mean_sd": "{mean} ± {sd}",
        "stat_categories": "{n} categories",
        "stat_none": "no value",
        "parameters_heading": "Parameters used",
        "param_k": "k (number of neighbours)",
        "param_ncp": "ncp (dimensions of the projection)",
        "param_imputation": "Imputation of missing values",
        "param_imputation_method": "Imputation method",
        "param_imputation_k": "Imputation neighbours",
        "param_imputation_training_fraction": "Imputation training fraction",
        "param_exclude_variables": "Excluded variables",
        "param_passed_through": "Kept unchanged (constant or empty, no individual information)",
        "param_exclude_replacement_strategy": "Re-attachment of excluded variables",
        "param_pseudonymized_columns": "Pseudonymized identifier columns",
        "param_dp": "Differential privacy",
        "dp_anchor_declared": "{anchor} (declared by the user, public)",
        "dp_anchor_noisy max": "{anchor} (chosen among the categorical columns by OpenDP's noisy "
                               "max, budget above)",
        "dp_anchor_column types": "{anchor} (from the column types)",
        "dp_statement": (
            "ε = {epsilon}: the avatars are ε-differentially private (pure DP, OpenDP) for the "
            "addition or removal of one record; protected: the presence and every value of each "
            "record; public: column names and types, categories, parameters. Budget spent: "
            "{budget}; anchor column {anchor}. The synthetic records are not paired with the "
            "originals."
        ),
        "dp_statement_approximate": (
            "ε = {epsilon}, approximate: the noisy counts are ε-DP given the bounds of the "
            "continuous columns, which are read from the data without noise, so the table as a "
            "whole is not differentially private. Budget spent: {budget}; anchor column {anchor}."
        ),
        "param_column_weights": "Column weights",
        "param_use_categorical_reduction": "Categorical reduction",
        "param_seed": "Random seed",
        "param_variance_kept": "Variance carried by the projection",
        "param_engine_version": "Engine version",
        "param_duration": "Avatarization time",
        "none": "none",
        "yes": "yes",
        "no": "no",
        "seconds": "{value} s",
        "privacy_heading": "Privacy metrics",
        "privacy_intro": (
            "Can an attacker who holds the original records find them among the avatars? Each "
            "metric simulates such an attack. The target column gives each metric's direction: "
            "'>' means higher values protect better (e.g. hidden rate), '<' means lower values "
            "protect better (e.g. the singling-out, linkability and inference risks)."
        ),
        "signal_heading": "Signal (utility) metrics",
        "signal_intro": (
            "Do the avatars keep the statistical information of the original data? These metrics "
            "compare the distribution of every variable and the relations between variables."
        ),
        "col_metric": "Metric",
        "col_value": "Value",
        "col_target": "Target",
        "col_result": "Result",
        "pass": "Pass",
        "fail": "Fail",
        "info": "Information",
        "no_target": "no target",
        "not_available": "n/a",
        "no_metrics": "These metrics were not computed for this table.",
        "details_heading": "Further figures",
        "details_intro": "Supporting figures computed with the metrics above.",
        "per_variable_heading": "Metrics per variable",
        "per_variable_intro": (
            "How each variable fares: the most exposed or least faithful variables are the "
            "first candidates to coarsen or set aside."
        ),
        "figures_heading": "Figures",
        "figure_projection": (
            "Projection of the original individuals and of the avatars on the first two "
            "dimensions of the factor analysis. Avatars should cover the same area as the "
            "originals without sitting on top of them."
        ),
        "figure_distributions": (
            "Distribution of each variable in the original data and in the avatars."
        ),
        "figure_correlations": (
            "Associations between variables in the original data (left) and in the avatars "
            "(right), on the same colour scale."
        ),
        "figure_time_series": (
            "Mean curve of each time-varying variable in the original sequences and in the "
            "avatar sequences, with a band of one standard deviation across individuals."
        ),
        "figure_other": "Figure “{name}”.",
        "no_figures": "No figure was provided for this table.",
        "methodology_batches": (
            "Table “{table}” was avatarized in {batches} batches of {rows} to {largest} "
            "individuals. The projection (FAMD), the encoding of the variables and the donors "
            "of the imputation were fitted once, on a random reference sample of {reference} "
            "individuals of the whole table, and shared by every batch, so that all batches "
            "live in the same space. The neighbours of an individual were searched among the "
            "individuals of its own batch only. The privacy and utility metrics were computed "
            "batch by batch: each figure shown is the mean of the batches' values weighted by "
            "their sizes, and the worst batch of each metric is reported with it in the "
            "metrics files."
        ),
        "methodology_heading": "Methodology",
        "methodology": (
            "The avatar method creates one synthetic individual, its avatar, for each real "
            "individual of a table. The variables are first projected into a space of a few "
            "dimensions (ncp) by a factor analysis of mixed data (FAMD), which handles numeric "
            "and categorical variables together. For each individual, its k nearest neighbours "
            "in that space are found, the individual itself excluded. The avatar is a random "
            "weighted mix of those neighbours: closer neighbours weigh more, and random factors "
            "make every avatar a new draw. A numeric value is the weighted average of the "
            "neighbours' values plus random variation as wide as theirs and a small noise; a "
            "categorical value is the value of one neighbour drawn at random, the heaviest "
            "neighbours being the most likely. "
            "Each variable is then given the distribution, range and rounding of the original "
            "data (each category as frequent as in the originals; a variable with many "
            "distinct values gets a smoothed version of their distribution, so that the most "
            "extreme avatars do not carry the originals' own extreme values). Missing values "
            "are imputed before the projection and put back afterwards. "
            "The avatars are shuffled before being shared, so that no avatar can be "
            "linked to its original by its position.",
            "Privacy is assessed by simulating an attacker who holds the original records and "
            "searches for them among the avatars (distances measured in the projection fitted on "
            "the original data), and by counting exact copies of real records. Utility is "
            "assessed by comparing the distribution of every variable and the associations "
            "between variables. A larger k gives more privacy and less signal; a larger ncp "
            "makes the neighbours resemble the individual on more aspects.",
            CONTROL_SET_METHOD,
            "Verdict. " + VERDICT_RULE,
            "These metrics measure the risk of re-identification from the variables of the "
            "tables themselves. They do not replace the assessment of the context of sharing "
            "(who receives the data, what other data they hold), which is the purpose of the "
            "privacy impact assessment.",
        ),
        "reference": (
            "Reference: Guillaudeux M., Rousseau O., Petot J. et al., “Patient-centric synthetic "
            "data generation, no reason to risk re-identification in biomedical data "
            "analysis”, npj Digital Medicine 6, 37 (2023), doi:10.1038/s41746-023-00771-5."
        ),
        "signature_heading": "Approval by the data-protection officer",
        "signature_intro": (
            "I have reviewed the privacy and utility assessment in this report and take the "
            "decision below."
        ),
        "signature_name": "Name",
        "signature_role": "Function",
        "signature_date": "Date",
        "signature_decision": "Decision",
        "signature_approved": "Approved for sharing",
        "signature_conditions": "Approved with conditions",
        "signature_refused": "Refused",
        "signature_comments": "Conditions / comments",
        "signature_signature": "Signature",
        "page_of": "Page {page} of {total}",
        "type_int": "integer",
        "type_float": "decimal",
        "type_bool": "boolean",
        "type_category": "categorical",
        "type_datetime": "date/time",
        "type_datetime_tz": "date/time (with time zone)",
        "type_identifier": "identifier (not avatarized)",
    },
    "fr": {
        "report_title": "Rapport d’avatarisation : {name}",
        "subtitle": "Évaluation de la confidentialité et de l’utilité des données avatars",
        "generated_on": "Généré le",
        "tables_covered": "Tables concernées",
        "pia_heading": "Contexte de l’analyse d’impact (AIPD)",
        "pia_datarecipient": "Destinataire des données",
        "pia_data_type": "Type de données",
        "pia_datasubject": "Personnes concernées",
        "pia_sensitivity_level": "Niveau de sensibilité",
        "summary_heading": "Synthèse",
        "verdict_ok": (
            "Tous les objectifs de confidentialité sont atteints et le signal est conservé"
        ),
        "verdict_privacy_fail": (
            "Objectifs de confidentialité NON atteints : ne pas partager ces avatars en l’état"
        ),
        "verdict_signal_fail": (
            "Objectifs de confidentialité atteints, mais une partie du signal statistique "
            "est perdue"
        ),
        "verdict_not_assessed": (
            "Évaluation incomplète : certaines métriques n’ont pas été calculées"
        ),
        "summary_ok": (
            "Sur chaque table, tous les objectifs de confidentialité sont atteints : lors des "
            "attaques simulées ci-dessous, les individus d’origine ne peuvent pas être retrouvés "
            "de façon fiable parmi les avatars, et aucun avatar n’est une copie dangereuse d’un "
            "enregistrement réel. Le signal statistique est conservé dans ses objectifs. Du point "
            "de vue des métriques, les données avatars peuvent être partagées dans les conditions "
            "fixées par l’analyse d’impact."
        ),
        "summary_privacy_fail": (
            "Au moins un objectif de confidentialité n’est pas atteint (voir les tableaux "
            "ci-dessous). Les données avatars ne doivent pas être partagées avant une nouvelle "
            "exécution : augmenter k, supprimer ou agréger les variables qui rendent les individus "
            "uniques, puis vérifier à nouveau les métriques."
        ),
        "summary_signal_fail": (
            "Tous les objectifs de confidentialité sont atteints : les avatars protègent les "
            "individus selon les mesures présentées ici. En revanche, au moins un objectif de "
            "signal n’est pas atteint : les analyses menées sur les avatars peuvent différer de "
            "celles menées sur les données d’origine. Envisager un k plus petit ou un ncp plus "
            "grand si l’utilité compte, puis vérifier à nouveau la confidentialité."
        ),
        "summary_not_assessed": (
            "Certaines métriques de confidentialité ou de signal n’ont pas été calculées pour au "
            "moins une table : aucune conclusion d’ensemble n’est possible. Calculer les "
            "métriques manquantes avant toute décision."
        ),
        "summary_table": "Table",
        "summary_privacy": "Confidentialité",
        "summary_signal": "Signal",
        "summary_targets_met": "{met} objectifs atteints sur {total}",
        "summary_not_computed": "non calculé",
        "summary_missed": "Non atteints : {labels}",
        "table_heading": "Table « {name} »",
        "dataset_heading": "Description des données",
        "dataset_rows": "Lignes (origine / avatars)",
        "dataset_columns": "Colonnes",
        "dataset_missing_cells": "Cellules manquantes (origine / avatars)",
        "col_variable": "Variable",
        "col_type": "Type",
        "col_missing_original": "Manquants (origine)",
        "col_missing_avatars": "Manquants (avatars)",
        "col_original": "Origine",
        "col_avatars": "Avatars",
        "columns_note": (
            "Variables continues : moyenne ± écart type. Variables catégorielles : nombre de "
            "modalités distinctes. Aucune valeur individuelle n’est reproduite dans ce rapport."
        ),
        "stat_mean_sd": "{mean} ± {sd}",
        "stat_categories": "{n} modalités",
        "stat_none": "aucune valeur",
        "parameters_heading": "Paramètres utilisés",
        "param_k": "k (nombre de voisins)",
        "param_ncp": "ncp (dimensions de la projection)",
        "param_imputation": "Imputation des valeurs manquantes",
        "param_imputation_method": "Méthode d’imputation",
        "param_imputation_k": "Voisins pour l’imputation",
        "param_imputation_training_fraction": "Fraction d’apprentissage de l’imputation",
        "param_exclude_variables": "Variables exclues",
        "param_passed_through": "Conservées telles quelles (constantes ou vides, sans information "
        "individuelle)",
        "param_exclude_replacement_strategy": "Réattribution des variables exclues",
        "param_pseudonymized_columns": "Colonnes d’identifiants pseudonymisées",
        "param_dp": "Confidentialité différentielle",
        "dp_anchor_declared": "{anchor} (déclarée par l’utilisateur, publique)",
        "dp_anchor_noisy max": "{anchor} (choisie parmi les colonnes catégorielles par le "
                               "maximum bruité d’OpenDP, budget ci-dessus)",
        "dp_anchor_column types": "{anchor} (d’après les types des colonnes)",
        "dp_statement": (
            "ε = {epsilon} : les avatars sont ε-différentiellement privés (DP pure, OpenDP) pour "
            "l’ajout ou le retrait d’un enregistrement ; protégés : la présence et chaque valeur "
            "de chaque enregistrement ; publics : noms et types des colonnes, catégories, "
            "paramètres. Budget dépensé : {budget} ; colonne d’ancrage {anchor}. Les "
            "enregistrements synthétiques ne sont pas appariés aux originaux."
        ),
        "dp_statement_approximate": (
            "ε = {epsilon}, approché : les comptages bruités sont ε-DP à bornes des colonnes "
            "continues fixées, mais ces bornes sont lues sur les données sans bruit : la table "
            "dans son ensemble n’est pas différentiellement privée. Budget dépensé : {budget} ; "
            "colonne d’ancrage {anchor}."
        ),
        "param_column_weights": "Poids des colonnes",
        "param_use_categorical_reduction": "Réduction des variables catégorielles",
        "param_seed": "Graine aléatoire",
        "param_variance_kept": "Variance portée par la projection",
        "param_engine_version": "Version du moteur",
        "param_duration": "Durée de l’avatarisation",
        "none": "aucune",
        "yes": "oui",
        "no": "non",
        "seconds": "{value} s",
        "privacy_heading": "Métriques de confidentialité",
        "privacy_intro": (
            "Un attaquant qui détient les données d’origine peut-il les retrouver parmi les "
            "avatars ? Chaque métrique simule une telle attaque. La colonne Objectif donne le "
            "sens de chaque métrique : « > » veut dire qu’une valeur plus élevée protège mieux "
            "(par exemple le taux de dissimulation), « < » qu’une valeur plus basse protège "
            "mieux (par exemple les risques d’individualisation, de corrélation et d’inférence)."
        ),
        "signal_heading": "Métriques de signal (utilité)",
        "signal_intro": (
            "Les avatars conservent-ils l’information statistique des données d’origine ? Ces "
            "métriques comparent la distribution de chaque variable et les liens entre variables."
        ),
        "col_metric": "Métrique",
        "col_value": "Valeur",
        "col_target": "Objectif",
        "col_result": "Résultat",
        "pass": "Conforme",
        "fail": "Non conforme",
        "info": "Information",
        "no_target": "sans objectif",
        "not_available": "n.d.",
        "no_metrics": "Ces métriques n’ont pas été calculées pour cette table.",
        "details_heading": "Chiffres complémentaires",
        "details_intro": "Chiffres calculés avec les métriques ci-dessus.",
        "per_variable_heading": "Métriques par variable",
        "per_variable_intro": (
            "Le comportement de chaque variable : les variables les plus exposées ou les moins "
            "fidèles sont les premières à agréger ou à écarter."
        ),
        "figures_heading": "Figures",
        "figure_projection": (
            "Projection des individus d’origine et des avatars sur les deux premières dimensions "
            "de l’analyse factorielle. Les avatars doivent couvrir la même zone que les individus "
            "d’origine sans se superposer à eux."
        ),
        "figure_distributions": (
            "Distribution de chaque variable dans les données d’origine et dans les avatars."
        ),
        "figure_correlations": (
            "Liens entre variables dans les données d’origine (à gauche) et dans les avatars "
            "(à droite), sur la même échelle de couleurs."
        ),
        "figure_time_series": (
            "Courbe moyenne de chaque variable qui évolue dans le temps, dans les séquences "
            "d’origine et dans les séquences avatars, avec une bande d’un écart-type entre "
            "individus."
        ),
        "figure_other": "Figure « {name} ».",
        "no_figures": "Aucune figure n’a été fournie pour cette table.",
        "methodology_batches": (
            "La table « {table} » a été avatarisée en {batches} lots de {rows} à {largest} "
            "individus. La projection (AFDM), le codage des variables et les donneurs de "
            "l’imputation ont été ajustés une seule fois, sur un échantillon de référence tiré "
            "au hasard de {reference} individus de toute la table, et partagés par tous les "
            "lots : tous les lots vivent dans le même espace. Les voisins d’un individu ont été "
            "cherchés parmi les individus de son seul lot. Les métriques de confidentialité et "
            "d’utilité ont été calculées lot par lot : chaque valeur présentée est la moyenne "
            "des valeurs des lots pondérée par leur taille, et le pire lot de chaque métrique "
            "est donné avec elle dans les fichiers de métriques."
        ),
        "methodology_heading": "Méthodologie",
        "methodology": (
            "La méthode avatar crée un individu synthétique, son avatar, pour chaque individu réel "
            "d’une table. Les variables sont d’abord projetées dans un espace de quelques "
            "dimensions (ncp) par une analyse factorielle de données mixtes (AFDM), qui traite "
            "ensemble variables numériques et catégorielles. Pour chaque individu, ses k plus "
            "proches voisins dans cet espace sont recherchés, l’individu lui-même exclu. L’avatar "
            "est un mélange pondéré aléatoire de ces voisins : les plus proches pèsent davantage "
            "et des facteurs aléatoires font de chaque avatar un nouveau tirage. Une valeur "
            "numérique est la moyenne pondérée des valeurs des voisins, plus une variation "
            "aléatoire aussi large que la leur et un léger bruit ; une valeur catégorielle est "
            "celle d’un voisin tiré au hasard, les voisins les plus lourds étant les plus "
            "probables. Chaque variable reçoit ensuite la "
            "distribution, l’étendue et l’arrondi des données d’origine (chaque modalité aussi "
            "fréquente que chez les originaux ; une variable aux nombreuses valeurs distinctes "
            "reçoit une version lissée de leur distribution, afin que les avatars les plus "
            "extrêmes ne portent pas les valeurs extrêmes des originaux). Les valeurs manquantes "
            "sont imputées avant la projection puis replacées ensuite. Les avatars sont mélangés "
            "avant d’être partagés, afin qu’aucun avatar ne puisse être relié à son original par "
            "sa position.",
            "La confidentialité est évaluée en simulant un attaquant qui détient les données "
            "d’origine et les recherche parmi les avatars (distances mesurées dans la projection "
            "ajustée sur les données d’origine), et en comptant les copies exactes "
            "d’enregistrements réels. L’utilité est évaluée en comparant la distribution de chaque "
            "variable et les liens entre variables. Un k plus grand apporte plus de "
            "confidentialité et moins de signal ; un ncp plus grand rend les voisins semblables "
            "à l’individu sur davantage d’aspects.",
            CONTROL_SET_METHOD_FR,
            "Verdict. " + VERDICT_RULE_FR,
            "Ces métriques mesurent le risque de réidentification à partir des variables des "
            "tables elles-mêmes. Elles ne remplacent pas l’évaluation du contexte de partage "
            "(destinataires, autres données dont ils disposent), qui est l’objet de l’analyse "
            "d’impact relative à la protection des données.",
        ),
        "reference": (
            "Référence : Guillaudeux M., Rousseau O., Petot J. et al., « Patient-centric synthetic "
            "data generation, no reason to risk re-identification in biomedical data "
            "analysis », npj Digital Medicine 6, 37 (2023), doi:10.1038/s41746-023-00771-5."
        ),
        "signature_heading": "Validation par le délégué à la protection des données",
        "signature_intro": (
            "J’ai pris connaissance de l’évaluation de la confidentialité et de l’utilité "
            "présentée dans ce rapport et prends la décision ci-dessous."
        ),
        "signature_name": "Nom",
        "signature_role": "Fonction",
        "signature_date": "Date",
        "signature_decision": "Décision",
        "signature_approved": "Partage autorisé",
        "signature_conditions": "Partage autorisé sous conditions",
        "signature_refused": "Partage refusé",
        "signature_comments": "Conditions / commentaires",
        "signature_signature": "Signature",
        "page_of": "Page {page} sur {total}",
        "type_int": "entier",
        "type_float": "décimal",
        "type_bool": "booléen",
        "type_category": "catégoriel",
        "type_datetime": "date/heure",
        "type_datetime_tz": "date/heure (avec fuseau)",
        "type_identifier": "identifiant (non avatarisé)",
    },
}

_METRICS: dict[str, dict[str, MetricWording]] = {
    "en": {
        "hidden_rate": MetricWording(
            "Hidden rate",
            "Share of individuals (%) for whom an attacker looking for the avatar closest to the "
            "real record picks someone else's avatar.",
        ),
        "local_cloaking": MetricWording(
            "Local cloaking",
            "Median number of other avatars closer to an individual than its own avatar: the "
            "crowd it hides in.",
        ),
        "distance_to_closest": MetricWording(
            "Distance to closest",
            "Median distance between an avatar and the nearest real individual, in the "
            "projection. Avatars too close to a real person could disclose them.",
        ),
        "closest_distances_ratio": MetricWording(
            "Closest distances ratio",
            "Median ratio of the distance from an avatar to its nearest real individual over the "
            "distance to the second nearest: high means no single real person stands out.",
        ),
        "column_direct_match_protection": MetricWording(
            "Column direct match protection",
            "For the most exposed variable, share of avatars (%) whose value differs from that "
            "of their own original.",
        ),
        "row_direct_match_protection": MetricWording(
            "Row direct match protection",
            "Share of avatars (%) that are not an exact copy of any real record.",
        ),
        "categorical_hidden_rate": MetricWording(
            "Categorical hidden rate",
            "Hidden rate computed on the categorical variables only.",
        ),
        "hellinger_mean": MetricWording(
            "Hellinger distance (mean)",
            "Average difference between the distribution of each variable in the original data "
            "and in the avatars (0 = identical, 1 = nothing in common).",
        ),
        "hellinger_std": MetricWording(
            "Hellinger distance (standard deviation)",
            "How much that difference varies from one variable to another.",
        ),
        "correlation_difference_ratio": MetricWording(
            "Correlation difference ratio",
            "Total change of the correlations between variables, as a percentage of the "
            "original correlations (0 = relations fully kept). Target: 10, or what two fresh "
            "samples of the table's size differ by (90th percentile) when that is higher.",
        ),
    },
    "fr": {
        "hidden_rate": MetricWording(
            "Taux de protection (hidden rate)",
            "Part des individus (%) pour lesquels un attaquant qui cherche l’avatar le plus "
            "proche de l’enregistrement réel désigne l’avatar de quelqu’un d’autre.",
        ),
        "local_cloaking": MetricWording(
            "Dissimulation locale (local cloaking)",
            "Nombre médian d’autres avatars plus proches d’un individu que son propre avatar : "
            "la foule dans laquelle il se cache.",
        ),
        "distance_to_closest": MetricWording(
            "Distance au plus proche",
            "Distance médiane entre un avatar et l’individu réel le plus proche, dans la "
            "projection. Un avatar trop proche d’une personne réelle pourrait la révéler.",
        ),
        "closest_distances_ratio": MetricWording(
            "Rapport des distances les plus proches",
            "Rapport médian entre la distance d’un avatar à l’individu réel le plus proche et la "
            "distance au deuxième : une valeur élevée signifie qu’aucune personne réelle ne "
            "se distingue.",
        ),
        "column_direct_match_protection": MetricWording(
            "Protection contre la correspondance par colonne",
            "Pour la variable la plus exposée, part des avatars (%) dont la valeur diffère de "
            "celle de leur propre original.",
        ),
        "row_direct_match_protection": MetricWording(
            "Protection contre la correspondance par ligne",
            "Part des avatars (%) qui ne sont la copie exacte d’aucun enregistrement réel.",
        ),
        "categorical_hidden_rate": MetricWording(
            "Taux de protection catégoriel",
            "Taux de protection calculé sur les seules variables catégorielles.",
        ),
        "hellinger_mean": MetricWording(
            "Distance de Hellinger (moyenne)",
            "Écart moyen entre la distribution de chaque variable dans les données d’origine et "
            "dans les avatars (0 = identiques, 1 = rien en commun).",
        ),
        "hellinger_std": MetricWording(
            "Distance de Hellinger (écart type)",
            "Variation de cet écart d’une variable à l’autre.",
        ),
        "correlation_difference_ratio": MetricWording(
            "Écart relatif des corrélations",
            "Variation totale des corrélations entre variables, en pourcentage des corrélations "
            "d’origine (0 = liens entièrement conservés). Objectif : 10, ou l’écart entre deux "
            "échantillons neufs de la taille de la table (90e centile) s’il est plus grand.",
        ),
    },
}

_DETAILS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "ncp": ("Dimensions of the projection used by the metrics", ""),
        "own_row_copy_rate": ("Avatars identical to their own original", "\u00a0%"),
        "any_row_copy_rate": ("Avatars identical to some original record", "\u00a0%"),
        "local_cloaking_mean": ("Local cloaking (mean)", ""),
        "hidden_rate_strict": ("Hidden rate, ties counted as found", "\u00a0%"),
        "correlation_pairs": ("Pairs of variables compared", ""),
        "column_direct_match_protection_by_column": ("Direct match protection", "\u00a0%"),
        "hellinger_by_variable": ("Hellinger distance", ""),
        "std_ratio_by_variable": ("Spread ratio (avatar / original)", ""),
    },
    "fr": {
        "ncp": ("Dimensions de la projection utilisées par les métriques", ""),
        "own_row_copy_rate": ("Avatars identiques à leur propre original", "\u00a0%"),
        "any_row_copy_rate": ("Avatars identiques à un enregistrement réel", "\u00a0%"),
        "local_cloaking_mean": ("Dissimulation locale (moyenne)", ""),
        "hidden_rate_strict": ("Taux de protection, égalités comptées comme trouvées", "\u00a0%"),
        "correlation_pairs": ("Paires de variables comparées", ""),
        "column_direct_match_protection_by_column": (
            "Protection contre la correspondance directe", "\u00a0%"
        ),
        "hellinger_by_variable": ("Distance de Hellinger", ""),
        "std_ratio_by_variable": ("Rapport des dispersions (avatar / origine)", ""),
    },
}

_VALUES: dict[str, dict[str, str]] = {
    "en": {},
    "fr": {
        "unknown": "inconnu",
        "undefined": "non défini",
        "internal": "interne",
        "partner": "partenaire",
        "research": "recherche",
        "public": "public",
        "health": "santé",
        "financial": "financières",
        "demographic": "démographiques",
        "behavioral": "comportementales",
        "other": "autre",
        "patients": "patients",
        "customers": "clients",
        "employees": "salariés",
        "citizens": "citoyens",
        "low": "faible",
        "medium": "moyen",
        "high": "élevé",
        "very_high": "très élevé",
    },
}

_MONTHS = {
    "en": [
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ],
    "fr": [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre",
    ],
}


@dataclass(frozen=True)
class Wording:
    """All the words of the report in one language.

    Attributes:
        language: "en" or "fr".
    """

    language: str

    def text(self, key: str, **values: object) -> str:
        """The sentence named ``key``, with ``{placeholders}`` filled from ``values``."""
        value = _TEXT[self.language][key]
        if not isinstance(value, str):
            raise KeyError(f"{key!r} is a multi-paragraph text: use paragraphs()")
        return value.format(**values)

    def paragraphs(self, key: str) -> tuple[str, ...]:
        """A multi-paragraph text (e.g. the methodology) as a tuple of paragraphs."""
        value = _TEXT[self.language][key]
        return value if isinstance(value, tuple) else (value,)

    def metric(self, key: str, label: str | None, description: str | None) -> MetricWording:
        """Label and explanation of metric ``key``; unknown metrics use the engine's words."""
        known = _METRICS[self.language].get(key)
        if known is not None:
            return known
        fallback_label = label or key.replace("_", " ").capitalize()
        return MetricWording(fallback_label, description or "")

    def detail(self, key: str) -> tuple[str, str]:
        """Label and unit of a supporting figure from the metrics' details."""
        known = _DETAILS[self.language].get(key)
        if known is not None:
            return known
        text = key.replace("_", " ").strip()
        return text[:1].upper() + text[1:], ""

    def value(self, raw: str) -> str:
        """A PIA value such as ``very_high``, translated and made readable."""
        translated = _VALUES[self.language].get(raw.strip().lower())
        if translated is not None:
            return translated
        return raw.replace("_", " ")

    def number(self, value: float, decimals: int) -> str:
        """``value`` with ``decimals`` digits in this language's notation (1,234.5 / 1 234,5)."""
        rendered = f"{value:,.{decimals}f}"
        if self.language == "fr":
            rendered = rendered.replace(",", "\u202f").replace(".", ",")
        return rendered

    def date(self, year: int, month: int, day: int) -> str:
        """A date written out, e.g. "3 March 2026" / "3 mars 2026"."""
        return f"{day} {_MONTHS[self.language][month - 1]} {year}"


def wording(language: str) -> Wording:
    """The report's wording in ``language`` ("en" or "fr").

    Raises:
        InvalidParameterError: for any other language.

    Example:
        >>> wording("en").text("fail")
        'Fail'
    """
    if language not in LANGUAGES:
        raise InvalidParameterError(
            "language",
            f"Report language {language!r} is not supported: use one of {', '.join(LANGUAGES)}.",
        )
    return Wording(language)
