"""One module per ``mlkata`` verb, each with ``add_arguments(parser)`` and ``run(args)``."""
