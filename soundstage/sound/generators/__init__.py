"""Procedural sound generators, one module per family; :mod:`families` lists them all."""
