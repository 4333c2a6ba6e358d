"""Versioned transform operators (see ``base.Operator``)."""
