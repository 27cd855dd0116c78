"""The words of the privacy impact assessment (PIA), in English and French.

Example:
    >>> pia_text("fr", "title")
    'Analyse d’impact relative à la protection des données (AIPD)'
    >>> describe("en", "datarecipient", "opendata")[0]
    'Open data (general public)'
"""

from __future__ import annotations

from avatar_engine.errors import InvalidParameterError

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Privacy impact assessment (PIA)",
        "subtitle": "Release of avatar data: {name}",
        "generated": "Prepared on {date} from the run's metrics and metadata.",
        "intro": (
            "This assessment follows the structure of a data protection impact assessment "
            "(GDPR article 35): context of the processing, data concerned, the anonymisation "
            "measure, the re-identification risks named by the Article 29 Working Party "
            "(Opinion 05/2014 on anonymisation techniques: singling out, linkability, "
            "inference) as measured on the avatars, the measures in place, and the opinion of "
            "the data protection officer. Fields marked “to be completed” are the "
            "controller's to fill in."
        ),
        "to_complete": "to be completed by the controller",
        "h_context": "1. Context of the processing",
        "h_data": "2. Data concerned",
        "h_measure": "3. Anonymisation measure",
        "h_risks": "4. Re-identification risks (Article 29 Working Party criteria)",
        "h_level": "5. Residual risk",
        "h_measures": "6. Measures",
        "h_opinion": "7. Conclusion and opinion of the data protection officer",
        "f_processing": "Processing",
        "f_controller": "Data controller",
        "f_dpo": "Data protection officer",
        "f_purpose": "Purpose",
        "f_datarecipient": "Data recipient",
        "f_data_type": "Data type",
        "f_datasubject": "Data subjects",
        "f_sensitivity_level": "Sensitivity level",
        "f_legal_basis": "Legal status of the released data",
        "legal_basis": (
            "Anonymised data fall outside the GDPR (recital 26) once re-identification is no "
            "longer reasonably likely; the originals, and the avatars in original order, remain "
            "personal data."
        ),
        "col_field": "Field",
        "col_value": "Value",
        "col_description": "Description",
        "col_table": "Table",
        "col_individuals": "Individuals",
        "col_variables": "Variables",
        "col_names": "Variable names",
        "col_metric": "Measure",
        "col_target": "Target",
        "col_result": "Result",
        "col_criterion": "Criterion",
        "col_risk": "Residual risk",
        "col_parameter": "Parameter",
        "data_intro": (
            "Tables avatarized in this run. Each avatar is a synthetic individual built from "
            "the nearest neighbours of one real individual; the released table has the same "
            "variables and number of rows."
        ),
        "measure_intro": (
            "Method: avatarization. Each individual is projected into a space summarising all "
            "variables, and replaced by a random mixture of its k nearest neighbours; the "
            "avatars are shuffled before release. Parameters used:"
        ),
        "measure_release": (
            "Released: the shuffled avatars. Kept by the controller and never released: the "
            "original tables and the avatars in original order (used only to compute the "
            "metrics of this assessment)."
        ),
        "criterion_singling_out": "Singling out",
        "criterion_linkability": "Linkability",
        "criterion_inference": "Inference",
        "criterion_other": "Other privacy measures",
        "def_singling_out": (
            "Can an individual be isolated in the released data? Measured by how often the "
            "avatar closest to an individual is not that individual's own avatar (hidden rate, "
            "local cloaking), by the absence of copied rows and by a singling-out attack on the "
            "release."
        ),
        "def_linkability": (
            "Can records about the same individual be linked, in the release or with another "
            "source? Measured by the distances between originals and their closest avatar and "
            "by the share of values of each variable copied from the individual's own row and by "
            "a linkability attack."
        ),
        "def_inference": (
            "Can an attribute of an individual be deduced from the release? Measured on the "
            "categorical variables: how often an attacker who knows an individual's other "
            "values still picks a wrong avatar."
        ),
        "def_other": "Further privacy measures computed for this run.",
        "no_metric": "No privacy metric of this criterion was computed: risk not assessed.",
        "risk_low": "Low",
        "risk_medium": "Medium",
        "risk_high": "High",
        "risk_not_assessed": "Not assessed",
        "pass": "Target met",
        "fail": "Target missed",
        "info": "Information",
        "overall": "Overall residual risk",
        "level_intro": (
            "The residual risk of each criterion is low when every measure of it meets its "
            "target, high when one misses it. The overall risk also weighs the sensitivity of "
            "the data and who receives them: sensitive data released to the public or outside "
            "the European Union stay at medium risk even when every target is met."
        ),
        "technical": "Technical measures",
        "organisational": "Organisational measures",
        "t_avatar": "Avatarization with k = {k} neighbours per avatar; avatars shuffled before "
                    "release.",
        "t_metrics": "Privacy and utility metrics computed on every table before release "
                     "(section 4).",
        "t_originals": "Originals and avatars in original order kept in the controller's "
                       "storage, never released.",
        "t_identifiers": "Direct identifiers removed or pseudonymised before avatarization.",
        "o_default": "Record of processing updated with this release.",
        "o_review": "This assessment reviewed when the data, the parameters or the recipient "
                    "change.",
        "o_recipient_opendata": "Publication limited to the avatars; no other table of the "
                                "same individuals published alongside.",
        "o_recipient_contract": "Contract clause prohibiting any re-identification attempt "
                                "and onward transfer.",
        "o_recipient_internal": "Access limited to the authorised staff who need the data.",
        "o_recipient_outside_eu": "Transfer framework checked (GDPR chapter V) in case the "
                                  "release were judged personal data.",
        "o_recipient_unknown": "Recipient to be identified before release; the risk level is "
                               "to be reviewed then.",
        "conclusion_low": (
            "Every measured criterion meets its target: the residual risk of re-identification "
            "is low, and the avatars can be released to the recipient named above as "
            "anonymised data, with the measures of section 6."
        ),
        "conclusion_medium": (
            "Every measured criterion meets its target, but the sensitivity of the data and "
            "the recipient call for the additional measures of section 6 before release."
        ),
        "conclusion_high": (
            "At least one criterion misses its target ({missed}): the avatars should not be "
            "released as anonymised data. Raise k or review the variables, then run this "
            "assessment again."
        ),
        "conclusion_not_assessed": (
            "The privacy metrics were not computed for every table: the risk cannot be "
            "assessed. Run the privacy metrics, then this assessment again."
        ),
        "o_opinion": "Opinion of the data protection officer",
        "o_opinion_value": "☐ favourable   ☐ favourable with conditions   ☐ unfavourable",
        "o_name": "Name",
        "o_date": "Date",
        "o_signature": "Signature",
    },
    "fr": {
        "title": "Analyse d’impact relative à la protection des données (AIPD)",
        "subtitle": "Diffusion de données avatars : {name}",
        "generated": "Établie le {date} à partir des métriques et des métadonnées du traitement.",
        "intro": (
            "Cette analyse suit la structure d’une analyse d’impact relative à la protection "
            "des données (article 35 du RGPD) : contexte du traitement, données concernées, "
            "mesure d’anonymisation, risques de réidentification définis par le groupe de "
            "travail « Article 29 » (avis 05/2014 sur les techniques d’anonymisation : "
            "individualisation, corrélation, inférence) tels que mesurés sur les avatars, "
            "mesures en place et avis du délégué à la protection des données. Les champs "
            "« à compléter » relèvent du responsable de traitement."
        ),
        "to_complete": "à compléter par le responsable de traitement",
        "h_context": "1. Contexte du traitement",
        "h_data": "2. Données concernées",
        "h_measure": "3. Mesure d’anonymisation",
        "h_risks": "4. Risques de réidentification (critères du groupe de travail Article 29)",
        "h_level": "5. Risque résiduel",
        "h_measures": "6. Mesures",
        "h_opinion": "7. Conclusion et avis du délégué à la protection des données",
        "f_processing": "Traitement",
        "f_controller": "Responsable de traitement",
        "f_dpo": "Délégué à la protection des données",
        "f_purpose": "Finalité",
        "f_datarecipient": "Destinataire des données",
        "f_data_type": "Type de données",
        "f_datasubject": "Personnes concernées",
        "f_sensitivity_level": "Niveau de sensibilité",
        "f_legal_basis": "Statut juridique des données diffusées",
        "legal_basis": (
            "Les données anonymisées sortent du champ du RGPD (considérant 26) dès lors que la "
            "réidentification n’est plus raisonnablement possible ; les originaux, et les "
            "avatars dans l’ordre des originaux, restent des données personnelles."
        ),
        "col_field": "Champ",
        "col_value": "Valeur",
        "col_description": "Description",
        "col_table": "Table",
        "col_individuals": "Individus",
        "col_variables": "Variables",
        "col_names": "Noms des variables",
        "col_metric": "Mesure",
        "col_target": "Cible",
        "col_result": "Résultat",
        "col_criterion": "Critère",
        "col_risk": "Risque résiduel",
        "col_parameter": "Paramètre",
        "data_intro": (
            "Tables avatarisées dans ce traitement. Chaque avatar est un individu synthétique "
            "construit à partir des plus proches voisins d’un individu réel ; la table diffusée "
            "a les mêmes variables et le même nombre de lignes."
        ),
        "measure_intro": (
            "Méthode : avatarisation. Chaque individu est projeté dans un espace qui résume "
            "toutes les variables, puis remplacé par un mélange aléatoire de ses k plus proches "
            "voisins ; les avatars sont mélangés avant diffusion. Paramètres utilisés :"
        ),
        "measure_release": (
            "Diffusés : les avatars mélangés. Conservés par le responsable de traitement et "
            "jamais diffusés : les tables originales et les avatars dans l’ordre des originaux "
            "(utilisés seulement pour calculer les métriques de cette analyse)."
        ),
        "criterion_singling_out": "Individualisation",
        "criterion_linkability": "Corrélation",
        "criterion_inference": "Inférence",
        "criterion_other": "Autres mesures de confidentialité",
        "def_singling_out": (
            "Peut-on isoler un individu dans les données diffusées ? Mesuré par la fréquence à "
            "laquelle l’avatar le plus proche d’un individu n’est pas le sien (taux de "
            "protection, dissimulation locale) et par l’absence de lignes copiées."
        ),
        "def_linkability": (
            "Peut-on relier des enregistrements d’un même individu, dans la diffusion ou avec "
            "une autre source ? Mesuré par les distances entre les originaux et leur avatar le "
            "plus proche et par la part des valeurs de chaque variable copiées de la ligne de "
            "l’individu."
        ),
        "def_inference": (
            "Peut-on déduire un attribut d’un individu à partir de la diffusion ? Mesuré sur "
            "les variables catégorielles : à quelle fréquence un attaquant qui connaît les "
            "autres valeurs d’un individu choisit encore un mauvais avatar."
        ),
        "def_other": "Autres mesures de confidentialité calculées pour ce traitement.",
        "no_metric": "Aucune métrique de ce critère n’a été calculée : risque non évalué.",
        "risk_low": "Faible",
        "risk_medium": "Moyen",
        "risk_high": "Élevé",
        "risk_not_assessed": "Non évalué",
        "pass": "Cible atteinte",
        "fail": "Cible manquée",
        "info": "Information",
        "overall": "Risque résiduel global",
        "level_intro": (
            "Le risque résiduel d’un critère est faible quand toutes ses mesures atteignent "
            "leur cible, élevé quand l’une la manque. Le risque global tient aussi compte de la "
            "sensibilité des données et de leur destinataire : des données sensibles diffusées "
            "au public ou hors de l’Union européenne restent à un risque moyen même quand toutes "
            "les cibles sont atteintes."
        ),
        "technical": "Mesures techniques",
        "organisational": "Mesures organisationnelles",
        "t_avatar": "Avatarisation avec k = {k} voisins par avatar ; avatars mélangés avant "
                    "diffusion.",
        "t_metrics": "Métriques de confidentialité et d’utilité calculées sur chaque table avant "
                     "diffusion (section 4).",
        "t_originals": "Originaux et avatars dans l’ordre des originaux conservés chez le "
                       "responsable de traitement, jamais diffusés.",
        "t_identifiers": "Identifiants directs retirés ou pseudonymisés avant l’avatarisation.",
        "o_default": "Registre des traitements mis à jour avec cette diffusion.",
        "o_review": "Analyse revue à chaque changement des données, des paramètres ou du "
                    "destinataire.",
        "o_recipient_opendata": "Publication limitée aux avatars ; aucune autre table des mêmes "
                                "individus publiée à côté.",
        "o_recipient_contract": "Clause contractuelle interdisant toute tentative de "
                                "réidentification et tout transfert ultérieur.",
        "o_recipient_internal": "Accès limité au personnel habilité qui a besoin des données.",
        "o_recipient_outside_eu": "Cadre de transfert vérifié (chapitre V du RGPD) au cas où la "
                                  "diffusion serait jugée donnée personnelle.",
        "o_recipient_unknown": "Destinataire à identifier avant diffusion ; le niveau de risque "
                               "sera alors revu.",
        "conclusion_low": (
            "Tous les critères mesurés atteignent leur cible : le risque résiduel de "
            "réidentification est faible, et les avatars peuvent être diffusés au destinataire "
            "indiqué comme données anonymisées, avec les mesures de la section 6."
        ),
        "conclusion_medium": (
            "Tous les critères mesurés atteignent leur cible, mais la sensibilité des données "
            "et le destinataire appellent les mesures complémentaires de la section 6 avant "
            "diffusion."
        ),
        "conclusion_high": (
            "Au moins un critère manque sa cible ({missed}) : les avatars ne doivent pas être "
            "diffusés comme données anonymisées. Augmentez k ou revoyez les variables, puis "
            "refaites cette analyse."
        ),
        "conclusion_not_assessed": (
            "Les métriques de confidentialité n’ont pas été calculées pour toutes les tables : "
            "le risque ne peut pas être évalué. Calculez-les, puis refaites cette analyse."
        ),
        "o_opinion": "Avis du délégué à la protection des données",
        "o_opinion_value": "☐ favorable   ☐ favorable sous conditions   ☐ défavorable",
        "o_name": "Nom",
        "o_date": "Date",
        "o_signature": "Signature",
    },
}

