"""nbgrader's generate_assignment for several assignments, in one process.

``nbgrader generate_assignment`` takes one assignment per run, and each run spends about
four seconds starting nbgrader and loading the course config. This runs the same converter
through nbgrader's own API (what the formgrader's Generate button calls) for each
assignment in turn, in one process started in the course folder::

    python -m grader.course.generate NAME [NAME ...]

It prints one line per assignment and stops at the first that fails, exit status 1, with
nbgrader's log of that one on stderr.
"""

from __future__ import annotations

import sys


def main(names: list[str]) -> int:
    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.nbgraderapp import NbGraderApp

    app = NbGraderApp()
    app.initialize([])  # reads nbgrader_config.py from this folder, as the CLI does
    api = NbGraderAPI(config=app.config)
    for name in names:
        result = api.generate_assignment(name, force=True)
        if not result["success"]:
            print(result.get("log", ""), result.get("error", ""), sep="\n", file=sys.stderr)
            return 1
        print(f"generated {name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
