"""Export to Lava, netx, and a bit-exact numpy simulator."""
