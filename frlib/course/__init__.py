"""The course's tooling, apart from the science: what the lessons and exercises run on.

* :mod:`frlib.course.grading`: the checks that the test cells of the graded exercises call;
* :mod:`frlib.course.exercises`: writes ``exercises/`` from ``solutions/`` as nbgrader would
  (it needs ``nbformat``, a test dependency, so nothing imports it at start-up);
* :mod:`frlib.course.environment`: the environment check of lesson 00.

Import the module you need, for example ``from frlib.course import grading``; this package
imports none of them by itself. Exercise notebooks handed out earlier write
``from frlib import grading``, which still works (see :mod:`frlib`).
"""
