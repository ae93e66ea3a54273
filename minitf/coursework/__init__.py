"""Coursework: assignments generated from the reference, graded by the spec."""
