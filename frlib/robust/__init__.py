"""Learning with noisy labels (lesson 03, the tutorial's Part I): one import for the whole family.

``from frlib import robust`` gives every public name below; each lives in one small module:

==========================  ===================================================================
module                      what it holds
==========================  ===================================================================
``robust.noisy_data``       the noisy tasks: :class:`LabelledSplit` (the digits or any
                            :class:`frlib.data.Split`), symmetric and pair label noise
``robust.memorization``     the memorisation effect, epoch by epoch (section 1)
``robust.transition``       defences that model the noise with a transition matrix T: forward
                            and backward correction, the noise adaptation layer, importance
                            reweighting, T estimated from anchor points (sections 2, 3)
``robust.losses``           noise-robust losses: bootstrapping, generalized cross entropy (4)
``robust.selection``        small-loss selection (Co-teaching) and label correction (SELFIE) (5, 6)
``robust.morph``            MORPH, selection by self-transition (Song et al. 2021) (5)
``robust.rml``              RML, learning to reweight against a clean validation set (7)
``robust.compare``          every defence on one noisy task, over noise rates and seeds
``robust._common``          what they share: the network (trained by
                            :func:`frlib.models.train_model`), :class:`RobustFit`, plain
                            training, the precision and recall of noise detection
==========================  ===================================================================

Labels are class indices 0 .. K-1 everywhere (binary labels are the case K = 2), and every
classifier outputs K logits.
"""

from ._common import (
    RobustFit,
    TrainConfig,
    check_training_data,
    detection_scores,
    digits_config,
    fit_plain,
    make_network,
    predict_labels,
    synthetic_config,
)
from .compare import ROBUST_METHODS, NoisyTask, compare_methods, evaluate_fit, make_task, summarize_comparison
from .losses import BOOTSTRAP_KINDS, bootstrap_loss, fit_bootstrap, fit_gce, gce_loss
from .memorization import memorization_curves
from .morph import estimate_noise_rate, fit_morph, memorised_mask
from .noisy_data import NOISE_KINDS, LabelledSplit, add_label_noise, from_dataset_split, load_digits_split, noise_matrix
from .rml import KEEP_ABOVE, check_validation_labels, fit_rml, rml_example_weights
from .selection import (
    check_forget_rate,
    fit_coteaching,
    fit_selfie,
    forget_rate_schedule,
    prediction_entropy,
    small_loss_indices,
)
from .transition import (
    MAX_CONDITION_NUMBER,
    NoiseAdaptationLayer,
    backward_corrected_loss,
    check_invertible,
    confusion_transition,
    estimate_transition,
    estimate_transition_matrix,
    estimator_config,
    fit_backward_correction,
    fit_forward_correction,
    fit_importance_reweighting,
    fit_noise_adaptation,
    forward_corrected_loss,
    importance_weights,
    noisy_log_probabilities,
    noisy_posterior,
)

__all__ = [
    "estimate_noise_rate",
    "fit_morph",
    "memorised_mask",
    "BOOTSTRAP_KINDS",
    "KEEP_ABOVE",
    "MAX_CONDITION_NUMBER",
    "NOISE_KINDS",
    "ROBUST_METHODS",
    "LabelledSplit",
    "NoiseAdaptationLayer",
    "NoisyTask",
    "RobustFit",
    "TrainConfig",
    "add_label_noise",
    "backward_corrected_loss",
    "bootstrap_loss",
    "check_forget_rate",
    "check_invertible",
    "check_training_data",
    "check_validation_labels",
    "compare_methods",
    "confusion_transition",
    "detection_scores",
    "digits_config",
    "estimate_transition",
    "estimate_transition_matrix",
    "estimator_config",
    "evaluate_fit",
    "fit_backward_correction",
    "fit_bootstrap",
    "fit_coteaching",
    "fit_forward_correction",
    "fit_gce",
    "fit_importance_reweighting",
    "fit_noise_adaptation",
    "fit_plain",
    "fit_rml",
    "fit_selfie",
    "forget_rate_schedule",
    "forward_corrected_loss",
    "from_dataset_split",
    "gce_loss",
    "importance_weights",
    "load_digits_split",
    "make_network",
    "make_task",
    "memorization_curves",
    "noise_matrix",
    "noisy_log_probabilities",
    "noisy_posterior",
    "predict_labels",
    "prediction_entropy",
    "rml_example_weights",
    "small_loss_indices",
    "summarize_comparison",
    "synthetic_config",
]
