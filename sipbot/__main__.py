"""`python -m sipbot` is the `sipbot` command."""

from sipbot.cli import main

main()
