"""`python -m govcat …` is the `govcat` command."""
from govcat.cli import main

main()
