"""Calibration and sensitivity: from a scenario's guesses to estimates.

    [parameters] -> priors (uniform, or log-uniform over > 10x)
    [[observations]] -> targets (a quantity and the interval it should lie in)
    calibrate(): ABC-SMC with pyabc (Toni et al. 2009) -> posterior particles
    sensitivity(): Sobol indices with SALib (Saltelli 2002, 2010) -> which
        parameters drive the answers
    scale_check(): do the observed quantities depend on the scale?

Every evaluation is one run of the scenario through the ensemble machinery
(``ensemble.replicate.built_for``), on this process, a local pool or a Dask
cluster (``workers`` / ``cluster``). See docs/calibration.md.

>>> import rumormill.calibrate as cal
>>> fit = cal.calibrate("kpa-2025", scale=0.005, budget=4000)    # doctest: +SKIP
>>> fit.summary()                                                 # doctest: +SKIP
"""

from .abc import Calibration, calibrate, weighted_quantiles
from .model import ScenarioModel, model_for
from .observations import DAY_WEIGHT, IntervalDistance, Target, distance, targets_of
from .priors import Prior, default_params, priors_of
from .quantities import Quantity, measure
from .scale import scale_check
from .sobol import Sensitivity, analyse, default_outputs, sensitivity

__all__ = ["Calibration", "DAY_WEIGHT", "IntervalDistance", "Prior", "Quantity", "ScenarioModel", "Sensitivity",
           "Target", "analyse", "calibrate", "default_outputs", "default_params", "distance", "measure",
           "model_for", "priors_of", "scale_check", "sensitivity", "targets_of", "weighted_quantiles"]
