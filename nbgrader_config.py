"""The course's nbgrader configuration: copy this file into your nbgrader course folder.

nbgrader reads ``nbgrader_config.py`` from the folder it runs in. With this configuration,
``nbgrader generate_assignment`` writes exactly the student copies of ``exercises/`` (a test of
the course checks it; ``python -m frlib exercises build`` writes them without nbgrader).

The one setting that differs from nbgrader's defaults is the placeholder that replaces a code
answer. nbgrader's default, ``raise NotImplementedError()``, stops *Run All* at the first answer
cell of a blank notebook, so a learner sees none of the checks. The course's placeholder, ``...``,
does nothing: *Run All* reaches every check, and each one says "not answered yet"
(``frlib.grading`` recognises the placeholder). The test cells carry the ``raises-exception``
tag, so a failed check does not stop *Run All* either; autograde still scores it zero.

Add your own settings below (``c.CourseDirectory.root``, the gradebook's ``db_url``, ...).
"""

c = get_config()  # noqa: F821 (nbgrader provides get_config when it reads this file)

# What replaces each "### BEGIN SOLUTION" ... "### END SOLUTION" region: frlib.grading.CODE_STUB.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\n..."}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
