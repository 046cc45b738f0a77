"""The ``spikeprop`` command line. One module per subcommand, each with
``add_parser(subparsers)`` and ``run(args) -> int``; heavy imports live inside ``run``
so that ``spikeprop --help`` answers instantly."""
