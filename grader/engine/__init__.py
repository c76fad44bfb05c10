"""The check engine: exercises and their checks, the sandbox that runs submission code,
and the runner that scores a notebook from outside that sandbox.

See docs/grading-design.md for why the pieces are split the way they are.
"""
