"""Fair training against data bias (lesson 04, the tutorial's Part II; lesson 09): one import for the family.

``from frlib import fair`` gives every public name below; each lives in one small module:

=========================  ===================================================  ==================
family                     method                                               module
=========================  ===================================================  ==================
pre-processing             reweighing (Kamiran and Calders 2012)                ``fair.reweighing``
pre-processing             repair, the DI remover (Feldman et al. 2015)         ``fair.repair``
in-processing              FC, the covariance constraint (Zafar et al. 2017)    ``fair.constraints``
in-processing              LBC, label bias correction (Jiang and Nachum 2020)   ``fair.lbc``
in-processing              AD, adversarial debiasing (Zhang et al. 2018)        ``fair.adversarial``
post-processing            group thresholds (Hardt et al. 2016)                 ``fair.postprocessing``
the paper's knob rule      each knob chosen on the clean validation set         ``fair.knob``
two-step baselines         their first step: RML's weights, or what RML keeps   ``fair.two_step``
noisy groups (lesson 09)   Lamy et al.'s noise-tolerant fairness (2019)         ``fair.noisy_groups``
selection (lesson 09)      fair and robust sample selection (Roh et al. 2021)   ``fair.robust_selection``
=========================  ===================================================  ==================

Every method trains the course's :class:`frlib.models.LogisticRegression` (the exact weighted fit
:func:`fit_weighted_logistic`) and takes per-example weights; what they share, and what
``sample_weight`` means for them, is in the private ``fair._common``. The table's methods (FC,
LBC, AD and the two-step RML+FC, RML->FC, ...) are in :mod:`frlib.methods`.
"""

from ._common import (
    CRITERIA,
    DEFAULT_L2,
    TARGET_DI,
    check_fairness_data,
    check_target_di,
    fit_weighted_logistic,
    logistic_loss_and_gradient,
    newton_logistic,
    one_thread,
)
from .adversarial import ad_path, adversary_gradients, adversary_loss, fit_ad, project_out
from .constraints import covariance_direction, decision_boundary_covariance, fc_path, fit_fc, unconstrained_covariance
from .knob import FAIR_METHODS, KNOB_NAMES, Choice, FairFit, choose_setting, fit_fair, knob_grid, rates_of_many
from .lbc import LBCPath, fit_lbc, lbc_path, lbc_weights
from .repair import repair_column, repair_features
from .noisy_groups import (
    ToleranceFit,
    check_group_flip_rate,
    fit_fc_within_tolerance,
    flip_groups,
    mixture_rates,
    mixture_rates_from_observed,
    noise_tolerant_tolerance,
    unmix_group_rates,
)
from .postprocessing import GroupThresholds, fit_group_thresholds
from .reweighing import fit_reweighing, reweighing_weights
from .robust_selection import (
    ASSUMED_NOISE_RATE,
    SelectionFit,
    check_noise_rate,
    fit_fair_robust_selection,
    group_budgets,
    group_weights,
    select_small_loss,
    selection_size,
    update_shares,
)
from .two_step import rml_fit, rml_sanitise, rml_weights

__all__ = [
    "repair_column",
    "repair_features",
    "ASSUMED_NOISE_RATE",
    "CRITERIA",
    "DEFAULT_L2",
    "FAIR_METHODS",
    "KNOB_NAMES",
    "TARGET_DI",
    "Choice",
    "FairFit",
    "GroupThresholds",
    "LBCPath",
    "SelectionFit",
    "ToleranceFit",
    "ad_path",
    "adversary_gradients",
    "adversary_loss",
    "check_fairness_data",
    "check_group_flip_rate",
    "check_noise_rate",
    "check_target_di",
    "choose_setting",
    "covariance_direction",
    "decision_boundary_covariance",
    "fc_path",
    "fit_ad",
    "fit_fair",
    "fit_fair_robust_selection",
    "fit_fc",
    "fit_fc_within_tolerance",
    "fit_group_thresholds",
    "fit_lbc",
    "fit_reweighing",
    "fit_weighted_logistic",
    "flip_groups",
    "group_budgets",
    "group_weights",
    "knob_grid",
    "lbc_path",
    "lbc_weights",
    "logistic_loss_and_gradient",
    "mixture_rates",
    "mixture_rates_from_observed",
    "newton_logistic",
    "noise_tolerant_tolerance",
    "one_thread",
    "project_out",
    "rates_of_many",
    "reweighing_weights",
    "rml_fit",
    "rml_sanitise",
    "rml_weights",
    "select_small_loss",
    "selection_size",
    "unconstrained_covariance",
    "unmix_group_rates",
    "update_shares",
]