# field -> value -> (label, description), per language. Both vocabularies in use are known:
# this SDK's (partner, research, public, ...) and the established platform's (opendata, ...).
_VALUES: dict[str, dict[str, dict[str, tuple[str, str]]]] = {
    "en": {
        "datarecipient": {
            "unknown": ("Not identified", "The recipients are not identified yet."),
            "internal": ("Internal", "Staff of the controller's own organisation."),
            "partner": ("Partner", "A partner organisation under contract."),
            "contractual_thirdparty": ("Third party under contract",
                                       "A third party bound to the controller by a contract "
                                       "(research partner, insurer, analytics firm)."),
            "trusted_thirdparty": ("Trusted third party",
                                   "A third party under a framework that prohibits "
                                   "re-identification (processor, repository, publisher)."),
            "research": ("Researchers", "Research teams, for scientific work."),
            "public": ("General public", "Anyone: the data are published."),
            "opendata": ("Open data (general public)",
                         "Anyone: the data are published in an open repository."),
            "outside_eu": ("Recipient outside the EU",
                           "An organisation established outside the European Union."),
        },
        "data_type": {
            "unknown": ("Not specified", "The kind of data is not specified yet."),
            "health": ("Health data", "Health data (GDPR article 9): diagnoses, treatments, "
                                      "outcomes."),
            "financial": ("Financial data", "Accounts, transactions, incomes."),
            "finance": ("Financial data", "Accounts, transactions, incomes, credit."),
            "demographic": ("Demographic data", "Age, sex, place of living, education."),
            "behavioral": ("Behavioural data", "Usage, habits, activity traces."),
            "hr": ("Human resources data", "Employment, pay, evaluations, training."),
            "mobility": ("Mobility data", "Trips, locations, timestamps."),
            "insurance": ("Insurance data", "Contracts, claims, beneficiaries."),
            "education": ("Education data", "Enrolment, results, attendance."),
            "other": ("Other", "Another kind of personal data."),
        },
        "datasubject": {
            "unknown": ("Not specified", "The data subjects are not specified yet."),
            "patients": ("Patients", "Patients or study participants."),
            "customers": ("Customers", "Customers or insured persons."),
            "clients": ("Clients", "Clients, customers or insured persons."),
            "employees": ("Employees", "Employees, applicants or contractors."),
            "citizens": ("Citizens", "Members of the public."),
            "users": ("Service users", "Users of digital, public or mobility services."),
            "students": ("Students", "Pupils and students."),
            "other": ("Other", "Other data subjects."),
        },
        "sensitivity_level": {
            "undefined": ("Not assessed", "The sensitivity has not been assessed yet."),
            "negligible": ("Negligible", "Harm to the data subjects is hardly conceivable."),
            "very_low": ("Very low", "Limited harm in unlikely cases."),
            "low": ("Low", "Limited inconvenience for the data subjects."),
            "medium": ("Medium", "Significant inconvenience that the subjects can overcome."),
            "high": ("High", "Serious consequences for the data subjects."),
            "very_high": ("Very high", "Special categories (GDPR article 9) or irreversible "
                                       "consequences."),
        },
    },
    "fr": {
        "datarecipient": {
            "unknown": ("Non identifié", "Les destinataires ne sont pas encore identifiés."),
            "internal": ("Interne", "Personnel de l’organisme du responsable de traitement."),
            "partner": ("Partenaire", "Un organisme partenaire sous contrat."),
            "contractual_thirdparty": ("Tiers sous contrat",
                                       "Un tiers lié au responsable de traitement par contrat "
                                       "(partenaire de recherche, assureur, société d’analyse)."),
            "trusted_thirdparty": ("Tiers de confiance",
                                   "Un tiers encadré par un dispositif qui interdit la "
                                   "réidentification (sous-traitant, entrepôt, éditeur)."),
            "research": ("Chercheurs", "Des équipes de recherche, pour des travaux "
                                       "scientifiques."),
            "public": ("Grand public", "Toute personne : les données sont publiées."),
            "opendata": ("Données ouvertes (grand public)",
                         "Toute personne : les données sont publiées dans un entrepôt ouvert."),
            "outside_eu": ("Destinataire hors UE",
                           "Un organisme établi hors de l’Union européenne."),
        },
        "data_type": {
            "unknown": ("Non précisé", "La nature des données n’est pas encore précisée."),
            "health": ("Données de santé", "Données de santé (article 9 du RGPD) : diagnostics, "
                                           "traitements, évolutions."),
            "financial": ("Données financières", "Comptes, transactions, revenus."),
            "finance": ("Données financières", "Comptes, transactions, revenus, crédit."),
            "demographic": ("Données démographiques", "Âge, sexe, lieu de vie, études."),
            "behavioral": ("Données comportementales", "Usages, habitudes, traces d’activité."),
            "hr": ("Données de ressources humaines", "Emploi, rémunération, évaluations, "
                                                     "formation."),
            "mobility": ("Données de mobilité", "Trajets, lieux, horodatages."),
            "insurance": ("Données d’assurance", "Contrats, sinistres, bénéficiaires."),
            "education": ("Données d’éducation", "Inscriptions, résultats, assiduité."),
            "other": ("Autre", "Une autre nature de données personnelles."),
        },
        "datasubject": {
            "unknown": ("Non précisé", "Les personnes concernées ne sont pas encore précisées."),
            "patients": ("Patients", "Patients ou participants à une étude."),
            "customers": ("Clients", "Clients ou assurés."),
            "clients": ("Clients", "Clients ou assurés."),
            "employees": ("Salariés", "Salariés, candidats ou prestataires."),
            "citizens": ("Citoyens", "Membres du public."),
            "users": ("Usagers", "Usagers de services numériques, publics ou de mobilité."),
            "students": ("Élèves et étudiants", "Élèves et étudiants."),
            "other": ("Autre", "Autres personnes concernées."),
        },
        "sensitivity_level": {
            "undefined": ("Non évalué", "La sensibilité n’a pas encore été évaluée."),
            "negligible": ("Négligeable", "Un préjudice est difficilement concevable."),
            "very_low": ("Très faible", "Préjudice limité dans des cas improbables."),
            "low": ("Faible", "Désagréments limités pour les personnes concernées."),
            "medium": ("Moyen", "Désagréments importants que les personnes peuvent surmonter."),
            "high": ("Élevé", "Conséquences graves pour les personnes concernées."),
            "very_high": ("Très élevé", "Catégories particulières (article 9 du RGPD) ou "
                                        "conséquences irréversibles."),
        },
    },
}


def _language(language: str) -> str:
    if language not in _TEXT:
        raise InvalidParameterError(
            "language", f"PIA language {language!r} is not supported: use one of en, fr."
        )
    return language


def pia_text(language: str, key: str, **values: object) -> str:
    """The PIA sentence ``key`` in ``language``, placeholders filled from ``values``."""
    return _TEXT[_language(language)][key].format(**values)


def normalize_value(raw: object) -> str:
    """``"Very High"`` / ``"very-high"`` / ``"VERY_HIGH"`` -> ``"very_high"``.

    Example:
        >>> normalize_value("Very High")
        'very_high'
    """
    return str(raw).strip().lower().replace("-", "_").replace(" ", "_")


def describe(language: str, field: str, raw: object) -> tuple[str, str]:
    """Label and description of the value ``raw`` of PIA field ``field``.

    Unknown values are shown as given, without a description.
    """
    value = normalize_value(raw)
    known = _VALUES[_language(language)][field].get(value)
    return known if known is not None else (str(raw), "")
