"""Hostile inputs (issue 12): each case asserts its reject or warning and that the good files still load."""
