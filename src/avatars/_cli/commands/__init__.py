"""One module per `avatars` sub-command.

Each module defines ``ORDER`` (its place in ``avatars --help``) and ``register(commands)``, which
adds the sub-parser and sets ``handler`` (arguments in, exit code out). `avatars._cli.arguments`
finds the modules here by themselves: adding a command is adding a module.
"""
