"""The ``emoface`` console command (``main``) and the subcommands that belong to no other package.

Subcommands that belong to a package live there (``server.bake.cli``, ``server.preview.cli``, ...).
"""
