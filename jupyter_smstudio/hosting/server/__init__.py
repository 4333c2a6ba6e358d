"""The model server that runs inside an endpoint's compute (a process group or a container).

It depends on the standard library and numpy only (scipy for NPZ when present), never
on Jupyter, so it starts fast and runs in a bare container image.
"""
