"""Spaces: persistent workspaces with switchable compute and lifecycle configurations."""
