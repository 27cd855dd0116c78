"""The privacy verdict: which metrics decide whether avatars may be shared, and how.

This module is the single place where the rule lives; the report prints ``VERDICT_RULE``
(``VERDICT_RULE_FR`` in French) and every failed target becomes a message naming the leak.

Every deciding target is attainable by a perfect anonymization and missed by copies and
near-copies of the originals. The yardstick of "perfect" is the reference shuffle: every
column of the originals permuted independently (each column's frequencies kept, every link
between columns and individuals broken). A target the reference shuffle misses on a table is
lowered to what it achieves there:

- exact copies: at most 10 % of avatars are an exact copy of an original row, plus the share
  of copies the reference shuffle makes by chance (on a table of few categorical columns
  many combinations exist in the originals anyway);
- near copies: the median ratio of an avatar's distance to its closest original over the
  second closest (NNDR) is at least 0.3, or half the reference shuffle's when that is lower
  (a jittered copy sits on one original: ratio near 0);
- identifiers: no column whose original values are (nearly) all distinct keeps its own
  original's value in 10 % or more of the avatars;
- re-identification (when each avatar's original is known): hidden rate above 90 % and local
  cloaking above 5;
- WP29 risks, measured against a control set (see ``holdout_attacks``): singling-out,
  linkability and inference risks, and the DCR share, fail only when their 95 % confidence
  interval lies entirely above the target (risk 0.10, DCR share 60 %), so that a small control
  set does not fail sound avatars by chance.

The direct match rate of each column is information only: on a binary or low-cardinality
column a perfect random shuffle keeps about half of the values (e.g. 45.5 % on wbcd's Class),
so no anonymization could meet a target on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["CONTROL_SET_METHOD", "VERDICT_RULE", "failure_messages", "judged_value",
           "privacy_verdict"]

VERDICT_RULE = (
    "The avatars pass when every applicable privacy target is met; the others are shown for "
    "information. Targets are calibrated on a reference shuffle of the originals (every column "
    "permuted independently: frequencies kept, every link to an individual broken), and a target "
    "the reference shuffle misses is lowered to what it achieves. Exact copies: at most 10 % of "
    "avatars are an exact copy of an original row, plus the share the reference shuffle copies by "
    "chance. Near copies: the median ratio of an avatar's distance to its closest original over the"
    " second closest is at least 0.3 (or half the reference shuffle's). Identifiers: no column "
    "whose values are nearly all distinct keeps its own original's value in 10 % or more of the "
    "avatars. Re-identification, when each avatar's original is known: hidden rate above 90 % and "
    "local cloaking above 5. Against a control set the avatarization did not see: singling-out, "
    "linkability and inference risks not significantly above 0.10, and DCR share not significantly "
    "above 60 % (a failure only when the whole 95 % confidence interval is above). Per-column "
    "direct match rates and distances are information: a perfect shuffle keeps about half of a "
    "binary column."
)

VERDICT_RULE_FR = (
    "Les avatars sont conformes quand chaque cible applicable est atteinte ; les autres mesures "
    "sont données pour information. Les cibles sont calibrées sur un mélange de référence des "
    "données d’origine (chaque colonne permutée indépendamment : fréquences gardées, tout lien avec"
    " un individu rompu), et une cible que ce mélange manque est abaissée à ce qu’il obtient. "
    "Copies exactes : au plus 10 % des avatars sont la copie exacte d’une ligne d’origine, plus la "
    "part que le mélange de référence copie par hasard. Quasi-copies : le rapport médian de la "
    "distance d’un avatar à l’original le plus proche sur celle au deuxième est d’au moins 0,3 (ou "
    "la moitié de celui du mélange de référence). Identifiants : aucune colonne aux valeurs presque"
    " toutes distinctes ne garde la valeur de son original dans 10 % des avatars ou plus. "
    "Réidentification, quand l’original de chaque avatar est connu : taux de dissimulation "
    "au-dessus de 90 % et dissimulation locale au-dessus de 5. Face à un jeu de contrôle que "
    "l’avatarisation n’a pas vu : risques d’individualisation, de corrélation et d’inférence pas "
    "significativement au-dessus de 0,10, part DCR pas significativement au-dessus de 60 % (échec "
    "seulement quand tout l’intervalle de confiance à 95 % est au-dessus). Les taux de "
    "correspondance directe par colonne et les distances sont donnés pour information : un mélange "
    "parfait garde environ la moitié d’une colonne binaire."
)

CONTROL_SET_METHOD = (
    "Control set. The singling-out, linkability and inference risks (the three criteria of the "
    "Article 29 Working Party, measured as in Giomi et al., PoPETs 2023, the method of anonymeter) "
    "and the DCR share need original records that the avatarization did not see. A random 75 % of "
    "the rows is avatarized a second time with the same parameters; each attack is run against "
    "those training rows and against the other 25 % (the control set), and only the attacker's "
    "excess success on the training rows counts as risk: (training rate - control rate) / (1 - "
    "control rate), with its 95 % confidence interval (Wilson score, errors propagated). The "
    "avatars shared are made from all the rows by the same method; these risks stand for theirs. "
    "Singling out: 3-column predicates built from avatars that isolate one avatar, judged on tables"
    " of one size: a random sample of training rows as large as the control set, and their own "
    "avatars (a predicate isolates one row among fewer rows more easily, so a larger training set "
    "would show a risk even for a perfect generator). Linkability: the known columns split in two "
    "halves (alternate columns); an individual is linked when both halves point to the same closest"
    " avatar. Inference: the closest avatar on the known columns gives the guess of the target (a "
    "numeric target with many values is guessed within 5 %). The attacker knows the columns given "
    "as known variables (default: all but the target) and tries to infer the target (default: the "
    "last column). DCR share: share of avatars closer to a training row than to a control row, the "
    "training rows subsampled to the control set's size (50 %: nothing memorised)."
)

CONTROL_SET_METHOD_FR = (
    "Jeu de contrôle. Les risques d’individualisation, de corrélation et d’inférence (les trois "
    "critères du groupe de travail Article 29, mesurés comme dans Giomi et al., PoPETs 2023, la "
    "méthode d’anonymeter) et la part DCR demandent des enregistrements d’origine que "
    "l’avatarisation n’a pas vus. 75 % des lignes, tirées au hasard, sont avatarisées une seconde "
    "fois avec les mêmes paramètres ; chaque attaque est menée contre ces lignes d’entraînement et "
    "contre les 25 % restants (le jeu de contrôle), et seul le surcroît de succès sur les lignes "
    "d’entraînement compte comme risque : (taux d’entraînement - taux de contrôle) / (1 - taux de "
    "contrôle), avec son intervalle de confiance à 95 % (score de Wilson, erreurs propagées). Les "
    "avatars partagés sont faits de toutes les lignes par la même méthode ; ces risques valent pour"
    " eux. Individualisation : prédicats sur 3 colonnes tirés des avatars qui isolent un avatar, "
    "jugés sur des tables de même taille : un échantillon de lignes d’entraînement aussi grand que "
    "le jeu de contrôle, et leurs propres avatars (un prédicat isole plus facilement une ligne "
    "parmi moins de lignes : un jeu d’entraînement plus grand montrerait un risque même pour un "
    "générateur parfait). Corrélation : les variables connues sont coupées en deux moitiés (une "
    "colonne sur deux) ; un individu est relié quand les deux moitiés désignent le même avatar le "
    "plus proche. Inférence : l’avatar le plus proche sur les variables connues donne la valeur "
    "devinée de la cible (à 5 % près pour une cible numérique aux nombreuses valeurs). L’attaquant "
    "connaît les variables déclarées connues (par défaut : toutes sauf la cible) et cherche à "
    "inférer la cible (par défaut : la dernière colonne). Part DCR : part des avatars plus proches "
    "d’une ligne d’entraînement que d’une ligne de contrôle, les lignes d’entraînement réduites à "
    "la taille du jeu de contrôle (50 % : rien de mémorisé)."
)

FAILURE_MESSAGES = {
    "row_direct_match_protection": "exact copies of original rows: {share:.1f} % of avatars "
    "are copies (at most {limit:.1f} % allowed)",
    "closest_distances_ratio": "near copies of original rows: the avatars sit on single "
    "originals (median nearest-neighbour distance ratio {value:.3f}, target {target:g})",
    "identifier_carry_over": "identifier carried over: column {column!r} ties {value:.1f} % "
    "of avatars to their own original",
    "hidden_rate": "re-identification: only {value:.1f} % of individuals are hidden",
    "local_cloaking": "re-identification: median local cloaking {value:g} <= 5",
    "categorical_hidden_rate": "re-identification on categorical variables: {value:.1f} % "
    "hidden",
    "singling_out_risk": "singling-out risk {value:.3f} (95 % CI {low:.3f}-{high:.3f}) above "
    "{target:g}",
    "linkability_risk": "linkability risk {value:.3f} (95 % CI {low:.3f}-{high:.3f}) above "
    "{target:g}",
    "inference_risk": "inference risk {value:.3f} (95 % CI {low:.3f}-{high:.3f}) above "
    "{target:g}",
    "dcr_share": "memorisation: {value:.1f} % of avatars are closer to a training row than to "
    "an unseen one (95 % CI {low:.1f}-{high:.1f}, above {target:g} %)",
}


FAILURE_MESSAGES_FR = {
    "row_direct_match_protection": "copies exactes de lignes d’origine : {share:.1f} % des "
    "avatars sont des copies (au plus {limit:.1f} % admis)",
    "closest_distances_ratio": "quasi-copies de lignes d’origine : les avatars sont posés sur "
    "des originaux isolés (rapport médian des distances aux plus proches voisins {value:.3f}, "
    "objectif {target:g})",
    "identifier_carry_over": "identifiant reporté : la colonne {column!r} relie {value:.1f} % "
    "des avatars à leur propre original",
    "hidden_rate": "réidentification : seuls {value:.1f} % des individus sont dissimulés",
    "local_cloaking": "réidentification : dissimulation locale médiane {value:g} <= 5",
    "categorical_hidden_rate": "réidentification sur les variables catégorielles : {value:.1f} % "
    "dissimulés",
    "singling_out_risk": "risque d’individualisation {value:.3f} (IC 95 % {low:.3f}-{high:.3f}) "
    "au-dessus de {target:g}",
    "linkability_risk": "risque de corrélation {value:.3f} (IC 95 % {low:.3f}-{high:.3f}) "
    "au-dessus de {target:g}",
    "inference_risk": "risque d’inférence {value:.3f} (IC 95 % {low:.3f}-{high:.3f}) au-dessus "
    "de {target:g}",
    "dcr_share": "mémorisation : {value:.1f} % des avatars sont plus proches d’une ligne "
    "d’entraînement que d’une ligne non vue (IC 95 % {low:.1f}-{high:.1f}, au-dessus de "
    "{target:g} %)",
}
_TARGET_NOT_MET = {"en": "{label}: target not met", "fr": "{label} : objectif non atteint"}


def failure_messages(language: str = "en") -> Mapping[str, str]:
    """The message template of each deciding metric in ``language`` ("en" or "fr").

    Example:
        >>> failure_messages("fr")["hidden_rate"].split(" :")[0]
        'réidentification'
    """
    return FAILURE_MESSAGES_FR if language == "fr" else FAILURE_MESSAGES


def judged_value(entry: Mapping[str, Any]) -> float | None:
    """The figure compared to the target: the CI bound nearest to passing when a CI exists.

    Example:
        >>> judged_value({"value": 0.2, "ci": [0.05, 0.35], "direction": "lower"})
        0.05
    """
    value = entry.get("value")
    ci = entry.get("ci")
    if value is None or not ci:
        return None if value is None else float(value)
    return float(ci[0] if entry.get("direction") == "lower" else ci[1])


def privacy_verdict(metrics: Mapping[str, Mapping[str, Any]],
                    details: Mapping[str, Any] | None = None,
                    language: str = "en") -> tuple[bool, list[str]]:
    """(passed, one message per failed target naming the leak, in ``language``).

    Example:
        >>> ok = {"row_direct_match_protection": {"value": 99.0, "passed": True}}
        >>> privacy_verdict(ok)
        (True, [])
        >>> copies = {"value": 85.0, "target": 90.0, "passed": False}
        >>> passed, messages = privacy_verdict({"row_direct_match_protection": copies})
        >>> passed, messages[0].split(":")[0]
        (False, 'exact copies of original rows')
        >>> privacy_verdict({"row_direct_match_protection": copies}, language="fr")[1][0][:14]
        'copies exactes'
    """
    templates = failure_messages(language)
    messages = []
    for name, entry in metrics.items():
        if entry.get("passed") is not False:
            continue
        value = entry.get("value")
        ci = entry.get("ci") or [value, value]
        template = templates.get(name)
        if template is None or value is None:
            messages.append(_TARGET_NOT_MET.get(language, _TARGET_NOT_MET["en"]).format(
                label=entry.get("label", name)))
            continue
        target = float(entry.get("target") or 0.0)
        messages.append(template.format(
            value=value, share=100.0 - float(value), low=ci[0], high=ci[1], target=target,
            limit=100.0 - target,
            column=(details or {}).get("identifier_carry_over_column")))
    return not messages, messages
