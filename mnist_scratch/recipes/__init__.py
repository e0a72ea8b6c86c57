"""The named training recipes (``table``) and how one is trained from scratch (``run``)."""

from .run import run_recipe
from .table import BEST, RECIPES, Recipe, get_recipe

__all__ = ["Recipe", "RECIPES", "BEST", "get_recipe", "run_recipe"]
