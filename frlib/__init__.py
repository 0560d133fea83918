"""frlib: the helper package of the course "Fair and robust training, from metrics to FR-Train".

One module per idea, in the order the course teaches it:

=====================  =====================================================  =======
module                 what it holds                                          lesson
=====================  =====================================================  =======
``config``             the quick / full budget switch (``FRLIB_QUICK``)       all
``data``               synthetic data, COMPAS, AdultCensus, splits, tensors   00-02
``datafiles``          the shipped real data files, checked by sha256         01, 02
``metrics``            accuracy, disparate impact, equalized odds, ...        01
``poison``             label noise models and the paper's attack              02
``models``             logistic regression, MLP, seeded full-batch training   01, 02
``robust``             label noise defences on digits and synthetic data      03
``robust_*``           transition, loss, selection, RML, comparison           03
``fair``               fair training: methods, knob rule, table methods       04
``fair_*``             reweighing, FC, LBC, AD, post-processing;              04, 09
                       noisy sensitive attributes, fair and robust selection
``mi``                 entropy, MI, discriminator and variational estimates   05
``frtrain``            FR-Train as a batched grid of configurations           06, 07
``frtrain_reference``  FR-Train one configuration at a time, autograd         06
``frtrain_compiled``   the grid's C kernel, built once with the C compiler    06-09
``paper``              the paper's published tables, ours next to them        07
``crowd``, ``crowd_*`` crowd workers, majority vote, Dawid-Skene, the authors' 08
                       crowdsourcing files
``experiments``        the paper's clean / poisoned protocol over seeds       02-07
``plots``              figures shared by several lessons                      01, 02, 07
``environment``        the environment check of lesson 00                     00
``grading``            the checks that exercise test cells call               01-
``exercises``          writes exercises/ from solutions/ as nbgrader would    01-
``cli``                ``python -m frlib table ...``, ``exercises build``     02
=====================  =====================================================  =======
"""

__version__ = "0.1.0"
