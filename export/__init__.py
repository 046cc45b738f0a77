"""Export trained networks: a hardware-neutral description (``export.network``), Loihi
fixed-point quantisation (``export.quantize``), a bit-exact numpy simulator of Lava
(``export.fallback``), Lava itself (``export.lava.build``, lazily) and lava-dl netx HDF5
(``export.netx``). Importing this package imports neither torch nor Lava.
"""
