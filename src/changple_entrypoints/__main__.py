"""`python -m changple_entrypoints` runs the `changple` command."""

from changple_entrypoints.launcher import main

main()
