"""Prompt templates, one text file per job; ``load(name)`` reads ``prompts/NAME.txt``."""

from functools import cache
from importlib.resources import files


@cache
def load(name: str) -> str:
    return (files(__name__) / f"{name}.txt").read_text(encoding="utf-8").strip()
